package autograd

import (
	"runtime"

	"gorgonia.org/gorgonia"
)

// NewMachine returns gorgonia's tape machine for g, without the finalizer
// gorgonia 0.9.18 attaches to every tape machine.
//
// A runner that keeps its machine and reads results into its own fields
// (gorgonia.Read) closes a reference cycle through the machine, and Go
// never frees a cycle that contains an object with a finalizer. So each
// such machine, with every value of its last run, stayed in memory for the
// life of the process: about 1 GB for one feature-extraction graph of a
// batch of 256 at T = 4. On builds without the cuda tag the finalizer does
// nothing, so removing it loses nothing.
func NewMachine(g *gorgonia.ExprGraph, opts ...gorgonia.VMOpt) gorgonia.VM {
	m := gorgonia.NewTapeMachine(g, opts...)
	runtime.SetFinalizer(m, nil)
	return m
}
