// Package optim holds the optimisers and learning-rate schedules of the
// method: SGD with momentum and weight decay, AdamW, and linear warm-up
// followed by cosine decay. Optimisers update framework.Param tensors in
// place from gradients the caller supplies, and their state can be saved in
// and restored from a checkpoint.
package optim

import (
	"fmt"
	"math"

	"github.com/snnlab/snnlab/framework"
)

// Optimizer applies one update to params given their gradients, in order.
// Parameters that are not learnable are skipped; their gradient entry may be
// nil. The learning rate comes from the caller's schedule.
type Optimizer interface {
	Step(params []*framework.Param, grads [][]float32, lr float64) error

	// State returns the optimiser's buffers by name, for checkpoints.
	State() map[string][]float32
	// LoadState restores buffers saved by State.
	LoadState(map[string][]float32) error
}

func checkStep(params []*framework.Param, grads [][]float32, lr float64) error {
	if len(params) != len(grads) {
		return fmt.Errorf("optimiser: %d parameters but %d gradients", len(params), len(grads))
	}
	if math.IsNaN(lr) || lr < 0 {
		return fmt.Errorf("optimiser: learning rate %v; want a non-negative number", lr)
	}
	for i, p := range params {
		if !p.Learnable {
			continue
		}
		if len(grads[i]) != len(p.Data()) {
			return fmt.Errorf("optimiser: parameter %s has %d elements but its gradient has %d", p.Name, len(p.Data()), len(grads[i]))
		}
	}
	return nil
}

// buffer returns the named buffer, creating a zero one of size n.
func buffer(state map[string][]float32, name string, n int) []float32 {
	b, ok := state[name]
	if !ok || len(b) != n {
		b = make([]float32, n)
		state[name] = b
	}
	return b
}

func copyState(state map[string][]float32) map[string][]float32 {
	out := make(map[string][]float32, len(state))
	for k, v := range state {
		out[k] = append([]float32(nil), v...)
	}
	return out
}

// SGD is stochastic gradient descent with heavy-ball momentum and L2 weight
// decay, in PyTorch's form:
//
//	g ← ∇ + λ·w (only for parameters with WeightDecay set)
//	v ← μ·v + g
//	w ← w − η·v
type SGD struct {
	Momentum    float64 // μ, in [0, 1)
	WeightDecay float64 // λ
	velocity    map[string][]float32
}

// NewSGD returns SGD with the given momentum and weight decay.
func NewSGD(momentum, weightDecay float64) (*SGD, error) {
	if momentum < 0 || momentum >= 1 {
		return nil, fmt.Errorf("sgd: momentum %v out of range [0, 1)", momentum)
	}
	if weightDecay < 0 {
		return nil, fmt.Errorf("sgd: weight decay %v is negative", weightDecay)
	}
	return &SGD{Momentum: momentum, WeightDecay: weightDecay, velocity: map[string][]float32{}}, nil
}

// Step applies one SGD update.
func (o *SGD) Step(params []*framework.Param, grads [][]float32, lr float64) error {
	if err := checkStep(params, grads, lr); err != nil {
		return err
	}
	mu, eta := float32(o.Momentum), float32(lr)
	for i, p := range params {
		if !p.Learnable {
			continue
		}
		w, g := p.Data(), grads[i]
		v := buffer(o.velocity, p.Name, len(w))
		wd := float32(0)
		if p.WeightDecay {
			wd = float32(o.WeightDecay)
		}
		for j := range w {
			d := g[j] + wd*w[j]
			v[j] = mu*v[j] + d
			w[j] -= eta * v[j]
		}
	}
	return nil
}

// State returns the velocity buffers, keyed "velocity/<param>".
func (o *SGD) State() map[string][]float32 {
	out := map[string][]float32{}
	for k, v := range o.velocity {
		out["velocity/"+k] = append([]float32(nil), v...)
	}
	return out
}

// LoadState restores velocity buffers saved by State.
func (o *SGD) LoadState(state map[string][]float32) error {
	o.velocity = map[string][]float32{}
	for k, v := range state {
		name, ok := cutPrefix(k, "velocity/")
		if !ok {
			return fmt.Errorf("sgd: unknown state entry %q in checkpoint", k)
		}
		o.velocity[name] = append([]float32(nil), v...)
	}
	return nil
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || s[:len(prefix)] != prefix {
		return "", false
	}
	return s[len(prefix):], true
}

// AdamW is Adam with decoupled weight decay (Loshchilov and Hutter, 2019):
//
//	m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²
//	w ← w − η·( m̂/(√v̂ + ε) + λ·w )
//
// with bias-corrected m̂ and v̂; λ applies only to parameters with
// WeightDecay set.
type AdamW struct {
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64
	step         int
	state        map[string][]float32
}

// NewAdamW returns AdamW with β₁ = 0.9, β₂ = 0.999, ε = 1e-8 and the given
// weight decay.
func NewAdamW(weightDecay float64) (*AdamW, error) {
	if weightDecay < 0 {
		return nil, fmt.Errorf("adamw: weight decay %v is negative", weightDecay)
	}
	return &AdamW{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay, state: map[string][]float32{}}, nil
}

// Step applies one AdamW update.
func (o *AdamW) Step(params []*framework.Param, grads [][]float32, lr float64) error {
	if err := checkStep(params, grads, lr); err != nil {
		return err
	}
	o.step++
	c1 := 1 - math.Pow(o.Beta1, float64(o.step))
	c2 := 1 - math.Pow(o.Beta2, float64(o.step))
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	for i, p := range params {
		if !p.Learnable {
			continue
		}
		w, g := p.Data(), grads[i]
		m := buffer(o.state, "m/"+p.Name, len(w))
		v := buffer(o.state, "v/"+p.Name, len(w))
		wd := 0.0
		if p.WeightDecay {
			wd = o.WeightDecay
		}
		for j := range w {
			m[j] = b1*m[j] + (1-b1)*g[j]
			v[j] = b2*v[j] + (1-b2)*g[j]*g[j]
			mhat := float64(m[j]) / c1
			vhat := float64(v[j]) / c2
			w[j] -= float32(lr * (mhat/(math.Sqrt(vhat)+o.Eps) + wd*float64(w[j])))
		}
	}
	return nil
}

// State returns the moment buffers ("m/<param>", "v/<param>") and the step
// count ("step").
func (o *AdamW) State() map[string][]float32 {
	out := copyState(o.state)
	out["step"] = []float32{float32(o.step)}
	return out
}

// LoadState restores buffers saved by State.
func (o *AdamW) LoadState(state map[string][]float32) error {
	o.state = map[string][]float32{}
	for k, v := range state {
		if k == "step" {
			if len(v) != 1 {
				return fmt.Errorf("adamw: step entry has %d values, want 1", len(v))
			}
			o.step = int(v[0])
			continue
		}
		if _, ok := cutPrefix(k, "m/"); !ok {
			if _, ok := cutPrefix(k, "v/"); !ok {
				return fmt.Errorf("adamw: unknown state entry %q in checkpoint", k)
			}
		}
		o.state[k] = append([]float32(nil), v...)
	}
	return nil
}
