package nn

import (
	"fmt"
	"runtime"
	"sync"

	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework/autograd"
)

// convKernel is a 2-d convolution without bias, y = W ⋆ x, on x [N, C, H, W]
// and W [O, C, K, K]. Each image is unfolded into an im2col buffer and
// multiplied by the weight with matmul. Images are split over one goroutine
// per CPU, and each goroutine has its own pooled buffers. Nothing is kept between
// forward and backward: backward unfolds each image again, so memory stays
// at a few per-goroutine buffers besides the output.
type convKernel struct {
	name                string
	kernel, stride, pad int
}

func (k *convKernel) String() string {
	return fmt.Sprintf("Conv2d(%s, k=%d, s=%d, p=%d)", k.name, k.kernel, k.stride, k.pad)
}

// geometry holds the sizes of one convolution call.
type geometry struct {
	N, C, H, W     int
	O, Ho, Wo      int
	K, S, P        int
	rows, cols     int // im2col matrix: rows = C·K·K, cols = Ho·Wo
	ld             int // row stride of the im2col buffer, see paddedStride
	inSize, outLen int // per image
}

// paddedStride returns a row stride of at least cols elements whose byte
// size is an odd multiple of 64. Rows of a power-of-two length (1,024
// floats are 4 KiB) would otherwise fall into the same few cache sets, and
// the matrix kernel, which walks down a column panel, would evict its own
// panel.
func paddedStride(cols int) int {
	ld := (cols + 15) &^ 15
	if (ld/16)%2 == 0 {
		ld += 16
	}
	return ld
}

func (k *convKernel) geometry(x, w tensor.Shape) (geometry, error) {
	if len(x) != 4 || len(w) != 4 {
		return geometry{}, fmt.Errorf("input %v and weight %v, want [N, C, H, W] and [O, C, K, K]", x, w)
	}
	if x[1] != w[1] || w[2] != k.kernel || w[3] != k.kernel {
		return geometry{}, fmt.Errorf("input %v does not match weight %v", x, w)
	}
	g := geometry{N: x[0], C: x[1], H: x[2], W: x[3], O: w[0], K: k.kernel, S: k.stride, P: k.pad}
	if g.H+2*g.P < g.K || g.W+2*g.P < g.K {
		return geometry{}, fmt.Errorf("input %v is smaller than the %d×%d kernel with padding %d", x, g.K, g.K, g.P)
	}
	g.Ho = (g.H+2*g.P-g.K)/g.S + 1
	g.Wo = (g.W+2*g.P-g.K)/g.S + 1
	g.rows, g.cols = g.C*g.K*g.K, g.Ho*g.Wo
	g.ld = paddedStride(g.cols)
	g.inSize, g.outLen = g.C*g.H*g.W, g.O*g.Ho*g.Wo
	return g, nil
}

func (k *convKernel) InferShape(in []tensor.Shape) (tensor.Shape, error) {
	g, err := k.geometry(in[0], in[1])
	if err != nil {
		return nil, err
	}
	return tensor.Shape{g.N, g.O, g.Ho, g.Wo}, nil
}

// span returns the range [lo, hi) of output columns ox whose input column
// ox·S − P + kj lies inside [0, W).
func (g geometry) span(kj int) (lo, hi int) {
	// ox·S ≥ P − kj  and  ox·S ≤ W − 1 + P − kj.
	lo = 0
	if d := g.P - kj; d > 0 {
		lo = (d + g.S - 1) / g.S
	}
	hi = 0
	if d := g.W - 1 + g.P - kj; d >= 0 {
		hi = d/g.S + 1
	}
	return lo, min(max(hi, lo), g.Wo)
}

// im2col writes the patches of one image into col [C·K·K, Ho·Wo] with row
// stride g.ld, with zeros where the kernel reaches into the padding.
func (g geometry) im2col(x, col []float32) {
	for c := 0; c < g.C; c++ {
		plane := x[c*g.H*g.W : (c+1)*g.H*g.W]
		for ki := 0; ki < g.K; ki++ {
			for kj := 0; kj < g.K; kj++ {
				row := col[((c*g.K+ki)*g.K+kj)*g.ld:][:g.cols]
				lo, hi := g.span(kj)
				for oy := 0; oy < g.Ho; oy++ {
					out := row[oy*g.Wo : (oy+1)*g.Wo]
					iy := oy*g.S - g.P + ki
					if iy < 0 || iy >= g.H || lo >= hi {
						clear(out)
						continue
					}
					line := plane[iy*g.W : (iy+1)*g.W]
					clear(out[:lo])
					clear(out[hi:])
					first := lo*g.S - g.P + kj
					if g.S == 1 {
						copy(out[lo:hi], line[first:])
						continue
					}
					for ox, ix := lo, first; ox < hi; ox, ix = ox+1, ix+g.S {
						out[ox] = line[ix]
					}
				}
			}
		}
	}
}

// col2im adds the columns of col (row stride g.ld) back onto the image
// they came from: the adjoint of im2col.
func (g geometry) col2im(col, dx []float32) {
	for c := 0; c < g.C; c++ {
		plane := dx[c*g.H*g.W : (c+1)*g.H*g.W]
		for ki := 0; ki < g.K; ki++ {
			for kj := 0; kj < g.K; kj++ {
				row := col[((c*g.K+ki)*g.K+kj)*g.ld:][:g.cols]
				lo, hi := g.span(kj)
				if lo >= hi {
					continue
				}
				for oy := 0; oy < g.Ho; oy++ {
					iy := oy*g.S - g.P + ki
					if iy < 0 || iy >= g.H {
						continue
					}
					line := plane[iy*g.W : (iy+1)*g.W]
					src := row[oy*g.Wo+lo : oy*g.Wo+hi]
					first := lo*g.S - g.P + kj
					if g.S == 1 {
						add(line[first:], src)
						continue
					}
					for i, ix := 0, first; i < len(src); i, ix = i+1, ix+g.S {
						line[ix] += src[i]
					}
				}
			}
		}
	}
}

// overImages runs body on contiguous ranges of images, one goroutine per
// range; worker is the range's index, for per-worker results. It returns
// the number of ranges.
func overImages(n int, body func(worker, lo, hi int)) int {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		if n > 0 {
			body(0, 0, n)
		}
		return 1
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			body(w, lo, hi)
		}(w, lo, hi)
	}
	wg.Wait()
	return workers
}

// bufPool recycles the per-goroutine scratch slices of the kernels.
var bufPool sync.Pool

// getBuf returns a slice of n elements with unspecified contents.
func getBuf(n int) *[]float32 {
	if p, ok := bufPool.Get().(*[]float32); ok {
		if cap(*p) >= n {
			*p = (*p)[:n]
			return p
		}
		bufPool.Put(p)
	}
	s := make([]float32, n)
	return &s
}

func putBuf(p *[]float32) { bufPool.Put(p) }

func (k *convKernel) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	return k.ForwardAlloc(in, autograd.MakeAlloc)
}

// ForwardAlloc is Forward with the output taken from alloc.
func (k *convKernel) ForwardAlloc(in []*tensor.Dense, alloc autograd.Alloc) (*tensor.Dense, error) {
	g, err := k.geometry(in[0].Shape(), in[1].Shape())
	if err != nil {
		return nil, err
	}
	x, w := in[0].Data().([]float32), in[1].Data().([]float32)
	y := alloc(g.N * g.outLen)

	if s := g.scanSpikes(x, false); s != nil {
		defer s.release()
		wT := g.transposeWeight(&s.plan, w)
		overImages(g.N, func(_, lo, hi int) { g.forwardSpikes(s, wT, y, lo, hi) })
		return tensor.New(tensor.WithShape(g.N, g.O, g.Ho, g.Wo), tensor.WithBacking(y)), nil
	}
	if g.direct() {
		p := g.plan()
		overImages(g.N, func(_, lo, hi int) { g.forwardDirect(&p, x, w, y, lo, hi) })
		return tensor.New(tensor.WithShape(g.N, g.O, g.Ho, g.Wo), tensor.WithBacking(y)), nil
	}
	overImages(g.N, func(_, lo, hi int) {
		colBuf := getBuf(g.rows * g.ld)
		defer putBuf(colBuf)
		col := *colBuf
		for n := lo; n < hi; n++ {
			g.im2col(x[n*g.inSize:(n+1)*g.inSize], col)
			matmul(g.O, g.cols, g.rows, w, g.rows, col, g.ld, y[n*g.outLen:(n+1)*g.outLen], g.cols, false)
		}
	})
	return tensor.New(tensor.WithShape(g.N, g.O, g.Ho, g.Wo), tensor.WithBacking(y)), nil
}

// Backward returns ∂x = col2im(Wᵀ·∂y) and ∂W = Σₙ ∂yₙ·colₙᵀ, unfolding each
// image again. ∂W is built transposed, as Σₙ colₙ·∂yₙᵀ [C·K·K, O], so that
// both products run on row-major operands. Each goroutine sums over its
// images and the partial sums are added in goroutine order, so the result
// does not depend on scheduling.
func (k *convKernel) Backward(in []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error) {
	return k.BackwardAlloc(in, gradOut, autograd.MakeAlloc)
}

// BackwardAlloc is Backward with ∂x taken from alloc.
func (k *convKernel) BackwardAlloc(in []*tensor.Dense, gradOut *tensor.Dense, alloc autograd.Alloc) ([]*tensor.Dense, error) {
	g, err := k.geometry(in[0].Shape(), in[1].Shape())
	if err != nil {
		return nil, err
	}
	x, w := in[0].Data().([]float32), in[1].Data().([]float32)
	dy := gradOut.Data().([]float32)
	dx := alloc(len(x)) // the direct route writes every element
	workers := runtime.GOMAXPROCS(0)
	partial := make([][]float32, workers)

	// With spike input, ∂W comes from the spike route and the dense routes
	// below compute ∂x alone.
	spikes := g.scanSpikes(x, true)
	if spikes != nil {
		defer spikes.release()
	}
	weightGrad := func(worker, lo, hi int) {
		dwT := make([]float32, g.rows*spikes.plan.ldw)
		g.weightGradSpikes(spikes, dy, dwT, lo, hi)
		partial[worker] = dwT
	}
	result := func() []*tensor.Dense {
		if spikes == nil {
			return g.gradients(in, dx, partial)
		}
		dw := g.spikeGradients(&spikes.plan, partial)
		return []*tensor.Dense{
			tensor.New(tensor.WithShape(in[0].Shape().Clone()...), tensor.WithBacking(dx)),
			tensor.New(tensor.WithShape(in[1].Shape().Clone()...), tensor.WithBacking(dw)),
		}
	}

	if g.direct() {
		p := g.plan()
		wflip := g.flipWeight(&p, w)
		overImages(g.N, func(worker, lo, hi int) {
			if spikes != nil {
				g.backwardDirect(&p, x, wflip, dy, dx, nil, lo, hi)
				weightGrad(worker, lo, hi)
				return
			}
			dwT := make([]float32, p.rows4*g.O)
			g.backwardDirect(&p, x, wflip, dy, dx, dwT, lo, hi)
			partial[worker] = dwT
		})
		return result(), nil
	}

	// wT [C·K·K, O] is the weight transposed, the left factor of ∂col.
	wT := make([]float32, len(w))
	for o := 0; o < g.O; o++ {
		for r := 0; r < g.rows; r++ {
			wT[r*g.O+o] = w[o*g.rows+r]
		}
	}

	clear(dx) // col2im adds into it
	overImages(g.N, func(worker, lo, hi int) {
		colBuf, dcolBuf := getBuf(g.rows*g.ld), getBuf(g.rows*g.ld)
		dyTBuf, dyPBuf := getBuf(g.cols*g.O), getBuf(g.O*g.ld)
		defer func() { putBuf(colBuf); putBuf(dcolBuf); putBuf(dyTBuf); putBuf(dyPBuf) }()
		col, dcol, dyT, dyP := *colBuf, *dcolBuf, *dyTBuf, *dyPBuf
		var dwT []float32
		if spikes == nil {
			dwT = make([]float32, g.rows*g.O)
		}
		for n := lo; n < hi; n++ {
			dyn := dy[n*g.outLen : (n+1)*g.outLen]
			// ∂yₙ twice: transposed [Ho·Wo, O] for ∂W, and with the padded
			// stride [O, ld] for ∂col.
			for o := 0; o < g.O; o++ {
				src := dyn[o*g.cols : (o+1)*g.cols]
				copy(dyP[o*g.ld:], src)
				if dwT == nil {
					continue
				}
				for p, v := range src {
					dyT[p*g.O+o] = v
				}
			}
			if dwT != nil {
				g.im2col(x[n*g.inSize:(n+1)*g.inSize], col)
				matmul(g.rows, g.O, g.cols, col, g.ld, dyT, g.O, dwT, g.O, true)
			}
			matmul(g.rows, g.cols, g.O, wT, g.O, dyP, g.ld, dcol, g.ld, false)
			g.col2im(dcol, dx[n*g.inSize:(n+1)*g.inSize])
		}
		if spikes != nil {
			weightGrad(worker, lo, hi)
			return
		}
		partial[worker] = dwT
	})

	return result(), nil
}

// gradients sums the per-goroutine ∂Wᵀ partials (rows of O values, the
// first C·K·K of them used) in goroutine order and wraps ∂x and ∂W.
func (g geometry) gradients(in []*tensor.Dense, dx []float32, partial [][]float32) []*tensor.Dense {
	dw := make([]float32, g.O*g.rows)
	for _, p := range partial {
		if p == nil {
			continue
		}
		for r := 0; r < g.rows; r++ {
			for o := 0; o < g.O; o++ {
				dw[o*g.rows+r] += p[r*g.O+o]
			}
		}
	}
	return []*tensor.Dense{
		tensor.New(tensor.WithShape(in[0].Shape().Clone()...), tensor.WithBacking(dx)),
		tensor.New(tensor.WithShape(in[1].Shape().Clone()...), tensor.WithBacking(dw)),
	}
}
