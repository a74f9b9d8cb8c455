package nn

import (
	"math"
	"math/bits"
	"os"
	"runtime"
	"sync"
)

// The spike route runs a convolution whose input contains only the values 0
// and 1 (the spikes of a spiking layer) without multiplications. The input
// is first turned into bit masks: one word per padded pixel and 64
// channels, bit c set where x[c, iy, ix] is 1. A value other than +0 and 1
// stops the scan, and the call takes the dense route.
//
// Forward: each output pixel sums the rows of the transposed weight
// wT [K·K·C, ldw] that belong to its active inputs, with the pixel's sum
// held in vector registers. The result is channels-last and is transposed
// into y afterwards.
//
// Weight gradient: each output pixel adds its ∂y row (channels-last) into
// the rows of ∂Wᵀ [K·K·C, ldw] of its active inputs. ∂x does not depend on
// x, so it still comes from the dense route.

// spikeRoute selects when the spike route runs: spikeAuto where the
// measured density is below spikeThreshold, spikeOff never, spikeForce for
// every binary input. The environment variable SNNLAB_CONV_SPIKES sets it
// at start-up: "off" or "force", anything else is automatic. It lets the
// tests of other packages run through either route. Tests here set it.
var spikeRoute = spikeRouteFromEnv(os.Getenv("SNNLAB_CONV_SPIKES"))

func spikeRouteFromEnv(v string) int {
	switch v {
	case "off":
		return spikeOff
	case "force":
		return spikeForce
	}
	return spikeAuto
}

const (
	spikeAuto = iota
	spikeOff
	spikeForce
)

// spikeThreshold returns the input density (fraction of ones) below which
// the spike route is faster than the dense one for geometry g, for the
// forward pass or for the backward pass (∂x dense, ∂W from spikes).
//
// The crossovers come from BenchmarkConvSpikes (batch 256, 2 threads,
// median of 2 runs on a shared, loaded 2-core AMD EPYC with AVX2; ms,
// dense/spike route, at densities 0.1 / 0.2 / 0.3 / 0.5):
//
//	64×8×8 → 64, 3×3 s1   forward  17.5/8.5  18.0/9.7  18.0/11.9 18.3/15.7
//	                      backward 33.5/25.8 32.7/29.2 33.0/29.7 34.8/33.5
//	32×16×16 → 64, 3×3 s2 forward  12.4/12.8 13.3/9.9  12.9/10.6 28.8/11.7
//	                      backward 30.5/32.3 33.1/23.8 26.4/42.6 29.2/27.8
//	32×16×16 → 32, 3×3 s1 forward  17.3/16.4 17.4/19.6 19.3/26.0 18.8/21.3
//	16×32×32 → 16, 3×3 s1 forward  19.8/37.1 22.3/36.1 19.0/37.1 18.0/71.7
//	16×32×32 → 32, 1×1 s2 forward   9.9/14.6  9.6/14.4  9.1/14.1  8.6/13.9
//
// With 16 channels a mask word holds about 3 spikes per tap, so the
// per-tap work and the scan and transposes cost more than the
// multiplications they save, even at density 0.05. 1×1 convolutions have
// one tap and lose the same way. Timings varied by up to 2× between runs,
// so only clear wins take the spike route.
//
// NOTE: channel counts above 64 (several mask words per pixel) were
// checked for correctness but not timed; they follow the 64-channel rule.
func spikeThreshold(g geometry, backward bool) float64 {
	switch {
	case g.K >= 3 && g.C >= 64 && backward:
		return 0.3
	case g.K >= 3 && g.C >= 64:
		return 0.5
	case g.K >= 3 && g.C >= 32 && g.S >= 2 && !backward:
		return 0.3
	}
	return 0
}

// spikePlan holds the mask grid and tap table of a spike-route call.
type spikePlan struct {
	nw     int // mask words per pixel, ⌈C/64⌉
	Hp, Wp int // mask grid: the input padded by P on each side
	grid   int // mask words per image, Hp·Wp·nw
	step   int // mask words between neighbouring output pixels, S·nw
	ldw    int // O rounded up to 8: row stride of wT, ∂Wᵀ and the channels-last rows
	// taps holds pairs (mask word offset from an output pixel's first
	// word, first row of wT): one pair per kernel tap (ki, kj) and mask
	// word, in that order.
	taps []int
}

func (g geometry) spikePlan() spikePlan {
	p := spikePlan{nw: (g.C + 63) / 64, Hp: g.H + 2*g.P, Wp: g.W + 2*g.P, ldw: (g.O + 7) &^ 7}
	p.grid = p.Hp * p.Wp * p.nw
	p.step = g.S * p.nw
	for ki := 0; ki < g.K; ki++ {
		for kj := 0; kj < g.K; kj++ {
			for wi := 0; wi < p.nw; wi++ {
				p.taps = append(p.taps, (ki*p.Wp+kj)*p.nw+wi, ((ki*g.K+kj)*g.C+wi*64)*p.ldw)
			}
		}
	}
	return p
}

// rowMasks returns the mask words that output row oy of an image reads.
func (p *spikePlan) rowMasks(g geometry, masks []uint64, oy int) []uint64 {
	return masks[oy*g.S*p.Wp*p.nw:]
}

// spikeInput is a batch's input as bit masks, [N, Hp, Wp, nw] words.
type spikeInput struct {
	plan    spikePlan
	masks   []uint64
	buf     *[]uint64
	density float64
}

func (s *spikeInput) release() { maskPool.Put(s.buf) }

var maskPool sync.Pool

func getMasks(n int) *[]uint64 {
	if p, ok := maskPool.Get().(*[]uint64); ok {
		if cap(*p) >= n {
			*p = (*p)[:n]
			return p
		}
		maskPool.Put(p)
	}
	s := make([]uint64, n)
	return &s
}

// scanSpikes returns the masks of x [N, C, H, W] when every value is +0
// or 1 and the spike route should run for the measured density in the
// forward or backward pass, else nil. The caller releases the result.
func (g geometry) scanSpikes(x []float32, backward bool) *spikeInput {
	if spikeRoute == spikeOff || g.N == 0 {
		return nil
	}
	if spikeRoute == spikeAuto && spikeThreshold(g, backward) == 0 {
		return nil // no scan where the spike route never wins
	}
	s := &spikeInput{plan: g.spikePlan()}
	s.buf = getMasks(g.N * s.plan.grid)
	s.masks = *s.buf
	ones := make([]int, runtime.GOMAXPROCS(0))
	binary := make([]bool, len(ones))
	overImages(g.N, func(worker, lo, hi int) {
		binary[worker] = true
		for n := lo; n < hi; n++ {
			c, ok := g.buildMasks(&s.plan, x[n*g.inSize:(n+1)*g.inSize], s.masks[n*s.plan.grid:(n+1)*s.plan.grid])
			if !ok {
				binary[worker] = false
				return
			}
			ones[worker] += c
		}
	})
	total := 0
	for i, ok := range binary {
		if !ok {
			s.release()
			return nil
		}
		total += ones[i]
	}
	s.density = float64(total) / float64(g.N*g.inSize)
	if spikeRoute == spikeAuto && s.density >= spikeThreshold(g, backward) {
		s.release()
		return nil
	}
	return s
}

// buildMasks writes the masks of image x [C, H, W] into m (Hp·Wp·nw
// words) and returns the number of ones. It returns false at the first
// row that holds a value other than +0 and 1; −0 counts as such a value.
func (g geometry) buildMasks(p *spikePlan, x []float32, m []uint64) (int, bool) {
	const one = 0x3f800000 // bits of float32 1; bit 23 is set in it and clear in +0
	clear(m)
	ones := 0
	for c := 0; c < g.C; c++ {
		wi, bit := c>>6, uint(c&63)
		for iy := 0; iy < g.H; iy++ {
			row := x[(c*g.H+iy)*g.W:][:g.W]
			mrow := m[((iy+g.P)*p.Wp+g.P)*p.nw+wi:]
			var bad, count uint32
			if p.nw == 1 {
				mrow = mrow[:len(row)]
				for ix, v := range row {
					b := math.Float32bits(v)
					e := b >> 23 & 1
					bad |= b ^ (e * one)
					mrow[ix] |= uint64(e) << bit
					count += e
				}
			} else {
				for ix, v := range row {
					b := math.Float32bits(v)
					e := b >> 23 & 1
					bad |= b ^ (e * one)
					mrow[ix*p.nw] |= uint64(e) << bit
					count += e
				}
			}
			if bad != 0 {
				return 0, false
			}
			ones += int(count)
		}
	}
	return ones, true
}

// transposeWeight returns wT [K·K·C, ldw] with wT[(ki·K+kj)·C+c, o] =
// W[o, c, ki, kj] and zero columns past O.
func (g geometry) transposeWeight(p *spikePlan, w []float32) []float32 {
	kk := g.K * g.K
	wT := make([]float32, kk*g.C*p.ldw)
	for o := 0; o < g.O; o++ {
		for c := 0; c < g.C; c++ {
			for t := 0; t < kk; t++ {
				wT[(t*g.C+c)*p.ldw+o] = w[(o*g.C+c)*kk+t]
			}
		}
	}
	return wT
}

// forwardSpikes computes y = W ⋆ x for images [lo, hi) from their masks.
func (g geometry) forwardSpikes(s *spikeInput, wT, y []float32, lo, hi int) {
	p := &s.plan
	// One output row at a time, so that the channels-last row stays in
	// the first-level cache until it is transposed.
	outBuf := getBuf(g.Wo * p.ldw)
	defer putBuf(outBuf)
	out := *outBuf
	for n := lo; n < hi; n++ {
		m := s.masks[n*p.grid : (n+1)*p.grid]
		yn := y[n*g.outLen : (n+1)*g.outLen]
		for oy := 0; oy < g.Ho; oy++ {
			spikeGatherRow(g.Wo, p, p.rowMasks(g, m, oy), wT, out)
			fromChannelsLast(out, p.ldw, yn[oy*g.Wo:], g.O, g.Wo, g.cols)
		}
	}
}

// weightGradSpikes adds images [lo, hi)'s share of ∂Wᵀ [K·K·C, ldw] into
// dwT.
func (g geometry) weightGradSpikes(s *spikeInput, dy, dwT []float32, lo, hi int) {
	p := &s.plan
	dyTBuf := getZeroBuf(g.Wo * p.ldw) // columns past O stay zero
	defer putBuf(dyTBuf)
	dyT := *dyTBuf
	for n := lo; n < hi; n++ {
		dyn := dy[n*g.outLen : (n+1)*g.outLen]
		m := s.masks[n*p.grid : (n+1)*p.grid]
		for oy := 0; oy < g.Ho; oy++ {
			toChannelsLast(dyn[oy*g.Wo:], g.O, g.Wo, g.cols, dyT, p.ldw)
			spikeScatterRow(g.Wo, p, p.rowMasks(g, m, oy), dyT, dwT)
		}
	}
}

// spikeGradients sums the per-goroutine ∂Wᵀ partials [K·K·C, ldw] in
// goroutine order into ∂W [O, C, K, K].
func (g geometry) spikeGradients(p *spikePlan, partial [][]float32) []float32 {
	kk := g.K * g.K
	dw := make([]float32, g.O*g.rows)
	for _, part := range partial {
		if part == nil {
			continue
		}
		for t := 0; t < kk; t++ {
			for c := 0; c < g.C; c++ {
				row := part[(t*g.C+c)*p.ldw:][:g.O]
				for o, v := range row {
					dw[(o*g.C+c)*kk+t] += v
				}
			}
		}
	}
	return dw
}

// fromChannelsLast writes src [pixels, ld] (its first ch columns) into
// dst [ch, pixels] with row stride lddst.
func fromChannelsLast(src []float32, ld int, dst []float32, ch, pixels, lddst int) {
	for c := 0; c < ch; c++ {
		d := dst[c*lddst:][:pixels]
		for i := range d {
			d[i] = src[i*ld+c]
		}
	}
}

// toChannelsLast writes src [ch, pixels] with row stride ldsrc into the
// first ch columns of dst [pixels, ld].
func toChannelsLast(src []float32, ch, pixels, ldsrc int, dst []float32, ld int) {
	for c := 0; c < ch; c++ {
		for i, v := range src[c*ldsrc:][:pixels] {
			dst[i*ld+c] = v
		}
	}
}

// spikeGatherRow sets out[i·ldw + o] for npix output pixels i to the sum
// of wT rows taps[2t+1] + c over every tap t and every bit c set in mask
// word masks[i·step + taps[2t]].
func spikeGatherRow(npix int, p *spikePlan, masks []uint64, wT, out []float32) {
	ntaps := len(p.taps) / 2
	if haveSpikeKernel && haveVectorKernel {
		// The last mask word and output element the kernels touch.
		_ = masks[(npix-1)*p.step+p.taps[2*ntaps-2]]
		_ = out[(npix-1)*p.ldw+p.ldw-1]
		j := 0
		for ; j+16 <= p.ldw; j += 16 {
			spikeGather16(npix, p.step, &masks[0], &p.taps[0], ntaps, &wT[j], p.ldw, &out[j], p.ldw)
		}
		if j < p.ldw {
			spikeGather8(npix, p.step, &masks[0], &p.taps[0], ntaps, &wT[j], p.ldw, &out[j], p.ldw)
		}
		return
	}
	for i := 0; i < npix; i++ {
		acc := out[i*p.ldw : (i+1)*p.ldw]
		clear(acc)
		for t := 0; t < ntaps; t++ {
			m := masks[i*p.step+p.taps[2*t]]
			base := p.taps[2*t+1]
			for m != 0 {
				c := bits.TrailingZeros64(m)
				m &= m - 1
				for o, v := range wT[base+c*p.ldw:][:p.ldw] {
					acc[o] += v
				}
			}
		}
	}
}

// spikeScatterRow adds dyT[i·ldw : (i+1)·ldw] for npix output pixels i
// into the dwT rows taps[2t+1] + c of every tap t and every bit c set in
// mask word masks[i·step + taps[2t]].
func spikeScatterRow(npix int, p *spikePlan, masks []uint64, dyT, dwT []float32) {
	ntaps := len(p.taps) / 2
	if haveSpikeKernel && haveVectorKernel {
		_ = masks[(npix-1)*p.step+p.taps[2*ntaps-2]]
		_ = dyT[(npix-1)*p.ldw+p.ldw-1]
		j := 0
		for ; j+16 <= p.ldw; j += 16 {
			spikeScatter16(npix, p.step, &masks[0], &p.taps[0], ntaps, &dwT[j], p.ldw, &dyT[j], p.ldw)
		}
		if j < p.ldw {
			spikeScatter8(npix, p.step, &masks[0], &p.taps[0], ntaps, &dwT[j], p.ldw, &dyT[j], p.ldw)
		}
		return
	}
	for i := 0; i < npix; i++ {
		g := dyT[i*p.ldw : (i+1)*p.ldw]
		for t := 0; t < ntaps; t++ {
			m := masks[i*p.step+p.taps[2*t]]
			base := p.taps[2*t+1]
			for m != 0 {
				c := bits.TrailingZeros64(m)
				m &= m - 1
				row := dwT[base+c*p.ldw:][:p.ldw]
				for o, v := range g {
					row[o] += v
				}
			}
		}
	}
}
