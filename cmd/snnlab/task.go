package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/snnlab/snnlab/lab"
)

const taskUsage = `Usage: snnlab task --config FILE.json --runs DIR [--data DIR] [--log LEVEL]

Runs one task of a sweep: pretrains the configuration in FILE.json, or
continues its interrupted run from the last checkpoint, and runs the
evaluations the sweep asks for, leaving an ordinary run record in DIR. The
slurm executor of lab.Sweep writes FILE.json and runs this command in each
array task; people rarely run it by hand. It exits 0 when the run and its
evaluations are recorded and 1 otherwise.

Flags:
`

func taskCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("task", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "task file written by the sweep (required)")
	runs := fs.String("runs", "runs", "runs folder the driving script uses")
	dataDir := fs.String("data", "", "data folder the driving script uses")
	logLevel := fs.String("log", "info", "log level: debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprint(stderr, taskUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *config == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("task: want --config FILE.json and no other arguments, got %q", args)
	}
	level, err := zerolog.ParseLevel(*logLevel)
	if err != nil {
		return fmt.Errorf("task: -log %q: use debug, info, warn or error", *logLevel)
	}

	// Slurm sends SIGTERM at the time limit and on scancel; stopping at
	// the next batch keeps the last checkpoint intact for a resubmission.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	console := zerolog.ConsoleWriter{Out: stderr, TimeFormat: time.TimeOnly, NoColor: true}
	log := zerolog.New(console).Level(level).With().Timestamp().Logger()
	lab.Configure(lab.Settings{
		RunsDir: *runs, DataDir: *dataDir, Resume: true, Script: *config,
		Context: ctx, Log: log, LogLevel: level, LogTo: stderr, Console: stdout,
	})
	start := log.Info().Str("task", *config).Str("runs", *runs)
	if array := os.Getenv("SLURM_ARRAY_JOB_ID"); array != "" {
		start = start.Str("job", array+"_"+os.Getenv("SLURM_ARRAY_TASK_ID"))
	}
	start.Msg("running sweep task")
	if err := lab.RunSweepTask(*config); err != nil {
		return fmt.Errorf("task %s: %w", *config, err)
	}
	log.Info().Str("task", *config).Msg("sweep task done")
	return nil
}
