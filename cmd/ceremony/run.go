package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ceremony-dev/ceremony/console"
	"github.com/ceremony-dev/ceremony/durable"
	"github.com/ceremony-dev/ceremony/hsm"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/shares"
	"github.com/ceremony-dev/ceremony/steps"
	"github.com/ceremony-dev/ceremony/transcript"
)

func init() {
	register(&command{
		name:    "run",
		summary: "run a ceremony for real, recording it in a new bundle",
		run:     runRun,
	})
}

const runHelp = `Runs the ceremony in SCRIPT for real: the room is walked through each step,
and every event is recorded in the bundle DIR, which must not exist yet.
The configuration names the roster, the PKCS #11 token and the inputs; it
never holds a PIN, share or secret. Core dumps are switched off.

If the run is interrupted, 'ceremony resume DIR' goes on where it stopped.`

func runRun(args []string, s stdio) int {
	fs, ui := ceremonyFlags(s, "run SCRIPT --config FILE --out DIR [--plain]", runHelp,
		"ceremony run ceremonies/ksk.lua --config ksk-2026-q4.toml --out ksk-2026-q4")
	config := fs.String("config", "", "the ceremony's configuration `file` (TOML)")
	out := fs.String("out", "", "the bundle `directory` to create; it must not exist")
	pos, code := parseArgs(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 || *config == "" || *out == "" {
		errorf(s.err, "run needs SCRIPT, --config and --out")
		hintf(s.err, "ceremony run --help shows an example")
		return exitUsage
	}
	if err := ui.check(false); err != nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	c, code := prepare(pos[0], nil, *config, *out, false, s)
	if c == nil {
		return code
	}
	return c.start(*ui, s)
}

// ceremonyRun is everything a ceremony needs before its first step.
type ceremonyRun struct {
	script    *scripts.Script
	src       []byte
	cfg       *runner.Config
	cfgDir    string // relative input paths start here
	bundle    string
	rehearsal bool
	sets      map[string]*shares.Record // split at earlier ceremonies
	envelopes map[string][]*shares.Envelope
	inputs    map[string][]byte // the inputs, read once
	unlock    func()            // releases the bundle's lock
	w         *transcript.Writer
	recorded  []transcript.Event // for resume
}

// beginData are the fields of ceremony.begin this command adds: what resume
// needs to find the inputs again, and what an auditor wants to know of the
// binary.
type beginData struct {
	ConfigDir string             `json:"config_dir"`
	Roster    []room.Participant `json:"roster"`
	Machine   map[string]string  `json:"machine"`
	// Params are the values of the script's parameters the run uses.
	Params map[string]any `json:"params,omitempty"`
}

// prepare loads the script (from path, or src when given) and the
// configuration (from configPath, or generated for a rehearsal when ""),
// checks them against each other and creates the bundle.
func prepare(path string, src []byte, configPath, out string, rehearsal bool, s stdio) (*ceremonyRun, int) {
	unlock, code := lockBundle(out, s)
	if unlock == nil {
		return nil, code
	}
	c, code := prepareLocked(path, src, configPath, out, rehearsal, s)
	if c == nil {
		unlock()
		return nil, code
	}
	c.unlock = unlock
	return c, code
}

// tokenFindable checks that the configured PKCS #11 module loads and holds
// the token the configuration names, before the bundle is created.
func tokenFindable(t runner.TokenConfig, initialises bool) error {
	u, err := hsm.ParseURI(t.URI)
	if err != nil {
		return err
	}
	m, err := hsm.OpenModule(t.Module)
	if err != nil {
		return err
	}
	defer m.Close()
	return m.Findable(u, initialises)
}

// leftoverToken reports an embedded rehearsal token beside a bundle that
// is not there: the new rehearsal would fail at its first initialisation,
// after the room had begun.
func leftoverToken(bundle string, p *scripts.Plan) bool {
	if _, err := os.Lstat(bundle); err == nil || !initialisesToken(p) {
		return false
	}
	ents, err := os.ReadDir(bundle + ".token")
	return err == nil && len(ents) > 0
}

// initialisesToken reports a plan that initialises its token.
func initialisesToken(p *scripts.Plan) bool {
	for _, a := range p.Acts {
		for _, st := range a.Steps {
			for _, c := range st.Calls {
				if _, ok := c.(steps.TokenInitialiser); ok {
					return true
				}
			}
		}
	}
	return false
}

// lockBundle takes the lock of a bundle, beside it as DIR.lock (nothing but
// the ceremony's own files is ever inside it), so that one process at a
// time writes it. A second one is refused at once.
func lockBundle(dir string, s stdio) (unlock func(), code int) {
	unlock, err := durable.Lock(filepath.Clean(dir) + ".lock")
	if err != nil {
		errorf(s.err, "%v", err)
		var le *durable.LockedError
		if errors.As(err, &le) {
			hintf(s.err, "one process at a time writes a bundle: wait for the other to end, or stop it")
			return nil, exitFailed
		}
		return nil, exitUsage
	}
	return unlock, -1
}

func prepareLocked(path string, src []byte, configPath, out string, rehearsal bool, s stdio) (*ceremonyRun, int) {
	ctx := context.Background()
	c := &ceremonyRun{bundle: out, rehearsal: rehearsal, src: src}
	opts := scripts.Options{Name: filepath.Base(path)}
	if c.src == nil {
		var err error
		if c.src, err = durable.ReadFile(path, maxSmallFile); err != nil {
			errorf(s.err, "%v", err)
			return nil, exitUsage
		}
		opts.ModuleDir = filepath.Dir(path)
	}
	var cfgBytes []byte
	var err error
	if configPath != "" {
		if cfgBytes, err = durable.ReadFile(configPath, maxSmallFile); err != nil {
			errorf(s.err, "%v", err)
			return nil, exitUsage
		}
		if c.cfg, err = runner.ParseConfig(cfgBytes); err != nil {
			errorf(s.err, "%s: %v", configPath, err)
			return nil, exitUsage
		}
		if c.cfgDir, err = filepath.Abs(filepath.Dir(configPath)); err != nil {
			errorf(s.err, "%v", err)
			return nil, exitUsage
		}
		// The parameters are checked as the script loads, so that an
		// unknown or missing one stops the ceremony before its bundle exists.
		opts.Params = c.cfg.ScriptParams()
	}
	script, err := scripts.LoadSource(ctx, c.src, opts)
	if err != nil {
		errorf(s.err, "%v", err)
		return nil, exitFailed
	}
	c.script = script
	if configPath == "" {
		abs, err := filepath.Abs(out)
		if err != nil {
			errorf(s.err, "%v", err)
			return nil, exitUsage
		}
		id := "rehearsal-" + strings.ToLower(strings.ReplaceAll(filepath.Base(abs), "_", "-"))
		if len(id) > 64 {
			id = id[:64]
		}
		if c.cfg, err = runner.RehearsalConfig(script.Plan(), id, abs+".token"); err != nil {
			errorf(s.err, "%v", err)
			return nil, exitFailed
		}
		if leftoverToken(abs, script.Plan()) {
			errorf(s.err, "%s.token holds a token from an earlier rehearsal into %s, which no longer exists", out, out)
			hintf(s.err, "delete %s.token, or rehearse into a new --out", out)
			return nil, exitUsage
		}
		for _, p := range script.Plan().Params {
			if p.Value == nil {
				errorf(s.err, "parameter %s (%s) has no default", p.Name, p.Title)
				hintf(s.err, "rehearse with --config FILE and set it in [params]")
				return nil, exitUsage
			}
		}
		c.cfg.Params = script.Plan().ParamValues()
		if cfgBytes, err = c.cfg.Marshal(); err != nil {
			errorf(s.err, "%v", err)
			return nil, exitFailed
		}
		c.cfgDir = filepath.Dir(abs)
	}
	if err = c.loadSets(); err != nil {
		errorf(s.err, "%v", err)
		return nil, exitUsage
	}
	if t := c.cfg.Token; t.Module != "" {
		inits := initialisesToken(script.Plan())
		if inits && rehearsal && strings.Contains(strings.ToLower(filepath.Base(t.Module)), "softhsm") && os.Getenv("SOFTHSM2_CONF") == "" {
			errorf(s.err, "this rehearsal would initialise a token in the system's SoftHSM2 store: SOFTHSM2_CONF is not set")
			hintf(s.err, "give the rehearsal a store of its own: SOFTHSM2_CONF=rehearsal-softhsm2.conf")
			return nil, exitUsage
		}
		if err := tokenFindable(t, inits); err != nil {
			errorf(s.err, "token: %v", err)
			hintf(s.err, "ceremony tokens --module %s lists what the module holds", t.Module)
			return nil, exitUsage
		}
		if inits && rehearsal {
			// On a real module a rehearsal changes a real token: say which,
			// before anything is changed (and above, never the system's
			// own SoftHSM2 store by accident).
			fmt.Fprintf(s.err, "ceremony: this rehearsal initialises the blank token that will take the label of %s in %s\n", t.URI, t.Module)
		}
	}
	if !rehearsal && c.cfg.Token.Embedded != "" {
		errorf(s.err, "the embedded token is for rehearsals: a real ceremony needs a PKCS #11 token in [token]")
		hintf(s.err, "use ceremony rehearse to practise with the embedded token")
		return nil, exitUsage
	}
	if problems := scripts.Check(script.Plan(), c.cfg.ScriptRoster()); len(problems) > 0 {
		for _, p := range problems {
			errorf(s.err, "%s", p)
		}
		hintf(s.err, "fix the script or the roster; ceremony check lists the same problems")
		return nil, exitFailed
	}
	// Inputs are read once, now: a missing or changed file stops the
	// ceremony before it starts, and the bytes kept in the bundle are the
	// bytes every step uses, whatever becomes of the file.
	c.inputs = map[string][]byte{}
	for _, in := range script.Plan().Inputs {
		b, err := c.readInput(in)
		if err != nil {
			errorf(s.err, "%v", err)
			return nil, exitUsage
		}
		if b != nil {
			c.inputs[in.Name] = b
		}
	}
	plan := script.Plan()
	h := transcript.Header{ID: c.cfg.ID, Name: plan.Name, Version: plan.Version, Script: c.src, Config: cfgBytes,
		Modules: script.Modules(), Inputs: c.inputs, Rehearsal: rehearsal, Data: map[string]any{"runner": beginData{ConfigDir: c.cfgDir,
			Roster: c.cfg.Roster(), Machine: steps.HostFacts(), Params: plan.ParamValues()}}}
	if c.w, err = transcript.Create(out, h); err != nil {
		errorf(s.err, "%v", err)
		if errors.Is(err, os.ErrExist) {
			hintf(s.err, "a bundle is never overwritten: choose a new --out, or ceremony resume %s", out)
		}
		return nil, exitUsage
	}
	return c, exitOK
}

// noCoreDumps switches core dumps off for the process: a core of a
// command that handles shares or PINs would hold them.
// The soft limit is what the kernel holds a dump to; the hard one stays,
// since this process never raises it again.
func noCoreDumps() {
	var l unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_CORE, &l)
	unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: l.Max})
}

// start runs the ceremony to its end and maps the outcome to an exit code.
func (c *ceremonyRun) start(ui uiFlags, s stdio) int {
	defer c.unlock()
	defer c.script.Close()
	defer c.w.Close()
	noCoreDumps()
	u, finish, err := chooseUI(ui, c.rehearsal, s)
	if err != nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if con, ok := u.(*console.Console); ok && con.AtTerminal() {
		// At a terminal Ctrl-C asks the person there why the ceremony is
		// left, and records it; SIGTERM still ends the run at once.
		stop()
		ctx, stop = signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		sigint := make(chan os.Signal, 1)
		signal.Notify(sigint, os.Interrupt)
		defer signal.Stop(sigint)
		go func() {
			for range sigint {
				con.Interrupt()
			}
		}()
	}
	err = runner.New(c.script, c.w, c.recorded, c.env(u)).Run(ctx)
	finish()
	var quit *room.QuitError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, runner.ErrAborted):
		errorf(s.err, "the ceremony was aborted; the bundle %s records why", c.bundle)
		hintf(s.err, "once the cause is dealt with, ceremony resume %s runs the step again", c.bundle)
		return exitAborted
	case errors.As(err, &quit):
		errorf(s.err, "the ceremony was left: %s", quit.Reason)
		hintf(s.err, "ceremony resume %s goes on where it stopped", c.bundle)
		return exitAborted
	case ctx.Err() != nil:
		errorf(s.err, "interrupted")
		hintf(s.err, "ceremony resume %s goes on where it stopped", c.bundle)
		return exitAborted
	}
	errorf(s.err, "%v", err)
	hintf(s.err, "the transcript in %s is intact up to here; ceremony resume %s goes on once the cause is fixed", c.bundle, c.bundle)
	return exitFailed
}

// loadSets reads the configured share sets split at earlier ceremonies,
// and the envelopes of those split to cards.
func (c *ceremonyRun) loadSets() (err error) {
	if c.sets, err = c.cfg.ShareSets(c.cfgDir); err != nil {
		return err
	}
	if c.envelopes, err = c.cfg.ShareEnvelopes(c.cfgDir); err != nil {
		return err
	}
	// Refused here, before a bundle is begun, as the run would refuse them.
	for name, envs := range c.envelopes {
		if _, err := shares.EnvelopesOf(c.sets[name], envs); err != nil {
			return fmt.Errorf("share set %s: %w", name, err)
		}
	}
	return nil
}

func (c *ceremonyRun) env(u room.UI) runner.Env {
	t := c.cfg.Token
	env := runner.Env{UI: u, Roster: c.cfg.Roster(), Bundle: c.bundle, Rehearsal: c.rehearsal, Input: c.input, Sets: c.sets, Envelopes: c.envelopes, OpenCard: c.openCard}
	label := c.cfg.ID
	if len(label) > 32 {
		label = label[:32]
	}
	if t.Embedded != "" {
		dir := t.Embedded
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(c.cfgDir, dir)
		}
		env.OpenToken = func(string) (steps.Token, error) { return hsm.OpenSoft(dir) }
		env.InitToken = func(_ string, so, user []byte) error {
			tok, err := hsm.OpenSoft(dir)
			if err != nil {
				return err
			}
			defer tok.Close()
			return tok.InitToken(so, user, label)
		}
		return env
	}
	uriOf := func(uri string) string {
		if uri == "" {
			return t.URI
		}
		return uri
	}
	env.OpenToken = func(uri string) (steps.Token, error) { return hsm.OpenURI(uriOf(uri), t.Module) }
	env.InitToken = func(uri string, so, user []byte) error {
		u, err := hsm.ParseURI(uriOf(uri))
		if err != nil {
			return err
		}
		if u.Token == "" {
			return fmt.Errorf("token uri %s names no token label to initialise", uriOf(uri))
		}
		m, err := hsm.OpenModule(t.Module)
		if err != nil {
			return err
		}
		defer m.Close()
		return m.InitToken(so, user, u.Token)
	}
	return env
}

// input is a declared input's bytes, as read once at the start.
func (c *ceremonyRun) input(name string) ([]byte, error) {
	b, ok := c.inputs[name]
	if !ok {
		if in, declared := c.script.Plan().Input(name); declared && in.Optional {
			return nil, fmt.Errorf("input %q was not given: it is optional, and the configuration's [inputs] names no file for it", name)
		}
		return nil, fmt.Errorf("input %q is not declared by the script", name)
	}
	return b, nil
}

// readInput reads a declared input from the path the configuration gives,
// holding it to the script's size limit and pinned hash. A rehearsal
// without a configured path gets a stand-in (the script's, or a line of
// text), so that a script can be rehearsed before its inputs exist; an
// optional input without a path and without a stand-in is nil.
func (c *ceremonyRun) readInput(decl scripts.Input) ([]byte, error) {
	name := decl.Name
	path := c.cfg.InputPath(name, c.cfgDir)
	if path == "" {
		switch {
		case c.rehearsal && decl.Rehearsal != "":
			return []byte(decl.Rehearsal), nil
		case c.rehearsal && decl.StandIn != "":
			return steps.StandIns[decl.StandIn](time.Now())
		case decl.Optional:
			return nil, nil
		case c.rehearsal:
			return []byte("rehearsal stand-in for input " + name + "\n"), nil
		}
		return nil, fmt.Errorf("input %q has no path in the configuration's [inputs]", name)
	}
	f, err := durable.Open(path)
	if err != nil {
		return nil, fmt.Errorf("input %s (%s): %w", name, path, err)
	}
	defer f.Close()
	limit := decl.MaxBytes
	if limit <= 0 {
		limit = scripts.DefaultMaxInput
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("input %s (%s) is larger than the script allows (%d bytes)", name, path, limit)
	}
	if decl.SHA256 != "" {
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != decl.SHA256 {
			return nil, fmt.Errorf("input %s (%s) has SHA-256 %s, the script pins %s", name, path, got, decl.SHA256)
		}
	}
	return b, nil
}

// resumeRun reopens a bundle for resume. Everything is read and checked
// before the transcript is touched, so that a refused resume writes
// nothing.
func resumeRun(dir string, fix correction, s stdio) (*ceremonyRun, int) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		if err == nil {
			err = errors.New("not a bundle directory")
		}
		errorf(s.err, "%s: %v", dir, err)
		hintf(s.err, "ceremony resume takes the bundle directory a ceremony was started in")
		return nil, exitUsage
	}
	unlock, code := lockBundle(dir, s)
	if unlock == nil {
		return nil, code
	}
	c, code := resumeLocked(dir, fix, s)
	if c == nil {
		unlock()
		return nil, code
	}
	c.unlock = unlock
	return c, code
}

func resumeLocked(dir string, fix correction, s stdio) (*ceremonyRun, int) {
	c, err := openBundle(dir, false)
	if err == nil {
		err = c.loadSets()
	}
	if err != nil {
		if c != nil && c.script != nil {
			c.script.Close()
		}
		errorf(s.err, "%s: %v", dir, err)
		return nil, exitFailed
	}
	var fixed *fixedConfig
	if fix.config != "" {
		if fixed, err = fix.check(c); err != nil {
			c.script.Close()
			errorf(s.err, "%v", err)
			if errors.Is(err, runner.ErrUncorrectable) {
				hintf(s.err, "a ceremony whose roster, inputs, sets or parameters were wrong is begun again in a new bundle")
			}
			return nil, exitUsage
		}
	}
	if c.w, c.recorded, err = transcript.Resume(dir); err != nil {
		c.script.Close()
		if errors.Is(err, transcript.ErrRestored) {
			// Nothing was left to do in the room: the crash came after
			// the last event.
			fmt.Fprintf(s.out, "%s: the ceremony was complete; its checkpoint file is restored from the final checkpoint (cosignatures made before are not)\n", dir)
			return nil, exitOK
		}
		errorf(s.err, "%s: %v", dir, err)
		if errors.Is(err, transcript.ErrEnded) {
			hintf(s.err, "the ceremony is complete: ceremony verify %s checks it", dir)
		}
		return nil, exitFailed
	}
	if fixed != nil {
		if err := fixed.record(c); err != nil {
			c.w.Close()
			c.script.Close()
			errorf(s.err, "%s: recording the corrected configuration: %v", dir, err)
			return nil, exitFailed
		}
	}
	return c, exitOK
}

// bundleBegin is what ceremony.begin says that a bundle's reader needs.
type bundleBegin struct {
	Runner  beginData         `json:"runner"`
	Modules map[string]string `json:"modules"`
	Inputs  map[string]string `json:"inputs"`
}

// openBundle loads a bundle's script, with its modules and its parameters,
// its configuration and its inputs, from the bundle alone, checking each
// file against the hash ceremony.begin records; it writes nothing. Resume
// and conformance replay both start here.
func openBundle(dir string, replay bool) (*ceremonyRun, error) {
	var first *transcript.Event
	var fix *runner.ConfigCorrection
	for e, err := range transcript.ReadEvents(dir) {
		if err != nil {
			if first == nil {
				return nil, err
			}
			break // a torn last line, which resume cuts and verify reports
		}
		if first == nil {
			first = &e
			if e.Type != transcript.TypeBegin {
				break
			}
		}
		if e.Type == runner.EvConfigCorrected {
			fix = new(runner.ConfigCorrection)
			if err := json.Unmarshal(e.Data, fix); err != nil {
				return nil, fmt.Errorf("line %d: %s: %w", e.Seq+1, e.Type, err)
			}
		}
	}
	if first == nil || first.Type != transcript.TypeBegin {
		return nil, errors.New("the transcript does not begin with ceremony.begin")
	}
	var begin bundleBegin
	if err := json.Unmarshal(first.Data, &begin); err != nil {
		return nil, fmt.Errorf("ceremony.begin: %w", err)
	}
	c := &ceremonyRun{bundle: dir, rehearsal: first.Rehearsal, cfgDir: begin.Runner.ConfigDir, inputs: map[string][]byte{}}
	var err error
	if c.src, err = readRecorded(dir, transcript.ScriptFile, sha(first.Data, "script_sha256")); err != nil {
		return nil, err
	}
	// The configuration in force is the last correction of it, if any.
	cfgName, cfgSum := transcript.ConfigFile, sha(first.Data, "config_sha256")
	if fix != nil {
		cfgName, cfgSum = transcript.ArtifactsDir+"/"+fix.Artifact, fix.SHA256
	}
	cfgBytes, err := readRecorded(dir, cfgName, cfgSum)
	if err != nil {
		return nil, err
	}
	if c.cfg, err = runner.ParseConfig(cfgBytes); err != nil {
		return nil, fmt.Errorf("%s: %w", cfgName, err)
	}
	opts := scripts.Options{Name: transcript.ScriptFile, Modules: map[string][]byte{}, Params: c.cfg.ScriptParams(), Replay: replay}
	for name, sum := range begin.Modules {
		if opts.Modules[name], err = readRecorded(dir, transcript.ModulesDir+"/"+name, sum); err != nil {
			return nil, err
		}
	}
	for name, sum := range begin.Inputs {
		if c.inputs[name], err = readRecorded(dir, transcript.InputsDir+"/"+name, sum); err != nil {
			return nil, err
		}
	}
	if c.script, err = scripts.LoadSource(context.Background(), c.src, opts); err != nil {
		return nil, err
	}
	return c, nil
}

// sha is a hash field of ceremony.begin's data.
func sha(data json.RawMessage, key string) string {
	var m map[string]json.RawMessage
	json.Unmarshal(data, &m)
	var v string
	json.Unmarshal(m[key], &v)
	return v
}

// readRecorded reads a file of the bundle, a regular file no larger than a
// script or an input may be, and checks it against its recorded hash.
func readRecorded(dir, name, want string) ([]byte, error) {
	if base := path.Base(name); !plainName.MatchString(base) || path.Dir(name) != "." && !plainName.MatchString(path.Dir(name)) {
		return nil, fmt.Errorf("%q: not a file of the bundle", name)
	}
	b, err := durable.ReadStrict(filepath.Join(dir, filepath.FromSlash(name)), maxBundleFile)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != want {
		return nil, fmt.Errorf("%s has SHA-256 %s, ceremony.begin records %s", name, got, want)
	}
	return b, nil
}

// maxSmallFile bounds what is read of a script, a configuration, a share
// or a record given on the command line: each is a page or two of text.
const maxSmallFile = 1 << 20

// plainName is a file or directory name of a bundle: no separators, no
// leading dot.
var plainName = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]*$`)

// maxBundleFile bounds what is read of a script, module, configuration or
// input kept in a bundle: no input may be larger (file's max is 1 TiB in
// principle, but a ceremony keeps it in memory).
const maxBundleFile = 1 << 30
