package shares_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/pgpwords"
	"github.com/ceremony-dev/ceremony/shares"
)

func split(t testing.TB, m, n int) ([]byte, *shares.Record, []*shares.Share) {
	t.Helper()
	secret, rec, set, err := shares.Split("test PIN", m, n)
	if err != nil {
		t.Fatal(err)
	}
	return secret, rec, set
}

// noSecretIn fails if an error's text carries any word or hex of the shares.
func noSecretIn(t *testing.T, err error, set ...*shares.Share) {
	t.Helper()
	msg := strings.ToLower(err.Error())
	for _, s := range set {
		for _, w := range s.Words() {
			// A few list words also occur in ordinary English messages.
			if len(w) > 4 && strings.Contains(msg, strings.ToLower(w)) && !slices.Contains(messageWords, strings.ToLower(w)) {
				t.Errorf("error %q contains share word %q", msg, w)
			}
		}
		hexPart := strings.TrimPrefix(s.Line(), "ceremony-share1:")[22:40]
		if strings.Contains(msg, hexPart) {
			t.Errorf("error %q contains share bytes", msg)
		}
	}
}

// messageWords are list words that the package's own messages use.
var messageWords = []string{"select", "truncated"}

func TestSplitCombineEverySubset(t *testing.T) {
	for _, tc := range []struct{ m, n int }{{2, 2}, {2, 3}, {3, 5}, {4, 4}} {
		secret, rec, set := split(t, tc.m, tc.n)
		if len(secret) != shares.DefaultSecretBytes || rec.M != tc.m || rec.N != tc.n || len(rec.Fingerprints) != tc.n {
			t.Fatalf("split %d of %d: record %+v", tc.m, tc.n, rec)
		}
		for mask := 0; mask < 1<<tc.n; mask++ {
			c := shares.NewCollector(rec)
			for i, s := range set {
				if mask&(1<<i) != 0 {
					if err := c.Add(s, ""); err != nil {
						t.Fatal(err)
					}
				}
			}
			got, err := c.Combine()
			if c.Have() < tc.m {
				var few *shares.TooFewError
				if !errors.As(err, &few) || few.Have != c.Have() || few.Need != tc.m {
					t.Errorf("%d of %d with %d shares: %v", tc.m, tc.n, c.Have(), err)
				}
				continue
			}
			if err != nil || !bytes.Equal(got, secret) {
				t.Errorf("%d of %d, subset %b: %v", tc.m, tc.n, mask, err)
			}
		}
	}
}

func TestSplitSecretParameters(t *testing.T) {
	for _, tc := range []struct {
		name   string
		secret int
		label  string
		m, n   int
		ok     bool
	}{
		{"smallest secret", 16, "pin", 2, 3, true},
		{"largest secret", 128, "pin", 2, 3, true},
		{"secret too short", 15, "pin", 2, 3, false},
		{"secret too long", 129, "pin", 2, 3, false},
		{"threshold one", 32, "pin", 1, 3, false},
		{"fewer shares than threshold", 32, "pin", 4, 3, false},
		{"too many shares", 32, "pin", 2, 256, false},
		{"empty label", 32, "", 2, 3, false},
		{"label with newline", 32, "a\nb", 2, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := shares.SplitSecret(make([]byte, tc.secret), tc.label, tc.m, tc.n)
			var pe *shares.ParamError
			if tc.ok != (err == nil) || (!tc.ok && !errors.As(err, &pe)) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestWordsLineAndSelfCheck(t *testing.T) {
	_, rec, set := split(t, 3, 5)
	for _, s := range set {
		words := s.Words()
		if len(words) != shares.WordsPerShare(rec) || len(words) != 49 {
			t.Fatalf("%d words, WordsPerShare %d", len(words), shares.WordsPerShare(rec))
		}
		lower := make([]string, len(words))
		for i, w := range words {
			lower[i] = strings.ToUpper(w)
		}
		for _, decode := range []func() (*shares.Share, error){
			func() (*shares.Share, error) { return shares.Decode(lower) },
			func() (*shares.Share, error) { return shares.ParseLine(s.Line() + "\n") },
		} {
			d, err := decode()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.Words(), words) || d.Fingerprint() != rec.Fingerprints[s.Index()-1] {
				t.Errorf("share %d does not round-trip", s.Index())
			}
			if err := rec.Check(d); err != nil {
				t.Errorf("self-check of share %d: %v", s.Index(), err)
			}
		}
		for i, w := range words {
			if got, err := shares.Word(i, []byte(strings.ToUpper(w))); err != nil || got != w {
				t.Errorf("Word(%d, %q) = %q, %v", i, strings.ToUpper(w), got, err)
			}
			if !slices.Contains(shares.Complete(i, []byte(w[:2])), w) {
				t.Errorf("Complete(%d, %q) lacks %q", i, w[:2], w)
			}
		}
	}
}

// Every single word replaced by any other word of either list, and by a
// misspelling, is refused at decode.
func TestEverySingleWordSubstitutionIsRejected(t *testing.T) {
	_, _, set := split(t, 2, 3)
	words := set[0].Words()
	tried := 0
	for pos := range words {
		for col := range 2 {
			for b := range 256 {
				alt := pgpwords.Word(col, byte(b))
				if strings.EqualFold(alt, words[pos]) {
					continue
				}
				changed := slices.Clone(words)
				changed[pos] = alt
				s, err := shares.Decode(changed)
				tried++
				if err == nil {
					t.Fatalf("word %d replaced by %q accepted as %v", pos+1, alt, s)
				}
				var ce *pgpwords.ColumnError
				if pgpwords.ColumnAt(col) != pgpwords.ColumnAt(pos) && (!errors.As(err, &ce) || ce.Pos != pos) {
					t.Fatalf("word %d replaced by %q from the other column: %v", pos+1, alt, err)
				}
			}
		}
		typo := slices.Clone(words)
		typo[pos] = words[pos] + "x"
		var ue *pgpwords.UnknownWordError
		if _, err := shares.Decode(typo); !errors.As(err, &ue) || ue.Pos != pos || !strings.EqualFold(ue.Nearest[0], words[pos]) {
			t.Fatalf("misspelt word %d: %v", pos+1, err)
		} else {
			noSecretIn(t, err, set[0])
		}
	}
	if want := len(words) * 511; tried != want {
		t.Errorf("tried %d substitutions, want %d", tried, want)
	}
}

// Every swap of two words, neighbours or not, is refused; neighbours are
// named as such.
func TestEverySwapIsRejected(t *testing.T) {
	_, _, set := split(t, 2, 3)
	words := set[1].Words()
	for i := range words {
		for j := i + 1; j < len(words); j++ {
			if strings.EqualFold(words[i], words[j]) {
				continue
			}
			swapped := slices.Clone(words)
			swapped[i], swapped[j] = swapped[j], swapped[i]
			_, err := shares.Decode(swapped)
			if err == nil {
				t.Fatalf("words %d and %d swapped: accepted", i+1, j+1)
			}
			var ce *pgpwords.ColumnError
			if j == i+1 && (!errors.As(err, &ce) || ce.Pos != i || ce.Cause != pgpwords.CauseSwap) {
				t.Fatalf("neighbours %d and %d swapped: %v", i+1, j+1, err)
			}
		}
	}
}

// Up to five words replaced by words of the right column: the check bytes
// have minimum distance 6, so every such share is refused.
func TestUpToFiveWrongWordsAreRejected(t *testing.T) {
	_, _, set := split(t, 2, 3)
	words := set[2].Words()
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 20000 {
		changed := slices.Clone(words)
		k := 2 + trial%4
		for _, pos := range r.Perm(len(words))[:k] {
			b := byte(r.IntN(255))
			orig, _, _ := pgpwords.Lookup(words[pos])
			if b >= orig {
				b++
			}
			changed[pos] = pgpwords.Word(pos, b)
		}
		if _, err := shares.Decode(changed); err == nil {
			t.Fatalf("%d wrong words accepted: %v", k, changed)
		}
	}
}

func TestDecodeLengthAndEmpty(t *testing.T) {
	_, _, set := split(t, 2, 3)
	words := set[0].Words()
	for _, tc := range []struct {
		name  string
		words []string
		have  int
		want  int
	}{
		{"last word missing", words[:48], 48, 49},
		{"last four words missing", words[:45], 45, 49},
		{"header only", words[:10], 10, 33},
		{"two words extra", append(slices.Clone(words), "adroitness", "aardvark"), 51, 49},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := shares.Decode(tc.words)
			var le *shares.LengthError
			if !errors.As(err, &le) || le.Have != tc.have || le.Want != tc.want {
				t.Fatalf("err = %v", err)
			}
			noSecretIn(t, err, set[0])
		})
	}
	for _, empty := range [][]string{nil, {}} {
		if _, err := shares.Decode(empty); !errors.Is(err, shares.ErrEmpty) {
			t.Errorf("Decode(%v) = %v, want ErrEmpty", empty, err)
		}
	}
	for _, line := range []string{"", "   \n"} {
		if _, err := shares.ParseLine(line); !errors.Is(err, shares.ErrEmpty) {
			t.Errorf("ParseLine(%q) = %v, want ErrEmpty", line, err)
		}
	}
	for _, line := range []string{"share:00", "ceremony-share1:zz", "ceremony-share1:0100"} {
		if _, err := shares.ParseLine(line); err == nil {
			t.Errorf("ParseLine(%q) accepted", line)
		}
	}
}

func TestCollectorRefusesEachWrongShareWithItsOwnError(t *testing.T) {
	_, rec, set := split(t, 3, 5)
	_, _, foreign := split(t, 3, 5)
	wrongThreshold := *rec
	wrongThreshold.M = 2
	for _, tc := range []struct {
		name   string
		rec    *shares.Record
		first  *shares.Share
		second *shares.Share
		check  func(error) bool
		text   string
	}{
		{"foreign set", rec, set[0], foreign[1], func(err error) bool {
			var e *shares.ForeignSetError
			return errors.As(err, &e) && e.Want == rec.SetID && e.Got == foreign[1].SetID()
		}, "the share belongs to set " + foreign[1].SetID() + ", not to set " + rec.SetID + ": it is from another split"},
		{"duplicate index", rec, set[2], set[2], func(err error) bool {
			var e *shares.DuplicateError
			return errors.As(err, &e) && e.Index == 3 && e.Holder == "alice"
		}, "share 3 was already entered by alice"},
		{"threshold disagrees", &wrongThreshold, nil, set[0], func(err error) bool {
			var e *shares.ThresholdError
			return errors.As(err, &e) && e.WantM == 2 && e.GotM == 3
		}, "the share says 3 of 5, but its set is 2 of 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := shares.NewCollector(tc.rec)
			if tc.first != nil {
				if err := c.Add(tc.first, "alice"); err != nil {
					t.Fatal(err)
				}
			}
			err := c.Add(tc.second, "bob")
			if err == nil || !tc.check(err) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if err.Error() != tc.text {
				t.Errorf("message %q\nwant    %q", err, tc.text)
			}
			noSecretIn(t, err, set...)
		})
	}

	c := shares.NewCollector(rec)
	for _, s := range set[:2] {
		if err := c.Add(s, ""); err != nil {
			t.Fatal(err)
		}
	}
	secret, err := c.Combine()
	var few *shares.TooFewError
	if secret != nil || !errors.As(err, &few) || err.Error() != "2 of the 3 shares needed have been entered" {
		t.Errorf("too few: %v", err)
	}
}

func TestRecordJSONRoundTripAndValidation(t *testing.T) {
	_, rec, set := split(t, 2, 3)
	data, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	back, err := shares.ParseRecord(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Check(set[1]); err != nil {
		t.Errorf("check against parsed record: %v", err)
	}
	for _, s := range set {
		if strings.Contains(string(data), strings.TrimPrefix(s.Line(), "ceremony-share1:")[22:]) {
			t.Errorf("record contains share %d", s.Index())
		}
	}
	for _, tc := range []struct{ name, edit string }{
		{"not json", "{"},
		{"format 2", `{"format":2}`},
		{"short set id", `{"set_id":"00"}`},
		{"bad commitment", `{"commitment":"00"}`},
		{"missing fingerprint", `{"fingerprints":["00"]}`},
		{"threshold above count", `{"m":4}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edited := map[string]any{}
			_ = json.Unmarshal(data, &edited)
			var patch map[string]any
			if json.Unmarshal([]byte(tc.edit), &patch) != nil {
				if _, err := shares.ParseRecord([]byte(tc.edit)); err == nil {
					t.Fatal("accepted")
				}
				return
			}
			for k, v := range patch {
				edited[k] = v
			}
			bad, _ := json.Marshal(edited)
			var fe *shares.FormatError
			if _, err := shares.ParseRecord(bad); !errors.As(err, &fe) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestFingerprintCheckNamesTheShare(t *testing.T) {
	_, rec, set := split(t, 2, 3)
	tampered := *rec
	tampered.Fingerprints = slices.Clone(rec.Fingerprints)
	tampered.Fingerprints[1] = strings.Repeat("0", 16)
	var fe *shares.FingerprintError
	if err := tampered.Check(set[1]); !errors.As(err, &fe) || fe.Index != 2 {
		t.Fatalf("err = %v", err)
	}
}

func TestMatchesCommitment(t *testing.T) {
	secret, rec, _ := split(t, 2, 3)
	if !rec.Matches(secret) {
		t.Fatal("the split's own secret does not match")
	}
	other := slices.Clone(secret)
	other[31] ^= 1
	if rec.Matches(other) {
		t.Fatal("a different secret matches")
	}
	// The same secret split again commits differently: the set id salts it.
	rec2, _, err := shares.SplitSecret(secret, "test PIN", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if rec2.Commitment == rec.Commitment || rec2.SetID == rec.SetID {
		t.Fatal("two splits share a commitment or set id")
	}
}

func TestShareNeverPrintsItsPayload(t *testing.T) {
	_, _, set := split(t, 2, 3)
	s := set[0]
	payload := strings.TrimPrefix(s.Line(), "ceremony-share1:")[22:60]
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		out := strings.ToLower(fmt.Sprintf(f, s))
		if strings.Contains(out, payload) || strings.Contains(out, strings.ToLower(s.Words()[20])) {
			t.Errorf("%s prints share material: %s", f, out)
		}
	}
}

func TestSheets(t *testing.T) {
	_, rec, set := split(t, 3, 5)
	date := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	s := set[3]
	text := s.SheetText("Dana <dana@example.org>", date)
	html := s.SheetHTML("Dana <dana@example.org>", date)
	words := s.Words()
	for _, want := range []string{"test PIN", rec.SetID, "Dana <dana@example.org>", "4 of 5", "any 3", "2026-11-23",
		rec.Fingerprints[3], " 1 " + strings.ToLower(words[0]), "49 " + strings.ToLower(words[48]), "tamper-evident"} {
		if !strings.Contains(text, want) {
			t.Errorf("text sheet lacks %q", want)
		}
	}
	for _, want := range []string{"Dana &lt;dana@example.org&gt;", rec.SetID, strings.ToLower(words[48]), "<!DOCTYPE html>"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML sheet lacks %q", want)
		}
	}
	// Rows of four: the line with word 1 carries words 1 to 4 and no 5.
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "   1 ") && (!strings.Contains(line, strings.ToLower(words[3])) || strings.Contains(line, " 5 ")) {
			t.Errorf("first row %q", line)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(exampleShare1)
	f.Add(exampleShare3)
	f.Add("absurd opulent alone")
	f.Fuzz(func(t *testing.T, text string) {
		words := strings.Fields(text)
		s, err := shares.Decode(words)
		if err != nil {
			if s != nil {
				t.Fatal("share and error")
			}
			return
		}
		again := s.Words()
		if len(again) != len(words) {
			t.Fatalf("%d words decoded, %d encoded", len(words), len(again))
		}
		for i := range words {
			if !strings.EqualFold(words[i], again[i]) {
				t.Fatalf("word %d changed", i+1)
			}
		}
		if _, err := shares.ParseLine(s.Line()); err != nil {
			t.Fatalf("line form of an accepted share: %v", err)
		}
	})
}

func FuzzParseLine(f *testing.F) {
	f.Add("ceremony-share1:019f0b60e9bd6e0203011036d717054681c1bf3ddb230c81e232aed3f3ce50ebf6")
	f.Add("ceremony-share1:")
	f.Fuzz(func(t *testing.T, line string) {
		s, err := shares.ParseLine(line)
		if err != nil {
			return
		}
		want, _ := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(line), "ceremony-share1:"))
		if got, _ := hex.DecodeString(strings.TrimPrefix(s.Line(), "ceremony-share1:")); !bytes.Equal(got, want) {
			t.Fatal("an accepted line does not round-trip")
		}
	})
}

func FuzzParseRecord(f *testing.F) {
	f.Add([]byte(exampleRecord))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := shares.ParseRecord(data)
		if err != nil {
			return
		}
		if shares.WordsPerShare(rec) < 33 || rec.M > rec.N || len(rec.Fingerprints) != rec.N {
			t.Fatalf("accepted an inconsistent record %+v", rec)
		}
	})
}

// A mistyped length word is not reported as a truncated share: the error
// names the word that may be wrong.
func TestDamagedLengthWord(t *testing.T) {
	secret, _, set, err := shares.Split("length", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	clear(secret)
	words := set[0].Words()
	for pos := range words {
		damaged := append([]string(nil), words...)
		b, _, _ := pgpwords.Lookup(words[pos])
		damaged[pos] = pgpwords.Word(pos, b+1)
		_, err := shares.Decode(damaged)
		var le *shares.LengthError
		if errors.As(err, &le) {
			if le.LengthWord != pos+1 || strings.Contains(err.Error(), "truncated") {
				t.Fatalf("word %d damaged: %v (length word %d)", pos+1, err, le.LengthWord)
			}
			return
		}
	}
	t.Fatal("no single damaged word gave a length error")
}
