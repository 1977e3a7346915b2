package steps

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/ceremony-dev/ceremony/dnssec"
	"github.com/ceremony-dev/ceremony/pgpwords"
)

// EvDNSSECKSK records a KSK's DNS records written: its DNSKEY, tags and DS.
const EvDNSSECKSK = "dnssec.ksk"

// DNSSECKSK: write a token key as a zone's KSK: its DNSKEY record (flags
// 257), its key tag and the tag it will have when revoked, its DS records
// and an RFC 7958 trust-anchor file; the SHA-256 DS digest is shown in hex
// and PGP words for reading to the registrar or the parent.
// Lua: dnssec.ksk { key = "ksk-2026", zone = "example.org.", digests = { "2", "4" }, out = "ksk" }
//
//	-> { dnskey, tag, revoked_tag, ds }
type DNSSECKSK struct {
	At
	Key     string
	Zone    string
	Digests []uint8
	Out     string
}

func init() {
	register(Primitive{Name: "dnssec.ksk", Parse: func(a Args, at At) (Call, error) {
		k := DNSSECKSK{At: at, Key: a.String("key", true), Zone: a.String("zone", true), Out: a.String("out", true)}
		if _, err := dnssec.NameWire(k.Zone); err != nil {
			return nil, err
		}
		if !plainArtifactName(k.Out) {
			return nil, fmt.Errorf("out %q: letters, digits, '-' and '_' only; .dnskey, .ds and -anchors.xml are added", k.Out)
		}
		ds := a.Strings("digests")
		if ds == nil {
			ds = []string{"2"}
		}
		for _, d := range ds {
			if d != "2" && d != "4" {
				return nil, fmt.Errorf("digests: %q; use 2 (SHA-256) and 4 (SHA-384)", d)
			}
			n, _ := strconv.Atoi(d)
			k.Digests = append(k.Digests, uint8(n))
		}
		return k, nil
	}})
}

func (k DNSSECKSK) Placeholder() any {
	return map[string]any{"dnskey": "{dnskey}", "tag": 0, "revoked_tag": 0, "ds": "{ds}"}
}
func (k DNSSECKSK) Brief() string { return k.brief(k.Key + " for " + k.Zone) }
func (k DNSSECKSK) Paper() string {
	return fmt.Sprintf("Write key %s as the KSK of %s: DNSKEY %s.dnskey, DS %s.ds, trust anchor %s-anchors.xml; write its key tag and DS digest here: ________ ________________________________",
		k.Key, k.Zone, k.Out, k.Out, k.Out)
}
func (k DNSSECKSK) Lint(l Linter) {
	l.Artifact(k.Out + ".dnskey")
	l.Artifact(k.Out + ".ds")
	l.Artifact(k.Out + "-anchors.xml")
}

type dnssecKSKData struct {
	Key        string            `json:"key"`
	Zone       string            `json:"zone"`
	Tag        uint16            `json:"tag"`
	RevokedTag uint16            `json:"revoked_tag"`
	DS         []string          `json:"ds"`
	Files      map[string]string `json:"files"`
}

func (k DNSSECKSK) Run(ctx context.Context, h Host) (any, error) {
	var d dnssecKSKData
	rec, err := replaySigned(h, k, EvDNSSECKSK, "interrupted before the KSK's records were recorded", &d)
	if err != nil {
		return nil, err
	}
	if rec.Found() {
		if d.Key != k.Key || d.Zone != k.Zone {
			return nil, diverged(h, rec, "KSK %s of %s is recorded where the script writes %s of %s", d.Key, d.Zone, k.Key, k.Zone)
		}
		if err := checkFiles(h, rec, d.Files); err != nil {
			return nil, err
		}
	} else if d, err = k.write(ctx, h); err != nil {
		return nil, err
	}
	h.Show(fmt.Sprintf("KSK %s of %s, key tag (revoked)", d.Key, d.Zone), fmt.Sprintf("%d (%d)", d.Tag, d.RevokedTag))
	h.Show("DS", strings.Join(d.DS, "\n"))
	return map[string]any{"dnskey": k.Out + ".dnskey", "tag": int(d.Tag), "revoked_tag": int(d.RevokedTag), "ds": strings.Join(d.DS, "\n")}, nil
}

func (k DNSSECKSK) write(ctx context.Context, h Host) (dnssecKSKData, error) {
	signer, err := tokenKey(ctx, h, k.Key)
	if err != nil {
		return dnssecKSKData{}, err
	}
	key, err := dnssec.KeyFromPublic(signer.Public(), dnssec.FlagZone|dnssec.FlagSEP)
	if err != nil {
		return dnssecKSKData{}, err
	}
	revoked := key
	revoked.Flags |= dnssec.FlagRevoke
	zone := strings.TrimSuffix(k.Zone, ".") + "."
	d := dnssecKSKData{Key: k.Key, Zone: zone, Tag: key.Tag(), RevokedTag: revoked.Tag()}
	dnskey := fmt.Sprintf("%s 172800 IN DNSKEY %d %d %d %s\n", zone, key.Flags, key.Protocol, key.Algorithm, base64.StdEncoding.EncodeToString(key.PublicKey))
	var ds strings.Builder
	var anchors strings.Builder
	fmt.Fprintf(&anchors, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TrustAnchor id=\"%s\" source=\"%s\">\n<Zone>%s</Zone>\n", h.Ceremony(), k.Out+"-anchors.xml", zone)
	var sha256DS string
	for _, t := range k.Digests {
		dg, err := key.DS(zone, t)
		if err != nil {
			return dnssecKSKData{}, err
		}
		if t == 2 {
			sha256DS = dg
		}
		line := fmt.Sprintf("%s IN DS %d %d %d %s", zone, key.Tag(), key.Algorithm, t, dg)
		d.DS = append(d.DS, line)
		ds.WriteString(line + "\n")
		fmt.Fprintf(&anchors, "<KeyDigest id=\"%s\" validFrom=\"%s\">\n<KeyTag>%d</KeyTag>\n<Algorithm>%d</Algorithm>\n<DigestType>%d</DigestType>\n<Digest>%s</Digest>\n</KeyDigest>\n",
			k.Key, h.Now().UTC().Format("2006-01-02T15:04:05+00:00"), key.Tag(), key.Algorithm, t, dg)
	}
	anchors.WriteString("</TrustAnchor>\n")
	names, sums, err := saveFiles(h, [][2]string{{k.Out + ".dnskey", dnskey}, {k.Out + ".ds", ds.String()}, {k.Out + "-anchors.xml", anchors.String()}})
	if err != nil {
		return dnssecKSKData{}, err
	}
	d.Files = sums
	text := fmt.Sprintf("KSK %s of %s: key tag %d (revoked: %d), algorithm %d, saved as %s.\n%s", k.Key, zone, d.Tag, d.RevokedTag, key.Algorithm, strings.Join(names, ", "), ds.String())
	if sha256DS != "" {
		raw, _ := hex.DecodeString(sha256DS)
		text += "SHA-256 DS digest to read to the registrar:\n  " + strings.Join(pgpwords.Encode(raw), " ") + "\n"
	}
	if err := confirmStep(ctx, h, text+"Write the key tag and the digest on the paper script."); err != nil {
		return dnssecKSKData{}, err
	}
	return d, h.Append(EvDNSSECKSK, "", d)
}
