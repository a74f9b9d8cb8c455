package autograd

import "sync"

// gradCache lets the several gradient operations of one forward operation
// share a single backward computation. The first of them to run computes
// every gradient and stores them; each of the others takes its own and
// clears it. Entries are keyed by the identity of the first input's data
// and by the arena's run count. So a gradient computed for other input
// values, or in an earlier run whose buffers an Arena handed out again, is
// never handed out.
type gradCache struct {
	mu      sync.Mutex
	key     cacheKey
	pending map[int][]float32
}

// cacheKey identifies one backward computation: the first input's data and
// the arena generation (0 without an arena).
type cacheKey struct {
	first *float32
	gen   uint64
}

// take returns the stored gradient for output which, if one was stored for
// inputs whose first element lives at key.
func (c *gradCache) take(key cacheKey, which int) ([]float32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != key || c.pending == nil {
		return nil, false
	}
	g, ok := c.pending[which]
	if ok {
		delete(c.pending, which)
	}
	return g, ok
}

// store keeps the gradients for the other outputs.
func (c *gradCache) store(key cacheKey, grads map[int][]float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.key = key
	c.pending = grads
}
