package nn

import "golang.org/x/sys/cpu"

// haveVectorKernel reports whether gemm4x16 may run: it needs AVX2 and FMA.
var haveVectorKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// gemm4x16 computes the 4×16 block C = A·B (or C += A·B when acc is 1)
// with A 4×k (row stride lda), B k×16 (row stride ldb) and C row stride
// ldc, strides in elements. The caller checks every bound.
//
//go:noescape
func gemm4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc int)

// addTo adds src[i] to dst[i] for i < n; it needs AVX. The caller checks
// that both slices hold n elements.
//
//go:noescape
func addTo(dst, src *float32, n int)

// gemm4x16off is gemm4x16 with row p of B starting offs[p] elements after
// b: the rows of a shifted-image matrix that is never written out.
//
//go:noescape
func gemm4x16off(k int, a *float32, lda int, b *float32, offs *int, c *float32, ldc int, acc int)

// gemm4x16rows is gemm4x16 with the four rows of A given by their starts.
//
//go:noescape
func gemm4x16rows(k int, a0, a1, a2, a3 *float32, b *float32, ldb int, c *float32, ldc int, acc int)

// sumsRow returns Σ(x − s) and Σ(x − s)² over the n values at x; n is a
// multiple of 8.
//
//go:noescape
func sumsRow(x *float32, n int, s float32) (a, aa float32)

// sumsRow2 is sumsRow that also returns Σdy and Σdy·(x − s) over the n
// values at dy.
//
//go:noescape
func sumsRow2(x, dy *float32, n int, s float32) (a, aa, b, bx float32)

// affineRow writes out[i] = a·u[i] + b·v[i] + c for n values, n a multiple
// of 8; v may be nil, and is then not read.
//
//go:noescape
func affineRow(out, u, v *float32, n int, a, b, c float32)
