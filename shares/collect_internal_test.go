package shares

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// corrupt returns a copy of s whose part disagrees with the set in one byte
// and publishes its fingerprint in rec, as a share damaged before the split
// was recorded would: every check at entry passes and only combining can
// tell.
func corrupt(rec *Record, s *Share) *Share {
	bad := *s
	bad.payload = slices.Clone(s.payload)
	// Every byte of the part is changed, by an amount that differs from
	// byte to byte and from share to share: two bad shares changed alike
	// cancel out in a combination of all of them once in 256 splits.
	for i := range len(bad.payload) - 1 {
		bad.payload[i] ^= byte(1 + i*s.index)
	}
	rec.Fingerprints[s.index-1] = bad.Fingerprint()
	return &bad
}

func TestCombineNamesTheInconsistentShare(t *testing.T) {
	holders := []string{"ann", "ben", "cid", "dee", "eve", "fay"}
	for _, tc := range []struct {
		name    string
		m, n    int
		entered []int // indexes entered, 1-based
		bad     []int
		want    []Culprit // nil: a CommitmentError
	}{
		{"m+1, bad first", 3, 5, []int{1, 2, 3, 4}, []int{1}, []Culprit{{1, "ann"}}},
		{"m+1, bad last", 3, 5, []int{1, 2, 3, 4}, []int{4}, []Culprit{{4, "dee"}}},
		{"m+2", 3, 5, []int{5, 1, 2, 3, 4}, []int{2}, []Culprit{{2, "cid"}}},
		{"m+2 of 2", 2, 6, []int{6, 3, 1, 4}, []int{1}, []Culprit{{1, "cid"}}},
		{"m+2, two bad", 3, 6, []int{1, 2, 3, 4, 5}, []int{2, 5}, []Culprit{{2, "ben"}, {5, "eve"}}},
		{"exactly m, one bad", 3, 5, []int{1, 2, 3}, []int{3}, nil},
		{"m+1, two bad", 3, 5, []int{1, 2, 3, 4}, []int{1, 3}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secret, rec, set, err := Split("pin", tc.m, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			c := NewCollector(rec)
			for i, idx := range tc.entered {
				s := set[idx-1]
				if slices.Contains(tc.bad, idx) {
					s = corrupt(rec, s)
				}
				if err := c.Add(s, holders[i]); err != nil {
					t.Fatal(err)
				}
			}
			got, err := c.Combine()
			if got != nil {
				t.Fatal("Combine returned a secret")
			}
			if tc.want == nil {
				var ce *CommitmentError
				if !errors.As(err, &ce) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var ie *InconsistentError
			if !errors.As(err, &ie) || !slices.Equal(ie.Shares, tc.want) {
				t.Fatalf("err = %v, want culprits %v", err, tc.want)
			}
			// Removing the named shares leaves shares that combine.
			for _, cu := range ie.Shares {
				c.Remove(cu.Index)
			}
			if got, err := c.Combine(); err != nil || !bytes.Equal(got, secret) {
				t.Fatalf("after removing the culprits: %v", err)
			}
		})
	}
}

func TestCombineMessages(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&InconsistentError{Shares: []Culprit{{4, "dee"}}},
			"share 4 (entered by dee) does not agree with the other shares, which combine to the recorded secret: remove it and combine again"},
		{&InconsistentError{Shares: []Culprit{{2, ""}, {5, "eve"}}},
			"share 2, share 5 (entered by eve) do not agree with the other shares, which combine to the recorded secret: remove them and combine again"},
		{&CommitmentError{Have: 3, Need: 3},
			"the 3 shares do not combine to the secret recorded at the split: at least one is wrong; enter one more share to find which"},
		{&CommitmentError{Have: 5, Need: 3},
			"no 3 of the 5 shares combine to the secret recorded at the split: more than one share is wrong"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

// watchCombine records every part handed to the Shamir code and every
// candidate secret it returns.
func watchCombine(t *testing.T) (parts, outs *[][]byte) {
	parts, outs = new([][]byte), new([][]byte)
	t.Cleanup(func() { combineParts = shamirCombine })
	combineParts = func(p [][]byte) ([]byte, error) {
		*parts = append(*parts, p...)
		out, err := shamirCombine(p)
		*outs = append(*outs, out)
		return out, err
	}
	return parts, outs
}

var shamirCombine = combineParts

func allZero(bufs ...[]byte) bool {
	for _, b := range bufs {
		for _, x := range b {
			if x != 0 {
				return false
			}
		}
	}
	return true
}

func TestCombineWipesEveryBuffer(t *testing.T) {
	t.Run("success", func(t *testing.T) {
		parts, outs := watchCombine(t)
		secret, rec, set, err := Split("pin", 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		c := NewCollector(rec)
		for _, s := range set {
			if err := c.Add(s, ""); err != nil {
				t.Fatal(err)
			}
		}
		got, err := c.Combine()
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatal(err)
		}
		if len(*parts) == 0 || !allZero(*parts...) {
			t.Error("a part handed to combine was not wiped")
		}
		for _, o := range *outs {
			if &o[0] != &got[0] && !allZero(o) {
				t.Error("a candidate secret was not wiped")
			}
		}
		clear(got)
		if !allZero(got) {
			t.Error("Zero left bytes")
		}
		c.Zero()
		for _, s := range set {
			if !allZero(s.payload) {
				t.Errorf("Collector.Zero left share %d", s.index)
			}
		}
		if c.Have() != 0 {
			t.Error("Collector.Zero kept shares")
		}
	})
	t.Run("subset search", func(t *testing.T) {
		parts, outs := watchCombine(t)
		_, rec, set, err := Split("pin", 3, 5)
		if err != nil {
			t.Fatal(err)
		}
		c := NewCollector(rec)
		bad := corrupt(rec, set[1])
		for _, s := range []*Share{set[0], bad, set[2], set[3], set[4]} {
			if err := c.Add(s, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Combine(); err == nil {
			t.Fatal("combined with a bad share")
		}
		if len(*outs) < 3 || !allZero(*parts...) || !allZero(*outs...) {
			t.Errorf("%d combines left bytes in parts or candidates", len(*outs))
		}
		if !c.Remove(2) || !allZero(bad.payload) {
			t.Error("Remove did not wipe the share it dropped")
		}
	})
	t.Run("share", func(t *testing.T) {
		_, _, set, err := Split("pin", 2, 2)
		if err != nil {
			t.Fatal(err)
		}
		set[0].Zero()
		if !allZero(set[0].payload) {
			t.Error("Share.Zero left bytes")
		}
	})
}
