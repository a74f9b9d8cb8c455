package nn

// matmul computes C = A·B, or C += A·B when accumulate is set, for
// row-major float32 matrices: A is m×k with row stride lda, B is k×n with
// row stride ldb and C is m×n with row stride ldc (strides in elements).
// It runs on the calling goroutine; callers split work between goroutines.
//
// Blocks of 4 rows × 16 columns go to the vector kernel where the CPU has
// one (AVX2 with FMA on amd64). The remaining edge rows and columns, and
// every block on other CPUs, use a plain Go loop.
func matmul(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if !accumulate {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	m4, n16 := 0, 0
	if haveVectorKernel {
		m4, n16 = m&^3, n&^15
	}
	if m4 > 0 && n16 > 0 {
		// The bounds below are the last element each kernel call reads or
		// writes; checking them once keeps the unsafe kernel in range.
		_ = a[(m4-1)*lda+k-1]
		_ = b[(k-1)*ldb+n16-1]
		_ = c[(m4-1)*ldc+n16-1]
		acc := 0
		if accumulate {
			acc = 1
		}
		// Column panels outside, row blocks inside: a k×16 panel of B stays
		// in the first-level cache while every row block of A passes it.
		for j := 0; j < n16; j += 16 {
			for i := 0; i < m4; i += 4 {
				gemm4x16(k, &a[i*lda], lda, &b[j], ldb, &c[i*ldc+j], ldc, acc)
			}
		}
	}
	if n16 < n {
		matmulGo(m4, n-n16, k, a, lda, b[n16:], ldb, c[n16:], ldc, accumulate)
	}
	if m4 < m {
		matmulGo(m-m4, n, k, a[m4*lda:], lda, b, ldb, c[m4*ldc:], ldc, accumulate)
	}
}

// matmulGo is matmul in plain Go: each row of C is built from axpy updates
// with the rows of B, which keeps the inner loop on contiguous memory.
func matmulGo(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		if !accumulate {
			clear(ci)
		}
		ai := a[i*lda : i*lda+k]
		for p, av := range ai {
			bp := b[p*ldb : p*ldb+n]
			for j, bv := range bp {
				ci[j] += av * bv
			}
		}
	}
}

// add sets dst[i] += src[i] for every i < len(src); dst must be at least
// as long as src.
func add(dst, src []float32) {
	if len(src) == 0 {
		return
	}
	dst = dst[:len(src)]
	if haveVectorKernel {
		addTo(&dst[0], &src[0], len(src))
		return
	}
	for i, v := range src {
		dst[i] += v
	}
}

// matmulShifted computes C = A·B, or C += A·B when accumulate is set, where
// A is m×k with row stride lda, C is m×n with row stride ldc, and row p of
// B is b[offs[p] : offs[p]+n]. With offsets into a zero-padded image, B is
// the im2col matrix of a stride-1 convolution without being written out.
func matmulShifted(m, n, k int, a []float32, lda int, b []float32, offs []int, c []float32, ldc int, accumulate bool) {
	if m == 0 || n == 0 || k == 0 {
		matmul(m, n, k, a, lda, b, 0, c, ldc, accumulate)
		return
	}
	offs = offs[:k]
	m4, n16 := 0, 0
	if haveVectorKernel {
		m4, n16 = m&^3, n&^15
	}
	if m4 > 0 && n16 > 0 {
		for _, o := range offs {
			_ = b[o+n16-1]
		}
		_ = a[(m4-1)*lda+k-1]
		_ = c[(m4-1)*ldc+n16-1]
		acc := 0
		if accumulate {
			acc = 1
		}
		for j := 0; j < n16; j += 16 {
			for i := 0; i < m4; i += 4 {
				gemm4x16off(k, &a[i*lda], lda, &b[j], &offs[0], &c[i*ldc+j], ldc, acc)
			}
		}
	}
	rest := func(i0, j0 int) {
		for i := i0; i < m; i++ {
			ci := c[i*ldc+j0 : i*ldc+n]
			if !accumulate {
				clear(ci)
			}
			for p, av := range a[i*lda : i*lda+k] {
				bp := b[offs[p]+j0 : offs[p]+n]
				for j, bv := range bp {
					ci[j] += av * bv
				}
			}
		}
	}
	if n16 < n {
		// Columns n16… of rows 0…m4; the rows below m4 are done whole next.
		for i := 0; i < m4; i++ {
			ci := c[i*ldc+n16 : i*ldc+n]
			if !accumulate {
				clear(ci)
			}
			for p, av := range a[i*lda : i*lda+k] {
				bp := b[offs[p]+n16 : offs[p]+n]
				for j, bv := range bp {
					ci[j] += av * bv
				}
			}
		}
	}
	rest(m4, 0)
}

// matmulRows computes C = A·B, or C += A·B when accumulate is set, where
// row i of A is a[aoffs[i] : aoffs[i]+k], B is k×n with row stride ldb and
// C is m×n with row stride ldc.
func matmulRows(m, n, k int, a []float32, aoffs []int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	if m == 0 || n == 0 || k == 0 {
		matmul(m, n, k, a, 0, b, ldb, c, ldc, accumulate)
		return
	}
	aoffs = aoffs[:m]
	m4, n16 := 0, 0
	if haveVectorKernel {
		m4, n16 = m&^3, n&^15
	}
	if m4 > 0 && n16 > 0 {
		for _, o := range aoffs[:m4] {
			_ = a[o+k-1]
		}
		_ = b[(k-1)*ldb+n16-1]
		_ = c[(m4-1)*ldc+n16-1]
		acc := 0
		if accumulate {
			acc = 1
		}
		for j := 0; j < n16; j += 16 {
			for i := 0; i < m4; i += 4 {
				gemm4x16rows(k, &a[aoffs[i]], &a[aoffs[i+1]], &a[aoffs[i+2]], &a[aoffs[i+3]], &b[j], ldb, &c[i*ldc+j], ldc, acc)
			}
		}
	}
	row := func(i, j0 int) {
		ci := c[i*ldc+j0 : i*ldc+n]
		if !accumulate {
			clear(ci)
		}
		for p, av := range a[aoffs[i] : aoffs[i]+k] {
			for j, bv := range b[p*ldb+j0 : p*ldb+n] {
				ci[j] += av * bv
			}
		}
	}
	if n16 < n {
		for i := 0; i < m4; i++ {
			row(i, n16)
		}
	}
	for i := m4; i < m; i++ {
		row(i, 0)
	}
}
