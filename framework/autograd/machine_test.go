package autograd_test

import (
	"runtime"
	"testing"
	"time"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework/autograd"
)

// collected builds a small graph, runs it on a machine from newVM, drops
// every reference and reports whether the graph's input value was freed.
func collected(t *testing.T, newVM func(*gorgonia.ExprGraph) gorgonia.VM) bool {
	t.Helper()
	freed := make(chan struct{})
	func() {
		g := gorgonia.NewGraph()
		value := tensor.New(tensor.WithShape(256, 256), tensor.WithBacking(make([]float32, 256*256)))
		runtime.SetFinalizer(value, func(*tensor.Dense) { close(freed) })
		x := gorgonia.NewTensor(g, tensor.Float32, 2, gorgonia.WithShape(256, 256), gorgonia.WithName("x"), gorgonia.WithValue(value))
		sum, err := gorgonia.Sum(x)
		if err != nil {
			t.Fatal(err)
		}
		// A runner that keeps its machine and reads the result into its
		// own field closes a cycle: machine → graph → Read op → runner.
		type runner struct {
			machine gorgonia.VM
			out     gorgonia.Value
		}
		r := &runner{}
		gorgonia.Read(sum, &r.out)
		r.machine = newVM(g)
		if err := r.machine.RunAll(); err != nil {
			t.Fatal(err)
		}
		r.machine.Close()
	}()
	for i := 0; i < 10; i++ {
		runtime.GC()
		select {
		case <-freed:
			return true
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

// A machine from gorgonia.NewTapeMachine carries a finalizer, so a cycle
// through it was never freed, with every value of its graph; NewMachine's
// is.
func TestMachineGraphIsCollected(t *testing.T) {
	if !collected(t, func(g *gorgonia.ExprGraph) gorgonia.VM { return autograd.NewMachine(g) }) {
		t.Errorf("the graph of a machine from NewMachine was not collected after the machine was dropped")
	}
}
