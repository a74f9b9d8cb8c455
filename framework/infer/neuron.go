package infer

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/snnlab/snnlab/framework"
)

// lif is the spiking path of the LIF family, as the built-in neurons run
// it on float32 currents, with the membrane at rest at t = 0:
//
//	H[t] = β·V[t−1] + I[t],  S[t] = 1 if H[t] − Vth ≥ 0 else 0,
//	V[t] = Vreset (hard) or H[t] − Vth (soft) after a spike, else H[t].
type lif struct {
	beta, vth, vreset float32
	soft              bool
}

// spikingNeurons lists the registered neurons whose spiking path is lif.
// MixedLIF's spiking path is LIF; IF is LIF with β = 1; PLIF learns
// β = sigmoid(w). ALIF's threshold adapts, so it is not listed.
var spikingNeurons = map[string]string{
	"lif":      "decay",
	"mixedlif": "decay",
	"if":       "",
	"plif":     "w",
}

// resolveNeuron returns the dynamics of neuron layer l: its registered
// name and options, with defaults from the registry's option specs.
func resolveNeuron(l framework.Layer) (lif, error) {
	decayFrom, ok := spikingNeurons[l.Neuron]
	if !ok {
		if l.Neuron == "" {
			return lif{}, fmt.Errorf("neuron layer %q has no neuron name: describe the backbone with framework.DescribeBackbone, which sets it", l.Name)
		}
		return lif{}, fmt.Errorf("neuron layer %q: neuron %q is not supported by the event-driven engine (supported: if, lif, mixedlif, plif); run the graph instead", l.Name, l.Neuron)
	}
	spec, err := framework.Lookup(framework.NeuronKind, l.Neuron)
	if err != nil {
		return lif{}, fmt.Errorf("neuron layer %q: %w", l.Name, err)
	}
	opts, err := framework.ResolveOptions(fmt.Sprintf("neuron %q", l.Neuron), spec.Options, l.NeuronOptions)
	if err != nil {
		return lif{}, fmt.Errorf("neuron layer %q: %w", l.Name, err)
	}
	n := lif{
		beta:   1,
		vth:    float32(opts.Float("threshold")),
		vreset: float32(opts.Float("reset")),
		soft:   opts.String("reset_mode") == "soft",
	}
	switch decayFrom {
	case "decay":
		n.beta = float32(opts.Float("decay"))
	case "w":
		w, ok := l.Weights["w"]
		if !ok || len(w) != 1 {
			return lif{}, fmt.Errorf("neuron layer %q: PLIF needs its decay logit as Weights[\"w\"] with 1 element, got %d", l.Name, len(w))
		}
		if math.IsNaN(float64(w[0])) {
			return lif{}, fmt.Errorf("neuron layer %q: PLIF decay logit w is NaN", l.Name)
		}
		n.beta = float32(sigmoid(float64(w[0])))
	}
	if !(n.vth > 0) {
		return lif{}, fmt.Errorf("neuron layer %q: threshold %v is invalid: want a value > 0", l.Name, n.vth)
	}
	return n, nil
}

// sigmoid is the logistic function in the form PLIF uses, so that β has
// the same float32 value.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// run advances the neurons over T steps: cur holds the currents of step t
// at cur[t*curStep:] (curStep 0 repeats one current map), and the spikes
// of step t go to out[t*len(v):]. v is scratch of the layer's size.
func (n lif) run(T int, cur []float32, curStep int, out, v []float32) {
	N := len(v)
	clear(v)
	for t := 0; t < T; t++ {
		in := cur[t*curStep : t*curStep+N]
		o := out[t*N : t*N+N]
		stepNeurons(n, in, o, v)
	}
}

// step advances the neurons one step. The explicit float32 conversion
// keeps β·V rounded before the addition, as the training kernels do.
func (n lif) step(in, out, v []float32) {
	beta, vth, vreset := n.beta, n.vth, n.vreset
	out, v = out[:len(in)], v[:len(in)]
	if n.soft {
		for i, I := range in {
			h := float32(beta*v[i]) + I
			if h-vth >= 0 {
				out[i], v[i] = 1, h-vth
			} else {
				out[i], v[i] = 0, h
			}
		}
		return
	}
	for i, I := range in {
		h := float32(beta*v[i]) + I
		if h-vth >= 0 {
			out[i], v[i] = 1, vreset
		} else {
			out[i], v[i] = 0, h
		}
	}
}

// checkAgainstRegistry runs the registered neuron on random currents, some
// of them exactly at the threshold, and compares its spikes with n's. It
// catches a registered implementation that differs from the dynamics
// above, for example a plugin registered under a built-in name.
func checkAgainstRegistry(l framework.Layer, n lif, T int) error {
	impl, err := framework.NewNeuron(l.Neuron, l.NeuronOptions)
	if err != nil {
		return fmt.Errorf("neuron layer %q: %w", l.Name, err)
	}
	const N = 64
	rng := rand.New(rand.NewSource(1))
	steps := max(T, 4)
	in := make([]float32, steps*N)
	for i := range in {
		switch i % 5 {
		case 0:
			in[i] = n.vth
		default:
			in[i] = float32(rng.NormFloat64()) * n.vth
		}
	}
	var params [][]float32
	for _, p := range impl.Params() {
		w, ok := l.Weights[p.Name]
		if !ok || len(w) != p.Size {
			return fmt.Errorf("neuron layer %q: parameter %q has %d values, want %d", l.Name, p.Name, len(w), p.Size)
		}
		params = append(params, w)
	}
	want := make([]float32, len(in))
	if err := impl.Forward(framework.NeuronCall{Path: framework.Spiking, T: steps, Input: in, Params: params}, want); err != nil {
		return fmt.Errorf("neuron layer %q: %w", l.Name, err)
	}
	got := make([]float32, len(in))
	n.run(steps, in, N, got, make([]float32, N))
	for i := range got {
		if got[i] != want[i] {
			return fmt.Errorf("neuron layer %q: registered neuron %q spikes differently from the engine's LIF dynamics at step %d, neuron %d; run the graph instead", l.Name, l.Neuron, i/N, i%N)
		}
	}
	return nil
}
