package pairloss

import (
	"math"
	"runtime"
	"sync"
)

// Strategy selects how the engine forms the pair correlations.
type Strategy int

const (
	// Auto picks Gram or Direct by their flop counts.
	Auto Strategy = iota
	// Direct forms every [D, D] matrix C; its cost grows with the number
	// of pairs times B·D².
	Direct
	// Gram forms one [B, B] Gram matrix per member; its cost grows with
	// the number of members times B²·D.
	Gram
)

func (s Strategy) String() string {
	switch s {
	case Direct:
		return "direct"
	case Gram:
		return "gram"
	}
	return "auto"
}

// choose resolves Auto from the flop counts of a value and gradient pass:
// Direct costs three GEMMs of 2·B·D² per pair, Gram two GEMMs of 2·B²·D per
// member plus the pairwise inner products of the Gram matrices.
func (s Strategy) choose(pairs, members, B, D int) Strategy {
	if s != Auto {
		return s
	}
	b, d, p, u := float64(B), float64(D), float64(pairs), float64(members)
	direct := p * 6 * b * d * d
	gram := u*4*b*b*d + u*u*2*b*b
	if gram < direct {
		return Gram
	}
	return Direct
}

// engine holds one evaluation's workspace. The members a loss uses are laid
// side by side in W, a row-major [B, U·D] matrix whose block u (columns
// u·D to u·D+D−1) is the normalised member members[u]. Blocks follow the
// member order, so every pair (p, q) with p < q has block(p) < block(q).
type engine[F Float] struct {
	cfg     Config
	pairs   Pairs
	B, D    int
	members []int // member index of each block
	blockOf []int // block of each member, −1 when unused
	ld      int   // row stride of W and dW, U·D
	W, dW   []F
	norm    []normalizer
	terms   []float64
	diag    [][]float64 // C_ii of each pair (Gram strategy)
}

// evaluate computes the loss over members taken from zA and zB, each
// [T, B, D] row-major, and, when gradA and gradB are non-nil, overwrites
// them with the gradient. Shapes must have been checked by the caller.
func evaluate[F Float](cfg Config, pairs Pairs, strategy Strategy, T, B, D int, zA, zB, gradA, gradB []F) Result {
	e := &engine[F]{cfg: cfg, pairs: pairs, B: B, D: D, blockOf: make([]int, 2*T)}
	for m := range e.blockOf {
		e.blockOf[m] = -1
	}
	for _, p := range pairs.List {
		e.blockOf[p.P], e.blockOf[p.Q] = 0, 0
	}
	for m := range e.blockOf {
		if e.blockOf[m] == 0 {
			e.blockOf[m] = len(e.members)
			e.members = append(e.members, m)
		}
	}
	U := len(e.members)
	e.ld = U * D
	e.W = make([]F, B*e.ld)
	member := func(z0, z1 []F, m int) []F {
		if m < T {
			return z0[m*B*D : (m+1)*B*D]
		}
		return z1[(m-T)*B*D : (m-T+1)*B*D]
	}

	// Normalise every member once, in parallel.
	e.norm = make([]normalizer, U)
	parallel(U, func(u int) {
		e.norm[u] = normalizer{B: B, D: D, center: cfg.Center}
		forward(&e.norm[u], member(zA, zB, e.members[u]), e.W[u*D:], e.ld)
	})

	withGrad := gradA != nil && gradB != nil
	if withGrad {
		e.dW = make([]F, B*e.ld)
	}
	e.terms = make([]float64, len(pairs.List))
	if strategy.choose(len(pairs.List), U, B, D) == Gram {
		e.gram(withGrad)
	} else {
		e.direct(withGrad)
	}

	res := Result{Pairs: append([]Pair(nil), pairs.List...), PairTerms: e.terms, MinStd: math.Inf(1)}
	for _, t := range e.terms {
		res.Value += t
	}
	res.Value /= pairs.Divisor
	for u := range e.norm {
		if e.norm[u].minStd < res.MinStd {
			res.MinStd, res.MinStdMember, res.MinStdDim = e.norm[u].minStd, e.members[u], e.norm[u].minDim
		}
	}
	if !withGrad {
		return res
	}

	// Back through the normalisation into the callers' gradients; members
	// no pair uses get zero.
	for m := 0; m < 2*T; m++ {
		if e.blockOf[m] < 0 {
			clear(member(gradA, gradB, m))
		}
	}
	parallel(U, func(u int) {
		backward(&e.norm[u], e.W[u*D:], e.dW[u*D:], e.ld, member(gradA, gradB, e.members[u]))
	})
	return res
}

// direct forms, for each first member p, the correlations with all its
// partners of consecutive blocks in one GEMM, C = N_pᵀ·[N_q1 | N_q2 | …]
// ([D, k·D]), turns C into ∂L/∂C in place and back-propagates with
//
//	dN_p += [N_q1 | …]·(∂L/∂C)ᵀ,   [dN_q1 | …] += N_p·∂L/∂C.
func (e *engine[F]) direct(withGrad bool) {
	B, D, ld := e.B, e.D, e.ld
	index := make(map[Pair]int, len(e.pairs.List))
	for k, p := range e.pairs.List {
		index[Pair{e.blockOf[p.P], e.blockOf[p.Q]}] = k
	}
	var buf []F
	for p := range e.members {
		for _, run := range partnerRuns(p, len(e.members), index) {
			q0, k := run[0], run[1]
			if need := D * k * D; cap(buf) < need {
				buf = make([]F, need)
			}
			C := buf[:D*k*D]
			gemm(true, false, D, k*D, B, 1, e.W[p*D:], ld, e.W[q0*D:], ld, 0, C, k*D)
			parallel(k, func(j int) {
				e.terms[index[Pair{p, q0 + j}]] = e.termFromC(C[j*D:], k*D, withGrad)
			})
			if !withGrad {
				continue
			}
			gemm(false, true, B, D, k*D, 1, e.W[q0*D:], ld, C, k*D, 1, e.dW[p*D:], ld)
			gemm(false, false, B, k*D, D, 1, e.W[p*D:], ld, C, k*D, 1, e.dW[q0*D:], ld)
		}
	}
}

// partnerRuns returns the partners of block p as runs [first block, count]
// of consecutive blocks.
func partnerRuns(p, U int, index map[Pair]int) [][2]int {
	var runs [][2]int
	for q := p + 1; q < U; q++ {
		if _, ok := index[Pair{p, q}]; !ok {
			continue
		}
		if n := len(runs); n > 0 && runs[n-1][0]+runs[n-1][1] == q {
			runs[n-1][1]++
		} else {
			runs = append(runs, [2]int{q, 1})
		}
	}
	return runs
}

// termFromC returns the pair term of the [D, D] block c (row stride ldc)
// and, when withGrad, overwrites c with ∂L/∂C = ∂ℓ/∂C / divisor.
func (e *engine[F]) termFromC(c []F, ldc int, withGrad bool) float64 {
	D, lambda, scale := e.D, e.cfg.Lambda, 1/e.pairs.Divisor
	var inv, off float64
	for i := 0; i < D; i++ {
		row := c[i*ldc : i*ldc+D]
		for j, v := range row {
			x := float64(v)
			if i == j {
				f, df := e.cfg.invariance(x)
				inv += f
				if withGrad {
					row[j] = F(df * scale)
				}
				continue
			}
			off += x * x
			if withGrad {
				row[j] = F(2 * lambda * x * scale)
			}
		}
	}
	return inv + lambda*off
}

// gram computes the pair terms from the Gram matrices K_m = N_m N_mᵀ
// ([B, B]) with Σ_ij C_ij² = ⟨K_p, K_q⟩ and C_ii = Σ_b N_p[b,i] N_q[b,i].
// With h_i = f'(C_ii) − 2λ C_ii, the gradient of one pair is
// dN_p = 2λ K_q N_p + N_q diag(h), so each member takes one GEMM with the
// sum of its partners' Gram matrices.
func (e *engine[F]) gram(withGrad bool) {
	B, D, ld, U := e.B, e.D, e.ld, len(e.members)
	BB := B * B
	K := make([]F, U*BB)
	parallel(U, func(u int) {
		gemm(false, true, B, B, D, 1, e.W[u*D:], ld, e.W[u*D:], ld, 0, K[u*BB:], B)
	})
	KK := make([]F, U*U)
	gemm(false, true, U, U, BB, 1, K, BB, K, BB, 0, KK, U)

	lambda := e.cfg.Lambda
	e.diag = make([][]float64, len(e.pairs.List))
	parallel(len(e.pairs.List), func(k int) {
		p, q := e.blockOf[e.pairs.List[k].P], e.blockOf[e.pairs.List[k].Q]
		c := make([]float64, D)
		for b := 0; b < B; b++ {
			np := e.W[b*ld+p*D : b*ld+p*D+D]
			nq := e.W[b*ld+q*D : b*ld+q*D+D]
			for i := range c {
				c[i] += float64(np[i]) * float64(nq[i])
			}
		}
		var inv, sq float64
		for _, x := range c {
			f, _ := e.cfg.invariance(x)
			inv += f
			sq += x * x
		}
		// NOTE: ⟨K_p, K_q⟩ − Σ C_ii² loses digits when C is close to
		// diagonal. In float64 that is negligible. In float32 the error is
		// an estimated 1e-7·(D + D²/B) before the factor λ.
		off := math.Max(float64(KK[p*U+q])-sq, 0)
		e.terms[k] = inv + lambda*off
		e.diag[k] = c
	})
	if !withGrad {
		return
	}

	scale := 1 / e.pairs.Divisor
	parallel(U, func(m int) {
		S := make([]F, BB)
		for _, pr := range e.pairs.List {
			p, q := e.blockOf[pr.P], e.blockOf[pr.Q]
			if p == m || q == m {
				other := p + q - m
				for i, v := range K[other*BB : (other+1)*BB] {
					S[i] += v
				}
			}
		}
		gemm(false, false, B, D, B, 2*lambda*scale, S, B, e.W[m*D:], ld, 0, e.dW[m*D:], ld)

		h := make([]F, D)
		for k, pr := range e.pairs.List {
			p, q := e.blockOf[pr.P], e.blockOf[pr.Q]
			if p != m && q != m {
				continue
			}
			other := p + q - m
			for i, x := range e.diag[k] {
				_, df := e.cfg.invariance(x)
				h[i] = F((df - 2*lambda*x) * scale)
			}
			for b := 0; b < B; b++ {
				no := e.W[b*ld+other*D : b*ld+other*D+D]
				out := e.dW[b*ld+m*D : b*ld+m*D+D]
				for i := range out {
					out[i] += no[i] * h[i]
				}
			}
		}
	})
}

// parallel runs f(0..n−1) on up to GOMAXPROCS goroutines.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	wg.Wait()
}
