package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ceremony-dev/ceremony/hsm"
)

func init() {
	register(&command{
		name:    "tokens",
		summary: "list PKCS #11 slots, tokens, mechanisms and public objects, or the embedded token",
		run:     runTokens,
	})
}

func runTokens(args []string, s stdio) int {
	flags := newFlags(s, "tokens [--module PATH | --uri URI] [--soft-dir DIR]",
		`List what an administrator checks before a ceremony: the module's slots, each
token's manufacturer, model, serial, firmware, flags, PIN lengths and PIN
counters, the mechanisms it offers and the objects visible without login.
Nothing is logged into and nothing is changed.

With --uri, only the tokens the PKCS #11 URI names (RFC 7512) are shown; its
module-path is used unless --module is given. Without --module or --uri the
embedded software token is listed: the rehearsal stand-in for an HSM, whose
keys are files in --soft-dir.`,
		"ceremony tokens --module /usr/lib/softhsm/libsofthsm2.so")
	module := flags.String("module", "", "PKCS #11 module `file`")
	uri := flags.String("uri", "", "PKCS #11 `URI` naming a token, e.g. pkcs11:token=ksk")
	softDir := flags.String("soft-dir", "", "`directory` of the embedded software token (default: ceremony/soft-token in the user config directory)")
	switch err := flags.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		return exitUsage
	}
	if flags.NArg() > 0 {
		errorf(s.err, "unexpected argument %q", flags.Arg(0))
		return exitUsage
	}
	if *module == "" && *uri == "" {
		return listSoftToken(s, *softDir)
	}
	if *softDir != "" {
		errorf(s.err, "--soft-dir lists the embedded token; it does not go with --module or --uri")
		return exitUsage
	}
	var sel *hsm.URI
	if *uri != "" {
		u, err := hsm.ParseURI(*uri)
		if err != nil {
			errorf(s.err, "%v", err)
			return exitUsage
		}
		sel = u
		if *module == "" {
			*module = u.ModulePath
		}
		if *module == "" {
			errorf(s.err, "the uri has no module-path")
			hintf(s.err, "add ?module-path=FILE to the uri or pass --module FILE")
			return exitUsage
		}
	}
	m, err := hsm.OpenModule(*module)
	if err != nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	defer m.Close()
	lib, err := m.Library()
	if err != nil {
		errorf(s.err, "%v", err)
		return exitFailed
	}
	fmt.Fprintf(s.out, "module %s\n  library: %s %s by %s (cryptoki %s)\n", *module, lib["description"], lib["version"], lib["manufacturer"], lib["cryptoki"])
	reports, err := m.Inspect(sel)
	if err != nil {
		errorf(s.err, "%v", err)
		return exitFailed
	}
	if sel != nil && len(reports) == 0 {
		errorf(s.err, "no token matches %s", sel)
		return exitFailed
	}
	failed := false
	for _, r := range reports {
		fmt.Fprintf(s.out, "\nslot %d: %s (%s) %s\n", r.Slot, r.Description, r.Manufacturer, r.Flags)
		if r.Token != nil {
			printToken(s.out, r.Token)
		}
		printMechanisms(s.out, r.Mechanisms)
		if r.Token != nil && strings.Contains(r.Token["flags"], "token_initialized") {
			printObjects(s.out, "public objects", r.Objects)
		}
		if r.Err != nil {
			failed = true
			fmt.Fprintf(s.out, "  error: %v\n", r.Err)
		}
	}
	if failed {
		return exitFailed
	}
	return exitOK
}

func listSoftToken(s stdio, dir string) int {
	if dir == "" {
		d, err := hsm.DefaultSoftDir()
		if err != nil {
			errorf(s.err, "%v", err)
			return exitUsage
		}
		dir = d
	}
	// Listing changes nothing: a directory that holds no token is not
	// made into one, and a misspelt --soft-dir is not created.
	if _, err := os.Stat(filepath.Join(dir, "keys")); err != nil {
		errorf(s.err, "%s holds no embedded token: nothing was created there", dir)
		hintf(s.err, "a rehearsal creates the embedded token it is configured with; --soft-dir names that directory")
		return exitFailed
	}
	tok, err := hsm.OpenSoft(dir)
	if err != nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	defer tok.Close()
	fmt.Fprintf(s.out, "embedded software token in %s\n", dir)
	fmt.Fprintf(s.out, "  for rehearsals only: its keys are files on this computer, not in an HSM\n")
	d := tok.Describe()
	if _, bad := d["error"]; bad {
		fmt.Fprintf(s.out, "  not initialised (a rehearsal of token initialisation sets it up)\n")
		return exitOK
	}
	printToken(s.out, d)
	printMechanisms(s.out, kindNames())
	keys, err := tok.Keys()
	if err != nil {
		errorf(s.err, "%v", err)
		return exitFailed
	}
	printObjects(s.out, "keys", keys)
	return exitOK
}

func kindNames() []string {
	var out []string
	for _, k := range hsm.Kinds {
		out = append(out, string(k))
	}
	return out
}

// printMechanisms wraps the list so that it reads on a printed checklist.
func printMechanisms(w io.Writer, names []string) {
	if len(names) == 0 {
		return
	}
	fmt.Fprint(w, "  mechanisms:")
	col := len("  mechanisms:")
	for _, n := range names {
		if col+1+len(n) > 78 {
			fmt.Fprint(w, "\n             ")
			col = len("             ")
		}
		fmt.Fprint(w, " "+n)
		col += 1 + len(n)
	}
	fmt.Fprintln(w)
}

func printToken(w io.Writer, d map[string]string) {
	if !strings.Contains(d["flags"], "token_initialized") {
		fmt.Fprintf(w, "  token not initialised\n")
	} else {
		fmt.Fprintf(w, "  token %q\n", d["label"])
	}
	for _, k := range []string{"manufacturer", "model", "serial", "firmware", "hardware", "flags"} {
		if v, ok := d[k]; ok {
			fmt.Fprintf(w, "    %-13s %s\n", k+":", v)
		}
	}
	fmt.Fprintf(w, "    %-13s min %s, max %s; user %s, so %s\n", "pin:", d["pin_min"], d["pin_max"], d["user_pin"], d["so_pin"])
	if d["rehearsal"] == "true" {
		fmt.Fprintf(w, "    %-13s user %s, so %s\n", "tries left:", d["user_pin_tries_left"], d["so_pin_tries_left"])
	}
}

func printObjects(w io.Writer, title string, objs []hsm.ObjectInfo) {
	if len(objs) == 0 {
		fmt.Fprintf(w, "  %s: none\n", title)
		return
	}
	sort.SliceStable(objs, func(i, j int) bool { return objs[i].Label < objs[j].Label })
	fmt.Fprintf(w, "  %s:\n", title)
	for _, o := range objs {
		fmt.Fprintf(w, "    %-8s %-11s %-24q id:%s\n", o.Class, o.KeyType, o.Label, o.IDHex())
	}
}
