package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"syscall"
	"testing/fstest"
	"time"

	"github.com/rs/zerolog"
	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/snnlab/snnlab/cmd/snnlab/symbols"
	"github.com/snnlab/snnlab/lab"
)

const runUsage = `Usage: snnlab run SCRIPT.go [flags] [-- script arguments]

Runs an experiment script in the Go interpreter. The script is a Go program
in package main that imports "github.com/snnlab/snnlab/lab"; the arguments
after "--" reach it through lab.Args().

Flags:
`

func runCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runs := fs.String("runs", "runs", "folder for run records (configuration, metrics, checkpoints, figures)")
	dataDir := fs.String("data", "", "data folder with the datasets the script uses (for example a CIFAR-10 folder)")
	seed := fs.Int64("seed", 0, "base seed added to every run's own seed")
	resume := fs.Bool("resume", false, "continue interrupted runs from their last checkpoint")
	logLevel := fs.String("log", "info", "console log level: debug, info, warn or error")
	var plugins pluginFlags
	plugins.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, runUsage)
		fs.PrintDefaults()
	}

	script, flagArgs, scriptArgs := splitRunArgs(args)
	if err := fs.Parse(flagArgs); err != nil {
		return errUsage
	}
	if script == "" && fs.NArg() > 0 {
		script = fs.Arg(0)
	}
	if script == "" {
		fs.Usage()
		return fmt.Errorf("run: no script given")
	}
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("run: cannot read script %s: %w", script, err)
	}
	level, err := zerolog.ParseLevel(*logLevel)
	if err != nil {
		return fmt.Errorf("run: -log %q: use debug, info, warn or error", *logLevel)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	console := zerolog.ConsoleWriter{Out: stderr, TimeFormat: time.TimeOnly, NoColor: terminalOrNil(stderr) == nil}
	log := zerolog.New(console).Level(level).With().Timestamp().Logger()
	mgr, err := plugins.start(ctx, log)
	if err != nil {
		return err
	}
	defer mgr.Close()

	lab.Configure(lab.Settings{
		RunsDir: *runs, DataDir: *dataDir, Seed: *seed, Resume: *resume,
		Args: scriptArgs, Script: script, Context: ctx, Log: log, LogLevel: level, LogTo: stderr, Console: stdout,
		Progress:         terminalOrNil(stderr),
		NeuronProvenance: provenanceLookup(mgr),
	})

	log.Info().Str("script", script).Str("runs", *runs).Strs("args", scriptArgs).Msg("running script")
	if err := interpret(script, scriptArgs, stdout, stderr); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: interrupted; completed runs are on disk, and 'snnlab run --resume %s' continues", script, script)
		}
		return err
	}
	return nil
}

// splitRunArgs separates the script path, snnlab's flags and the script's
// own arguments (after "--").
func splitRunArgs(args []string) (script string, flags, scriptArgs []string) {
	for i, a := range args {
		if a == "--" {
			scriptArgs = args[i+1:]
			break
		}
		if script == "" && strings.HasSuffix(a, ".go") && !strings.HasPrefix(a, "-") {
			script = a
			continue
		}
		flags = append(flags, a)
	}
	return script, flags, scriptArgs
}

// interpret runs the script and turns every way it can fail into an error
// that names the script file and line.
func interpret(script string, args []string, stdout, stderr io.Writer) (err error) {
	src, err := os.ReadFile(script)
	if err != nil {
		return fmt.Errorf("cannot read script: %w", err)
	}
	name := filepath.Base(script)
	instrumented, err := instrument(name, src)
	if err != nil {
		return scriptFailure(script, err, nil)
	}

	i := interp.New(interp.Options{
		GoPath: os.Getenv("GOPATH"),
		Stdout: stdout, Stderr: &panicTraceFilter{w: stderr},
		Args:                 append([]string{script}, args...),
		BuildTags:            []string{scriptBuildTag},
		SourcecodeFilesystem: fstest.MapFS{name: &fstest.MapFile{Data: instrumented}},
	})
	if err := i.Use(stdlib.Symbols); err != nil {
		return fmt.Errorf("loading the standard library into the interpreter: %w", err)
	}
	if err := i.Use(symbols.Symbols); err != nil {
		return fmt.Errorf("loading the snnlab API into the interpreter: %w", err)
	}

	lab.Line(0)
	defer func() {
		if r := recover(); r != nil {
			err = scriptFailure(script, r, debug.Stack())
			if helpRequested(r) {
				err = nil
			}
		}
	}()
	if _, err := i.EvalPath(name); err != nil {
		if helpRequested(err) {
			return nil
		}
		return scriptFailure(script, err, nil)
	}
	return nil
}

// helpRequested reports whether the script stopped because its flags were
// asked for help (-h), which is a normal end rather than a failure.
func helpRequested(r any) bool {
	if p, ok := r.(interp.Panic); ok {
		r = p.Value
	}
	if p, ok := r.(*interp.Panic); ok {
		r = p.Value
	}
	err, ok := r.(error)
	return ok && errors.Is(err, flag.ErrHelp)
}

// panicTraceFilter drops the "file:line:col: panic: f(...)" lines yaegi
// prints while a panic unwinds. Their positions are those of the enclosing
// function, not of the failing statement, which the line markers give.
type panicTraceFilter struct{ w io.Writer }

func (f *panicTraceFilter) Write(p []byte) (int, error) {
	if panicTracePattern.Match(p) {
		return len(p), nil
	}
	return f.w.Write(p)
}

var panicTracePattern = regexp.MustCompile(`^\S+:\d+:\d+: panic: \S+\(\.\.\.\)\s*$`)

// scriptBuildTag is the build constraint experiment scripts carry
// (//go:build snnlab) so that the go command, which would see several main
// functions in one folder, skips them, while the interpreter includes them.
const scriptBuildTag = "snnlab"

var positionPattern = regexp.MustCompile(`([^\s:]+\.go):(\d+):(\d+)`)

// scriptFailure formats a script error or panic as "SCRIPT:LINE: message".
// Compile errors carry their position in the message; for a panic, the line
// is the last one a line marker recorded.
func scriptFailure(script string, r any, stack []byte) error {
	var msg string
	var se lab.ScriptError
	if p, ok := r.(interp.Panic); ok {
		r = p.Value
	}
	if p, ok := r.(*interp.Panic); ok {
		r = p.Value
	}
	switch v := r.(type) {
	case lab.ScriptError:
		msg = v.Err.Error()
		se = v
	case error:
		msg = v.Error()
		if errors.As(v, &se) {
			msg = se.Err.Error()
		}
	default:
		msg = fmt.Sprint(v)
	}
	if m := positionPattern.FindStringSubmatchIndex(msg); m != nil && filepath.Base(msg[m[2]:m[3]]) == filepath.Base(script) {
		line := msg[m[4]:m[5]]
		rest := strings.TrimLeft(msg[m[1]:], ": ")
		return fmt.Errorf("%s:%s: %s", script, line, rest)
	}
	// The script ran, so the failure is a panic or a lab.Check error at the
	// last marked line.
	if line := lab.LastLine(); line > 0 {
		kind := "panic: "
		if se.Err != nil {
			kind = ""
		}
		return fmt.Errorf("%s:%d: %s%s", script, line, kind, strings.TrimSpace(msg))
	}
	return fmt.Errorf("%s: %s", script, strings.TrimSpace(msg))
}

// terminalOrNil returns w when it is a terminal, where a redrawn progress
// bar reads well, and nil otherwise, so logs and CI output stay clean.
func terminalOrNil(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	info, err := f.Stat()
	if err != nil || info.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return w
}
