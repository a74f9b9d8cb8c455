package infer

import (
	"fmt"
	"math"

	"github.com/snnlab/snnlab/framework"
)

// reference runs net on one image x [frames][C][H][W] with plain float64
// loops over [C, H, W] maps, straight from the layer definitions
// (batch-norm unfolded), and returns the per-step features [T][F] and the
// spike count of every neuron layer by name.
//
// ops counts, per convolution, the additions an accumulate-only kernel
// does for spike inputs (one per nonzero input element, output channel and
// output pixel its taps reach) and K²·Cin·Cout·H'·W' multiply-accumulates
// per step for analog inputs.
func reference(net framework.Network, x []float32, frames int) (feats [][]float64, spikes map[string]int, ops map[string]int, err error) {
	type fmap struct {
		c, h, w int
		d       []float64
	}
	in := net.Input
	size := in.C * in.H * in.W
	spikes, ops = map[string]int{}, map[string]int{}
	binary := map[string]bool{}
	// Neuron state per layer.
	mem := map[string][]float64{}
	for t := 0; t < net.T; t++ {
		s := t
		if frames == 1 {
			s = 0
		}
		input := fmap{in.C, in.H, in.W, make([]float64, size)}
		for i := range input.d {
			input.d[i] = float64(x[s*size+i])
		}
		out := map[string]fmap{}
		get := func(l framework.Layer, k int) fmap {
			if len(l.Inputs) == 0 {
				return input
			}
			return out[l.Inputs[k]]
		}
		for _, l := range net.Layers {
			a := get(l, 0)
			switch l.Kind {
			case "conv2d":
				k, st, p := int(l.Attrs["kernel"]), int(l.Attrs["stride"]), int(l.Attrs["padding"])
				co := l.Shapes["weight"][0]
				oh, ow := (a.h+2*p-k)/st+1, (a.w+2*p-k)/st+1
				r := fmap{co, oh, ow, make([]float64, co*oh*ow)}
				wt := l.Weights["weight"]
				spiking := len(l.Inputs) > 0 && binary[l.Inputs[0]]
				if !spiking {
					ops[l.Name] += k * k * a.c * co * oh * ow
				}
				for o := 0; o < co; o++ {
					for y := 0; y < oh; y++ {
						for xx := 0; xx < ow; xx++ {
							sum := 0.0
							for ci := 0; ci < a.c; ci++ {
								for ky := 0; ky < k; ky++ {
									for kx := 0; kx < k; kx++ {
										iy, ix := y*st-p+ky, xx*st-p+kx
										if iy < 0 || iy >= a.h || ix < 0 || ix >= a.w {
											continue
										}
										v := a.d[(ci*a.h+iy)*a.w+ix]
										sum += float64(wt[((o*a.c+ci)*k+ky)*k+kx]) * v
										if spiking && v != 0 {
											ops[l.Name]++
										}
									}
								}
							}
							r.d[(o*oh+y)*ow+xx] = sum
						}
					}
				}
				out[l.Name] = r
			case "batchnorm":
				r := fmap{a.c, a.h, a.w, make([]float64, len(a.d))}
				g, b, m, v := l.Weights["weight"], l.Weights["bias"], l.Weights["running_mean"], l.Weights["running_var"]
				for c := 0; c < a.c; c++ {
					for j := 0; j < a.h*a.w; j++ {
						i := c*a.h*a.w + j
						r.d[i] = (a.d[i]-float64(m[c]))/math.Sqrt(float64(v[c])+l.Attrs["eps"])*float64(g[c]) + float64(b[c])
					}
				}
				out[l.Name] = r
			case "neuron":
				o := l.NeuronOptions
				opt := func(name string, def float64) float64 {
					if x, ok := o[name]; ok {
						return x.(float64)
					}
					return def
				}
				beta := opt("decay", 0.5)
				switch l.Neuron {
				case "if":
					beta = 1
				case "plif":
					beta = 1 / (1 + math.Exp(-float64(l.Weights["w"][0])))
				}
				vth, vreset := opt("threshold", 1), opt("reset", 0)
				soft := o["reset_mode"] == "soft"
				v := mem[l.Name]
				if v == nil {
					v = make([]float64, len(a.d))
					mem[l.Name] = v
				}
				r := fmap{a.c, a.h, a.w, make([]float64, len(a.d))}
				for i, I := range a.d {
					h := beta*v[i] + I
					switch {
					case h >= vth && soft:
						r.d[i], v[i] = 1, h-vth
					case h >= vth:
						r.d[i], v[i] = 1, vreset
					default:
						v[i] = h
					}
					if r.d[i] == 1 {
						spikes[l.Name]++
					}
				}
				out[l.Name] = r
				binary[l.Name] = true
			case "add":
				b := get(l, 1)
				r := fmap{a.c, a.h, a.w, make([]float64, len(a.d))}
				for i := range r.d {
					r.d[i] = a.d[i] + b.d[i]
				}
				out[l.Name] = r
			case "maxpool", "avgpool":
				kh, kw := int(l.Attrs["kernel"]), int(l.Attrs["kernel"])
				if kh == 0 {
					kh, kw = int(l.Attrs["kernel_h"]), int(l.Attrs["kernel_w"])
				}
				sh, sw := int(l.Attrs["stride"]), int(l.Attrs["stride"])
				if sh == 0 {
					sh, sw = int(l.Attrs["stride_h"]), int(l.Attrs["stride_w"])
				}
				p := int(l.Attrs["padding"])
				oh, ow := (a.h+2*p-kh)/sh+1, (a.w+2*p-kw)/sw+1
				r := fmap{a.c, oh, ow, make([]float64, a.c*oh*ow)}
				for c := 0; c < a.c; c++ {
					for y := 0; y < oh; y++ {
						for xx := 0; xx < ow; xx++ {
							best, sum := math.Inf(-1), 0.0
							for ky := 0; ky < kh; ky++ {
								for kx := 0; kx < kw; kx++ {
									iy, ix := y*sh-p+ky, xx*sw-p+kx
									if iy < 0 || iy >= a.h || ix < 0 || ix >= a.w {
										continue
									}
									v := a.d[(c*a.h+iy)*a.w+ix]
									best, sum = math.Max(best, v), sum+v
								}
							}
							if l.Kind == "maxpool" && len(l.Inputs) > 0 {
								binary[l.Name] = binary[l.Inputs[0]]
							}
							if l.Kind == "maxpool" {
								r.d[(c*oh+y)*ow+xx] = best
							} else {
								r.d[(c*oh+y)*ow+xx] = sum / float64(kh*kw)
							}
						}
					}
				}
				out[l.Name] = r
			default:
				return nil, nil, nil, fmt.Errorf("reference: layer kind %q", l.Kind)
			}
		}
		last := out[net.Layers[len(net.Layers)-1].Name]
		feats = append(feats, last.d)
	}
	return feats, spikes, ops, nil
}
