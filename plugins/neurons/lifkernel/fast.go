package lifkernel

import "github.com/snnlab/snnlab/plugins/neurons/surrogate"

// fastPath enables the specialised loops below; tests turn it off to
// compare them with the general ones.
var fastPath = true

// fast reports whether the call takes the specialised loops: a fixed
// threshold and the rectangular surrogate, the configuration of LIF, IF,
// PLIF and MixedLIF with default options. The general loops test every
// option for every element. These choose the loop once per row, so the
// inner loops carry no branches besides the loop itself.
func (k *kernel[F]) fast() bool {
	return fastPath && !k.adaptive && k.shape == surrogate.Rectangular
}

// forwardFast is forwardBlock for fast calls.
func (k *kernel[F]) forwardFast(n0, n1 int, input []F, tr *Trace[F], s *scratch[F]) (bad bool) {
	w := n1 - n0
	s.size(k.T, w, false)
	v := s.v[:w]
	clear(v)
	decay, vth, vreset, invA := k.decay, k.vth, k.vreset, k.invA
	var nan F
	for t := 0; t < k.T; t++ {
		row := t*k.N + n0
		in := input[row : row+w]
		out := s.o[:w]
		if tr.Out != nil {
			out = tr.Out[row : row+w]
		}
		hs, vs := s.h[t*w:t*w+w], s.vt[t*w:t*w+w]
		v, out, hs, vs := v[:len(in)], out[:len(in)], hs[:len(in)], vs[:len(in)]
		// nan becomes NaN exactly when some input is NaN or ±Inf (I·0).
		if n8 := len(in) &^ 7; n8 > 0 && haveRows {
			if in32, ok := any(in).([]float32); ok {
				mode := 0
				if k.soft {
					mode |= 1
				}
				if k.continuous {
					mode |= 2
				}
				p := k.rowParams()
				nan += F(forwardRow(n8, &in32[0], &any(v).([]float32)[0], &any(hs).([]float32)[0],
					&any(vs).([]float32)[0], &any(out).([]float32)[0], &p[0], mode))
				in, v, out, hs, vs = in[n8:], v[n8:], out[n8:], hs[n8:], vs[n8:]
			}
		}
		switch {
		case !k.soft && !k.continuous:
			for j, I := range in {
				nan += I * 0
				h := decay*v[j] + I
				sp := step[F](h - vth)
				vn := (1-sp)*h + sp*vreset
				hs[j], vs[j], v[j], out[j] = h, vn, vn, sp
			}
		case k.soft && !k.continuous:
			for j, I := range in {
				nan += I * 0
				h := decay*v[j] + I
				sp := step[F](h - vth)
				vn := h - sp*vth
				hs[j], vs[j], v[j], out[j] = h, vn, vn, sp
			}
		case !k.soft:
			for j, I := range in {
				nan += I * 0
				h := decay*v[j] + I
				x := h - vth
				sp := step[F](x)
				vn := (1-sp)*h + sp*vreset
				hs[j], vs[j], v[j] = h, vn, vn
				out[j] = min(max(x*invA+0.5, 0), 1)
			}
		default:
			for j, I := range in {
				nan += I * 0
				h := decay*v[j] + I
				x := h - vth
				sp := step[F](x)
				vn := h - sp*vth
				hs[j], vs[j], v[j] = h, vn, vn
				out[j] = min(max(x*invA+0.5, 0), 1)
			}
		}
		k.copyStep(t, n0, w, s, tr)
	}
	return nan != nan
}

// backwardFast is backwardBlock for fast calls.
func (k *kernel[F]) backwardFast(n0, n1 int, gradOut, gradIn []F, s *scratch[F]) float64 {
	w := n1 - n0
	gV := s.gv[:w]
	clear(gV)
	decay, vth, vreset, halfA, invA := k.decay, k.vth, k.vreset, k.halfA, k.invA
	spiking := !k.continuous
	resetGrad := spiking && !k.detach

	var gDecay float64
	for t := k.T - 1; t >= 0; t-- {
		row := t*k.N + n0
		hs := s.h[t*w : t*w+w]
		G, gI, gV := gradOut[row:row+w], gradIn[row:row+w], gV[:len(hs)]
		G, gI = G[:len(hs)], gI[:len(hs)]
		gIRow := gI
		if n8 := len(hs) &^ 7; n8 > 0 && haveRows {
			if hs32, ok := any(hs).([]float32); ok {
				mode := 0
				if k.soft {
					mode |= 1
				}
				if resetGrad {
					mode |= 2
				}
				p := k.rowParams()
				backwardRow(n8, &hs32[0], &any(G).([]float32)[0], &any(gI).([]float32)[0], &any(gV).([]float32)[0], &p[0], mode)
				hs, G, gI, gV = hs[n8:], G[n8:], gI[n8:], gV[n8:]
			}
		}
		switch {
		case spiking && !k.soft && resetGrad:
			for j, h := range hs {
				x := h - vth
				sp := step[F](x)
				gv := gV[j]
				gx := (G[j] + gv*(vreset-h)) * window(x, halfA) * invA
				gh := gv*(1-sp) + gx
				gI[j], gV[j] = gh, decay*gh
			}
		case spiking && k.soft && resetGrad:
			for j, h := range hs {
				x := h - vth
				gv := gV[j]
				gh := gv + (G[j]-gv*vth)*window(x, halfA)*invA
				gI[j], gV[j] = gh, decay*gh
			}
		case k.soft:
			// Spiking with a detached reset and the continuous path differ
			// only in where the surrogate's input gradient comes from: G.
			for j, h := range hs {
				x := h - vth
				gh := gV[j] + G[j]*window(x, halfA)*invA
				gI[j], gV[j] = gh, decay*gh
			}
		default:
			for j, h := range hs {
				x := h - vth
				sp := step[F](x)
				gh := gV[j]*(1-sp) + G[j]*window(x, halfA)*invA
				gI[j], gV[j] = gh, decay*gh
			}
		}
		if k.decayGrad && t > 0 {
			var g F
			vPrev := s.vt[(t-1)*w : t*w]
			vPrev = vPrev[:len(gIRow)]
			for j, gh := range gIRow {
				g += gh * vPrev[j]
			}
			gDecay += float64(g)
		}
	}
	return gDecay
}

// rowParams packs the constants of the vector rows: decay, Vth, Vreset,
// 1/α and α/2, in float32.
func (k *kernel[F]) rowParams() [8]float32 {
	return [8]float32{float32(k.decay), float32(k.vth), float32(k.vreset), float32(k.invA), float32(k.halfA)}
}
