package sshca

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ceremony-dev/ceremony/sshsig"
)

// KRLNamespace is the SSHSIG namespace of the CA's signature on a KRL:
//
//	ssh-keygen -Y verify -f allowed_signers -I ssh-ca -n ssh-krl@ceremony -s revoked.krl.sig < revoked.krl
const KRLNamespace = "ssh-krl@ceremony"

// KRL is an OpenSSH key revocation list: certificates of one CA revoked by
// serial or key id, and plain keys revoked outright.
type KRL struct {
	// Version increases each time the list is made anew.
	Version   uint64
	Generated time.Time
	Comment   string
	CA        ssh.PublicKey
	Serials   []uint64
	KeyIDs    []string
	Keys      []ssh.PublicKey
}

// PROTOCOL.krl's numbers.
const (
	krlMagic          = 0x5353484b524c0a00 // "SSHKRL\n\0"
	krlFormatVersion  = 1
	sectionCerts      = 1
	sectionExplicit   = 2
	certSerialList    = 0x20
	certKeyID         = 0x23
	maxSerialsPerList = 1 << 16
)

type wbuf struct{ bytes.Buffer }

func (b *wbuf) u64(v uint64) { b.Write(binary.BigEndian.AppendUint64(nil, v)) }
func (b *wbuf) u32(v uint32) { b.Write(binary.BigEndian.AppendUint32(nil, v)) }
func (b *wbuf) str(s []byte) { b.u32(uint32(len(s))); b.Write(s) }
func (b *wbuf) section(typ byte, body []byte) {
	b.WriteByte(typ)
	b.str(body)
}

// Marshal encodes the list. Entries are sorted and deduplicated, as
// ssh-keygen writes them.
func (k *KRL) Marshal() ([]byte, error) {
	if k.CA == nil && (len(k.Serials) > 0 || len(k.KeyIDs) > 0) {
		return nil, errors.New("sshca: revoking certificates needs the CA key")
	}
	if slices.Contains(k.Serials, 0) {
		return nil, errors.New("sshca: serial 0 cannot be revoked")
	}
	var out wbuf
	out.u64(krlMagic)
	out.u32(krlFormatVersion)
	out.u64(k.Version)
	out.u64(uint64(k.Generated.Unix()))
	out.u64(0) // flags
	out.str(nil)
	out.str([]byte(k.Comment))
	if k.CA != nil {
		var certs wbuf
		certs.str(k.CA.Marshal())
		certs.str(nil)
		serials := slices.Clone(k.Serials)
		slices.Sort(serials)
		serials = slices.Compact(serials)
		for len(serials) > 0 {
			n := min(len(serials), maxSerialsPerList)
			var list wbuf
			for _, s := range serials[:n] {
				list.u64(s)
			}
			certs.section(certSerialList, list.Bytes())
			serials = serials[n:]
		}
		ids := slices.Clone(k.KeyIDs)
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if len(ids) > 0 {
			var list wbuf
			for _, id := range ids {
				list.str([]byte(id))
			}
			certs.section(certKeyID, list.Bytes())
		}
		out.section(sectionCerts, certs.Bytes())
	}
	if len(k.Keys) > 0 {
		blobs := make([][]byte, 0, len(k.Keys))
		for _, key := range k.Keys {
			if _, ok := key.(*ssh.Certificate); ok {
				return nil, errors.New("sshca: a certificate is revoked by serial or key id, not as a key")
			}
			blobs = append(blobs, key.Marshal())
		}
		slices.SortFunc(blobs, bytes.Compare)
		blobs = slices.CompactFunc(blobs, bytes.Equal)
		var list wbuf
		for _, b := range blobs {
			list.str(b)
		}
		out.section(sectionExplicit, list.Bytes())
	}
	return out.Bytes(), nil
}

// Signed is the encoded list and the CA's armoured SSHSIG signature over
// it (namespace KRLNamespace), checked before it is returned.
func (k *KRL) Signed(ca ssh.Signer) (list, sig []byte, err error) {
	if list, err = k.Marshal(); err != nil {
		return nil, nil, err
	}
	s, err := sshsig.Sign(ca, KRLNamespace, list)
	if err != nil {
		return nil, nil, err
	}
	return list, s.Armour(), nil
}

// Describe is a line per revocation, for the screen and the paper record.
func (k *KRL) Describe() []string {
	var lines []string
	for _, s := range k.Serials {
		lines = append(lines, "serial "+strconv.FormatUint(s, 10))
	}
	for _, id := range k.KeyIDs {
		lines = append(lines, "key id "+id)
	}
	for _, key := range k.Keys {
		lines = append(lines, "key "+Fingerprint(key))
	}
	return lines
}
