package vcard

import "errors"

// tlv encodes a BER-TLV with a one- or two-byte tag.
func tlv(tag uint32, v []byte) []byte {
	var b []byte
	if tag > 0xff {
		b = append(b, byte(tag>>8))
	}
	b = append(b, byte(tag))
	switch n := len(v); {
	case n < 0x80:
		b = append(b, byte(n))
	case n <= 0xff:
		b = append(b, 0x81, byte(n))
	default:
		b = append(b, 0x82, byte(n>>8), byte(n))
	}
	return append(b, v...)
}

var errTLV = errors.New("vcard: malformed tlv")

// next reads the first TLV of b: its tag, value and what follows.
func next(b []byte) (tag uint32, v, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, errTLV
	}
	tag, b = uint32(b[0]), b[1:]
	if tag&0x1f == 0x1f {
		// A multi-byte tag: continuation bytes have the high bit set.
		for {
			if len(b) == 0 {
				return 0, nil, nil, errTLV
			}
			c := b[0]
			tag, b = tag<<8|uint32(c), b[1:]
			if c&0x80 == 0 || tag > 0xffffff {
				break
			}
		}
	}
	if len(b) == 0 {
		return 0, nil, nil, errTLV
	}
	n, b := int(b[0]), b[1:]
	switch n {
	case 0x81:
		if len(b) < 1 {
			return 0, nil, nil, errTLV
		}
		n, b = int(b[0]), b[1:]
	case 0x82:
		if len(b) < 2 {
			return 0, nil, nil, errTLV
		}
		n, b = int(b[0])<<8|int(b[1]), b[2:]
	default:
		if n >= 0x80 {
			return 0, nil, nil, errTLV
		}
	}
	if len(b) < n {
		return 0, nil, nil, errTLV
	}
	return tag, b[:n], b[n:], nil
}

// field is the value of the first top-level TLV of b with tag.
func field(b []byte, tag uint32) ([]byte, bool) {
	for len(b) > 0 {
		t, v, rest, err := next(b)
		if err != nil {
			return nil, false
		}
		if t == tag {
			return v, true
		}
		b = rest
	}
	return nil, false
}
