package pairloss

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// Float is the element type of the engine's matrices. Scalar reductions
// (norms, means, pair terms) are accumulated in float64 either way.
type Float interface{ float32 | float64 }

// gemm computes c = alpha·op(a)·op(b) + beta·c on row-major matrices with
// the BLAS implementation registered with blas32 or blas64 (gonum's pure-Go
// one unless a build registers another, such as OpenBLAS).
func gemm[F Float](transA, transB bool, m, n, k int, alpha float64, a []F, lda int, b []F, ldb int, beta float64, c []F, ldc int) {
	tA, tB := blas.NoTrans, blas.NoTrans
	if transA {
		tA = blas.Trans
	}
	if transB {
		tB = blas.Trans
	}
	switch a := any(a).(type) {
	case []float64:
		blas64.Implementation().Dgemm(tA, tB, m, n, k, alpha, a, lda, any(b).([]float64), ldb, beta, any(c).([]float64), ldc)
	case []float32:
		blas32.Implementation().Sgemm(tA, tB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	}
}
