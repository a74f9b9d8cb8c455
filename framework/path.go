package framework

import "fmt"

// Path selects which forward behaviour a neuron runs. Dual-path training
// runs path A on one augmented view and path B on the other with the same
// weights; inference and deployment use path A alone.
type Path int

const (
	// Spiking is path A: binary spikes from a Heaviside step, trained with
	// a surrogate gradient.
	Spiking Path = iota

	// Continuous is path B: a neuron's continuous relaxation. MixedLIF
	// replaces the step by the antiderivative of its surrogate; neurons
	// without a relaxation run their spiking form here too.
	Continuous
)

// String returns "spiking" or "continuous".
func (p Path) String() string {
	switch p {
	case Spiking:
		return "spiking"
	case Continuous:
		return "continuous"
	}
	return fmt.Sprintf("Path(%d)", int(p))
}

// ParsePath reads the names String returns, plus the method's letters "A" and "B".
func ParsePath(name string) (Path, error) {
	switch name {
	case "spiking", "A", "a":
		return Spiking, nil
	case "continuous", "B", "b":
		return Continuous, nil
	}
	return 0, fmt.Errorf("unknown path %q: use \"spiking\" (A) or \"continuous\" (B)", name)
}
