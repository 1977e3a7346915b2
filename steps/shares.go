package steps

import (
	"fmt"
	"time"

	"github.com/ceremony-dev/ceremony/shares"
)

// ShareRecord is the public record of a split: it goes into the transcript
// and is what shares are later checked against.
type ShareRecord = shares.Record

// Split is a freshly split secret and its shares, held while the holders see
// their sheets and type them back. Zero wipes it.
type Split struct {
	Secret []byte
	Record *ShareRecord
	set    []*shares.Share
}

// NewSplit generates a secret from crypto/rand and splits it as q says.
func NewSplit(q SplitSecret) (*Split, error) {
	secret, rec, set, err := shares.Split(q.Label, q.M, q.N)
	if err != nil {
		return nil, err
	}
	return &Split{Secret: secret, Record: rec, set: set}, nil
}

// Sheet is share i (from 0) as its holder's sheet, with its words for UIs
// that lay them out, and its fingerprint for the record.
func (s *Split) Sheet(i int, holder string, date time.Time) (text string, words []string, fingerprint string) {
	sh := s.set[i]
	return sh.SheetText(holder, date), sh.Words(), sh.Fingerprint()
}

// VerifyBack checks that words, typed back by the holder of share i, are
// that very share.
func (s *Split) VerifyBack(i int, words []string) error {
	sh, err := shares.Decode(words)
	if err != nil {
		return err
	}
	defer sh.Zero()
	if err := s.Record.Check(sh); err != nil {
		return err
	}
	if sh.Fingerprint() != s.set[i].Fingerprint() {
		return fmt.Errorf("this is share %d, not share %d given to this holder", sh.Index(), i+1)
	}
	return nil
}

// Zero wipes the secret and every share.
func (s *Split) Zero() {
	for _, sh := range s.set {
		sh.Zero()
	}
	shares.Zero(s.Secret)
}

// Collection gathers shares of one set as crypto officers type them.
type Collection struct {
	c *shares.Collector
}

// NewCollection starts collecting shares of the set rec describes.
func NewCollection(rec *ShareRecord) *Collection {
	return &Collection{c: shares.NewCollector(rec)}
}

// Add decodes a typed share and accepts it, or says what is wrong with it
// (a typo, another set, a share already entered). It returns the share's
// index and fingerprint for the record.
func (c *Collection) Add(words []string, holder string) (index int, fingerprint string, err error) {
	sh, err := shares.Decode(words)
	if err != nil {
		return 0, "", err
	}
	index, fingerprint = sh.Index(), sh.Fingerprint()
	if err := c.c.Add(sh, holder); err != nil {
		sh.Zero()
		return 0, "", err
	}
	return index, fingerprint, nil
}

func (c *Collection) Have() int { return c.c.Have() }
func (c *Collection) Need() int { return c.c.Need() }

// Combine returns the secret once it matches the set's commitment.
func (c *Collection) Combine() ([]byte, error) { return c.c.Combine() }

// Zero wipes every share entered.
func (c *Collection) Zero() { c.c.Zero() }

// Per-word help for share entry, as the shares package gives it.
var (
	CheckShareWord    = shares.CheckWord
	CompleteShareWord = shares.Complete
)

// WordsPerShare is how many words a share of the set has.
func WordsPerShare(rec *ShareRecord) int { return shares.WordsPerShare(rec) }

// Zero wipes a secret.
func Zero(b []byte) { shares.Zero(b) }
