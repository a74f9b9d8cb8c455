package framework

import (
	"fmt"
	"math"
)

// Embeddings is a [T, B, D] block of projected features from one path:
// Data[(t*B+b)*D+d] is dimension d of sample b at time step t.
type Embeddings struct {
	T, B, D int
	Data    []float32
}

// Step returns the [B, D] slice of time step t (0-based).
func (e Embeddings) Step(t int) []float32 {
	n := e.B * e.D
	return e.Data[t*n : (t+1)*n]
}

// Validate checks that the shape matches the data and that every value is
// finite. name labels the tensor in the error, for example "zA".
func (e Embeddings) Validate(name string) error {
	if e.T < 1 || e.B < 1 || e.D < 1 {
		return fmt.Errorf("embeddings %s: shape [T=%d, B=%d, D=%d] has an empty axis", name, e.T, e.B, e.D)
	}
	if len(e.Data) != e.T*e.B*e.D {
		return fmt.Errorf("embeddings %s: shape [T=%d, B=%d, D=%d] needs %d values, got %d",
			name, e.T, e.B, e.D, e.T*e.B*e.D, len(e.Data))
	}
	for i, v := range e.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t, b, d := i/(e.B*e.D), (i/e.D)%e.B, i%e.D
			return fmt.Errorf("embeddings %s [T=%d, B=%d, D=%d]: value %v at [%d, %d, %d]: the network diverged; lower the learning rate",
				name, e.T, e.B, e.D, v, t, b, d)
		}
	}
	return nil
}

// Loss is a self-supervised objective over the embeddings of both paths,
// Z_A and Z_B, each [T, B, D].
//
// Evaluate returns the loss value. When gradA and gradB are non-nil (each
// of length T·B·D), it overwrites them with ∂L/∂Z_A and ∂L/∂Z_B of the
// undetached loss; by the chain rule their sum over the two arguments is the
// summed gradient of the method's two detached losses, so one backward pass
// trains both paths.
//
// Errors name the tensor and its shape: mismatched shapes between the
// paths, too few time steps or samples for the loss, and non-finite values.
// A Loss never panics on bad input and keeps no state between calls.
type Loss interface {
	Evaluate(zA, zB Embeddings, gradA, gradB []float32) (float64, error)
}
