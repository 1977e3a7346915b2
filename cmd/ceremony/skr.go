package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/ceremony-dev/ceremony/dnssec"
	"github.com/ceremony-dev/ceremony/durable"
)

func init() {
	register(&command{
		name:    "ksr",
		summary: "check a DNSSEC Key Signing Request offline, as the ceremony will",
		run:     runKSR,
	})
	register(&command{
		name:    "skr",
		summary: "check a DNSSEC Signed Key Response offline: every bundle's signatures",
		run:     runSKR,
	})
}

const skrUsage = `Usage: ceremony skr check SKR [--ksk FILE]

Reads a Signed Key Response (IANA's XML, as the root zone's KSK operator
returns it) strictly, and checks every bundle: each key's tag is the one its
data gives, the keys share one TTL, and at least one signature, each by a
key-signing key of the bundle, for the zone and the bundle's times and within
the KSK policy's signature validity, verifies over the bundle's DNSKEY RRset.
With --ksk, a file of DNSKEY records the checker trusts (the ksk.dnskey of
the KSK ceremony), every bundle must also be signed by one of them
(SKR-TRUSTED-KSK). It prints each bundle's times, ZSK tags and KSK tags (S:
signs the bundle, R: published revoked), then each problem by the name of its
check.

For the ZSK operator receiving an SKR, and for auditors. Exit status: 0 all
checks pass, 1 a check fails, 2 usage or an unreadable file.

EXAMPLE
  ceremony skr check skr-root-2017-q2-0.xml
`

func runSKR(args []string, s stdio) int {
	if len(args) == 0 || args[0] != "check" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(s.out, skrUsage)
			return exitOK
		}
		fmt.Fprint(s.err, skrUsage)
		return exitUsage
	}
	flags := newFlags(s, "skr check SKR [--ksk FILE]", strings.SplitN(skrUsage, "\n\n", 3)[1], "ceremony skr check skr-root-2017-q2-0.xml")
	kskPath := flags.String("ksk", "", "a `file` of trusted DNSKEY records that must sign every bundle")
	pos, code := parseArgs(flags, args[1:])
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		errorf(s.err, "skr check takes one SKR file")
		return exitUsage
	}
	f, code := readDNSSECFile(pos[0], s)
	if f == nil {
		return code
	}
	probs, views := dnssec.CheckResponse(f)
	if *kskPath != "" {
		b, err := durable.ReadFile(*kskPath, maxSmallFile)
		if err != nil {
			errorf(s.err, "%v", err)
			return exitUsage
		}
		trusted, err := dnssec.ParseDNSKEY(string(b))
		if err != nil {
			errorf(s.err, "%s: %v", *kskPath, err)
			return exitUsage
		}
		probs = append(probs, dnssec.CheckSignedBy(f, trusted)...)
	}
	fmt.Fprintf(s.out, "skr          %s  id %s  domain %s  serial %d\n", pos[0], f.ID, f.Domain, f.Serial)
	fmt.Fprintf(s.out, "%-3s %-17s %-17s %-16s %s\n", "", "inception", "expiration", "ZSK tags", "KSK tags")
	for i, v := range views {
		var ksks []string
		for _, t := range v.KSKs {
			mark := ""
			for _, sg := range v.Signers {
				if sg == t {
					mark = " S"
				}
			}
			ksks = append(ksks, fmt.Sprintf("%d%s", t, mark))
		}
		for _, t := range v.Revoked {
			ksks = append(ksks, fmt.Sprintf("%d R", t))
		}
		zsks := strings.Trim(fmt.Sprint(v.ZSKs), "[]")
		fmt.Fprintf(s.out, "%-3d %-17s %-17s %-16s %s\n", i+1, v.Inception, v.Expiration, zsks, strings.Join(ksks, ", "))
	}
	for _, p := range probs {
		fmt.Fprintf(s.out, "problem      %s\n", p)
	}
	if len(probs) > 0 {
		errorf(s.err, "%d problems in %s", len(probs), pos[0])
		return exitFailed
	}
	fmt.Fprintf(s.out, "verdict      every bundle's signatures verify\n")
	return exitOK
}

const ksrUsage = `Usage: ceremony ksr check KSR [--previous SKR] [--policy FILE] [--at TIME]

Reads a Key Signing Request (IANA's XML, from the ZSK operator) strictly and
runs every check the signing ceremony runs before anything is signed, against
the root zone's policy: KSR-DOMAIN, KSR-BUNDLE-UNIQUE, KSR-BUNDLE-KEYS,
KSR-BUNDLE-POP, KSR-BUNDLE-COUNT, KSR-BUNDLE-CYCLE-DURATION, KSR-POLICY-KEYS,
KSR-POLICY-ALG, KSR-POLICY-SIG-OVERLAP, KSR-POLICY-SIG-VALIDITY,
KSR-POLICY-SIG-HORIZON and KSR-POLICY-BUNDLE-INTERVALS; with --previous, the
SKR of the last ceremony, also KSR-ID, KSR-CHAIN-KEYS and KSR-CHAIN-OVERLAP.
--at is the ceremony's time (RFC 3339; default now), which the horizon check
measures from. --policy FILE changes the root's policy, one "name = value" a
line (validity_max = P14D, keys_per_bundle = 1, 1, 2, allow_ecdsa = true ...),
as a ceremony script's policy = { ... } does.

For the administrator the day before the ceremony, and for the ZSK operator
and auditors after. Exit status: 0 all checks pass, 1 a check fails, 2 usage
or an unreadable file.

EXAMPLE
  ceremony ksr check ksr-root-2017-q2-0.xml --previous skr-root-2017-q1-0.xml --at 2017-03-01T12:00:00Z
`

func runKSR(args []string, s stdio) int {
	if len(args) == 0 || args[0] != "check" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(s.out, ksrUsage)
			return exitOK
		}
		fmt.Fprint(s.err, ksrUsage)
		return exitUsage
	}
	flags := newFlags(s, "ksr check KSR [--previous SKR] [--policy FILE] [--at TIME]", strings.SplitN(ksrUsage, "\n\n", 3)[1],
		"ceremony ksr check ksr-root-2017-q2-0.xml --previous skr-root-2017-q1-0.xml --at 2017-03-01T12:00:00Z")
	prevPath := flags.String("previous", "", "the previous `SKR`, for the chain checks")
	at := flags.String("at", "", "the ceremony's `time`, RFC 3339 (default: now)")
	policyPath := flags.String("policy", "", "a policy `file` of name = value lines, over the root's")
	pos, code := parseArgs(flags, args[1:])
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		errorf(s.err, "ksr check takes one KSR file")
		return exitUsage
	}
	now := time.Now().UTC()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			errorf(s.err, "--at %q: a time like 2017-03-01T12:00:00Z", *at)
			return exitUsage
		}
		now = t
	}
	ksr, code := readDNSSECFile(pos[0], s)
	if ksr == nil {
		return code
	}
	var prev *dnssec.File
	if *prevPath != "" {
		if prev, code = readDNSSECFile(*prevPath, s); prev == nil {
			return code
		}
	}
	pol := dnssec.RootPolicy()
	if *policyPath != "" {
		b, err := durable.ReadFile(*policyPath, maxSmallFile)
		if err != nil {
			errorf(s.err, "%v", err)
			return exitUsage
		}
		if err := pol.Apply(strings.Split(string(b), "\n")); err != nil {
			errorf(s.err, "%s: %v", *policyPath, err)
			return exitUsage
		}
	}
	probs := dnssec.CheckRequest(ksr, prev, pol, now)
	fmt.Fprintf(s.out, "ksr          %s  id %s  domain %s  serial %d\n", pos[0], ksr.ID, ksr.Domain, ksr.Serial)
	if ksr.Request != nil {
		fmt.Fprintf(s.out, "%-3s %-17s %-17s %s\n", "", "inception", "expiration", "ZSK tags")
		for i, b := range ksr.Request.Bundles {
			var tags []string
			for _, k := range b.Keys {
				tags = append(tags, fmt.Sprint(k.Key.Tag()))
			}
			fmt.Fprintf(s.out, "%-3d %-17s %-17s %s\n", i+1, b.Inception.Format("2006-01-02 15:04"), b.Expiration.Format("2006-01-02 15:04"), strings.Join(tags, " "))
		}
	}
	for _, p := range probs {
		fmt.Fprintf(s.out, "problem      %s\n", p)
	}
	if len(probs) > 0 {
		errorf(s.err, "%d problems in %s", len(probs), pos[0])
		return exitFailed
	}
	fmt.Fprintf(s.out, "verdict      every check passes at %s\n", now.Format(time.RFC3339))
	return exitOK
}

// readDNSSECFile reads and parses a KSR or SKR, saying what is wrong.
func readDNSSECFile(path string, s stdio) (*dnssec.File, int) {
	b, err := durable.ReadFile(path, dnssec.MaxFile)
	if err != nil {
		errorf(s.err, "%v", err)
		return nil, exitUsage
	}
	f, err := dnssec.Parse(b)
	if err != nil {
		errorf(s.err, "%s: %v", path, err)
		return nil, exitFailed
	}
	return f, exitOK
}
