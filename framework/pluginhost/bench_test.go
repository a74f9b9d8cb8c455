package pluginhost_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/bench"
	"github.com/snnlab/snnlab/framework/optim"
	"github.com/snnlab/snnlab/framework/pluginhost"
	"github.com/snnlab/snnlab/framework/train"
)

// BenchmarkPluginOverhead measures the reference training step of snnlab
// bench (bench.Reference: spiking ResNet 16–32–64, batch 64, T = 4, BTL)
// with the built-in LIF neuron in process and with the same neuron through
// the plugin binary, and reports the plugin's extra share of step time.
// The two steps alternate, so that load from other processes affects both
// alike. LIF replaces the reference's MixedLIF so that both paths spike in
// both variants; the two neurons share one kernel. Both variants start
// from the same seed, so their losses must agree bit for bit. Run it with
//
//	go test -run '^$' -bench PluginOverhead -benchtime 5x -timeout 30m ./framework/pluginhost/
func BenchmarkPluginOverhead(b *testing.B) {
	m := startManager(b, pluginDir(b, builtinBinary), pluginhost.Options{})
	ref := bench.Reference()
	sh := stepShape{Backbone: ref.Backbone, BackboneOptions: ref.BackboneOptions, HeadWidths: ref.HeadWidths,
		Loss: ref.Loss, Input: ref.Input, T: ref.T, Batch: ref.Batch}
	steps := map[string]*train.DualPath{}
	opts := map[string]optim.Optimizer{}
	for _, neuron := range []string{"lif", "plugin-lif"} {
		steps[neuron] = newStep(b, sh, neuron, nil, framework.Spiking, ref.Seed)
		opt, err := optim.NewSGD(0.9, 1e-6)
		if err != nil {
			b.Fatal(err)
		}
		opts[neuron] = opt
	}
	viewA, viewB := views(sh, ref.Seed)

	// Wall time suffers from other processes on a shared machine, so the
	// CPU time of the step is reported too: this process's, plus the
	// plugin process's for the plugin step.
	plugin := m.Plugins()[0]
	times, cpu := map[string][]float64{}, map[string][]float64{}
	order := []string{"lif", "plugin-lif"}
	for i := -1; i < b.N; i++ { // step -1 warms up
		losses := map[string]float64{}
		for _, neuron := range order {
			start, startCPU := time.Now(), cpuSeconds(b, 0)+cpuSeconds(b, plugin.Pid())
			loss, err := steps[neuron].Step(viewA, viewB, opts[neuron], 1e-3)
			if err != nil {
				b.Fatal(err)
			}
			if i >= 0 {
				times[neuron] = append(times[neuron], time.Since(start).Seconds())
				cpu[neuron] = append(cpu[neuron], cpuSeconds(b, 0)+cpuSeconds(b, plugin.Pid())-startCPU)
			}
			losses[neuron] = loss
		}
		if math.Float64bits(losses["lif"]) != math.Float64bits(losses["plugin-lif"]) {
			b.Fatalf("step %d: loss %v in process, %v through the plugin", i, losses["lif"], losses["plugin-lif"])
		}
		order[0], order[1] = order[1], order[0]
	}
	in, out := median(times["lif"]), median(times["plugin-lif"])
	b.ReportMetric(in*1000, "ms/step-in-process")
	b.ReportMetric(out*1000, "ms/step-plugin")
	b.ReportMetric(100*(out-in)/in, "%overhead")
	cpuIn, cpuOut := median(cpu["lif"]), median(cpu["plugin-lif"])
	b.ReportMetric(cpuIn*1000, "cpu-ms/step-in-process")
	b.ReportMetric(cpuOut*1000, "cpu-ms/step-plugin")
	b.ReportMetric(100*(cpuOut-cpuIn)/cpuIn, "%overhead-cpu")
}

// cpuSeconds returns the user and system CPU time of process pid, or of
// this process for pid 0, read from /proc.
func cpuSeconds(b *testing.B, pid int) float64 {
	name := "/proc/self/stat"
	if pid > 0 {
		name = fmt.Sprintf("/proc/%d/stat", pid)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		b.Skipf("CPU time needs /proc: %v", err)
	}
	// Fields after the command name, which ends with ")": utime and stime
	// are the 12th and 13th, in clock ticks of 1/100 s on Linux.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100
}

// BenchmarkNeuronCall measures one Forward and one Backward call on the
// largest neuron layer of the reference step, [T = 4, N = 64·16·32·32],
// in process and through the plugin, where each call copies its tensors
// through shared memory or messages.
func BenchmarkNeuronCall(b *testing.B) {
	const T, N = 4, 64 * 16 * 32 * 32
	rng := rand.New(rand.NewPCG(1, 1))
	call := framework.NeuronCall{Path: framework.Spiking, T: T, Input: make([]float32, T*N)}
	g := make([]float32, T*N)
	for i := range call.Input {
		call.Input[i] = float32(0.7 + rng.NormFloat64())
		g[i] = float32(rng.NormFloat64())
	}
	for _, tr := range []pluginhost.Transport{pluginhost.SharedMemory, pluginhost.Messages} {
		for _, name := range []string{"lif", "plugin-lif"} {
			if name == "lif" && tr != pluginhost.SharedMemory {
				continue
			}
			b.Run(fmt.Sprintf("%s/%s", name, tr), func(b *testing.B) {
				startManager(b, pluginDir(b, builtinBinary), pluginhost.Options{Transport: tr})
				n, err := framework.NewNeuron(name, nil)
				if err != nil {
					b.Fatal(err)
				}
				out, gradIn := make([]float32, T*N), make([]float32, T*N)
				b.SetBytes(int64(4 * 5 * T * N)) // tensors moved: input and output, then input, ∂L/∂O and ∂L/∂I
				b.ResetTimer()
				for range b.N {
					if err := n.Forward(call, out); err != nil {
						b.Fatal(err)
					}
					if err := n.Backward(call, g, gradIn, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
