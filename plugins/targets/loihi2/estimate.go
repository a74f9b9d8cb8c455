package loihi2

import (
	"fmt"
	"math"
	"math/bits"
)

// MappingConstants are the parameters of the core-count estimate. The
// defaults come from an empirical fit to the Loihi 2 compiler log of
// lava-dl's PilotNet-LIF benchmark notebook (74 cores used; the fit
// predicts 75). They are estimates: Intel publishes neither the per-core
// synaptic memory nor its unit.
type MappingConstants struct {
	SynMemPerCore  float64 // synaptic memory units per core (compiler log: 12,000)
	DenseSynPerMem float64 // dense 8-bit synapses per unit (fit: 2.8)
	ConvSynPerMem  float64 // shared-kernel weights per unit (fit: 8, conservative)
	NeuronsPerTile int     // neurons per core the compiler allocates at most (4,096; hard cap 8,192)
	CoresPerChip   int     // neuromorphic cores per Loihi 2 chip (128)
	FanInWarning   int     // input axons per core on Loihi 1 (4,096), kept as a warning threshold
}

// DefaultMapping returns the constants of the PilotNet fit.
func DefaultMapping() MappingConstants {
	return MappingConstants{SynMemPerCore: 12000, DenseSynPerMem: 2.8, ConvSynPerMem: 8, NeuronsPerTile: 4096, CoresPerChip: 128, FanInWarning: 4096}
}

// LayerResources is the estimated footprint of one population.
type LayerResources struct {
	Name           string
	Neurons        int
	StoredSynapses int // weights held on chip (a conv kernel counts once)
	NonZero        int // non-zero stored weights
	FanIn          int // inputs per neuron: N_in, or C_in/groups·kH·kW
	Cores          int
	Binding        string // "neurons" or "synaptic memory"
	Warning        string // empty, or why the estimate may not hold
}

// Resources is the estimated footprint of a network.
type Resources struct {
	Layers []LayerResources
	Cores  int
	Chips  int
}

// EstimateResources estimates cores and chips for net with the given
// constants. Conv and input layers are cut into slabs of full height and
// channels and a power-of-two number of columns below the neuron cap.
// Dense layers are cut into power-of-two groups of neurons whose synapses
// fit the synaptic memory.
func EstimateResources(net *Net, c MappingConstants) (*Resources, error) {
	if c.SynMemPerCore <= 0 || c.DenseSynPerMem <= 0 || c.ConvSynPerMem <= 0 || c.NeuronsPerTile <= 1 || c.CoresPerChip <= 0 {
		return nil, fmt.Errorf("mapping constants %+v: every constant must be positive", c)
	}
	r := &Resources{}
	add := func(l LayerResources) {
		r.Layers = append(r.Layers, l)
		r.Cores += l.Cores
	}
	if net.InputNeuron != nil || len(net.Input) == 3 {
		in := LayerResources{Name: "input", Neurons: prod(net.Input), Binding: "neurons"}
		if net.InputNeuron == nil {
			in.Name = "input (spike generator)"
		}
		in.Cores = slabCores(net.Input, c)
		add(in)
	}
	for i := range net.Layers {
		l := &net.Layers[i]
		lr := LayerResources{Name: l.Name, Neurons: prod(l.Shape), StoredSynapses: len(l.Weight)}
		for _, w := range l.Weight {
			if w != 0 {
				lr.NonZero++
			}
		}
		if l.Kind == Conv {
			lr.FanIn = l.WeightShape[1] * l.Kernel[0] * l.Kernel[1]
			lr.Cores = slabCores(l.Shape, c)
			lr.Binding = "neurons"
			if float64(len(l.Weight))/c.ConvSynPerMem > c.SynMemPerCore {
				lr.Warning = fmt.Sprintf("kernel of %d weights exceeds one core's synaptic memory (%.0f units at %.3g weights per unit); the compiler must split channels", len(l.Weight), c.SynMemPerCore, c.ConvSynPerMem)
			}
		} else {
			nIn, nOut := l.WeightShape[1], l.WeightShape[0]
			lr.FanIn = nIn
			perCore := 1
			for perCore*2 < c.NeuronsPerTile && float64(perCore*2*nIn)/c.DenseSynPerMem <= c.SynMemPerCore {
				perCore *= 2
			}
			perCore = min(perCore, nOut)
			lr.Cores = (nOut + perCore - 1) / perCore
			lr.Binding = "synaptic memory"
			if perCore == nOut && nOut < c.NeuronsPerTile {
				lr.Binding = "neurons"
			}
			if float64(nIn)/c.DenseSynPerMem > c.SynMemPerCore {
				lr.Warning = fmt.Sprintf("fan-in %d does not fit one core's synaptic memory even for one neuron", nIn)
			}
		}
		if lr.FanIn > c.FanInWarning && lr.Warning == "" {
			lr.Warning = fmt.Sprintf("fan-in %d exceeds %d input axons per core (the Loihi 1 limit)", lr.FanIn, c.FanInWarning)
		}
		add(lr)
	}
	r.Chips = (r.Cores + c.CoresPerChip - 1) / c.CoresPerChip
	return r, nil
}

// slabCores returns the cores of a [C, H, W] (or [N]) population cut into
// slabs of full height and channels and w_t columns, w_t the largest power
// of two with w_t·H·C < NeuronsPerTile.
func slabCores(shape []int, c MappingConstants) int {
	if len(shape) != 3 {
		n := prod(shape)
		return (n + c.NeuronsPerTile - 1) / c.NeuronsPerTile
	}
	col := shape[0] * shape[1]
	if col >= c.NeuronsPerTile {
		half := c.NeuronsPerTile / 2
		return (prod(shape) + half - 1) / half
	}
	wt := 1 << (bits.Len(uint((c.NeuronsPerTile-1)/col)) - 1)
	return (shape[2] + wt - 1) / wt
}

// EnergyConstants are per-operation energies and the static power used for
// the energy estimate, with the source of each. Intel publishes no
// per-operation energies of Loihi 2, so the defaults are Loihi 1 figures
// (an upper bound). Static power and step time come from the one measured
// Loihi 2 workload.
type EnergyConstants struct {
	Name         string
	SynOpJ       float64 // energy per synaptic operation
	NeuronJ      float64 // energy per neuron update
	SpikeJ       float64 // energy per emitted spike
	StaticW      float64 // static power of the chip
	StepS        float64 // wall time per step
	Sources      []string
	Calibrations []string // measured reference workloads, for comparison
}

// EnergySets lists the built-in constant sets by name.
var EnergySets = map[string]EnergyConstants{
	"sanafe-loihi1": {
		Name: "sanafe-loihi1", SynOpJ: 35.5e-12, NeuronJ: 51.2e-12, SpikeJ: 76.8e-12, StaticW: 0.232, StepS: 153e-6,
		Sources: []string{
			"synaptic op 35.5 pJ, neuron update 51.2 pJ (inactive), spike out 76.8 pJ: SANA-FE calibrated Loihi 1 model (SLAM-Lab/SANA-FE arch/loihi.yaml)",
			"static power 0.232 W and 153 µs per step: lava-dl PilotNet-LIF on Loihi 2 (benchmark notebook: 0.679 W total, 408.9 inferences/s at 16 steps)",
		},
		Calibrations: []string{"lava-dl PilotNet-LIF on Loihi 2, 74 cores, 16 steps: 1.66 mJ total, 1.09 mJ dynamic per inference (measured)"},
	},
	"davies2018": {
		Name: "davies2018", SynOpJ: 23.6e-12, NeuronJ: 52e-12, SpikeJ: 1.7e-12, StaticW: 0.232, StepS: 153e-6,
		Sources: []string{
			"synaptic spike op 23.6 pJ (minimum), within-tile spike 1.7 pJ: Davies et al., IEEE Micro 38(1), 2018, Loihi 1, as quoted by SANA-FE",
			"neuron update 52 pJ: frequently quoted from Davies et al. 2018 (not verified against the paper)",
			"static power 0.232 W and 153 µs per step: lava-dl PilotNet-LIF on Loihi 2 (benchmark notebook)",
		},
		Calibrations: []string{"lava-dl PilotNet-LIF on Loihi 2, 74 cores, 16 steps: 1.66 mJ total, 1.09 mJ dynamic per inference (measured)"},
	},
}

// Energy is the estimated energy of one inference.
type Energy struct {
	SynOps, NeuronUpdates, Spikes int64
	Steps                         int
	DynamicJ                      float64
	StaticJ                       float64 // static power × steps × step time
	TotalJ                        float64
	Constants                     EnergyConstants
}

// EstimateEnergy turns the activity counters of one emulated inference
// (one entry per emulator block) into energy:
//
//	E = synops·E_syn + updates·E_neuron + spikes·E_spike + P_static·steps·t_step
//
// Bias-driven input neurons have no synapses, so they add no synaptic
// operations.
func EstimateEnergy(counters []Counters, steps int, c EnergyConstants) Energy {
	e := Energy{Steps: steps, Constants: c}
	for _, k := range counters {
		e.SynOps += k.SynOps
		e.NeuronUpdates += k.NeuronUpdates
		e.Spikes += k.Spikes
	}
	e.DynamicJ = float64(e.SynOps)*c.SynOpJ + float64(e.NeuronUpdates)*c.NeuronJ + float64(e.Spikes)*c.SpikeJ
	e.StaticJ = c.StaticW * float64(steps) * c.StepS
	e.TotalJ = e.DynamicJ + e.StaticJ
	return e
}

// Notes returns the energy figures and the constants with their sources,
// one line each, for reports.
func (e Energy) Notes() []string {
	lines := []string{
		fmt.Sprintf("energy per inference (%s constants): %.4g J dynamic + %.4g J static = %.4g J over %d steps (%d synaptic ops, %d neuron updates, %d spikes)",
			e.Constants.Name, e.DynamicJ, e.StaticJ, e.TotalJ, e.Steps, e.SynOps, e.NeuronUpdates, e.Spikes),
		fmt.Sprintf("constants: E_syn %.4g pJ, E_neuron %.4g pJ, E_spike %.4g pJ, P_static %.4g W, t_step %.4g µs",
			e.Constants.SynOpJ*1e12, e.Constants.NeuronJ*1e12, e.Constants.SpikeJ*1e12, e.Constants.StaticW, e.Constants.StepS*1e6),
	}
	for _, s := range e.Constants.Sources {
		lines = append(lines, "source: "+s)
	}
	for _, s := range e.Constants.Calibrations {
		lines = append(lines, "reference: "+s)
	}
	return lines
}

// perInference divides accumulated counters by the number of inferences.
func perInference(total []Counters, n int) []Counters {
	out := make([]Counters, len(total))
	for i, c := range total {
		out[i] = Counters{
			Spikes:        int64(math.Round(float64(c.Spikes) / float64(n))),
			SynOps:        int64(math.Round(float64(c.SynOps) / float64(n))),
			NeuronUpdates: int64(math.Round(float64(c.NeuronUpdates) / float64(n))),
			UWraps:        c.UWraps,
			VSaturations:  c.VSaturations,
			ThresholdTies: c.ThresholdTies,
		}
	}
	return out
}
