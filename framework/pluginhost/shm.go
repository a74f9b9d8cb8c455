package pluginhost

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/snnlab/snnlab/framework/pluginhost/wire"
)

// ShmError reports that a call's tensors do not fit in shared memory.
type ShmError struct {
	Dir   string
	Need  int64 // bytes the call needs
	Free  int64 // bytes free in Dir, or -1 if unknown
	Limit int64 // Options.SharedMemoryLimit, 0 for none
	Err   error // the underlying failure, if any
}

func (e *ShmError) Error() string {
	msg := fmt.Sprintf("shared memory: a %s buffer does not fit in %s", mib(e.Need), e.Dir)
	switch {
	case e.Limit > 0 && e.Free >= 0:
		msg += fmt.Sprintf(" (%s free, limit %s)", mib(e.Free), mib(e.Limit))
	case e.Free >= 0:
		msg += fmt.Sprintf(" (%s free)", mib(e.Free))
	}
	if e.Err != nil {
		msg += fmt.Sprintf(": %v", e.Err)
	}
	return msg + "; containers often limit /dev/shm to 64 MB: start the container with a larger /dev/shm " +
		"(for example docker run --shm-size=1g), point the shared-memory folder at a larger tmpfs, " +
		"or send tensors in messages, which is several times slower"
}

func (e *ShmError) Unwrap() error { return e.Err }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// region is one shared-memory file mapped by the host.
type region struct {
	path     string
	data     []byte
	unlinked bool // the file is removed; the mappings stay valid
}

// shmPool hands out shared-memory buffers for calls to one plugin. A call
// takes a region for its duration, so concurrent calls never share one. A
// region's file is removed once the plugin has mapped it, so that nothing
// stays in the folder even if the host dies.
type shmPool struct {
	dir   string
	limit int64

	mu     sync.Mutex
	free   []*region
	live   int64    // bytes of every region not yet discarded
	drop   []string // discarded regions the plugin still has to unmap
	seq    int
	closed bool
}

// get returns a region of at least size bytes.
func (p *shmPool) get(size int64) (*region, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("shared memory of a closed plugin")
	}
	sort.Slice(p.free, func(i, j int) bool { return len(p.free[i].data) < len(p.free[j].data) })
	for i, r := range p.free {
		if int64(len(r.data)) >= size {
			p.free = append(p.free[:i], p.free[i+1:]...)
			return r, nil
		}
	}
	// Free regions are all too small: discard them to make room.
	for _, r := range p.free {
		p.discardLocked(r)
	}
	p.free = p.free[:0]

	// Round up so that calls of slightly different sizes reuse one region.
	const grain = 1 << 20
	alloc := (size + grain - 1) / grain * grain
	if p.limit > 0 && p.live+alloc > p.limit {
		if p.live+size > p.limit {
			return nil, &ShmError{Dir: p.dir, Need: size, Free: freeBytes(p.dir), Limit: p.limit}
		}
		alloc = size
	}
	p.seq++
	path := filepath.Join(p.dir, fmt.Sprintf("snnlab-%d-%d", os.Getpid(), p.seq))
	data, err := createShm(path, alloc)
	if err != nil {
		if se, ok := err.(*ShmError); ok {
			se.Limit = p.limit
		}
		return nil, err
	}
	p.live += alloc
	return &region{path: path, data: data}, nil
}

// put returns a region to the pool after a call. mapped reports whether
// the plugin has mapped it, which allows removing its file.
func (p *shmPool) put(r *region, mapped bool) {
	if mapped && !r.unlinked {
		_ = os.Remove(r.path)
		r.unlinked = true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		p.discardLocked(r)
		return
	}
	p.free = append(p.free, r)
}

func (p *shmPool) discardLocked(r *region) {
	if !r.unlinked {
		_ = os.Remove(r.path)
		r.unlinked = true
	}
	_ = wire.Unmap(r.data)
	p.live -= int64(len(r.data))
	p.drop = append(p.drop, r.path)
}

// takeDrop returns the regions the plugin should unmap, once.
func (p *shmPool) takeDrop() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.drop
	p.drop = nil
	return d
}

// close releases every free region; regions still in use are released
// when they are put back.
func (p *shmPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.free {
		p.discardLocked(r)
	}
	p.free, p.drop, p.closed = nil, nil, true
}
