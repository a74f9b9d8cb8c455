// Command snnlab trains spiking neural networks without labels. It runs
// experiment scripts written in Go, lists the registered parts, fetches
// datasets and benchmarks the training step.
//
// Usage:
//
//	snnlab run SCRIPT.go [flags] [-- script arguments]
//	snnlab list
//	snnlab bench [flags]
//	snnlab export --checkpoint RUN_DIR --out DIR [--target loihi2]
//	snnlab data fetch cifar10 --dir DIR
//	snnlab task --config FILE.json --runs DIR
//	snnlab help [command]
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	_ "github.com/snnlab/snnlab/plugins/all"
)

const usage = `snnlab trains spiking neural networks without labels.

Usage:
  snnlab run SCRIPT.go [flags] [-- script arguments]   run an experiment script
  snnlab list [neuron|loss|backbone|target]            list registered parts with their options
  snnlab bench [flags]                                 benchmark the dual-path training step
  snnlab export --checkpoint RUN_DIR --out DIR         export a trained run for neuromorphic hardware (Loihi 2)
  snnlab data fetch cifar10 --dir DIR                  download and unpack a dataset
  snnlab data info DIR                                 describe a data folder
  snnlab task --config FILE.json --runs DIR            run one configuration of a sweep (used by Slurm array tasks)
  snnlab help [command]                                show help for a command

Run 'snnlab COMMAND -h' for the flags of a command.
`

// errUsage marks a usage error whose help text the flag set has already
// printed, so run exits with status 2 and prints nothing more.
var errUsage = errors.New("usage")

func main() {
	// gorgonia reallocates every activation each step, so the heap swings
	// by gigabytes per training step. A lower GC target kept the peak about
	// a quarter lower at the same speed in snnlab bench on the reference
	// configuration. GOGC in the environment overrides it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		err = runCommand(rest, stdout, stderr)
	case "list":
		err = listCommand(rest, stdout, stderr)
	case "bench":
		err = benchCommand(rest, stdout, stderr)
	case "export":
		err = exportCommand(rest, stdout, stderr)
	case "data":
		err = dataCommand(rest, stdout, stderr)
	case "task":
		err = taskCommand(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		return helpCommand(rest, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "snnlab: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "snnlab: %v\n", err)
	return 1
}

func helpCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return 0
	}
	return run([]string{args[0], "-h"}, stdout, stderr)
}
