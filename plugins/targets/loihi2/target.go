package loihi2

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/targets/nir"
)

// Name is the registered target name.
const Name = "loihi2"

// Option names of the registered target.
const (
	OptTiming      = "timing"
	OptEncoding    = "encoding"
	OptScale       = "scale"
	OptGradedQ     = "graded_q"
	OptBiasSteps   = "bias_steps"
	OptNIRDt       = "nir_dt"
	OptNIRLegacy   = "nir_legacy"
	OptEnergy      = "energy"
	OptSynMem      = "synmem_per_core"
	OptDenseDens   = "dense_synapses_per_unit"
	OptConvDens    = "conv_weights_per_unit"
	OptNeuronCap   = "neurons_per_core"
	OptCoresPerChp = "cores_per_chip"
)

func energyNames() []string {
	names := make([]string, 0, len(EnergySets))
	for n := range EnergySets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// OptionSpecs returns the options of the registered target.
func OptionSpecs() []framework.OptionSpec {
	m := DefaultMapping()
	return []framework.OptionSpec{
		framework.ChoiceOption(OptTiming, "lava", []string{"lava", "aligned"},
			"emulator timing: lava adds one step of delay per weight layer as netx on Loihi does; aligned delivers spikes in the same step, as the float model"),
		framework.ChoiceOption(OptEncoding, EncodingBias, []string{EncodingBias, EncodingGraded},
			"input encoding: bias computes the first layer on the host and injects it as neuron bias; graded sends round(x·Q) as 8-bit graded spikes (inputs must be ≥ 0)"),
		framework.ChoiceOption(OptScale, ScaleMax, []string{ScaleMax, ScalePow2},
			"per-layer weight scale: the largest the 8-bit weight, 13-bit bias and 17-bit threshold ranges allow, or the largest power of two below it"),
		framework.FloatOption(OptGradedQ, 255, 1, 1<<24, "payload units per input unit", "graded encoding: payload = round(x·Q), clipped to 255"),
		framework.FloatOption(OptBiasSteps, 4000, 1, 4094, "weight units", "bias encoding: first-layer threshold mantissa; below 4095 so clipped biases still fire every step"),
		framework.FloatOption(OptNIRDt, 1e-4, 1e-9, 1, "s", "NIR export: forward-Euler time step, tau = dt/(1 − β)"),
		framework.BoolOption(OptNIRLegacy, false, "NIR export: omit v_reset for nir 1.0.5 and older readers"),
		framework.ChoiceOption(OptEnergy, "sanafe-loihi1", energyNames(), "energy constant set; every report prints the constants and their sources"),
		framework.FloatOption(OptSynMem, m.SynMemPerCore, 1, framework.Unbounded, "units", "synaptic memory per core (Loihi 2 compiler log of PilotNet)"),
		framework.FloatOption(OptDenseDens, m.DenseSynPerMem, 0.01, framework.Unbounded, "synapses per unit", "dense synapses per synaptic memory unit (PilotNet fit)"),
		framework.FloatOption(OptConvDens, m.ConvSynPerMem, 0.01, framework.Unbounded, "weights per unit", "shared conv kernel weights per synaptic memory unit (PilotNet fit)"),
		framework.IntOption(OptNeuronCap, m.NeuronsPerTile, 2, 8192, "neurons", "neurons per core the mapping allocates at most"),
		framework.IntOption(OptCoresPerChp, m.CoresPerChip, 1, 1<<16, "cores", "neuromorphic cores per chip"),
	}
}

func init() {
	framework.RegisterTarget(framework.Spec{
		Name:    Name,
		Doc:     "Intel Loihi 2: lava-dl netx and NIR export, bit-accurate CUBA emulation, core and energy estimates",
		Options: OptionSpecs(),
	}, New)
}

// Target is the registered Loihi 2 target.
type Target struct {
	Options Options
	NIR     NIROptions
	Mapping MappingConstants
	Energy  EnergyConstants
}

var _ framework.Target = (*Target)(nil)

// New builds the target from resolved options.
func New(o framework.Options) (framework.Target, error) {
	t := &Target{Options: DefaultOptions(), NIR: DefaultNIROptions(), Mapping: DefaultMapping()}
	timing, err := ParseTiming(o.String(OptTiming))
	if err != nil {
		return nil, err
	}
	t.Options.Timing = timing
	t.Options.Quant.Encoding = o.String(OptEncoding)
	t.Options.Quant.ScaleMode = o.String(OptScale)
	t.Options.Quant.GradedQ = o.Float(OptGradedQ)
	t.Options.Quant.BiasSteps = o.Float(OptBiasSteps)
	t.NIR.Dt = o.Float(OptNIRDt)
	t.NIR.Legacy = o.Bool(OptNIRLegacy)
	t.Mapping.SynMemPerCore = o.Float(OptSynMem)
	t.Mapping.DenseSynPerMem = o.Float(OptDenseDens)
	t.Mapping.ConvSynPerMem = o.Float(OptConvDens)
	t.Mapping.NeuronsPerTile = o.Int(OptNeuronCap)
	t.Mapping.CoresPerChip = o.Int(OptCoresPerChp)
	set, ok := EnergySets[o.String(OptEnergy)]
	if !ok {
		return nil, fmt.Errorf("energy constant set %q is unknown; known sets: %v", o.String(OptEnergy), energyNames())
	}
	t.Energy = set
	return t, nil
}

// Export writes network.net (lava-dl netx) and network.nir (NIR, float
// weights) into dir and reports the files, the per-layer quantisation, the
// estimated cores and chips, and the constants used. Accuracy and energy
// need data and are measured with Compile and Model.Run; the report leaves
// them empty.
func (t *Target) Export(net framework.Network, dir string) (framework.TargetReport, error) {
	var rep framework.TargetReport
	fn, err := Prepare(net)
	if err != nil {
		return rep, fmt.Errorf("loihi2: %w", err)
	}
	m, err := CompileFloat(fn, t.Options)
	if err != nil {
		return rep, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return rep, fmt.Errorf("loihi2: %w", err)
	}

	netx := filepath.Join(dir, "network.net")
	if err := WriteNetx(netx, m.Net); err != nil {
		return rep, fmt.Errorf("loihi2: %w", err)
	}
	g, err := ExportNIR(fn, t.NIR)
	if err != nil {
		return rep, fmt.Errorf("loihi2: %w", err)
	}
	nirPath := filepath.Join(dir, "network.nir")
	if err := nir.WriteFile(nirPath, g); err != nil {
		return rep, fmt.Errorf("loihi2: %w", err)
	}
	rep.Files = []string{netx, nirPath}

	res, err := EstimateResources(m.Net, t.Mapping)
	if err != nil {
		return rep, fmt.Errorf("loihi2: %w", err)
	}
	rep.Resources = map[string]float64{"cores": float64(res.Cores), "chips": float64(res.Chips)}
	for _, l := range res.Layers {
		rep.Resources["cores/"+l.Name] = float64(l.Cores)
		rep.Resources["neurons/"+l.Name] = float64(l.Neurons)
		rep.Resources["synapses/"+l.Name] = float64(l.StoredSynapses)
		if l.Warning != "" {
			rep.Notes = append(rep.Notes, fmt.Sprintf("layer %s: %s", l.Name, l.Warning))
		}
	}
	rep.Notes = append(rep.Notes, t.Notes()...)
	for _, q := range m.Quant {
		rep.Notes = append(rep.Notes, "quantisation: "+q.String())
	}
	if t.Options.Quant.Encoding == EncodingBias {
		rep.Notes = append(rep.Notes, fmt.Sprintf("input: the first layer (%s) runs on the host; load round(%.6g·(W₁x + b₁)) as bias_mant of the input neurons of network.net each image; its float weights are in network.nir", fn.Layers[0].Name, m.firstScale))
	} else {
		rep.Notes = append(rep.Notes, fmt.Sprintf("input: load network.net with input_message_bits=%d and send round(%.6g·x) as graded spikes", t.Options.Quant.MessageBits, t.Options.Quant.GradedQ))
	}
	return rep, nil
}

// Notes returns the mapping and energy constants with their sources.
func (t *Target) Notes() []string {
	m := t.Mapping
	lines := []string{
		fmt.Sprintf("mapping constants (estimate, fitted to the Loihi 2 compiler log of lava-dl PilotNet-LIF): %.0f synaptic memory units per core, %.3g dense synapses and %.3g conv weights per unit, at most %d neurons per core, %d cores per chip",
			m.SynMemPerCore, m.DenseSynPerMem, m.ConvSynPerMem, m.NeuronsPerTile, m.CoresPerChip),
		fmt.Sprintf("timing %s, encoding %s, scale %s; NIR dt %g, v_reset %v", t.Options.Timing, t.Options.Quant.Encoding, t.Options.Quant.ScaleMode, t.NIR.Dt, !t.NIR.Legacy),
	}
	e := Energy{Constants: t.Energy}
	return append(lines, e.Notes()[1:]...)
}

// Evaluation compares the float model with the emulated model on a data
// set.
type Evaluation struct {
	Samples          int
	FloatAccuracy    float64
	EmulatedAccuracy float64
	Agreement        float64 // fraction of samples where both predict the same class
	PerInference     []Counters
	Steps            int
	Energy           Energy
	Resources        *Resources
}

// Evaluate runs every sample ([C·H·W] each) through the float reference
// and the emulator and returns both accuracies, the mean activity per
// inference and the energy and resource estimates with t's constants.
func (t *Target) Evaluate(m *Model, xs [][]float32, labels []int) (*Evaluation, error) {
	if len(xs) != len(labels) || len(xs) == 0 {
		return nil, fmt.Errorf("loihi2: %d samples and %d labels; want the same positive number", len(xs), len(labels))
	}
	ev := &Evaluation{Samples: len(xs), Steps: m.Steps()}
	var total []Counters
	var fOK, eOK, agree int
	for i, x := range xs {
		fs, err := m.RunFloat(x)
		if err != nil {
			return nil, fmt.Errorf("sample %d: %w", i, err)
		}
		res, err := m.Run(x)
		if err != nil {
			return nil, fmt.Errorf("sample %d: %w", i, err)
		}
		fp, ep := Argmax(fs), Argmax(res.Scores)
		if fp == labels[i] {
			fOK++
		}
		if ep == labels[i] {
			eOK++
		}
		if fp == ep {
			agree++
		}
		if total == nil {
			total = make([]Counters, len(res.Counters))
		}
		for b, c := range res.Counters {
			total[b].add(c)
		}
	}
	n := float64(len(xs))
	ev.FloatAccuracy, ev.EmulatedAccuracy, ev.Agreement = float64(fOK)/n, float64(eOK)/n, float64(agree)/n
	ev.PerInference = perInference(total, len(xs))
	ev.Energy = EstimateEnergy(ev.PerInference, ev.Steps, t.Energy)
	res, err := EstimateResources(m.Net, t.Mapping)
	if err != nil {
		return nil, err
	}
	ev.Resources = res
	return ev, nil
}
