// Package lab is the API experiment scripts use. A script is an ordinary Go
// program in package main that imports this package. `snnlab run` runs it in
// the yaegi interpreter, and the numeric work runs in compiled snnlab code.
//
// The API avoids what the interpreter cannot run: it has no generic
// functions, and callbacks are plain funcs. Every function returns an error
// rather than panicking; Check turns an error into a script failure with
// the script's line.
package lab

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/rs/zerolog"
)

// Settings are fixed by the snnlab command before a script starts.
type Settings struct {
	RunsDir string   // folder for run records
	DataDir string   // the user's data folder
	Seed    int64    // base seed; runs add their own seed to it
	Resume  bool     // continue interrupted runs from their checkpoints
	Args    []string // the script's own arguments, after "--"
	Script  string   // path of the running script

	Context  context.Context
	Log      zerolog.Logger
	LogLevel zerolog.Level // level of the console log, also applied to run logs
	LogTo    io.Writer     // writer behind Log, which run logs copy; nil for none
	Console  io.Writer     // script output
	Progress io.Writer     // progress bars; nil for none

	// NeuronProvenance returns, for a neuron served by a plugin binary, a
	// JSON record of the plugin's name, version and binary checksum, which
	// checkpoints keep. nil or false for built-in neurons.
	NeuronProvenance func(neuron string) (string, bool)
}

var settings = Settings{RunsDir: "runs", Context: context.Background(), Log: zerolog.Nop(), Console: os.Stdout}

// Configure sets the settings; the snnlab command calls it before running a
// script.
func Configure(s Settings) {
	if s.Context == nil {
		s.Context = context.Background()
	}
	if s.Console == nil {
		s.Console = os.Stdout
	}
	settings = s
}

// Args returns the script's arguments: what followed "--" on the snnlab run
// command line. Parse them with the flag package.
func Args() []string { return append([]string(nil), settings.Args...) }

// RunsDir returns the folder where run records go.
func RunsDir() string { return settings.RunsDir }

// DataDir returns the data folder given with --data.
func DataDir() string { return settings.DataDir }

// Printf writes a line of script output to the console.
func Printf(format string, args ...any) {
	fmt.Fprintf(settings.Console, format, args...)
	if len(format) == 0 || format[len(format)-1] != '\n' {
		fmt.Fprintln(settings.Console)
	}
}

// ScriptError is the panic value Check raises; the snnlab command reports
// it with the script's file and line.
type ScriptError struct{ Err error }

func (e ScriptError) Error() string { return e.Err.Error() }
func (e ScriptError) Unwrap() error { return e.Err }

// Check stops the script with err when err is not nil. Completed runs stay
// on disk.
func Check(err error) {
	if err != nil {
		panic(ScriptError{Err: err})
	}
}

// currentLine is the script line the interpreter last started, recorded by
// the markers snnlab run inserts before each statement.
var currentLine atomic.Int64

// Line records that the script reached line n. snnlab run inserts a call
// before every statement so that a failure can name its line; scripts do
// not call it.
func Line(n int) { currentLine.Store(int64(n)) }

// LastLine returns the line recorded by the last Line call, or 0.
func LastLine() int { return int(currentLine.Load()) }
