// Package parallel splits loops over goroutines, one chunk per CPU.
package parallel

import (
	"runtime"
	"sync"
)

// For calls body(lo, hi) on disjoint ranges that cover [0, n), in parallel
// when n is at least 2·grain, so that each goroutine gets at least grain
// iterations. The split depends only on n, grain and GOMAXPROCS; callers
// whose results must not depend on the split write disjoint outputs.
func For(n, grain int, body func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if grain < 1 {
		grain = 1
	}
	if max := n / grain; max < workers {
		workers = max
	}
	if workers <= 1 {
		if n > 0 {
			body(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := lo + chunk
		if hi > n {
			hi = n
		}
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			body(lo, hi)
		}(lo, hi)
	}
	wg.Wait()
}
