// Package surrogate provides the surrogate gradients that spiking neurons
// use in place of the derivative of the Heaviside step Θ, and their
// antiderivatives, which MixedLIF's continuous path uses as its output.
//
// Every shape is a function of x = H − Vth (the membrane potential above the
// threshold) and a width α > 0 in the units of H. Each derivative peaks at
// x = 0 with height 1/α, and each antiderivative rises from 0 to 1 with value
// 1/2 at x = 0, so the three shapes are interchangeable at equal α:
//
//	rectangular  dS/dx = 1/α for |x| ≤ α/2 (edges included), else 0
//	             P(x)  = clip(x/α + 1/2, 0, 1)
//	sigmoid      dS/dx = k·σ(kx)·(1 − σ(kx)), k = 4/α
//	             P(x)  = σ(kx)
//	arctan       dS/dx = (c/π) / (1 + (cx)²), c = π/α
//	             P(x)  = 1/2 + arctan(cx)/π
//
// The package does not compute the step itself: Θ(x) = 1 for x ≥ 0 is the
// caller's job.
package surrogate

import (
	"fmt"
	"math"
	"strings"
)

// Shape selects a surrogate gradient.
type Shape int

const (
	Rectangular Shape = iota // the default: a box of width α centred on the threshold
	Sigmoid                  // derivative of a logistic sigmoid of slope 4/α
	Arctan                   // derivative of a scaled arctangent of slope π/α
)

// Names lists the shape names Parse accepts, in Shape order.
var Names = []string{"rectangular", "sigmoid", "arctan"}

// String returns the shape's name as Parse accepts it.
func (s Shape) String() string {
	if s >= 0 && int(s) < len(Names) {
		return Names[s]
	}
	return fmt.Sprintf("Shape(%d)", int(s))
}

// Parse returns the shape with the given name, ignoring case.
func Parse(name string) (Shape, error) {
	for i, n := range Names {
		if strings.EqualFold(n, name) {
			return Shape(i), nil
		}
	}
	return 0, fmt.Errorf("surrogate %q is not known; valid surrogates are %s", name, strings.Join(Names, ", "))
}

// Float is the element type of the generic functions.
type Float interface{ ~float32 | ~float64 }

// Grad returns the surrogate derivative dS/dx at x for width alpha.
// An unknown shape returns 0.
func Grad[F Float](s Shape, x, alpha F) F {
	switch s {
	case Rectangular:
		if x <= alpha/2 && x >= -alpha/2 {
			return 1 / alpha
		}
		return 0
	case Sigmoid:
		k := 4 / float64(alpha)
		p := sigmoid(k * float64(x))
		return F(k * p * (1 - p))
	case Arctan:
		c := math.Pi / float64(alpha)
		cx := c * float64(x)
		return F(c / math.Pi / (1 + cx*cx))
	}
	return 0
}

// Primitive returns the antiderivative P(x) of the surrogate derivative,
// normalised so that P(−∞) = 0, P(0) = 1/2 and P(+∞) = 1. An unknown shape
// returns 0.
func Primitive[F Float](s Shape, x, alpha F) F {
	switch s {
	case Rectangular:
		p := x/alpha + 0.5
		if p < 0 {
			return 0
		}
		if p > 1 {
			return 1
		}
		return p
	case Sigmoid:
		return F(sigmoid(4 / float64(alpha) * float64(x)))
	case Arctan:
		return F(0.5 + math.Atan(math.Pi/float64(alpha)*float64(x))/math.Pi)
	}
	return 0
}

// sigmoid is the logistic function, written so that neither branch overflows.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
