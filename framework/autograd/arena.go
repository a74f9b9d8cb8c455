package autograd

import (
	"fmt"
	"sync"

	"gorgonia.org/gorgonia"
)

// Alloc returns a float32 slice of n elements for a result of the calling
// operation. Its contents are unspecified, so the caller must write every
// element.
type Alloc func(n int) []float32

// MakeAlloc is the Alloc of graphs without an Arena: a fresh zeroed slice
// from make.
func MakeAlloc(n int) []float32 { return make([]float32, n) }

// Arena recycles the float32 buffers of the values that snnlab's operations
// (Apply, NeuronNode and their gradients) produce in one graph.
//
// gorgonia's tape machine keeps every value of a run bound to its node until
// the node runs again in the next run. So by default a training step holds
// all its activations and all its gradients at once, and allocates them
// all again in the next step. With an Arena, an operation takes its result
// from the arena's free buffers, and a value goes back to them as soon as
// every operation that reads it has run. Reset returns every buffer before
// the next run, so a steady run allocates nothing large.
//
// Only values that no gorgonia operation reads are recycled within a run:
// gorgonia's operations may write into their inputs or return views of
// them, and nodes read after the run (the loss, parameter gradients) have
// no readers at all. So a value stays valid until the next Reset when
// gorgonia.Read, Let or any built-in gorgonia operation uses it, and
// whenever it is a terminal node of the graph. Any other value may hold
// another node's data once the run is over.
//
// An Arena is for one graph and one tape machine that runs it
// sequentially. Kernels must not return a view into one of their inputs
// other than the input itself.
type Arena struct {
	mu     sync.Mutex
	nodes  map[*gorgonia.Node]*arenaNode
	ops    []recyclable
	free   map[int][][]float32
	inUse  map[*float32]*arenaBuf
	gen    uint64
	closed bool

	inUseBytes, peakBytes, ownedBytes int64
}

// ArenaStats are an arena's buffer sizes in bytes.
type ArenaStats struct {
	Owned int64 // every buffer the arena owns, handed out or free
	Peak  int64 // most bytes handed out at one time since NewArena
	InUse int64 // bytes handed out now
}

// Stats returns the arena's current sizes.
func (a *Arena) Stats() ArenaStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return ArenaStats{Owned: a.ownedBytes, Peak: a.peakBytes, InUse: a.inUseBytes}
}

// arenaNode is the recycling state of one node produced by an snnlab
// operation.
type arenaNode struct {
	readers int // reads of the value per run by snnlab operations; -1 when pinned
	left    int // reads still to come in this run
	buf     *arenaBuf
}

type arenaBuf struct {
	data  []float32
	owner *arenaNode // node whose value it is in this run; nil while pending
}

// arenaLink is an operation's link to its graph's arena: the arena, the
// state of the operation's own node and the states of the nodes it reads.
type arenaLink struct {
	arena *Arena
	self  *arenaNode
	reads []*arenaNode
}

func (l *arenaLink) attach(a *Arena, self *arenaNode, reads []*arenaNode) {
	l.arena, l.self, l.reads = a, self, reads
}

// done reports the run of the linked operation; see Arena.done.
func (l *arenaLink) done(out []float32) { l.arena.done(l.self, out, l.reads) }

// recyclable is an snnlab operation that can take its results from an Arena.
type recyclable interface {
	attach(a *Arena, self *arenaNode, reads []*arenaNode)
}

// NewArena attaches an arena to every snnlab operation of g. Call it once
// the graph is complete (after gorgonia.Grad and every Read), before the
// tape machine is built, and call Reset before every run.
func NewArena(g *gorgonia.ExprGraph) (*Arena, error) {
	if g == nil {
		return nil, fmt.Errorf("arena: the graph is nil; pass the graph that the tape machine runs")
	}
	a := &Arena{
		nodes: map[*gorgonia.Node]*arenaNode{},
		free:  map[int][][]float32{},
		inUse: map[*float32]*arenaBuf{},
	}
	all := g.AllNodes()
	for _, n := range all {
		if _, ok := n.Op().(recyclable); ok {
			a.nodes[n] = &arenaNode{}
		}
	}
	for n, an := range a.nodes {
		// A node's parents are the operations that read its value.
		parents := g.To(n.ID())
		for parents.Next() {
			p := parents.Node().(*gorgonia.Node)
			if _, ours := a.nodes[p]; !ours {
				an.readers = -1
				break
			}
			an.readers++
		}
		if an.readers == 0 {
			an.readers = -1 // read after the run, if at all
		}
		an.left = an.readers
	}
	for n, an := range a.nodes {
		var reads []*arenaNode
		children := g.From(n.ID())
		for children.Next() {
			if c, ok := a.nodes[children.Node().(*gorgonia.Node)]; ok {
				reads = append(reads, c)
			}
		}
		op := n.Op().(recyclable)
		op.attach(a, an, reads)
		a.ops = append(a.ops, op)
	}
	return a, nil
}

// Reset starts a new run: every buffer handed out since the last Reset
// becomes free, so values of the previous run must no longer be read. On a
// nil Arena it does nothing.
func (a *Arena) Reset() {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	a.inUseBytes = 0
	for key, b := range a.inUse {
		delete(a.inUse, key)
		a.free[len(b.data)] = append(a.free[len(b.data)], b.data)
	}
	for _, an := range a.nodes {
		an.left, an.buf = an.readers, nil
	}
}

// Close detaches the arena from its graph's operations, which allocate
// with make from then on, and drops its buffers. On a nil Arena it does
// nothing.
func (a *Arena) Close() {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, op := range a.ops {
		op.attach(nil, nil, nil)
	}
	a.ops, a.nodes, a.free, a.inUse = nil, nil, nil, nil
	a.inUseBytes, a.ownedBytes = 0, 0
	a.closed = true
}

// generation counts the runs started by Reset.
func (a *Arena) generation() uint64 {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.gen
}

// alloc hands out a buffer of n elements, recycled when one is free.
func (a *Arena) alloc(n int) []float32 {
	if n == 0 {
		return []float32{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return make([]float32, n)
	}
	var data []float32
	if list := a.free[n]; len(list) > 0 {
		data = list[len(list)-1]
		a.free[n] = list[:len(list)-1]
	} else {
		data = make([]float32, n)
		a.ownedBytes += int64(4 * n)
	}
	a.inUse[&data[0]] = &arenaBuf{data: data}
	a.inUseBytes += int64(4 * n)
	a.peakBytes = max(a.peakBytes, a.inUseBytes)
	return data
}

// allocFunc returns the Alloc of an operation: the arena's when it has
// one, make otherwise.
func (a *Arena) allocFunc() Alloc {
	if a == nil {
		return MakeAlloc
	}
	return a.alloc
}

// done records that the operation of node self ran and produced out, and
// that it read the nodes in reads. out becomes self's buffer when the arena
// handed it out; a reader count that reaches zero frees its node's buffer.
func (a *Arena) done(self *arenaNode, out []float32, reads []*arenaNode) {
	if a == nil || self == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	if len(out) > 0 {
		if b, ok := a.inUse[&out[0]]; ok {
			switch {
			case b.owner == nil && len(b.data) == len(out):
				b.owner, self.buf = self, b
			case b.owner != nil:
				// The operation returned another node's value: keep that
				// value until Reset.
				b.owner.readers, b.owner.left = -1, -1
			}
		}
	}
	for _, r := range reads {
		if r.left <= 0 {
			continue
		}
		r.left--
		if r.left > 0 || r.buf == nil {
			continue
		}
		b := r.buf
		r.buf = nil
		delete(a.inUse, &b.data[0])
		a.inUseBytes -= int64(4 * len(b.data))
		a.free[len(b.data)] = append(a.free[len(b.data)], b.data)
	}
}
