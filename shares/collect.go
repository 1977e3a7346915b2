package shares

import (
	"fmt"
	"strings"

	"github.com/hashicorp/vault/shamir"
)

// combineParts interpolates Shamir parts; tests replace it to watch which
// buffers pass through and that each is wiped.
var combineParts = shamir.Combine

// maxSubsets bounds the search for an inconsistent share, so that a large
// set with many bad shares fails in bounded time instead of trying every
// combination.
const maxSubsets = 1 << 16

// Collector gathers the shares of one set as holders enter them, refuses a
// share that cannot belong, and combines them into the secret only when the
// result matches the set's commitment.
//
// A share given to Add belongs to the Collector once Add accepts it; Zero
// wipes them all.
type Collector struct {
	rec     *Record
	entries []entered
}

type entered struct {
	share  *Share
	holder string
}

// NewCollector returns a Collector for the set rec describes.
func NewCollector(rec *Record) *Collector { return &Collector{rec: rec} }

// DuplicateError reports a share whose index was already entered.
type DuplicateError struct {
	Index  int
	Holder string // who entered it first; empty when unknown
}

func (e *DuplicateError) Error() string {
	if e.Holder == "" {
		return fmt.Sprintf("share %d was already entered", e.Index)
	}
	return fmt.Sprintf("share %d was already entered by %s", e.Index, e.Holder)
}

// Add checks s against the set (as Record.Check does) and against the shares
// already entered, and keeps it. holder names who entered it, for messages.
func (c *Collector) Add(s *Share, holder string) error {
	if err := c.rec.Check(s); err != nil {
		return err
	}
	for _, e := range c.entries {
		if e.share.index == s.index {
			return &DuplicateError{Index: s.index, Holder: e.holder}
		}
	}
	c.entries = append(c.entries, entered{s, holder})
	return nil
}

// Have returns how many shares have been accepted; Need how many the set needs.
func (c *Collector) Have() int { return len(c.entries) }
func (c *Collector) Need() int { return c.rec.M }

// Remove drops and wipes the share with the given index, for instance one
// that Combine named inconsistent. It reports whether there was one.
func (c *Collector) Remove(index int) bool {
	for i, e := range c.entries {
		if e.share.index == index {
			e.share.Zero()
			c.entries = append(c.entries[:i], c.entries[i+1:]...)
			return true
		}
	}
	return false
}

// Zero wipes every share entered and forgets them.
func (c *Collector) Zero() {
	for _, e := range c.entries {
		e.share.Zero()
	}
	c.entries = nil
}

// TooFewError reports a combine attempted with fewer shares than the threshold.
type TooFewError struct {
	Have, Need int
}

func (e *TooFewError) Error() string {
	return fmt.Sprintf("%d of the %d shares needed have been entered", e.Have, e.Need)
}

// CommitmentError reports shares that do not combine to the committed secret
// when the culprit cannot be found: with exactly m shares there is nothing to
// compare against, and with more no m of them agree.
type CommitmentError struct {
	Have, Need int
}

func (e *CommitmentError) Error() string {
	if e.Have == e.Need {
		return fmt.Sprintf("the %d shares do not combine to the secret recorded at the split: at least one is wrong; enter one more share to find which", e.Have)
	}
	return fmt.Sprintf("no %d of the %d shares combine to the secret recorded at the split: more than one share is wrong", e.Need, e.Have)
}

// Culprit names a share and who entered it.
type Culprit struct {
	Index  int
	Holder string
}

func (c Culprit) String() string {
	if c.Holder == "" {
		return fmt.Sprintf("share %d", c.Index)
	}
	return fmt.Sprintf("share %d (entered by %s)", c.Index, c.Holder)
}

// InconsistentError names the shares that disagree with a threshold of others
// that do combine to the committed secret.
type InconsistentError struct {
	Shares []Culprit
}

func (e *InconsistentError) Error() string {
	names := make([]string, len(e.Shares))
	for i, c := range e.Shares {
		names[i] = c.String()
	}
	verb, pronoun := "does", "it"
	if len(names) > 1 {
		verb, pronoun = "do", "them"
	}
	return fmt.Sprintf("%s %s not agree with the other shares, which combine to the recorded secret: remove %s and combine again",
		strings.Join(names, ", "), verb, pronoun)
}

// Combine returns the secret once the shares entered combine to the one the
// set's commitment names; the caller zeroes it. Otherwise it returns a
// *TooFewError, a *CommitmentError or, when more than m shares were entered
// and some m of them agree, an *InconsistentError naming the others.
func (c *Collector) Combine() ([]byte, error) {
	m, k := c.rec.M, len(c.entries)
	if k < m {
		return nil, &TooFewError{Have: k, Need: m}
	}
	all := make([]int, k)
	for i := range all {
		all[i] = i
	}
	if secret := c.tryCombine(all); secret != nil {
		return secret, nil
	}
	if k == m {
		return nil, &CommitmentError{Have: k, Need: m}
	}
	good := c.findAgreeing()
	if good == nil {
		return nil, &CommitmentError{Have: k, Need: m}
	}
	in := make(map[int]bool, m)
	for _, i := range good {
		in[i] = true
	}
	var bad []Culprit
	for i, e := range c.entries {
		if in[i] {
			continue
		}
		// Swap the share for one member of the agreeing subset: with m-1
		// shares known good, the result matches only if this one is good too.
		trial := append([]int{i}, good[1:]...)
		if secret := c.tryCombine(trial); secret != nil {
			clear(secret)
			continue
		}
		bad = append(bad, Culprit{Index: e.share.index, Holder: e.holder})
	}
	if len(bad) == 0 {
		// Every share agrees with the subset, yet all together did not
		// combine: two shares carry one x coordinate, which only a forged
		// share does. Refuse without guessing.
		return nil, &CommitmentError{Have: k, Need: m}
	}
	return nil, &InconsistentError{Shares: bad}
}

// findAgreeing returns the first m-subset of the entries (as positions) that
// combines to the committed secret, or nil.
func (c *Collector) findAgreeing() []int {
	m, k := c.rec.M, len(c.entries)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	for tried := 0; tried < maxSubsets; tried++ {
		if secret := c.tryCombine(idx); secret != nil {
			clear(secret)
			return idx
		}
		// next combination in lexicographic order
		i := m - 1
		for i >= 0 && idx[i] == k-m+i {
			i--
		}
		if i < 0 {
			return nil
		}
		idx[i]++
		for j := i + 1; j < m; j++ {
			idx[j] = idx[j-1] + 1
		}
	}
	return nil
}

// tryCombine combines the entries at the given positions and returns the
// secret if it matches the commitment; every other buffer it touches is
// wiped before it returns.
func (c *Collector) tryCombine(positions []int) []byte {
	parts := make([][]byte, len(positions))
	for i, p := range positions {
		parts[i] = append([]byte(nil), c.entries[p].share.payload...)
	}
	defer func() {
		for _, p := range parts {
			clear(p)
		}
	}()
	secret, err := combineParts(parts)
	if err != nil {
		// Two parts with one x coordinate are the only way here.
		return nil
	}
	if !c.rec.Matches(secret) {
		clear(secret)
		return nil
	}
	return secret
}
