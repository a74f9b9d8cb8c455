package infer

// tap is one kernel row or position of a convolution, as the row kernels
// read it. Offsets count float32 or int32 elements.
//
// For the spike kernel, a tap is one kernel row ky. Its delta is the
// offset of the row's first input pixel from the output pixel's first one
// in the CSR start array. Its weight, added to entry·ldw, addresses the
// weight row of a list entry (see spikeRow).
//
// For the dense kernel, a tap is one (ky, kx, ci): delta is the offset of
// its input element in the padded channels-last image and weight the
// offset of its weight row.
type tap struct {
	delta  int
	weight int
}

// spikeRow computes n output pixels of one convolution row from spike
// lists (see worker.buildLists), overwriting out[i*outStride:][:width]
// for i < n with
//
//	bias[:width] + Σ over taps k, over list entries e of the span pixels
//	             from p = i·step + taps[k].delta,
//	             w[taps[k].weight − i·wstep + e·ldw :][:width]
//
// where the entries of pixels p … p+span−1 are idx[start[p] : start[p+span]].
// A list entry is column·Cin + channel in the padded map, so that one
// contiguous run of entries covers a whole kernel row and the weight offset
// is linear in the entry. w and bias start at the column chunk. It returns
// the number of list entries read, so the accumulates done are that count
// times width.
func spikeRow(out []float32, outStride, n int, w []float32, ldw int, bias []float32, start []int32, step int, idx []int32, taps []tap, span, wstep, width int) int {
	if !useVector || n == 0 || width < 8 {
		return spikeRowGo(out, outStride, n, w, ldw, bias, start, step, idx, taps, span, wstep, width)
	}
	v := width &^ 7
	count := spikeRowVector(out, outStride, n, w, ldw, bias, start, step, idx, taps, span, wstep, v)
	if v < width {
		spikeRowGo(out[v:], outStride, n, w[v:], ldw, bias[v:], start, step, idx, taps, span, wstep, width-v)
	}
	return count
}

func spikeRowGo(out []float32, outStride, n int, w []float32, ldw int, bias []float32, start []int32, step int, idx []int32, taps []tap, span, wstep, width int) int {
	count := 0
	for i := 0; i < n; i++ {
		acc := out[i*outStride : i*outStride+width]
		copy(acc, bias[:width])
		p := i * step
		for _, tp := range taps {
			b, e := start[p+tp.delta], start[p+tp.delta+span]
			count += int(e - b)
			base := tp.weight - i*wstep
			for _, c := range idx[b:e] {
				row := w[base+int(c)*ldw:]
				row = row[:len(acc)]
				for j, v := range row {
					acc[j] += v
				}
			}
		}
	}
	return count
}

// denseRow computes n output pixels of one convolution row from a padded
// channels-last input, overwriting out[i*outStride : i*outStride+width]
// with bias[:width] + Σ_k x[i*step + taps[k].delta] · w[taps[k].weight :][:width].
func denseRow(out []float32, outStride, n int, w []float32, bias []float32, x []float32, step int, taps []tap, width int) {
	if !useVector || n == 0 || width < 8 {
		denseRowGo(out, outStride, n, w, bias, x, step, taps, width)
		return
	}
	v := width &^ 7
	denseRowVector(out, outStride, n, w, bias, x, step, taps, v)
	if v < width {
		denseRowGo(out[v:], outStride, n, w[v:], bias[v:], x, step, taps, width-v)
	}
}

func denseRowGo(out []float32, outStride, n int, w []float32, bias []float32, x []float32, step int, taps []tap, width int) {
	for i := 0; i < n; i++ {
		acc := out[i*outStride : i*outStride+width]
		copy(acc, bias[:width])
		p := i * step
		for _, tp := range taps {
			v := x[p+tp.delta]
			if v == 0 {
				continue
			}
			row := w[tp.weight : tp.weight+len(acc)]
			for j, wj := range row {
				acc[j] += v * wj
			}
		}
	}
}

// chunkWidth returns the column chunk the vector kernels take next when
// rest columns remain: 64, 32, 16 or 8, or rest itself below 8.
func chunkWidth(rest int) int {
	switch {
	case rest >= 64:
		return 64
	case rest >= 32:
		return 32
	case rest >= 16:
		return 16
	case rest >= 8:
		return 8
	}
	return rest
}

// lifParams is the layout lifRows reads.
type lifParams struct {
	beta, vth, vreset, one float32
	soft                   int32
}

// stepNeurons advances len(in) neurons by one step, as lif.step does.
func stepNeurons(n lif, in, out, v []float32) {
	m := 0
	if useVector {
		m = len(in) &^ 7
		if m > 0 {
			p := lifParams{beta: n.beta, vth: n.vth, vreset: n.vreset, one: 1}
			if n.soft {
				p.soft = 1
			}
			_, _ = out[m-1], v[m-1]
			lifRowsVector(in[:m], v, out, &p)
		}
	}
	n.step(in[m:], out[m:], v[m:])
}

// compressTable lists, for each 8-bit mask, the positions of its set bits
// in increasing order.
var compressTable = func() (t [256][8]int32) {
	for m := range t {
		k := 0
		for lane := 0; lane < 8; lane++ {
			if m>>lane&1 != 0 {
				t[m][k] = int32(lane)
				k++
			}
		}
	}
	return t
}()

// appendSpikes writes the lists of npix pixels of c channels whose spikes
// are spk (0 or 1, [npix][c]). start[p] gets the position of pixel p's
// first entry, and idx gets base + e for every spike at element e of spk.
// count is the number of entries before the first pixel, and the result
// the count after the last. idx needs 7 entries of slack past the last.
func appendSpikes(spk []float32, npix, c, base int, idx []int32, count int, start []int32) int {
	if useVector && c%8 == 0 && npix > 0 {
		_ = spk[npix*c-1]
		_ = start[npix-1]
		_ = idx[count+npix*c+7-1]
		return compressPixelsVector(spk, npix, c, base, idx, count, start)
	}
	for p := 0; p < npix; p++ {
		start[p] = int32(count)
		for j, s := range spk[p*c : (p+1)*c] {
			idx[count] = int32(base + p*c + j)
			if s != 0 {
				count++
			}
		}
	}
	return count
}
