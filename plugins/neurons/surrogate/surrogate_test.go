package surrogate

import (
	"math"
	"testing"
)

func TestGradIsDerivativeOfPrimitive(t *testing.T) {
	const h = 1e-6
	for _, s := range []Shape{Rectangular, Sigmoid, Arctan} {
		for _, alpha := range []float64{0.5, 1, 2} {
			for x := -2.0; x <= 2.0; x += 0.0371 {
				if s == Rectangular && math.Abs(math.Abs(x)-alpha/2) < 1e-3 {
					continue // the rectangle's edges are kinks of P
				}
				fd := (Primitive(s, x+h, alpha) - Primitive(s, x-h, alpha)) / (2 * h)
				if g := Grad(s, x, alpha); math.Abs(g-fd) > 1e-6 {
					t.Errorf("%v α=%v x=%v: Grad %v, dP/dx %v", s, alpha, x, g, fd)
				}
			}
		}
	}
}

func TestPeakAndLimits(t *testing.T) {
	for _, s := range []Shape{Rectangular, Sigmoid, Arctan} {
		for _, alpha := range []float64{0.5, 1, 3} {
			if g := Grad(s, 0, alpha); math.Abs(g-1/alpha) > 1e-12 {
				t.Errorf("%v α=%v: peak %v, want 1/α", s, alpha, g)
			}
			if p := Primitive(s, 0, alpha); p != 0.5 {
				t.Errorf("%v α=%v: P(0) = %v, want 0.5", s, alpha, p)
			}
			if p := Primitive(s, -1e4, alpha); p > 1e-4 {
				t.Errorf("%v α=%v: P(-∞) ≈ %v, want 0", s, alpha, p)
			}
			if p := Primitive(s, 1e4, alpha); p < 1-1e-4 {
				t.Errorf("%v α=%v: P(+∞) ≈ %v, want 1", s, alpha, p)
			}
		}
	}
}

func TestRectangleIncludesEdges(t *testing.T) {
	if g := Grad[float32](Rectangular, 0.5, 1); g != 1 {
		t.Errorf("Grad at x = α/2: %v, want 1/α", g)
	}
	if g := Grad[float32](Rectangular, -0.5, 1); g != 1 {
		t.Errorf("Grad at x = -α/2: %v, want 1/α", g)
	}
	if g := Grad[float32](Rectangular, 0.5000001, 1); g != 0 {
		t.Errorf("Grad just outside the window: %v, want 0", g)
	}
	if p := Primitive[float64](Rectangular, 0.25, 1); p != 0.75 {
		t.Errorf("P(0.25) = %v, want 0.75", p)
	}
}

func TestParse(t *testing.T) {
	for i, n := range Names {
		s, err := Parse(n)
		if err != nil || s != Shape(i) || s.String() != n {
			t.Errorf("Parse(%q) = %v, %v", n, s, err)
		}
	}
	if s, err := Parse("ArcTan"); err != nil || s != Arctan {
		t.Errorf("Parse is case-sensitive: %v, %v", s, err)
	}
	if _, err := Parse("gaussian"); err == nil {
		t.Error("Parse accepted an unknown shape")
	}
}
