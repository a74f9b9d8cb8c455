package eval

import (
	"container/heap"
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/snnlab/snnlab/framework/parallel"
)

// KNNOptions sets the k-nearest-neighbour monitor.
//
// Neighbours are the K training rows with the highest cosine similarity s
// to a test row. With weighted votes (the default) each neighbour adds
// exp(s/Temperature) to its class. With Majority every neighbour adds 1.
// The class with the highest score wins, the lower class index on ties.
type KNNOptions struct {
	K           int     // neighbours per test row, at most the number of training rows
	Temperature float64 // τ of the vote weight exp(s/τ); unused with Majority
	Majority    bool    // plain majority vote instead of weighted votes
	NumClasses  int     // 0 infers one more than the largest label
	Chunk       int     // test rows per similarity block [Chunk, Ntrain]; 0 means 256
}

// DefaultKNNOptions returns K = 200 with temperature-weighted votes,
// τ = 0.1.
func DefaultKNNOptions() KNNOptions { return KNNOptions{K: 200, Temperature: 0.1} }

// KNN classifies every test row by its K nearest training rows under cosine
// similarity and returns top-1 and top-5 accuracy. Rows of zero length have
// similarity 0 to everything.
func KNN(ctx context.Context, train, test Features, opts KNNOptions) (Result, error) {
	if err := train.Validate("train"); err != nil {
		return Result{}, fmt.Errorf("k-NN: %w", err)
	}
	if err := test.Validate("test"); err != nil {
		return Result{}, fmt.Errorf("k-NN: %w", err)
	}
	if test.F != train.F {
		return Result{}, fmt.Errorf("k-NN: test features have F = %d columns, train features %d: extract both with the same backbone", test.F, train.F)
	}
	if opts.K < 1 || opts.K > train.N {
		return Result{}, fmt.Errorf("k-NN: K = %d, want 1…%d (the number of training rows)", opts.K, train.N)
	}
	if !opts.Majority && !(opts.Temperature > 0) {
		return Result{}, fmt.Errorf("k-NN: Temperature = %v, want > 0 (0.1 is usual), or set Majority", opts.Temperature)
	}
	if opts.Chunk < 0 {
		return Result{}, fmt.Errorf("k-NN: Chunk = %d, want 0 (default 256) or more", opts.Chunk)
	}
	C, err := inferClasses(opts.NumClasses, train.Labels, test.Labels)
	if err != nil {
		return Result{}, fmt.Errorf("k-NN: %w", err)
	}
	chunk := opts.Chunk
	if chunk == 0 {
		chunk = 256
	}

	F := train.F
	trainUnit := unitRows(train.Data, F)
	testUnit := unitRows(test.Data, F)
	A := blas32.General{Rows: train.N, Cols: F, Stride: F, Data: trainUnit}
	scores := make([]float32, test.N*C)
	sims := make([]float32, min(chunk, test.N)*train.N)
	for start := 0; start < test.N; start += chunk {
		if err := ctx.Err(); err != nil {
			return Result{}, fmt.Errorf("k-NN stopped at test row %d: %w", start, err)
		}
		n := min(chunk, test.N-start)

		// sims [n, Ntrain] = testChunk · trainᵀ, both rows of unit length.
		Q := blas32.General{Rows: n, Cols: F, Stride: F, Data: testUnit[start*F : (start+n)*F]}
		S := blas32.General{Rows: n, Cols: train.N, Stride: train.N, Data: sims[:n*train.N]}
		blas32.Gemm(blas.NoTrans, blas.Trans, 1, Q, A, 0, S)

		parallel.For(n, 8, func(lo, hi int) {
			h := make(neighbours, 0, opts.K)
			for r := lo; r < hi; r++ {
				nearest(sims[r*train.N:(r+1)*train.N], opts.K, &h)
				vote(h, train.Labels, opts, scores[(start+r)*C:(start+r+1)*C])
			}
		})
	}
	top1, top5 := accuracy(scores, C, test.Labels)
	return Result{Top1: top1, Top5: top5, NTrain: train.N, NTest: test.N}, nil
}

// unitRows returns a copy of x [N, F] with every row scaled to unit length;
// zero rows stay zero.
func unitRows(x []float32, F int) []float32 {
	out := make([]float32, len(x))
	for i := 0; i < len(x); i += F {
		var sq float64
		for _, v := range x[i : i+F] {
			sq += float64(v) * float64(v)
		}
		if sq == 0 {
			continue
		}
		inv := float32(1 / math.Sqrt(sq))
		for j, v := range x[i : i+F] {
			out[i+j] = v * inv
		}
	}
	return out
}

// neighbour is one training row and its similarity to the query.
type neighbour struct {
	sim   float32
	index int
}

// neighbours is a min-heap on (sim, then higher index first), so its root
// is the weakest of the current K; on equal similarity the lower training
// index is kept.
type neighbours []neighbour

func (h neighbours) Len() int { return len(h) }
func (h neighbours) Less(i, j int) bool {
	if h[i].sim != h[j].sim {
		return h[i].sim < h[j].sim
	}
	return h[i].index > h[j].index
}
func (h neighbours) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *neighbours) Push(x any)   { *h = append(*h, x.(neighbour)) }
func (h *neighbours) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// nearest fills h with the K most similar training rows.
func nearest(sims []float32, K int, h *neighbours) {
	*h = (*h)[:0]
	for i, s := range sims {
		if len(*h) < K {
			heap.Push(h, neighbour{s, i})
			continue
		}
		// Indices rise, so an equal similarity never displaces the root.
		if s > (*h)[0].sim {
			(*h)[0] = neighbour{s, i}
			heap.Fix(h, 0)
		}
	}
}

// vote writes the class scores of one test row from its neighbours.
func vote(h neighbours, labels []int, opts KNNOptions, scores []float32) {
	clear(scores)
	acc := make([]float64, len(scores))
	for _, n := range h {
		w := 1.0
		if !opts.Majority {
			// exp((s−1)/τ) is exp(s/τ) scaled by a constant, which leaves
			// the winner unchanged and cannot overflow since s ≤ 1.
			w = math.Exp((float64(n.sim) - 1) / opts.Temperature)
		}
		acc[labels[n.index]] += w
	}
	for c, v := range acc {
		scores[c] = float32(v)
	}
}
