package main

import (
	"bufio"
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/ceremony-dev/ceremony/durable"
	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/shares"
	"github.com/ceremony-dev/ceremony/visible"
)

func init() {
	register(&command{
		name:    "shares",
		summary: "split a secret m-of-n into share sheets, check a share, combine shares",
		run:     runShares,
	})
}

const sharesUsage = `Usage:
  ceremony shares split --label L -m M -n N --out-dir DIR [--holders a,b,c]
  ceremony shares check --record FILE SHARE_FILE
  ceremony shares combine --record FILE [--reveal-to FILE] [SHARE_FILE...]

Split generates a secret, writes one share sheet per holder and the set's
public record. Check is a holder's self-check of one share against the
record. Combine verifies shares and the combined secret against the record.

Exit status: 0 ok, 1 a share or the combination is wrong, 2 usage or
unreadable input.

Run 'ceremony shares <split|check|combine> --help' for flags and an example.
`

func runShares(args []string, s stdio) int {
	if len(args) == 0 {
		fmt.Fprint(s.err, sharesUsage)
		return exitUsage
	}
	// Every subcommand holds a secret or a share in memory.
	noCoreDumps()
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(s.out, sharesUsage)
		return exitOK
	case "split":
		return sharesSplit(args[1:], s)
	case "check":
		return sharesCheck(args[1:], s)
	case "combine":
		return sharesCombine(args[1:], s)
	}
	errorf(s.err, "unknown shares command %q", args[0])
	hintf(s.err, "the shares commands are split, check and combine")
	return exitUsage
}

func sharesSplit(args []string, s stdio) int {
	flags := newFlags(s, "shares split --label L -m M -n N --out-dir DIR [--holders a,b,c]",
		"Generates a 32-byte secret from the system's random source and splits it so\n"+
			"that any M of N shares recover it. Writes, for each holder, a share sheet as\n"+
			"text (share-I.txt) and HTML (share-I.html) and the share's one-line form\n"+
			"(share-I.share), each readable by the owner only, and the set's public\n"+
			"record (record.json). Nothing is overwritten. Prints the set id and the\n"+
			"record; the secret itself is never shown.",
		"ceremony shares split --label 'HSM user PIN' -m 3 -n 5 --out-dir sheets --holders ann,ben,cid,dee,eve")
	label := flags.String("label", "", "what the secret is for, printed on every sheet")
	m := flags.Int("m", 0, "threshold: how many shares recover the secret")
	n := flags.Int("n", 0, "how many shares to make")
	outDir := flags.String("out-dir", "", "directory for the sheets and the record (created if missing)")
	holderList := flags.String("holders", "", "comma-separated holder names, one per share, in order")
	if code := parseFlags(flags, args); code >= 0 {
		return code
	}
	if flags.NArg() > 0 || *label == "" || *outDir == "" {
		errorf(s.err, "shares split needs --label, -m, -n and --out-dir, and no arguments")
		hintf(s.err, "run 'ceremony shares split --help' for an example")
		return exitUsage
	}
	if *m < 2 || *n < *m || *n > 255 {
		errorf(s.err, "-m %d -n %d: a split needs 2 <= m <= n <= 255 (m shares of n recover the secret)", *m, *n)
		hintf(s.err, "for example -m 3 -n 5")
		return exitUsage
	}
	holders := make([]string, *n)
	if *holderList != "" {
		holders = strings.Split(*holderList, ",")
		if len(holders) != *n {
			errorf(s.err, "--holders names %d holders for %d shares", len(holders), *n)
			return exitUsage
		}
	}
	for i := range holders {
		holders[i] = strings.TrimSpace(holders[i])
		if holders[i] == "" {
			holders[i] = fmt.Sprintf("holder of share %d", i+1)
		}
		if err := visible.Check(holders[i], false); err != nil {
			errorf(s.err, "--holders: holder %d, \"%s\": %v", i+1, visible.String(holders[i]), err)
			hintf(s.err, "a holder's name is printed on their sheet as it is written: give it in plain letters")
			return exitUsage
		}
	}
	if err := visible.Check(*label, false); err != nil {
		errorf(s.err, "--label \"%s\": %v", visible.String(*label), err)
		return exitUsage
	}

	if err := os.MkdirAll(*outDir, 0o700); err != nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	paths := []string{filepath.Join(*outDir, "record.json")}
	for i := 1; i <= *n; i++ {
		for _, ext := range []string{"txt", "html", "share"} {
			paths = append(paths, filepath.Join(*outDir, fmt.Sprintf("share-%d.%s", i, ext)))
		}
	}
	// Refuse before splitting, so that no secret is made for sheets that
	// cannot be written; O_EXCL below still guards against a race.
	for _, p := range paths {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			errorf(s.err, "%s already exists: nothing is overwritten", p)
			return exitUsage
		}
	}

	secret, rec, set, err := shares.Split(*label, *m, *n)
	if err != nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	clear(secret)
	defer func() {
		for _, sh := range set {
			sh.Zero()
		}
	}()
	record, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		errorf(s.err, "encoding the record: %v", err)
		return exitUsage
	}
	record = append(record, '\n')
	if err := durable.Create(paths[0], record, 0o644); err != nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	now := time.Now()
	for i, sh := range set {
		for j, content := range []string{
			sh.SheetText(holders[i], now),
			sh.SheetHTML(holders[i], now),
			sh.Line() + "\n",
		} {
			if err := durable.Create(paths[1+3*i+j], []byte(content), 0o600); err != nil {
				errorf(s.err, "%v", err)
				return exitUsage
			}
		}
	}
	fmt.Fprintf(s.out, "set id: %s\n", rec.SetID)
	fmt.Fprintf(s.out, "wrote %d share sheets and %s\n", *n, paths[0])
	fmt.Fprintf(s.out, "record:\n%s", record)
	return exitOK
}

// readShareRecord reads a set's record. It returns -1 to go on, or the exit
// code.
func readShareRecord(path string, s stdio) (*shares.Record, int) {
	data, err := durable.ReadFile(path, maxSmallFile)
	if err != nil {
		errorf(s.err, "%v", err)
		return nil, exitUsage
	}
	rec, err := shares.ParseRecord(data)
	if err != nil {
		errorf(s.err, "%s: %v", path, err)
		return nil, exitUsage
	}
	return rec, -1
}

// loadShareFile reads a share with readShareFile. A file that cannot be
// read is a usage error; one that holds no valid share is a wrong share.
// It returns -1 to go on, or the exit code.
func loadShareFile(path string, s stdio) (*shares.Share, int) {
	sh, err := readShareFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission):
		errorf(s.err, "%v", err)
		return nil, exitUsage
	case err != nil:
		errorf(s.err, "%s: %v", path, err)
		return nil, exitFailed
	}
	return sh, -1
}

// readShareFile reads a share in its one-line form, as the text sheet the
// split printed, or as bare words (numbers between them are ignored, so
// words copied with their row numbers work too).
func readShareFile(path string) (*shares.Share, error) {
	data, err := durable.ReadFile(path, maxSmallFile)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	text := string(data)
	if strings.HasPrefix(strings.TrimSpace(text), "ceremony-share") {
		return shares.ParseLine(text)
	}
	// On a sheet the words sit between "Words (N):" and the instructions.
	if _, rest, ok := strings.Cut(text, "\nWords ("); ok {
		_, text, _ = strings.Cut(rest, "\n")
		text, _, _ = strings.Cut(text, "\nWhat to do")
	}
	var words []string
	for _, f := range strings.Fields(text) {
		if strings.Trim(f, "0123456789.") != "" {
			words = append(words, f)
		}
	}
	return shares.Decode(words)
}

func sharesCheck(args []string, s stdio) int {
	flags := newFlags(s, "shares check --record FILE (SHARE_FILE | --envelope FILE)",
		"Checks one share against the set's record, without anyone else's share: its\n"+
			"words, its set id, m and n, and the fingerprint published at the split.\n"+
			"SHARE_FILE holds the share's one-line form, its text sheet or its words.\n\n"+
			"With --envelope, the share is the one sealed to the holder's YubiKey: the\n"+
			"envelope's header is checked against the record, then the holder puts the\n"+
			"card it names in the reader and types its PIN (not echoed), and the card\n"+
			"opens the envelope. The card counts a wrong PIN; the last try is never\n"+
			"spent here. The reader is the one whose name contains CEREMONY_PIV_READER\n"+
			"(default: YubiKey); the binary is built with -tags piv.",
		"ceremony shares check --record sheets/record.json sheets/share-2.share\n"+
			"  ceremony shares check --record record.json --envelope bundle/artifacts/hsm-user-0a1b2c3d4e5f-2-dee.envelope")
	recPath := flags.String("record", "", "the set's record (record.json from the split)")
	envPath := flags.String("envelope", "", "an envelope sealed to the holder's YubiKey (from the split's bundle)")
	if code := parseFlags(flags, args); code >= 0 {
		return code
	}
	if *recPath == "" || (flags.NArg() != 1) == (*envPath == "") || (*envPath != "" && flags.NArg() != 0) {
		errorf(s.err, "shares check needs --record and one share file, or --record and --envelope")
		return exitUsage
	}
	rec, code := readShareRecord(*recPath, s)
	if code >= 0 {
		return code
	}
	var sh *shares.Share
	path, how := flags.Arg(0), ""
	if *envPath != "" {
		path = *envPath
		sh, how, code = openEnvelopeFile(rec, path, s)
	} else {
		sh, code = loadShareFile(path, s)
	}
	if code >= 0 {
		return code
	}
	defer sh.Zero()
	if err := rec.Check(sh); err != nil {
		errorf(s.err, "%s: %v", path, err)
		return exitFailed
	}
	fmt.Fprintf(s.out, "ok: %sshare %d of %d of set %s (%s) matches the record, fingerprint %s\n",
		how, sh.Index(), rec.N, rec.SetID, rec.Label, sh.Fingerprint())
	return exitOK
}

func sharesCombine(args []string, s stdio) int {
	flags := newFlags(s, "shares combine --record FILE [--reveal-to FILE] [SHARE_FILE...]",
		"Checks each share as it is entered and the combined secret against the\n"+
			"commitment in the record, and prints the verdict only. With no share files,\n"+
			"holders type their shares at the terminal, echo off, one or more words per\n"+
			"line; each word is checked as it is entered. With more shares than needed,\n"+
			"a wrong share is found and named. --reveal-to writes the secret, in hex, to\n"+
			"a new file readable by the owner only.",
		"ceremony shares combine --record sheets/record.json sheets/share-1.share sheets/share-4.share sheets/share-5.share")
	recPath := flags.String("record", "", "the set's record (record.json from the split)")
	revealTo := flags.String("reveal-to", "", "write the verified secret in hex to this new file")
	if code := parseFlags(flags, args); code >= 0 {
		return code
	}
	if *recPath == "" {
		errorf(s.err, "shares combine needs --record")
		return exitUsage
	}
	rec, code := readShareRecord(*recPath, s)
	if code >= 0 {
		return code
	}
	if *revealTo != "" {
		if _, err := os.Lstat(*revealTo); !errors.Is(err, fs.ErrNotExist) {
			errorf(s.err, "%s already exists: nothing is overwritten", *revealTo)
			return exitUsage
		}
	}
	c := shares.NewCollector(rec)
	defer c.Zero()
	if flags.NArg() > 0 {
		for _, path := range flags.Args() {
			sh, code := loadShareFile(path, s)
			if code >= 0 {
				return code
			}
			if err := c.Add(sh, path); err != nil {
				sh.Zero()
				errorf(s.err, "%s: %v", path, err)
				return exitFailed
			}
		}
	} else if code := enterShares(c, rec, s); code >= 0 {
		return code
	}
	secret, err := c.Combine()
	if err != nil {
		errorf(s.err, "%v", err)
		return exitFailed
	}
	defer clear(secret)
	if *revealTo != "" {
		out := make([]byte, hex.EncodedLen(len(secret))+1)
		defer clear(out)
		hex.Encode(out, secret)
		out[len(out)-1] = '\n'
		if err := durable.Create(*revealTo, out, 0o600); err != nil {
			errorf(s.err, "%v", err)
			return exitUsage
		}
	}
	fmt.Fprintf(s.out, "ok: %d shares combine to the secret recorded for set %s (%s)\n", c.Have(), rec.SetID, rec.Label)
	if *revealTo != "" {
		fmt.Fprintf(s.out, "the secret is in %s\n", *revealTo)
	}
	return exitOK
}

// openEnvelopeFile is a holder's check of their envelope: its header
// against the record, then opened on their card. It returns the share and
// how it was had, or the exit code.
func openEnvelopeFile(rec *shares.Record, path string, s stdio) (*shares.Share, string, int) {
	b, err := durable.ReadFile(path, shares.MaxEnvelope)
	if err != nil {
		errorf(s.err, "%v", err)
		return nil, "", exitUsage
	}
	env, err := shares.ParseEnvelope(b)
	if err != nil {
		errorf(s.err, "%s: %v", path, err)
		return nil, "", exitFailed
	}
	if err := rec.CheckEnvelope(env); err != nil {
		errorf(s.err, "%s: %v", path, err)
		return nil, "", exitFailed
	}
	reader := os.Getenv("CEREMONY_PIV_READER")
	if reader == "" {
		reader = "YubiKey"
	}
	fmt.Fprintf(s.err, "%s: share %d of %d of set %s (%s), sealed to card %s\n", env.Holder, env.Index, env.N, env.SetID, env.Label, env.Card)
	card, err := openReader(reader, env.Card)
	if err != nil {
		errorf(s.err, "%v", err)
		hintf(s.err, "put the YubiKey with serial %s in the reader", env.Card)
		return nil, "", exitFailed
	}
	defer card.Close()
	in := newShareInput(s.in)
	if in.fd >= 0 {
		defer restoreTermOnInterrupt(in.fd, s)()
	}
	fmt.Fprintf(s.err, "PIN of card %s: ", env.Card)
	pin, err := in.secretLine(s.err)
	defer clear(pin)
	if err != nil {
		errorf(s.err, "no PIN was typed")
		return nil, "", exitUsage
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), env.Recipient.Bytes())
	if err != nil {
		errorf(s.err, "%v", err)
		return nil, "", exitFailed
	}
	sh, err := env.Open(func(eph *ecdh.PublicKey) ([]byte, error) { return piv.SharedSecret(card, pub, pin, eph, false) })
	if err != nil {
		errorf(s.err, "%s: %v", path, err)
		return nil, "", exitFailed
	}
	return sh, fmt.Sprintf("card %s opens %s's envelope: ", env.Card, env.Holder), -1
}

// shareInput reads one line of input, with echo off when it is a terminal.
type shareInput struct {
	fd  int // -1 unless input is a terminal
	buf *bufio.Reader
}

func newShareInput(in io.Reader) *shareInput {
	r := &shareInput{fd: -1, buf: bufio.NewReader(in)}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		r.fd = int(f.Fd())
	}
	return r
}

// secretLine returns a line typed without echo; the caller zeroes it.
func (r *shareInput) secretLine(w io.Writer) ([]byte, error) {
	if r.fd >= 0 {
		line, err := term.ReadPassword(r.fd)
		fmt.Fprintln(w)
		return line, err
	}
	return r.plainLine()
}

// plainLine returns a line as typed, echoed when input is a terminal. A
// terminal hands over one line per read, so the buffer never holds what
// secretLine reads next.
func (r *shareInput) plainLine() ([]byte, error) {
	line, err := r.buf.ReadBytes('\n')
	if err == io.EOF && len(line) > 0 {
		err = nil
	}
	return bytes.TrimRight(line, "\r\n"), err
}

// enterShares collects shares typed at the terminal until the set's
// threshold is met. It returns -1 to go on to combining, or an exit code.
func enterShares(c *shares.Collector, rec *shares.Record, s stdio) int {
	in := newShareInput(s.in)
	if in.fd >= 0 {
		defer restoreTermOnInterrupt(in.fd, s)()
	}
	total := shares.WordsPerShare(rec)
	fmt.Fprintf(s.err, "set %s (%s): %d of %d shares needed, %d words each\n", rec.SetID, rec.Label, rec.M, rec.N, total)
	for c.Have() < c.Need() {
		fmt.Fprintf(s.err, "share %d of %d: holder's name: ", c.Have()+1, c.Need())
		name, err := in.plainLine()
		if err != nil {
			errorf(s.err, "input ended with %d of the %d shares needed", c.Have(), c.Need())
			return exitFailed
		}
		holder := strings.TrimSpace(string(name))
		sh, code := enterShare(in, total, s)
		if code >= 0 {
			return code
		}
		if err := c.Add(sh, holder); err != nil {
			sh.Zero()
			errorf(s.err, "%v", err)
			hintf(s.err, "this share was not accepted; enter a share again")
			continue
		}
		fmt.Fprintf(s.err, "share %d accepted\n", sh.Index())
	}
	return -1
}

// restoreTermOnInterrupt puts the terminal back as it was if the process is
// interrupted while echo is off, so that the room's terminal is not left
// silent. The returned func stops watching.
func restoreTermOnInterrupt(fd int, s stdio) (stop func()) {
	state, err := term.GetState(fd)
	if err != nil {
		return func() {}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			term.Restore(fd, state)
			fmt.Fprintln(s.err)
			errorf(s.err, "interrupted: the shares entered were not kept")
			os.Exit(exitAborted)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
	}
}

// enterShare reads one share's words, checking each as it arrives; a share
// that fails as a whole is started over.
func enterShare(in *shareInput, total int, s stdio) (*shares.Share, int) {
	for {
		words := make([]string, 0, total)
		for len(words) < total {
			fmt.Fprintf(s.err, "word %d of %d (echo off; several words may go on one line): ", len(words)+1, total)
			line, err := in.secretLine(s.err)
			if err != nil {
				clear(line)
				errorf(s.err, "input ended in the middle of a share")
				return nil, exitFailed
			}
			for _, typed := range bytes.Fields(line) {
				if len(words) == total {
					errorf(s.err, "more than %d words: the words after word %d were ignored", total, total)
					break
				}
				w, err := shares.Word(len(words), typed)
				if err != nil {
					errorf(s.err, "%v", err)
					hintf(s.err, "words 1 to %d are kept; type word %d again", len(words), len(words)+1)
					break
				}
				words = append(words, w)
			}
			clear(line)
		}
		sh, err := shares.Decode(words)
		clear(words)
		if err == nil {
			return sh, -1
		}
		errorf(s.err, "%v", err)
		hintf(s.err, "enter this share again from word 1")
	}
}
