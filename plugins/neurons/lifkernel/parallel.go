package lifkernel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// blockSize is the number of neurons one block covers. Blocks are fixed by
// N alone, so every per-block result, and the ordered sum of the per-block
// decay gradients, is the same however many goroutines run them.
const blockSize = 2048

// parallelMin is the number of elements (T·N) from which a call spreads its
// blocks over goroutines; smaller calls run on the caller's goroutine. It is
// a variable so that tests can force either mode.
var parallelMin = 1 << 16

func (k *kernel[F]) blocks() int { return (k.N + blockSize - 1) / blockSize }

// parallel runs fn on every block, on up to GOMAXPROCS goroutines when the
// call is large, each with its own pooled scratch. It reports whether any
// fn call returned true.
func (k *kernel[F]) parallel(fn func(b, n0, n1 int, s *scratch[F]) bool) bool {
	nb := k.blocks()
	workers := runtime.GOMAXPROCS(0)
	if workers > nb {
		workers = nb
	}
	if k.T*k.N < parallelMin || workers < 2 {
		s := getScratch[F]()
		defer putScratch(s)
		bad := false
		for b := 0; b < nb; b++ {
			n0, n1 := k.span(b)
			if fn(b, n0, n1, s) {
				bad = true
			}
		}
		return bad
	}

	var next atomic.Int64
	var bad atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := getScratch[F]()
			defer putScratch(s)
			for {
				b := int(next.Add(1) - 1)
				if b >= nb {
					return
				}
				n0, n1 := k.span(b)
				if fn(b, n0, n1, s) {
					bad.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return bad.Load()
}

// span returns the neuron range [n0, n1) of block b.
func (k *kernel[F]) span(b int) (int, int) {
	n0 := b * blockSize
	return n0, min(n0+blockSize, k.N)
}

// scratch is one goroutine's working memory for a block: the block's H, V
// and Vth_eff trace ([T, w]) and per-neuron state, output and gradient
// carries ([w]).
type scratch[F Float] struct {
	h, vt, vth         []F
	v, a, s, o, gv, ga []F
}

// size makes every buffer large enough for T steps of w neurons.
func (s *scratch[F]) size(T, w int, adaptive bool) {
	grow(&s.h, T*w)
	grow(&s.vt, T*w)
	if adaptive {
		grow(&s.vth, T*w)
	}
	for _, p := range []*[]F{&s.v, &s.a, &s.s, &s.o, &s.gv, &s.ga} {
		grow(p, w)
	}
}

func grow[F Float](p *[]F, n int) {
	if cap(*p) < n {
		*p = make([]F, n)
	}
	*p = (*p)[:n]
}

var (
	pool32 = sync.Pool{New: func() any { return new(scratch[float32]) }}
	pool64 = sync.Pool{New: func() any { return new(scratch[float64]) }}
)

func getScratch[F Float]() *scratch[F] {
	var zero F
	if _, ok := any(zero).(float32); ok {
		return pool32.Get().(*scratch[F])
	}
	return pool64.Get().(*scratch[F])
}

func putScratch[F Float](s *scratch[F]) {
	var zero F
	if _, ok := any(zero).(float32); ok {
		pool32.Put(s)
		return
	}
	pool64.Put(s)
}
