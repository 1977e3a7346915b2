package dnssec

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxFile bounds what Parse reads of a KSR or SKR: the root's are 20 KB.
const MaxFile = 1 << 20

// File is a KSR or an SKR in IANA's XML: the root element KSR, with a
// Request (the ZSK operator's keys, each bundle self-signed by its ZSKs)
// or a Response (the KSK operator's signed DNSKEY RRsets).
type File struct {
	ID       string
	Domain   string
	Serial   int
	Request  *Part // KSR
	Response *Part // SKR
}

// Part is a request or a response: its policies and its bundles.
type Part struct {
	ZSK, KSK *Policy // KSK only in a response
	Bundles  []Bundle
}

// Policy is a signing policy of a KSR or SKR.
type Policy struct {
	PublishSafety, RetireSafety                time.Duration
	MaxSignatureValidity, MinSignatureValidity time.Duration
	MaxValidityOverlap, MinValidityOverlap     time.Duration
	Algorithms                                 []PolicyAlgorithm
}

// PolicyAlgorithm is one algorithm a policy allows.
type PolicyAlgorithm struct {
	Algorithm       uint8
	RSASize, RSAExp int // for RSA
	ECDSASize       int
	ECDSA, EdDSA    bool
}

// Bundle is one time slot: its DNSKEY RRset and the signatures over it.
type Bundle struct {
	ID         string
	Inception  time.Time
	Expiration time.Time
	Keys       []BundleKey
	Signatures []BundleSignature
}

// BundleKey is a DNSKEY with the name the operator's token knows it by.
type BundleKey struct {
	Identifier string
	Tag        uint16 // as the file states it
	TTL        uint32
	Key
}

// BundleSignature is an RRSIG with the name of the key that made it.
type BundleSignature struct {
	Identifier string
	TTL        uint32
	RRSIG
}

// The XML as IANA writes it. Every element and attribute not listed is
// refused: a field misspelt by a hand-edited file is an error, not a
// default.
type (
	xmlUnknown struct {
		Elements []struct{ XMLName xml.Name } `xml:",any"`
		Attrs    []xml.Attr                   `xml:",any,attr"`
	}
	xmlFile struct {
		XMLName  xml.Name `xml:"KSR"`
		ID       string   `xml:"id,attr"`
		Domain   string   `xml:"domain,attr"`
		Serial   string   `xml:"serial,attr"`
		Request  *xmlPart `xml:"Request"`
		Response *xmlPart `xml:"Response"`
		xmlUnknown
	}
	xmlPart struct {
		RequestPolicy  *xmlPolicies `xml:"RequestPolicy"`
		ResponsePolicy *xmlPolicies `xml:"ResponsePolicy"`
		Request        []xmlBundle  `xml:"RequestBundle"`
		Response       []xmlBundle  `xml:"ResponseBundle"`
		xmlUnknown
	}
	xmlPolicies struct {
		KSK *xmlPolicy `xml:"KSK"`
		ZSK *xmlPolicy `xml:"ZSK"`
		xmlUnknown
	}
	xmlPolicy struct {
		PublishSafety        string       `xml:"PublishSafety"`
		RetireSafety         string       `xml:"RetireSafety"`
		MaxSignatureValidity string       `xml:"MaxSignatureValidity"`
		MinSignatureValidity string       `xml:"MinSignatureValidity"`
		MaxValidityOverlap   string       `xml:"MaxValidityOverlap"`
		MinValidityOverlap   string       `xml:"MinValidityOverlap"`
		Algorithms           []xmlSigAlgo `xml:"SignatureAlgorithm"`
		xmlUnknown
	}
	xmlSigAlgo struct {
		Algorithm string `xml:"algorithm,attr"`
		RSA       *struct {
			Size     string `xml:"size,attr"`
			Exponent string `xml:"exponent,attr"`
			xmlUnknown
		} `xml:"RSA"`
		ECDSA *struct {
			Size string `xml:"size,attr"`
			xmlUnknown
		} `xml:"ECDSA"`
		xmlUnknown
	}
	xmlBundle struct {
		ID         string   `xml:"id,attr"`
		Inception  string   `xml:"Inception"`
		Expiration string   `xml:"Expiration"`
		Keys       []xmlKey `xml:"Key"`
		Signatures []xmlSig `xml:"Signature"`
		xmlUnknown
	}
	xmlKey struct {
		Identifier string `xml:"keyIdentifier,attr"`
		Tag        string `xml:"keyTag,attr"`
		TTL        string `xml:"TTL"`
		Flags      string `xml:"Flags"`
		Protocol   string `xml:"Protocol"`
		Algorithm  string `xml:"Algorithm"`
		PublicKey  string `xml:"PublicKey"`
		xmlUnknown
	}
	xmlSig struct {
		Identifier          string `xml:"keyIdentifier,attr"`
		TTL                 string `xml:"TTL"`
		TypeCovered         string `xml:"TypeCovered"`
		Algorithm           string `xml:"Algorithm"`
		Labels              string `xml:"Labels"`
		OriginalTTL         string `xml:"OriginalTTL"`
		SignatureExpiration string `xml:"SignatureExpiration"`
		SignatureInception  string `xml:"SignatureInception"`
		KeyTag              string `xml:"KeyTag"`
		SignersName         string `xml:"SignersName"`
		SignatureData       string `xml:"SignatureData"`
		xmlUnknown
	}
)

func (u xmlUnknown) check(where string) error {
	if len(u.Elements) > 0 {
		return fmt.Errorf("%s: unknown element <%s>", where, u.Elements[0].XMLName.Local)
	}
	if len(u.Attrs) > 0 {
		return fmt.Errorf("%s: unknown attribute %s", where, u.Attrs[0].Name.Local)
	}
	return nil
}

// ErrFormat is wrapped by every error about a file's form.
var ErrFormat = errors.New("dnssec: malformed KSR/SKR")

// Parse reads a KSR or an SKR strictly.
func Parse(b []byte) (*File, error) {
	f, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return f, nil
}

func parse(b []byte) (*File, error) {
	if len(b) > MaxFile {
		return nil, fmt.Errorf("larger than %d bytes", MaxFile)
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	dec.Entity = nil
	var x xmlFile
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("text after the KSR element")
			}
		case xml.Comment, xml.ProcInst:
		default:
			return nil, errors.New("data after the KSR element")
		}
	}
	if err := x.check("KSR"); err != nil {
		return nil, err
	}
	f := &File{ID: x.ID, Domain: x.Domain}
	if f.ID == "" || f.Domain == "" {
		return nil, errors.New("KSR: id and domain are required")
	}
	var err error
	if f.Serial, err = strconv.Atoi(x.Serial); err != nil || f.Serial < 0 {
		return nil, fmt.Errorf("KSR: serial %q", x.Serial)
	}
	if (x.Request == nil) == (x.Response == nil) {
		return nil, errors.New("KSR: exactly one of Request and Response")
	}
	if x.Request != nil {
		if x.Request.ResponsePolicy != nil || len(x.Request.Response) > 0 {
			return nil, errors.New("Request: a response's elements in a request")
		}
		f.Request, err = x.Request.part("Request", x.Request.RequestPolicy, x.Request.Request, false)
	} else {
		if x.Response.RequestPolicy != nil || len(x.Response.Request) > 0 {
			return nil, errors.New("Response: a request's elements in a response")
		}
		f.Response, err = x.Response.part("Response", x.Response.ResponsePolicy, x.Response.Response, true)
	}
	return f, err
}

func (x *xmlPart) part(where string, pol *xmlPolicies, bundles []xmlBundle, response bool) (*Part, error) {
	if err := x.check(where); err != nil {
		return nil, err
	}
	if pol == nil || pol.ZSK == nil || response != (pol.KSK != nil) {
		return nil, fmt.Errorf("%s: a policy for the ZSK, and in a response for the KSK", where)
	}
	if err := pol.check(where + " policy"); err != nil {
		return nil, err
	}
	p := &Part{}
	var err error
	if p.ZSK, err = pol.ZSK.policy(where + " ZSK policy"); err != nil {
		return nil, err
	}
	if pol.KSK != nil {
		if p.KSK, err = pol.KSK.policy(where + " KSK policy"); err != nil {
			return nil, err
		}
	}
	for i, xb := range bundles {
		b, err := xb.bundle(fmt.Sprintf("%s bundle %d", where, i+1))
		if err != nil {
			return nil, err
		}
		p.Bundles = append(p.Bundles, b)
	}
	if len(p.Bundles) == 0 {
		return nil, fmt.Errorf("%s: no bundles", where)
	}
	return p, nil
}

func (x *xmlPolicy) policy(where string) (*Policy, error) {
	if err := x.check(where); err != nil {
		return nil, err
	}
	p := &Policy{}
	for _, d := range []struct {
		v   string
		out *time.Duration
	}{{x.PublishSafety, &p.PublishSafety}, {x.RetireSafety, &p.RetireSafety}, {x.MaxSignatureValidity, &p.MaxSignatureValidity},
		{x.MinSignatureValidity, &p.MinSignatureValidity}, {x.MaxValidityOverlap, &p.MaxValidityOverlap}, {x.MinValidityOverlap, &p.MinValidityOverlap}} {
		var err error
		if *d.out, err = ParseDuration(d.v); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	for _, a := range x.Algorithms {
		if err := a.check(where + " algorithm"); err != nil {
			return nil, err
		}
		n, err := strconv.ParseUint(a.Algorithm, 10, 8)
		if err != nil {
			return nil, fmt.Errorf("%s: algorithm %q", where, a.Algorithm)
		}
		pa := PolicyAlgorithm{Algorithm: uint8(n)}
		if a.RSA != nil {
			if err := a.RSA.check(where + " RSA"); err != nil {
				return nil, err
			}
			if pa.RSASize, err = strconv.Atoi(a.RSA.Size); err != nil {
				return nil, fmt.Errorf("%s: RSA size %q", where, a.RSA.Size)
			}
			if pa.RSAExp, err = strconv.Atoi(a.RSA.Exponent); err != nil {
				return nil, fmt.Errorf("%s: RSA exponent %q", where, a.RSA.Exponent)
			}
		}
		if a.ECDSA != nil {
			if err := a.ECDSA.check(where + " ECDSA"); err != nil {
				return nil, err
			}
			if pa.ECDSASize, err = strconv.Atoi(a.ECDSA.Size); err != nil {
				return nil, fmt.Errorf("%s: ECDSA size %q", where, a.ECDSA.Size)
			}
		}
		p.Algorithms = append(p.Algorithms, pa)
	}
	if len(p.Algorithms) == 0 {
		return nil, fmt.Errorf("%s: no SignatureAlgorithm", where)
	}
	return p, nil
}

func uintField(where, name, v string, bits int) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%s: %s %q", where, name, v)
	}
	return n, nil
}

func (x *xmlBundle) bundle(where string) (Bundle, error) {
	if err := x.check(where); err != nil {
		return Bundle{}, err
	}
	b := Bundle{ID: x.ID}
	if b.ID == "" {
		return b, fmt.Errorf("%s: no id", where)
	}
	var err error
	if b.Inception, err = ParseTime(x.Inception); err != nil {
		return b, fmt.Errorf("%s: Inception: %w", where, err)
	}
	if b.Expiration, err = ParseTime(x.Expiration); err != nil {
		return b, fmt.Errorf("%s: Expiration: %w", where, err)
	}
	for i, k := range x.Keys {
		w := fmt.Sprintf("%s key %d", where, i+1)
		if err := k.check(w); err != nil {
			return b, err
		}
		var bk BundleKey
		bk.Identifier = k.Identifier
		tag, err1 := uintField(w, "keyTag", k.Tag, 16)
		ttl, err2 := uintField(w, "TTL", k.TTL, 32)
		flags, err3 := uintField(w, "Flags", k.Flags, 16)
		proto, err4 := uintField(w, "Protocol", k.Protocol, 8)
		alg, err5 := uintField(w, "Algorithm", k.Algorithm, 8)
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			return b, err
		}
		pk, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(k.PublicKey), ""))
		if err != nil || len(pk) == 0 {
			return b, fmt.Errorf("%s: PublicKey is not base64", w)
		}
		bk.Tag, bk.TTL, bk.Key = uint16(tag), uint32(ttl), Key{Flags: uint16(flags), Protocol: uint8(proto), Algorithm: uint8(alg), PublicKey: pk}
		if bk.Identifier == "" {
			return b, fmt.Errorf("%s: no keyIdentifier", w)
		}
		b.Keys = append(b.Keys, bk)
	}
	for i, s := range x.Signatures {
		w := fmt.Sprintf("%s signature %d", where, i+1)
		if err := s.check(w); err != nil {
			return b, err
		}
		var bs BundleSignature
		bs.Identifier, bs.SignerName = s.Identifier, s.SignersName
		ttl, err1 := uintField(w, "TTL", s.TTL, 32)
		alg, err2 := uintField(w, "Algorithm", s.Algorithm, 8)
		labels, err3 := uintField(w, "Labels", s.Labels, 8)
		ottl, err4 := uintField(w, "OriginalTTL", s.OriginalTTL, 32)
		tag, err5 := uintField(w, "KeyTag", s.KeyTag, 16)
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			return b, err
		}
		if s.TypeCovered != "DNSKEY" {
			return b, fmt.Errorf("%s: TypeCovered %q; only DNSKEY is signed", w, s.TypeCovered)
		}
		if bs.Expiration, err = ParseTime(s.SignatureExpiration); err != nil {
			return b, fmt.Errorf("%s: SignatureExpiration: %w", w, err)
		}
		if bs.Inception, err = ParseTime(s.SignatureInception); err != nil {
			return b, fmt.Errorf("%s: SignatureInception: %w", w, err)
		}
		if bs.Signature, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s.SignatureData), "")); err != nil || len(bs.Signature) == 0 {
			return b, fmt.Errorf("%s: SignatureData is not base64", w)
		}
		bs.TTL, bs.TypeCovered, bs.Algorithm, bs.Labels, bs.OriginalTTL, bs.KeyTag = uint32(ttl), TypeDNSKEY, uint8(alg), uint8(labels), uint32(ottl), uint16(tag)
		if bs.Identifier == "" {
			return b, fmt.Errorf("%s: no keyIdentifier", w)
		}
		b.Signatures = append(b.Signatures, bs)
	}
	return b, nil
}

// ParseTime reads a KSR's or SKR's time: "2017-04-01T00:00:00" (UTC) or
// with "+00:00" or "Z". Any other offset is refused: the files are in UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04:05-07:00", "2006-01-02T15:04:05Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			if _, off := t.Zone(); off != 0 {
				return time.Time{}, fmt.Errorf("%q is not in UTC", s)
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time like 2017-04-01T00:00:00+00:00", s)
}

// ParseDuration reads an ISO 8601 duration of days, hours, minutes and
// seconds, as the policies write them (P21D, PT0S, P1DT12H).
func ParseDuration(s string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "P")
	if !ok || rest == "" {
		return 0, fmt.Errorf("duration %q", s)
	}
	var d time.Duration
	inTime := false
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return 0, fmt.Errorf("duration %q", s)
			}
			inTime, rest = true, rest[1:]
			continue
		}
		i := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if i <= 0 {
			return 0, fmt.Errorf("duration %q", s)
		}
		n, err := strconv.ParseInt(rest[:i], 10, 32)
		if err != nil {
			return 0, fmt.Errorf("duration %q", s)
		}
		unit := map[bool]map[byte]time.Duration{false: {'D': 24 * time.Hour, 'W': 7 * 24 * time.Hour}, true: {'H': time.Hour, 'M': time.Minute, 'S': time.Second}}[inTime][rest[i]]
		if unit == 0 {
			return 0, fmt.Errorf("duration %q: years and months are not exact", s)
		}
		d += time.Duration(n) * unit
		rest = rest[i+1:]
	}
	return d, nil
}
