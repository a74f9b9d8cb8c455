package loihi2

import (
	"math/rand"
	"testing"
)

// BenchmarkModelRun measures one emulated inference of the test network
// (1×8×8 input, 3 weight layers, T = 6, lava timing).
func BenchmarkModelRun(b *testing.B) {
	m, err := Compile(testNetwork(rand.New(rand.NewSource(5))), DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	x := make([]float32, 64)
	for i := range x {
		x[i] = rand.New(rand.NewSource(int64(i))).Float32()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Run(x); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmulatorStepConv measures one emulator step of the netx worked
// example (conv 2@3×3 on 1×4×4, dense 32→3).
func BenchmarkEmulatorStepConv(b *testing.B) {
	net := workedExampleNetB(b)
	emu, err := NewEmulator(net, TimingLava)
	if err != nil {
		b.Fatal(err)
	}
	in := make([]int64, 16)
	for i := range in {
		in[i] = int64(i % 2)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := emu.Step(in); err != nil {
			b.Fatal(err)
		}
	}
}

func workedExampleNetB(b *testing.B) *Net {
	o := DefaultQuantOptions()
	o.Encoding, o.GradedQ, o.ScaleMode = EncodingGraded, 1, ScalePow2
	net, _, _, err := Quantize(workedExample(), o)
	if err != nil {
		b.Fatal(err)
	}
	return net
}
