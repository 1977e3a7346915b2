package tui_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/shares"
)

// TestShareEntryWithRealShares types real shares into the widget, with the
// share format's own checks behind the closures (as the runner wires them),
// and reads each refusal off the screen as the crypto officer would.
func TestShareEntryWithRealShares(t *testing.T) {
	secret, rec, set, err := shares.Split("hsm-user", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer clear(secret)
	_, _, foreign, err := shares.Split("hsm-user", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	c := shares.NewCollector(rec)
	entry := room.ShareEntry{Holder: carol, Label: "hsm-user", K: 1, M: 2, Words: shares.WordsPerShare(rec),
		Word: shares.Word, Complete: shares.Complete,
		Submit: func(words []string) error {
			s, err := shares.Decode(words)
			if err != nil {
				return err
			}
			return c.Add(s, carol.Name)
		}}

	r := newKSK(t, 80, 24)
	got := ask(r, noValue(func(ctx context.Context) error { return r.ui.Share(ctx, entry) }))
	r.waitFor("Share entry")
	good := set[0].Words()

	// A misspelt word: refused with the nearest words, and taken back.
	typo := strings.ToLower(good[0])
	typo = typo[:len(typo)-1] + "q"
	typeWords(r, typo+" ")
	r.waitFor("word 1 is not in the PGP word list; nearest: ")
	if scr := r.screen(); !strings.Contains(strings.ToLower(scr), strings.ToLower(good[0])) {
		t.Errorf("the nearest words do not include the word meant:\n%s", scr)
	}

	// A word of the other column.
	typeWords(r, good[0]+" "+good[0]+" ")
	r.waitFor("word 2 is a")
	r.keys("backspace")

	// Every word valid, one of them the wrong one: the checksum catches it.
	bad := slices.Clone(good)
	bad[4] = shares.Complete(4, nil)[0]
	if strings.EqualFold(bad[4], good[4]) {
		bad[4] = shares.Complete(4, nil)[1]
	}
	typeWords(r, strings.Join(bad, " ")+" ")
	r.waitFor("check words do not match")

	typeWords(r, strings.Join(foreign[0].Words(), " ")+" ")
	r.waitFor("from another split")

	typeWords(r, strings.Join(good, " ")+" ")
	if _, err := await(t, got); err != nil {
		t.Fatal(err)
	}

	// The same share again, for the second of two.
	entry.K = 2
	got = ask(r, noValue(func(ctx context.Context) error { return r.ui.Share(ctx, entry) }))
	r.waitFor("share 2 of 2")
	typeWords(r, strings.Join(good, " ")+" ")
	r.waitFor("share 1 was already entered by Carol Chen")
	pending(t, got)
}
