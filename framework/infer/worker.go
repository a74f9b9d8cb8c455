package infer

import "time"

// worker holds one goroutine's buffers, sized once for the whole network,
// so that steady-state runs allocate nothing.
type worker struct {
	e      *Engine
	maps   [][]float32 // per value: [T][H][W][C] (only step 0 used when constant)
	starts [][]int32   // per value with spike lists: [T][(H+2P)·(W+2P)+1]
	idx    [][]int32   // per value with spike lists: [T][H·W·C]
	padded []float32   // padded input of a dense convolution
	v      []float32   // membrane potentials of one neuron layer
	sums   []float64   // per channel sums of the global pool
	spikes []int64     // per counter layer and step, [layer][T]
	ops    []int64
	steps  []int // per value: 1 if constant over time in this run, else T

	clock []time.Duration // per op, when profiling; nil otherwise
}

func newWorker(e *Engine) *worker {
	w := &worker{e: e}
	n := len(e.values)
	w.maps = make([][]float32, n)
	w.starts = make([][]int32, n)
	w.idx = make([][]int32, n)
	w.steps = make([]int, n)
	maxSize, maxPad, maxC := 0, 0, 0
	for i, v := range e.values {
		w.maps[i] = make([]float32, e.T*v.size())
		maxSize, maxC = max(maxSize, v.size()), max(maxC, v.c)
		if v.csrPad >= 0 {
			hp, wp := v.h+2*v.csrPad, v.w+2*v.csrPad
			w.starts[i] = make([]int32, e.T*(hp*wp+1))
			w.idx[i] = make([]int32, e.T*v.size()+8)
		}
	}
	for _, o := range e.ops {
		if o.kind == opConvDense {
			in := e.values[o.in]
			maxPad = max(maxPad, (in.h+2*o.pad)*(in.w+2*o.pad)*in.c)
		}
	}
	w.padded = make([]float32, maxPad)
	w.v = make([]float32, maxSize)
	w.sums = make([]float64, maxC)
	w.spikes = make([]int64, len(e.counts.Layers)*e.T)
	w.ops = make([]int64, len(e.counts.Layers)*e.T)
	return w
}

// image runs one image: x is [frames][C][H][W]; its features go to rows
// t·B+b of out [T·B, F].
func (w *worker) image(x []float32, frames, b, B int, out []float32) {
	e := w.e
	for i, v := range e.values {
		w.steps[i] = e.T
		if frames == 1 && v.constT {
			w.steps[i] = 1
		}
	}
	in := e.values[0]
	hw := in.h * in.w
	for s := 0; s < frames; s++ {
		src := x[s*in.size() : (s+1)*in.size()]
		dst := w.maps[0][s*in.size() : (s+1)*in.size()]
		for c := 0; c < in.c; c++ {
			plane := src[c*hw : (c+1)*hw]
			for p, v := range plane {
				dst[p*in.c+c] = v
			}
		}
	}
	var started time.Time
	for i := range e.ops {
		o := &e.ops[i]
		if w.clock != nil {
			started = time.Now()
		}
		switch o.kind {
		case opConvDense:
			w.convDense(o)
		case opConvSpikes:
			w.convSpikes(o)
		case opNeuron:
			w.neuron(o)
		case opAdd:
			w.add(o)
		case opAffine:
			w.affine(o)
		case opMaxPool, opAvgPool:
			w.pool(o)
		case opGlobalPool:
			w.globalPool(o, b, B, out)
		}
		if w.clock != nil {
			w.clock[i] += time.Since(started)
		}
	}
}

func (w *worker) convDense(o *op) {
	in := w.e.values[o.in]
	hp, wp := in.h+2*o.pad, in.w+2*o.pad
	buf := w.padded[:hp*wp*in.c]
	outSize := o.oh * o.ow * o.cout
	steps := w.steps[o.in]
	for s := 0; s < steps; s++ {
		src := w.maps[o.in][s*in.size() : (s+1)*in.size()]
		clear(buf)
		for y := 0; y < in.h; y++ {
			copy(buf[((y+o.pad)*wp+o.pad)*in.c:], src[y*in.w*in.c:(y+1)*in.w*in.c])
		}
		dst := w.maps[o.out][s*outSize : (s+1)*outSize]
		for oy := 0; oy < o.oh; oy++ {
			denseRow(dst[oy*o.ow*o.cout:], o.cout, o.ow, o.w, o.bias, buf[oy*o.stride*wp*in.c:], o.stride*in.c, o.taps, o.cout)
		}
	}
	for s := 0; s < steps; s++ {
		w.ops[o.counter*w.e.T+s] += int64(outSize) * int64(len(o.taps))
	}
}

func (w *worker) convSpikes(o *op) {
	in := w.e.values[o.in]
	P := in.csrPad
	hp, wp := in.h+2*P, in.w+2*P
	startSize := hp*wp + 1
	origin := P - o.pad
	outSize := o.oh * o.ow * o.cout
	for t := 0; t < w.e.T; t++ {
		count := 0
		start := w.starts[o.in][t*startSize : (t+1)*startSize]
		idx := w.idx[o.in][t*in.size():]
		dst := w.maps[o.out][t*outSize : (t+1)*outSize]
		for oy := 0; oy < o.oh; oy++ {
			p0 := (oy*o.stride+origin)*wp + origin
			// The first output pixel's first column is origin, and the taps
			// already include the weight shift of origin·Cin·Cout. Each
			// further pixel moves stride columns.
			count += spikeRow(dst[oy*o.ow*o.cout:], o.cout, o.ow, o.w, o.cout, o.bias, start[p0:], o.stride, idx, o.taps, o.k, o.stride*o.cin*o.cout, o.cout)
		}
		w.ops[o.counter*w.e.T+t] += int64(count) * int64(o.cout)
	}
}

// stride returns the offset between the steps of value i in this run.
func (w *worker) stride(i int) int {
	if w.steps[i] == 1 {
		return 0
	}
	return w.e.values[i].size()
}

func (w *worker) neuron(o *op) {
	v := w.e.values[o.out]
	n := v.size()
	T := w.e.T
	o.neuron.run(T, w.maps[o.in], w.stride(o.in), w.maps[o.out], w.v[:n])
	counts := w.spikes[o.counter*T : (o.counter+1)*T]
	if v.csrPad >= 0 {
		w.buildLists(o.out, counts)
		return
	}
	for t := 0; t < T; t++ {
		for _, s := range w.maps[o.out][t*n : (t+1)*n] {
			if s != 0 {
				counts[t]++
			}
		}
	}
}

// buildLists writes the spike lists of value i for every step, as CSR over
// the pixels of the map padded by P on each side. The entries of pixel p
// are idx[start[p] : start[p+1]], one per spike. Each entry is
// column·C + channel, with the column counted in the padded map. Padding pixels have empty
// lists. When counts is not nil, counts[t] grows by step t's spikes.
func (w *worker) buildLists(i int, counts []int64) {
	v := w.e.values[i]
	P := v.csrPad
	hp, wp := v.h+2*P, v.w+2*P
	startSize := hp*wp + 1
	for t := 0; t < w.e.T; t++ {
		m := w.maps[i][t*v.size() : (t+1)*v.size()]
		start := w.starts[i][t*startSize : (t+1)*startSize]
		idx := w.idx[i][t*v.size():]
		n := 0
		p := 0
		for ; p < P*wp+P; p++ {
			start[p] = 0
		}
		for y := 0; y < v.h; y++ {
			row := m[y*v.w*v.c : (y+1)*v.w*v.c]
			n = appendSpikes(row, v.w, v.c, P*v.c, idx, n, start[p:p+v.w])
			p += v.w
			// Right padding of this row and left padding of the next.
			end := p + 2*P
			if y == v.h-1 {
				end = startSize
			}
			for ; p < end; p++ {
				start[p] = int32(n)
			}
		}
		if counts != nil {
			counts[t] += int64(n)
		}
	}
}

func (w *worker) add(o *op) {
	n := w.e.values[o.out].size()
	sa, sb := w.stride(o.in), w.stride(o.in2)
	for t := 0; t < w.steps[o.out]; t++ {
		a := w.maps[o.in][t*sa : t*sa+n]
		b := w.maps[o.in2][t*sb : t*sb+n]
		dst := w.maps[o.out][t*n : (t+1)*n]
		for j := range dst {
			dst[j] = a[j] + b[j]
		}
	}
}

func (w *worker) affine(o *op) {
	v := w.e.values[o.out]
	n := v.size()
	for t := 0; t < w.steps[o.out]; t++ {
		src := w.maps[o.in][t*n : (t+1)*n]
		dst := w.maps[o.out][t*n : (t+1)*n]
		for j := range dst {
			c := j % v.c
			dst[j] = src[j]*o.scale[c] + o.shift[c]
		}
	}
}

// pool runs a max or average pool. Padding never wins a max; an average
// divides by the full window, padding included.
func (w *worker) pool(o *op) {
	in, v := w.e.values[o.in], w.e.values[o.out]
	inv := 1 / float32(o.kh*o.kw)
	for t := 0; t < w.steps[o.out]; t++ {
		src := w.maps[o.in][t*in.size() : (t+1)*in.size()]
		dst := w.maps[o.out][t*v.size() : (t+1)*v.size()]
		for oy := 0; oy < v.h; oy++ {
			for ox := 0; ox < v.w; ox++ {
				acc := dst[(oy*v.w+ox)*v.c : (oy*v.w+ox+1)*v.c]
				first := true
				if o.kind == opAvgPool {
					clear(acc)
					first = false
				}
				for ky := 0; ky < o.kh; ky++ {
					y := oy*o.sh - o.ph + ky
					if y < 0 || y >= in.h {
						continue
					}
					for kx := 0; kx < o.kw; kx++ {
						x := ox*o.sw - o.pw + kx
						if x < 0 || x >= in.w {
							continue
						}
						px := src[(y*in.w+x)*in.c : (y*in.w+x+1)*in.c]
						switch {
						case first:
							copy(acc, px)
							first = false
						case o.kind == opMaxPool:
							for c, s := range px {
								acc[c] = max(acc[c], s)
							}
						default:
							for c, s := range px {
								acc[c] += s
							}
						}
					}
				}
				if o.kind == opAvgPool {
					for c := range acc {
						acc[c] *= inv
					}
				}
			}
		}
	}
	if v.csrPad >= 0 {
		w.buildLists(o.out, nil)
	}
}

// globalPool averages each channel over the map and writes the feature of
// image b at step t to out[(t·B+b)·F:].
func (w *worker) globalPool(o *op, b, B int, out []float32) {
	in := w.e.values[o.in]
	F := in.c
	inv := 1 / float64(in.h*in.w)
	for t := 0; t < w.e.T; t++ {
		src := w.maps[o.in][t*w.stride(o.in):][:in.size()]
		sums := w.sums[:F]
		clear(sums)
		for p := 0; p < in.h*in.w; p++ {
			for c, s := range src[p*F : (p+1)*F] {
				sums[c] += float64(s)
			}
		}
		dst := out[(t*B+b)*F : (t*B+b+1)*F]
		for c := range dst {
			dst[c] = float32(sums[c] * inv)
		}
	}
}
