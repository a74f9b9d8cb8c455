package nn

// Stride-1 convolutions skip im2col. The image is copied once into a
// zero-padded buffer whose rows are Wp = W + 2P long; on that grid the
// im2col row of channel c and tap (ki, kj) is the buffer itself, read from
// offset c·plane + ki·Wp + kj on. The products read B through those
// offsets (matmulShifted, matmulRows) and compute every grid column,
// including the K − 1 columns per row that fall past the image. Those
// columns are dropped when the result is copied out, and ∂W multiplies
// them by zero gradients.
//
// The input gradient is itself a stride-1 convolution: ∂y padded by
// Q = K − 1 − P on each side, correlated with the weight flipped in both
// spatial axes and with input and output channels swapped.

// directConv enables the im2col-free route; tests turn it off to check
// the im2col route on the same geometries.
var directConv = true

// direct reports whether the call takes the im2col-free route.
func (g geometry) direct() bool { return directConv && g.S == 1 && g.P <= g.K-1 }

// shiftPlan holds the padded grids and offsets of a direct call.
type shiftPlan struct {
	Hp, Wp, plane int   // padded input: Hp × Wp per channel
	grid          int   // output grid columns, Ho·Wp
	offs          []int // [rows4]: offset of im2col row r in the padded input
	rows4         int   // C·K·K rounded up to a multiple of 4

	Q, Wq, planeQ int   // padded output gradient: (Ho + 2Q) × Wq per channel
	gridX         int   // input-gradient grid columns, H·Wq
	offsQ         []int // [O·K·K]: offset of row (o, ki, kj) in the padded gradient
	C4            int   // C rounded up to a multiple of 4
}

func (g geometry) plan() shiftPlan {
	p := shiftPlan{Hp: g.H + 2*g.P, Wp: g.W + 2*g.P}
	p.plane = p.Hp * p.Wp
	p.grid = g.Ho * p.Wp
	p.rows4 = (g.rows + 3) &^ 3
	p.offs = make([]int, p.rows4) // rows past C·K·K read offset 0; their results are dropped
	for c := 0; c < g.C; c++ {
		for ki := 0; ki < g.K; ki++ {
			for kj := 0; kj < g.K; kj++ {
				p.offs[(c*g.K+ki)*g.K+kj] = c*p.plane + ki*p.Wp + kj
			}
		}
	}
	p.Q = g.K - 1 - g.P
	p.Wq = g.Wo + 2*p.Q
	p.planeQ = (g.Ho + 2*p.Q) * p.Wq
	p.gridX = g.H * p.Wq
	p.offsQ = make([]int, g.O*g.K*g.K)
	for o := 0; o < g.O; o++ {
		for ki := 0; ki < g.K; ki++ {
			for kj := 0; kj < g.K; kj++ {
				p.offsQ[(o*g.K+ki)*g.K+kj] = o*p.planeQ + ki*p.Wq + kj
			}
		}
	}
	p.C4 = (g.C + 3) &^ 3
	return p
}

// padInput copies image x [C, H, W] into the interior of xpad, whose
// border is zero and stays so.
func (g geometry) padInput(p *shiftPlan, x, xpad []float32) {
	for c := 0; c < g.C; c++ {
		for iy := 0; iy < g.H; iy++ {
			copy(xpad[c*p.plane+(iy+g.P)*p.Wp+g.P:][:g.W], x[(c*g.H+iy)*g.W:][:g.W])
		}
	}
}

// forwardDirect computes y = W ⋆ x for images [lo, hi).
func (g geometry) forwardDirect(p *shiftPlan, x, w, y []float32, lo, hi int) {
	xpadBuf, gridBuf := getZeroBuf(g.C*p.plane+g.K), getBuf(g.O*p.grid)
	defer func() { putBuf(xpadBuf); putBuf(gridBuf) }()
	xpad, grid := *xpadBuf, *gridBuf
	for n := lo; n < hi; n++ {
		g.padInput(p, x[n*g.inSize:(n+1)*g.inSize], xpad)
		matmulShifted(g.O, p.grid, g.rows, w, g.rows, xpad, p.offs, grid, p.grid, false)
		yn := y[n*g.outLen : (n+1)*g.outLen]
		for o := 0; o < g.O; o++ {
			for oy := 0; oy < g.Ho; oy++ {
				copy(yn[(o*g.Ho+oy)*g.Wo:][:g.Wo], grid[o*p.grid+oy*p.Wp:][:g.Wo])
			}
		}
	}
}

// flipWeight returns the weight of the input-gradient convolution,
// [C4, O·K·K] with element (c, (o, ki, kj)) = W[o, c, K−1−ki, K−1−kj] and
// zero rows past C.
func (g geometry) flipWeight(p *shiftPlan, w []float32) []float32 {
	kk := g.K * g.K
	f := make([]float32, p.C4*g.O*kk)
	for o := 0; o < g.O; o++ {
		for c := 0; c < g.C; c++ {
			for t := 0; t < kk; t++ {
				f[c*g.O*kk+o*kk+t] = w[(o*g.C+c)*kk+kk-1-t]
			}
		}
	}
	return f
}

// backwardDirect adds images [lo, hi)'s share of ∂Wᵀ [rows4, O] into dwT
// and writes their ∂x. With dwT nil it computes ∂x alone.
func (g geometry) backwardDirect(p *shiftPlan, x, wflip, dy, dx, dwT []float32, lo, hi int) {
	xpadBuf, dyTBuf := getZeroBuf(g.C*p.plane+g.K), getZeroBuf(p.grid*g.O)
	dypBuf, gridBuf := getZeroBuf(g.O*p.planeQ+g.K), getBuf(p.C4*p.gridX)
	defer func() { putBuf(xpadBuf); putBuf(dyTBuf); putBuf(dypBuf); putBuf(gridBuf) }()
	xpad, dyT, dyp, grid := *xpadBuf, *dyTBuf, *dypBuf, *gridBuf
	okk := g.O * g.K * g.K
	for n := lo; n < hi; n++ {
		dyn := dy[n*g.outLen : (n+1)*g.outLen]
		// ∂yₙ on the output grid transposed, [Ho·Wp, O], whose columns past
		// Wo stay zero; and padded by Q, [O, planeQ].
		for o := 0; o < g.O; o++ {
			for oy := 0; oy < g.Ho; oy++ {
				src := dyn[(o*g.Ho+oy)*g.Wo:][:g.Wo]
				copy(dyp[o*p.planeQ+(oy+p.Q)*p.Wq+p.Q:][:g.Wo], src)
				if dwT == nil {
					continue
				}
				t := dyT[(oy*p.Wp)*g.O+o:]
				for ox, v := range src {
					t[ox*g.O] = v
				}
			}
		}
		if dwT != nil {
			g.padInput(p, x[n*g.inSize:(n+1)*g.inSize], xpad)
			matmulRows(p.rows4, g.O, p.grid, xpad, p.offs, dyT, g.O, dwT, g.O, true)
		}
		matmulShifted(p.C4, p.gridX, okk, wflip, okk, dyp, p.offsQ, grid, p.gridX, false)
		dxn := dx[n*g.inSize : (n+1)*g.inSize]
		for c := 0; c < g.C; c++ {
			for iy := 0; iy < g.H; iy++ {
				copy(dxn[(c*g.H+iy)*g.W:][:g.W], grid[c*p.gridX+iy*p.Wq:][:g.W])
			}
		}
	}
}

// getZeroBuf is getBuf with every element zero.
func getZeroBuf(n int) *[]float32 {
	b := getBuf(n)
	clear(*b)
	return b
}
