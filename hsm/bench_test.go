package hsm_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/dnssec"
	"github.com/ceremony-dev/ceremony/hsm"
	"github.com/ceremony-dev/ceremony/hsm/hsmtest"
	"github.com/ceremony-dev/ceremony/sshca"
	"github.com/miekg/pkcs11"
	"golang.org/x/crypto/ssh"
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
	key, unverified, raw := benchKey(b, "bench-p256", "ecdsa-p256")
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

	var rawT, ours, noVerify, verify time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := digests[i%n]
		t0 := time.Now()
		if _, err := raw(d); err != nil {
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
		rawT += t1.Sub(t0)
		ours += t2.Sub(t1)
		noVerify += t3.Sub(t2)
		verify += t4.Sub(t3)
	}
	b.StopTimer()
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(per(rawT), "raw-ns/sig")
	b.ReportMetric(per(ours), "ours-ns/sig")
	b.ReportMetric(per(noVerify), "ours-noverify-ns/sig")
	b.ReportMetric(per(verify), "verify-ns/op")
	b.ReportMetric(float64(rawT)/float64(ours), "ours/raw-rate")
	b.ReportMetric(float64(rawT)/float64(noVerify), "noverify/raw-rate")
}

// benchKey makes a key of the kind (ecdsa-p256 or rsa-2048) on a fresh
// SoftHSM2 token and returns it as our crypto.Signer, the same key without
// software verification, and a raw C_SignInit/C_Sign on a session of its
// own, the baseline (of a digest for ECDSA, of a DigestInfo for RSA).
func benchKey(b *testing.B, label, kind string) (key *hsm.Key, unverified crypto.Signer, raw func(data []byte) ([]byte, error)) {
	tok := hsmtest.New(b, "bench")
	s, err := hsm.OpenURI(tok.URI(), "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Login(tok.UserSecret, false); err != nil {
		b.Fatal(err)
	}
	signer, err := s.GenerateKey(label, kind)
	if err != nil {
		b.Fatal(err)
	}
	key = signer.(*hsm.Key)
	found, err := s.FindKey(label)
	if err != nil {
		b.Fatal(err)
	}
	unverified = found.(*hsm.Key).Unverified()

	// The raw loop gets its own session on the same module and token; the
	// login of the application covers it.
	ctx, slot := hsm.RawContext(s)
	sh, err := ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ctx.CloseSession(sh) })
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
	if kind != "ecdsa-p256" {
		mech = []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS, nil)}
	}
	return key, unverified, func(data []byte) ([]byte, error) {
		if err := ctx.SignInit(sh, mech, objs[0]); err != nil {
			return nil, err
		}
		return ctx.Sign(sh, data)
	}
}

// BenchmarkSSHCertBatch compares issuing 1,000 user certificates in one
// sshca.SignBatch with a P-256 CA key on SoftHSM2 (every signature checked
// in software, on the other cores while the token signs the next) against
// a raw loop of 1,000 C_Sign calls on the same token, alternating in each
// iteration. The metric batch/raw is the time of the first over the second
// (1.0 = as fast as raw PKCS #11).
//
//	go test ./hsm -run XXX -bench SSHCertBatch -benchtime 10x
func BenchmarkSSHCertBatch(b *testing.B) {
	key, unverified, raw := benchKey(b, "ssh-ca", "ecdsa-p256")
	ca, err := sshca.CASigner(unverified)
	if err != nil {
		b.Fatal(err)
	}
	caPub, err := ssh.NewPublicKey(key.Public())
	if err != nil {
		b.Fatal(err)
	}
	const n = 1000
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	reqs := make([]sshca.Request, n)
	for i := range reqs {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		k, err := ssh.NewPublicKey(pub)
		if err != nil {
			b.Fatal(err)
		}
		reqs[i] = sshca.Request{Kind: sshca.User, Key: k, KeyID: fmt.Sprintf("user%d", i), Serial: uint64(i + 1),
			Principals: []string{fmt.Sprintf("user%d", i)}, ValidAfter: from, ValidBefore: from.AddDate(1, 0, 0),
			Extensions: sshca.DefaultUserExtensions}
	}
	digest := sha256.Sum256([]byte("baseline"))
	var rawT, batchT time.Duration
	b.ResetTimer()
	rawLoop := func() {
		for range n {
			if _, err := raw(digest[:]); err != nil {
				b.Fatal(err)
			}
		}
	}
	batch := func() {
		certs, err := sshca.SignBatch(ca, caPub, reqs)
		if err != nil || len(certs) != n {
			b.Fatalf("%d certificates: %v", len(certs), err)
		}
	}
	for i := 0; i < b.N; i++ {
		// Which goes first alternates, so that neither always meets a
		// cooler or a warmer machine.
		first, second, firstT, secondT := rawLoop, batch, &rawT, &batchT
		if i%2 == 1 {
			first, second, firstT, secondT = batch, rawLoop, &batchT, &rawT
		}
		t0 := time.Now()
		first()
		t1 := time.Now()
		second()
		*firstT += t1.Sub(t0)
		*secondT += time.Since(t1)
	}
	b.StopTimer()
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(rawT.Milliseconds())/float64(b.N), "raw-ms/1000")
	b.ReportMetric(float64(batchT.Milliseconds())/float64(b.N), "batch-ms/1000")
	b.ReportMetric(float64(batchT)/float64(rawT), "batch/raw")
}

// BenchmarkSignKSR compares the whole KSR to SKR of a nine-bundle KSR in
// the root's shape with an RSA-2048 KSK on SoftHSM2 (parse, every check,
// the signatures, their software verification, the KSKs' safety checks and
// writing the SKR), as dnssec.sign_ksr does it, against a raw loop of as many C_Sign calls on the
// same token, alternating in each iteration. ksr/raw is the time of the
// first over the second.
//
//	go test ./hsm -run XXX -bench SignKSR -benchtime 20x
func BenchmarkSignKSR(b *testing.B) {
	key, unverified, raw := benchKey(b, "ksk", "rsa-2048")
	now := time.Now()
	standIn, _, err := dnssec.StandInRequest(now)
	if err != nil {
		b.Fatal(err)
	}
	ksrXML := dnssec.Marshal(standIn)
	digestInfo := append([]byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}, make([]byte, 32)...)
	ksks := []dnssec.SigningKey{{Label: "ksk", Public: key.Public(), Signer: unverified}}
	var rawT, ksrT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		for range standIn.Request.Bundles {
			if _, err := raw(digestInfo); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		ksr, err := dnssec.Parse(ksrXML)
		if err != nil {
			b.Fatal(err)
		}
		if probs := dnssec.CheckRequest(ksr, nil, dnssec.RootPolicy(), now); len(probs) > 0 {
			b.Fatal(probs)
		}
		resp, err := dnssec.Respond(ksr, ksks, dnssec.Schema{Sign: []string{"ksk"}}, dnssec.RootKSKPolicy())
		if err != nil {
			b.Fatal(err)
		}
		if probs := dnssec.CheckSafety(resp, nil, dnssec.RootKSKPolicy()); len(probs) > 0 {
			b.Fatal(probs)
		}
		if len(dnssec.Marshal(resp)) == 0 {
			b.Fatal("no SKR")
		}
		rawT += t1.Sub(t0)
		ksrT += time.Since(t1)
	}
	b.StopTimer()
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(rawT.Microseconds())/float64(b.N), "raw-us/ksr")
	b.ReportMetric(float64(ksrT.Microseconds())/float64(b.N), "ksr-us/ksr")
	b.ReportMetric(float64(ksrT)/float64(rawT), "ksr/raw")
}
