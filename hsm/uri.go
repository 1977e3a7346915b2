package hsm

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// URI is a PKCS #11 URI (RFC 7512) naming a token, and optionally an object
// on it and the module that reaches it, e.g.
//
//	pkcs11:token=ksk;serial=93ccb0f250a3f70d;object=ksk-2026?module-path=/usr/lib/softhsm/libsofthsm2.so
//
// Tokens are chosen by their attributes, never by slot number, so slot-id
// is refused; so is pin-value, because a PIN does not belong in a
// configuration file or a transcript.
type URI struct {
	Token, Manufacturer, Serial, Model                      string
	LibraryManufacturer, LibraryDescription, LibraryVersion string
	SlotDescription, SlotManufacturer                       string
	Object                                                  string
	Type                                                    string // public, private, cert, secret-key or data
	ID                                                      []byte
	// Query attributes.
	ModulePath, ModuleName, PINSource string
	// Vendor holds x- attributes, path and query alike, in raw decoded form.
	Vendor map[string]string
}

// ErrBadURI is wrapped by every URI parse error.
var ErrBadURI = errors.New("hsm: bad pkcs11 uri")

// uriField is one attribute of a URI and where its value lives.
type uriField struct {
	name string
	v    *string
}

func (u *URI) pathFields() []uriField {
	return []uriField{
		{"token", &u.Token}, {"manufacturer", &u.Manufacturer}, {"serial", &u.Serial}, {"model", &u.Model},
		{"library-manufacturer", &u.LibraryManufacturer}, {"library-description", &u.LibraryDescription},
		{"library-version", &u.LibraryVersion}, {"slot-description", &u.SlotDescription},
		{"slot-manufacturer", &u.SlotManufacturer}, {"object", &u.Object}, {"type", &u.Type},
	}
}

func (u *URI) queryFields() []uriField {
	return []uriField{{"module-path", &u.ModulePath}, {"module-name", &u.ModuleName}, {"pin-source", &u.PINSource}}
}

// ParseURI parses a PKCS #11 URI. Attribute names are case-sensitive as in
// RFC 7512; a repeated attribute, an unknown one without the x- prefix,
// slot-id and pin-value are errors.
func ParseURI(s string) (*URI, error) {
	if hasPINValue(s) {
		return nil, errPINValue
	}
	rest, ok := strings.CutPrefix(s, "pkcs11:")
	if !ok {
		return nil, fmt.Errorf("%w: %q does not start with pkcs11:", ErrBadURI, s)
	}
	path, query, _ := strings.Cut(rest, "?")
	u := &URI{}
	seen := map[string]bool{}
	if err := u.parseAttrs(path, ";", u.pathFields(), seen, true); err != nil {
		return nil, err
	}
	if err := u.parseAttrs(query, "&", u.queryFields(), seen, false); err != nil {
		return nil, err
	}
	switch u.Type {
	case "", "public", "private", "cert", "secret-key", "data":
	default:
		return nil, fmt.Errorf("%w: unknown object type %q", ErrBadURI, u.Type)
	}
	return u, nil
}

var errPINValue = fmt.Errorf("%w: pin-value: a pin does not belong in a uri", ErrBadURI)

// hasPINValue reports whether s has a pin-value attribute. ParseURI looks
// for one before anything else, so that no error about the rest of s, which
// may quote it, can carry the PIN.
func hasPINValue(s string) bool {
	for _, attr := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '?' || r == '&' }) {
		name, _, _ := strings.Cut(attr, "=")
		if name = name[strings.LastIndexByte(name, ':')+1:]; strings.EqualFold(strings.TrimSpace(name), "pin-value") {
			return true
		}
	}
	return false
}

func (u *URI) parseAttrs(s, sep string, fields []uriField, seen map[string]bool, path bool) error {
	if s == "" {
		return nil
	}
	for _, attr := range strings.Split(s, sep) {
		name, raw, ok := strings.Cut(attr, "=")
		if !ok || name == "" {
			return fmt.Errorf("%w: attribute %q is not name=value", ErrBadURI, attr)
		}
		if seen[name] {
			return fmt.Errorf("%w: attribute %q given twice", ErrBadURI, name)
		}
		seen[name] = true
		v, err := url.PathUnescape(raw)
		if err != nil {
			return fmt.Errorf("%w: attribute %q: %v", ErrBadURI, name, err)
		}
		switch {
		case name == "slot-id":
			return fmt.Errorf("%w: slot-id: tokens are chosen by label or serial, never by slot number", ErrBadURI)
		case path && name == "id":
			if v != "" {
				u.ID = []byte(v)
			}
			continue
		case strings.HasPrefix(name, "x-"):
			if u.Vendor == nil {
				u.Vendor = map[string]string{}
			}
			u.Vendor[name] = v
			continue
		}
		found := false
		for _, f := range fields {
			if f.name == name {
				*f.v, found = v, true
			}
		}
		if !found {
			return fmt.Errorf("%w: unknown attribute %q", ErrBadURI, name)
		}
	}
	return nil
}

// String formats the URI with every value percent-encoded except the
// unreserved characters, so ParseURI reads back the same URI.
func (u *URI) String() string {
	var path, query []string
	for _, f := range u.pathFields() {
		if *f.v != "" {
			path = append(path, f.name+"="+escape(*f.v))
		}
	}
	if len(u.ID) > 0 {
		path = append(path, "id="+escape(string(u.ID)))
	}
	for _, f := range u.queryFields() {
		if *f.v != "" {
			query = append(query, f.name+"="+escape(*f.v))
		}
	}
	vendor := make([]string, 0, len(u.Vendor))
	for k := range u.Vendor {
		vendor = append(vendor, k)
	}
	sort.Strings(vendor)
	for _, k := range vendor {
		path = append(path, k+"="+escape(u.Vendor[k]))
	}
	s := "pkcs11:" + strings.Join(path, ";")
	if len(query) > 0 {
		s += "?" + strings.Join(query, "&")
	}
	return s
}

func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
