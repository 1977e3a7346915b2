package pgpwords_test

import (
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/pgpwords"
)

// The example given with the published list: a PGP key fingerprint and its
// words.
func TestEncodePublishedExample(t *testing.T) {
	fp, err := hex.DecodeString("E58294F2E9A227486E8B061B31CC528FD7FA3F19")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Fields("topmost Istanbul Pluto vagabond treadmill Pacific brackish dictator goldfish Medusa " +
		"afflict bravado chatter revolver Dupont midsummer stopwatch whimsical cowbell bottomless")
	got := pgpwords.Encode(fp)
	if !slices.Equal(got, want) {
		t.Fatalf("Encode = %v\nwant     %v", got, want)
	}
	back, err := pgpwords.Decode(want)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back, fp) {
		t.Fatalf("Decode = %x, want %x", back, fp)
	}
}

func TestKnownEntries(t *testing.T) {
	for _, tc := range []struct {
		b         byte
		even, odd string
	}{
		{0x00, "aardvark", "adroitness"},
		{0x01, "absurd", "adviser"},
		{0x0d, "ancient", "asteroid"},
		{0x33, "chisel", "concurrent"},
		{0xdc, "sweatband", "sympathy"},
		{0xfe, "woodlark", "yesteryear"},
		{0xff, "Zulu", "Yucatan"},
	} {
		if got := pgpwords.Word(0, tc.b); got != tc.even {
			t.Errorf("even word for %#02x = %q, want %q", tc.b, got, tc.even)
		}
		if got := pgpwords.Word(1, tc.b); got != tc.odd {
			t.Errorf("odd word for %#02x = %q, want %q", tc.b, got, tc.odd)
		}
	}
}

// Every byte has one word per column, and no word appears twice across both
// lists: that is what makes a misplaced word detectable.
func TestListsAreDistinctAndComplete(t *testing.T) {
	seen := map[string]bool{}
	for pos := range 2 {
		for b := range 256 {
			w := pgpwords.Word(pos, byte(b))
			key := strings.ToLower(w)
			if seen[key] {
				t.Errorf("word %q appears twice", w)
			}
			seen[key] = true
			got, col, ok := pgpwords.Lookup(strings.ToUpper(w))
			if !ok || got != byte(b) || col != pgpwords.ColumnAt(pos) {
				t.Errorf("Lookup(%q) = %#02x, %v, %v", w, got, col, ok)
			}
		}
	}
	if len(seen) != 512 {
		t.Errorf("%d distinct words, want 512", len(seen))
	}
}

func TestRoundTripAllBytes(t *testing.T) {
	b := make([]byte, 512)
	for i := range b {
		b[i] = byte(i / 2)
	}
	got, err := pgpwords.Decode(pgpwords.Encode(b))
	if err != nil || !slices.Equal(got, b) {
		t.Fatalf("round trip: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		words   string
		pos     int
		column  bool
		cause   pgpwords.Cause
		message string
	}{
		{"unknown", "aardvark adviser acrue", 2, false, 0, "word 3 is not in the PGP word list"},
		{"odd word at even position", "adroitness", 0, true, pgpwords.CauseUnknown,
			"word 1 is a three-syllable word where a two-syllable word belongs"},
		{"neighbours swapped", "aardvark adviser aggregate accrue acme", 2, true, pgpwords.CauseSwap,
			"word 3 is a three-syllable word where a two-syllable word belongs: words 3 and 4 look swapped"},
		{"word dropped", "aardvark adviser aggregate adrift almighty afflict", 2, true, pgpwords.CauseShift,
			"word 3 is a three-syllable word where a two-syllable word belongs: a word looks missing or doubled before word 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pgpwords.Decode(strings.Fields(tc.words))
			if err == nil {
				t.Fatal("Decode accepted the words")
			}
			if err.Error() != tc.message {
				t.Errorf("message %q, want %q", err, tc.message)
			}
			var ue *pgpwords.UnknownWordError
			var ce *pgpwords.ColumnError
			switch {
			case tc.column && errors.As(err, &ce):
				if ce.Pos != tc.pos || ce.Cause != tc.cause {
					t.Errorf("got %+v, want pos %d cause %v", ce, tc.pos, tc.cause)
				}
			case !tc.column && errors.As(err, &ue):
				if ue.Pos != tc.pos {
					t.Errorf("pos %d, want %d", ue.Pos, tc.pos)
				}
			default:
				t.Errorf("error %T", err)
			}
		})
	}
	if _, err := pgpwords.Decode(nil); !errors.Is(err, pgpwords.ErrEmpty) {
		t.Errorf("Decode(nil) = %v, want ErrEmpty", err)
	}
}

func TestNearestSuggestsTheIntendedWord(t *testing.T) {
	for _, tc := range []struct {
		pos        int
		typed, out string
	}{
		{0, "aardvak", "aardvark"},
		{0, "aadrvark", "aardvark"},
		{1, "adroitnes", "adroitness"},
		{1, "yucatn", "Yucatan"},
		{0, "ZULU", "Zulu"},
	} {
		got := pgpwords.Nearest(tc.pos, []byte(tc.typed), 3)
		if len(got) != 3 || got[0] != tc.out {
			t.Errorf("Nearest(%d, %q) = %v, want %q first", tc.pos, tc.typed, got, tc.out)
		}
	}
	var ue *pgpwords.UnknownWordError
	if _, err := pgpwords.DecodeWord(0, "aardvak"); !errors.As(err, &ue) || ue.Nearest[0] != "aardvark" {
		t.Errorf("DecodeWord error %v does not suggest aardvark", err)
	} else if strings.Contains(err.Error(), "aardv") {
		t.Errorf("error string %q carries the word", err)
	}
}

func TestComplete(t *testing.T) {
	for _, tc := range []struct {
		pos    int
		prefix string
		want   []string
	}{
		{0, "aa", []string{"aardvark"}},
		{1, "aa", nil},
		{0, "BEE", []string{"beehive", "beeswax"}},
		{1, "ad", []string{"adroitness", "adviser"}},
		{0, "zu", []string{"Zulu"}},
	} {
		if got := pgpwords.Complete(tc.pos, []byte(tc.prefix)); !slices.Equal(got, tc.want) {
			t.Errorf("Complete(%d, %q) = %v, want %v", tc.pos, tc.prefix, got, tc.want)
		}
	}
	if got := len(pgpwords.Complete(1, nil)); got != 256 {
		t.Errorf("Complete with empty prefix gave %d words", got)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("topmost Istanbul Pluto vagabond")
	f.Add("aardvark aardvark")
	f.Add("Zulu yucatan ZULU")
	f.Fuzz(func(t *testing.T, s string) {
		words := strings.Fields(s)
		b, err := pgpwords.Decode(words)
		if err != nil {
			return
		}
		again := pgpwords.Encode(b)
		for i := range words {
			if !strings.EqualFold(words[i], again[i]) {
				t.Fatalf("word %d: %q decoded and encoded to %q", i, words[i], again[i])
			}
		}
	})
}

// Typed letters are looked up without being copied to the heap: a string
// made of them could not be wiped.
func TestTypedMakesNoCopy(t *testing.T) {
	typed := []byte("  AardVark ")
	allocs := testing.AllocsPerRun(100, func() {
		if w, b, err := pgpwords.Typed(0, typed); err != nil || w != "aardvark" || b != 0 {
			t.Fatalf("Typed = %q, %d, %v", w, b, err)
		}
	})
	if allocs != 0 {
		t.Errorf("Typed allocated %v times for a valid word", allocs)
	}
}

func FuzzTyped(f *testing.F) {
	for _, s := range []string{"aardvark", " Zulu ", "adroitness", "", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "a\x00b"} {
		f.Add(0, []byte(s))
		f.Add(1, []byte(s))
	}
	f.Fuzz(func(t *testing.T, pos int, typed []byte) {
		if pos < 0 {
			pos = -pos
		}
		w, b, err := pgpwords.Typed(pos, typed)
		if err != nil {
			return
		}
		if pgpwords.Word(pos, b) != w || !strings.EqualFold(strings.TrimSpace(string(typed)), w) {
			t.Fatalf("Typed(%d, %q) = %q, %d", pos, typed, w, b)
		}
	})
}
