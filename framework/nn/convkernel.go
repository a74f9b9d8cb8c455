package nn

import (
	"fmt"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gorgonia.org/tensor"
)

// convKernel is a 2-d convolution without bias, y = W ⋆ x, on x [N, C, H, W]
// and W [O, C, K, K], computed image by image as one matrix product per
// image over an im2col buffer. Images are split over one goroutine per CPU,
// each with its own buffers; nothing is kept between forward and backward,
// so memory stays at one im2col buffer per goroutine.
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
	inSize, outLen int // per image
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

// im2col writes the patches of one image into col [C·K·K, Ho·Wo], with
// zeros where the kernel reaches into the padding.
func (g geometry) im2col(x, col []float32) {
	for c := 0; c < g.C; c++ {
		plane := x[c*g.H*g.W : (c+1)*g.H*g.W]
		for ki := 0; ki < g.K; ki++ {
			for kj := 0; kj < g.K; kj++ {
				row := col[((c*g.K+ki)*g.K+kj)*g.cols:][:g.cols]
				for oy := 0; oy < g.Ho; oy++ {
					iy := oy*g.S - g.P + ki
					out := row[oy*g.Wo : (oy+1)*g.Wo]
					if iy < 0 || iy >= g.H {
						clear(out)
						continue
					}
					line := plane[iy*g.W : (iy+1)*g.W]
					for ox := range out {
						ix := ox*g.S - g.P + kj
						if ix < 0 || ix >= g.W {
							out[ox] = 0
						} else {
							out[ox] = line[ix]
						}
					}
				}
			}
		}
	}
}

// col2im adds the columns back onto the image they came from: the adjoint
// of im2col.
func (g geometry) col2im(col, dx []float32) {
	for c := 0; c < g.C; c++ {
		plane := dx[c*g.H*g.W : (c+1)*g.H*g.W]
		for ki := 0; ki < g.K; ki++ {
			for kj := 0; kj < g.K; kj++ {
				row := col[((c*g.K+ki)*g.K+kj)*g.cols:][:g.cols]
				for oy := 0; oy < g.Ho; oy++ {
					iy := oy*g.S - g.P + ki
					if iy < 0 || iy >= g.H {
						continue
					}
					line := plane[iy*g.W : (iy+1)*g.W]
					for ox, v := range row[oy*g.Wo : (oy+1)*g.Wo] {
						ix := ox*g.S - g.P + kj
						if ix >= 0 && ix < g.W {
							line[ix] += v
						}
					}
				}
			}
		}
	}
}

// overImages runs body on contiguous ranges of images, one goroutine per
// range; worker is the range's index, for per-worker buffers.
func overImages(n int, body func(worker, lo, hi int)) int {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
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

func (k *convKernel) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	g, err := k.geometry(in[0].Shape(), in[1].Shape())
	if err != nil {
		return nil, err
	}
	x, w := in[0].Data().([]float32), in[1].Data().([]float32)
	y := make([]float32, g.N*g.outLen)
	weights := blas32.General{Rows: g.O, Cols: g.rows, Stride: g.rows, Data: w}

	overImages(g.N, func(_, lo, hi int) {
		col := make([]float32, g.rows*g.cols)
		for n := lo; n < hi; n++ {
			g.im2col(x[n*g.inSize:(n+1)*g.inSize], col)
			out := blas32.General{Rows: g.O, Cols: g.cols, Stride: g.cols, Data: y[n*g.outLen : (n+1)*g.outLen]}
			blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, weights, blas32.General{Rows: g.rows, Cols: g.cols, Stride: g.cols, Data: col}, 0, out)
		}
	})
	return tensor.New(tensor.WithShape(g.N, g.O, g.Ho, g.Wo), tensor.WithBacking(y)), nil
}

// Backward returns ∂x = col2im(Wᵀ·∂y) and ∂W = Σₙ ∂yₙ·colₙᵀ, recomputing
// each image's im2col buffer. Each goroutine sums ∂W over its images and the
// partial sums are added in goroutine order, so the result does not depend
// on scheduling.
func (k *convKernel) Backward(in []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error) {
	g, err := k.geometry(in[0].Shape(), in[1].Shape())
	if err != nil {
		return nil, err
	}
	x, w := in[0].Data().([]float32), in[1].Data().([]float32)
	dy := gradOut.Data().([]float32)
	dx := make([]float32, len(x))
	weights := blas32.General{Rows: g.O, Cols: g.rows, Stride: g.rows, Data: w}

	partial := make([][]float32, runtime.GOMAXPROCS(0))
	overImages(g.N, func(worker, lo, hi int) {
		col := make([]float32, g.rows*g.cols)
		dcol := make([]float32, g.rows*g.cols)
		dw := make([]float32, len(w))
		colMat := blas32.General{Rows: g.rows, Cols: g.cols, Stride: g.cols, Data: col}
		dcolMat := blas32.General{Rows: g.rows, Cols: g.cols, Stride: g.cols, Data: dcol}
		dwMat := blas32.General{Rows: g.O, Cols: g.rows, Stride: g.rows, Data: dw}
		for n := lo; n < hi; n++ {
			dyn := blas32.General{Rows: g.O, Cols: g.cols, Stride: g.cols, Data: dy[n*g.outLen : (n+1)*g.outLen]}
			g.im2col(x[n*g.inSize:(n+1)*g.inSize], col)
			blas32.Gemm(blas.NoTrans, blas.Trans, 1, dyn, colMat, 1, dwMat)
			blas32.Gemm(blas.Trans, blas.NoTrans, 1, weights, dyn, 0, dcolMat)
			g.col2im(dcol, dx[n*g.inSize:(n+1)*g.inSize])
		}
		partial[worker] = dw
	})

	dw := make([]float32, len(w))
	for _, p := range partial {
		for i, v := range p {
			dw[i] += v
		}
	}
	return []*tensor.Dense{
		tensor.New(tensor.WithShape(in[0].Shape().Clone()...), tensor.WithBacking(dx)),
		tensor.New(tensor.WithShape(in[1].Shape().Clone()...), tensor.WithBacking(dw)),
	}, nil
}
