package hsm_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/hsm"
	"github.com/ceremony-dev/ceremony/hsm/hsmtest"
	"github.com/miekg/pkcs11"
)

// BenchmarkSignP256 compares signing SHA-256 digests with a P-256 key on
// SoftHSM2 through our crypto.Signer (which verifies every signature in
// software) against a raw C_SignInit/C_Sign loop on the same token and key.
// The three are interleaved in each iteration so that load from other
// processes hits them alike. Metrics: ns per signature for each, and
// ours/raw as a rate ratio (1.0 = as fast as raw PKCS #11).
//
//	go test ./hsm -run XXX -bench SignP256 -benchtime 10000x
func BenchmarkSignP256(b *testing.B) {
	tok := hsmtest.New(b, "bench")
	s, err := hsm.OpenURI(tok.URI(), "")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Login(tok.UserSecret, false); err != nil {
		b.Fatal(err)
	}
	signer, err := s.GenerateKey("bench-p256", "ecdsa-p256")
	if err != nil {
		b.Fatal(err)
	}
	key := signer.(*hsm.Key)
	unverified, err := s.FindKey("bench-p256")
	if err != nil {
		b.Fatal(err)
	}
	hsm.SkipVerify(unverified.(*hsm.Key))

	// The raw loop gets its own session on the same module and token; the
	// login of the application covers it.
	ctx, slot := hsm.RawContext(s)
	sh, err := ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		b.Fatal(err)
	}
	defer ctx.CloseSession(sh)
	if err := ctx.FindObjectsInit(sh, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), pkcs11.NewAttribute(pkcs11.CKA_ID, key.ID()),
	}); err != nil {
		b.Fatal(err)
	}
	objs, _, err := ctx.FindObjects(sh, 2)
	ctx.FindObjectsFinal(sh)
	if err != nil || len(objs) != 1 {
		b.Fatalf("raw find: %d objects, %v", len(objs), err)
	}
	mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}

	const n = 10000
	digests := make([][]byte, n)
	for i := range digests {
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], uint64(i))
		d := sha256.Sum256(buf[:])
		digests[i] = d[:]
	}
	pub := key.Public().(*ecdsa.PublicKey)
	sig, _ := key.Sign(rand.Reader, digests[0], crypto.SHA256)

	var raw, ours, noVerify, verify time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := digests[i%n]
		t0 := time.Now()
		if err := ctx.SignInit(sh, mech, objs[0]); err != nil {
			b.Fatal(err)
		}
		if _, err := ctx.Sign(sh, d); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := key.Sign(rand.Reader, d, crypto.SHA256); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := unverified.Sign(rand.Reader, d, crypto.SHA256); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		ecdsa.VerifyASN1(pub, digests[0], sig)
		t4 := time.Now()
		raw += t1.Sub(t0)
		ours += t2.Sub(t1)
		noVerify += t3.Sub(t2)
		verify += t4.Sub(t3)
	}
	b.StopTimer()
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(per(raw), "raw-ns/sig")
	b.ReportMetric(per(ours), "ours-ns/sig")
	b.ReportMetric(per(noVerify), "ours-noverify-ns/sig")
	b.ReportMetric(per(verify), "verify-ns/op")
	b.ReportMetric(float64(raw)/float64(ours), "ours/raw-rate")
	b.ReportMetric(float64(raw)/float64(noVerify), "noverify/raw-rate")
}
