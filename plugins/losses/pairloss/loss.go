package pairloss

import (
	"fmt"
	"math"

	"github.com/snnlab/snnlab/framework"
)

// Precision selects the element type of the engine's matrix products.
type Precision int

const (
	// Float64 converts the float32 embeddings to float64 and runs every
	// product in float64. This is the default. On the reference vectors
	// (B = 8, D = 16) values and gradients differ from an epsilon-free
	// float64 reference by under 1e-7 relative.
	Float64 Precision = iota
	// Float32 runs the products in float32, keeping the reductions in
	// float64. It took 0.57 of the Float64 time for ctl at B = 256,
	// D = 1024, T = 4 (BenchmarkLoss, 2 cores) and stays within 2e-7 on
	// the reference vectors. Its error grows with D (see the NOTE in gram).
	Float32
)

// Result is one evaluation with its parts, for tests and training monitors.
type Result struct {
	Value     float64   // the loss, Σ PairTerms / divisor
	Pairs     []Pair    // the member pairs, in the order of PairTerms
	PairTerms []float64 // ℓ of each pair, before the divisor

	// MinStd is the smallest per-dimension standard deviation over the
	// batch (population form, in units of Z, always about the batch mean)
	// among the members the loss uses, with the member and dimension where
	// it occurs. A value near 0 means that dimension has collapsed: its
	// normalised column is 0, so it adds 1 to each pair's invariance term
	// and its C entries are 0.
	MinStd       float64
	MinStdMember int
	MinStdDim    int
}

// Loss is a pair loss: a framework.Loss that also returns its parts. The
// zero value is not usable; set Name, Pairs and Config (DefaultConfig gives
// the defaults). A Loss keeps no state between calls and is safe for
// concurrent use.
type Loss struct {
	Name      string    // names the loss in errors, for example "ctl"
	Pairs     PairsFunc // pair list and divisor for T steps
	Config    Config
	Strategy  Strategy  // Auto unless a test or benchmark needs one path
	Precision Precision // Float64 unless set
}

var _ framework.Loss = (*Loss)(nil)

// Evaluate implements framework.Loss: zA and zB are [T, B, D]; gradA and
// gradB, when both are non-nil, are overwritten with ∂L/∂Z_A and ∂L/∂Z_B.
// Passing only one of them is an error.
func (l *Loss) Evaluate(zA, zB framework.Embeddings, gradA, gradB []float32) (float64, error) {
	r, err := l.Compute(zA, zB, gradA, gradB)
	return r.Value, err
}

// Compute is Evaluate returning the per-pair terms and the collapse
// indicator as well.
func (l *Loss) Compute(zA, zB framework.Embeddings, gradA, gradB []float32) (Result, error) {
	if err := zA.Validate("zA"); err != nil {
		return Result{}, fmt.Errorf("loss %s: %w", l.Name, err)
	}
	if err := zB.Validate("zB"); err != nil {
		return Result{}, fmt.Errorf("loss %s: %w", l.Name, err)
	}
	pairs, err := l.check(zA.T, zA.B, zA.D, zB.T, zB.B, zB.D, len(gradA), len(gradB), gradA == nil, gradB == nil)
	if err != nil {
		return Result{}, err
	}
	if l.Precision == Float32 {
		return evaluate(l.Config, pairs, l.Strategy, zA.T, zA.B, zA.D, zA.Data, zB.Data, gradA, gradB), nil
	}

	a64, b64 := widen(zA.Data), widen(zB.Data)
	var gA, gB []float64
	if gradA != nil {
		gA, gB = make([]float64, len(gradA)), make([]float64, len(gradB))
	}
	r := evaluate(l.Config, pairs, l.Strategy, zA.T, zA.B, zA.D, a64, b64, gA, gB)
	for i := range gA {
		gradA[i], gradB[i] = float32(gA[i]), float32(gB[i])
	}
	return r, nil
}

// Compute64 is Compute on float64 embeddings zA and zB, each [T, B, D]
// row-major, for reference checks such as finite differences.
func (l *Loss) Compute64(T, B, D int, zA, zB, gradA, gradB []float64) (Result, error) {
	if err := checkData("zA", T, B, D, zA); err != nil {
		return Result{}, fmt.Errorf("loss %s: %w", l.Name, err)
	}
	if err := checkData("zB", T, B, D, zB); err != nil {
		return Result{}, fmt.Errorf("loss %s: %w", l.Name, err)
	}
	pairs, err := l.check(T, B, D, T, B, D, len(gradA), len(gradB), gradA == nil, gradB == nil)
	if err != nil {
		return Result{}, err
	}
	return evaluate(l.Config, pairs, l.Strategy, T, B, D, zA, zB, gradA, gradB), nil
}

// check validates the configuration and shapes, returning the pair list.
func (l *Loss) check(tA, bA, dA, tB, bB, dB, nGradA, nGradB int, nilA, nilB bool) (Pairs, error) {
	if l.Pairs == nil {
		return Pairs{}, fmt.Errorf("loss %s: no pair list set; build the loss with its package's New", l.Name)
	}
	if err := l.Config.check(); err != nil {
		return Pairs{}, fmt.Errorf("loss %s: %w", l.Name, err)
	}
	shapeA := fmt.Sprintf("[T=%d, B=%d, D=%d]", tA, bA, dA)
	shapeB := fmt.Sprintf("[T=%d, B=%d, D=%d]", tB, bB, dB)
	if tA != tB || bA != bB || dA != dB {
		return Pairs{}, fmt.Errorf("loss %s: zA has shape %s but zB has shape %s; both paths must produce embeddings of the same shape", l.Name, shapeA, shapeB)
	}
	pairs, err := l.Pairs(tA)
	if err != nil {
		return Pairs{}, fmt.Errorf("loss %s: zA and zB of shape %s: %w", l.Name, shapeA, err)
	}
	if l.Config.Center && bA < 2 {
		return Pairs{}, fmt.Errorf("loss %s: zA and zB of shape %s: a batch of B = %d has no per-dimension spread to centre and normalise; use B ≥ 2 (Barlow Twins losses need a real batch, usually ≥ 64) or center=false", l.Name, shapeA, bA)
	}
	if nilA != nilB {
		return Pairs{}, fmt.Errorf("loss %s: pass both gradA and gradB or neither; got gradA nil = %v, gradB nil = %v", l.Name, nilA, nilB)
	}
	want := tA * bA * dA
	if !nilA && nGradA != want {
		return Pairs{}, fmt.Errorf("loss %s: gradA has %d values, want %d for shape %s", l.Name, nGradA, want, shapeA)
	}
	if !nilB && nGradB != want {
		return Pairs{}, fmt.Errorf("loss %s: gradB has %d values, want %d for shape %s", l.Name, nGradB, want, shapeB)
	}
	return pairs, nil
}

// checkData is framework.Embeddings.Validate for float64 data.
func checkData(name string, T, B, D int, data []float64) error {
	shape := fmt.Sprintf("[T=%d, B=%d, D=%d]", T, B, D)
	if T < 1 || B < 1 || D < 1 {
		return fmt.Errorf("embeddings %s: shape %s has an empty axis", name, shape)
	}
	if len(data) != T*B*D {
		return fmt.Errorf("embeddings %s: shape %s needs %d values, got %d", name, shape, T*B*D, len(data))
	}
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("embeddings %s %s: value %v at [%d, %d, %d]: the network diverged; lower the learning rate",
				name, shape, v, i/(B*D), (i/D)%B, i%D)
		}
	}
	return nil
}

func widen(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// CrossCorrelation returns C = N₁ᵀ N₂ ([D, D], row-major) for z1 and z2,
// each [B, D] row-major, normalised per dimension over the batch as the
// losses do (centred first when center is set, which gives the Pearson
// correlation).
func CrossCorrelation[F Float](B, D int, z1, z2 []F, center bool) ([]F, error) {
	for _, z := range []struct {
		name string
		data []F
	}{{"z1", z1}, {"z2", z2}} {
		if B < 1 || D < 1 || len(z.data) != B*D {
			return nil, fmt.Errorf("cross-correlation: %s has %d values, want B·D = %d for shape [B=%d, D=%d]", z.name, len(z.data), B*D, B, D)
		}
		for i, v := range z.data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("cross-correlation: %s [B=%d, D=%d]: value %v at [%d, %d]", z.name, B, D, v, i/D, i%D)
			}
		}
	}
	if center && B < 2 {
		return nil, fmt.Errorf("cross-correlation: z1 and z2 of shape [B=%d, D=%d]: centring needs B ≥ 2", B, D)
	}

	n1, n2 := make([]F, B*D), make([]F, B*D)
	forward(&normalizer{B: B, D: D, center: center}, z1, n1, D)
	forward(&normalizer{B: B, D: D, center: center}, z2, n2, D)
	C := make([]F, D*D)
	gemm(true, false, D, D, B, 1, n1, D, n2, D, 0, C, D)
	return C, nil
}
