package nn

import (
	"math"
	"math/rand"
)

// KaimingNormal fills w with draws from N(0, 2/fan), the He initialisation
// for layers followed by a ReLU-like non-linearity. fan is the fan-in or
// fan-out the caller chooses (number of inputs or outputs per unit).
func KaimingNormal(rng *rand.Rand, w []float32, fan int) {
	std := math.Sqrt(2 / float64(fan))
	for i := range w {
		w[i] = float32(rng.NormFloat64() * std)
	}
}

// Uniform fills w with draws from U(-bound, bound).
func Uniform(rng *rand.Rand, w []float32, bound float64) {
	for i := range w {
		w[i] = float32((2*rng.Float64() - 1) * bound)
	}
}

// Fill sets every element of w to v.
func Fill(w []float32, v float32) {
	for i := range w {
		w[i] = v
	}
}
