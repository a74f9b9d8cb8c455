package pairloss_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/losses/pairloss"
)

// BenchmarkLoss times one value-and-gradient evaluation at B = 256,
// D = 1024, T = 4 for every loss, strategy and precision. Select a subset
// with -bench, for example -bench 'Loss/(ctl|btl)/auto'.
func BenchmarkLoss(b *testing.B) {
	const T, B, D = 4, 256, 1024
	rng := rand.New(rand.NewPCG(1, 1))
	zA := framework.Embeddings{T: T, B: B, D: D, Data: narrow(randomData(rng, T*B*D))}
	zB := framework.Embeddings{T: T, B: B, D: D, Data: narrow(randomData(rng, T*B*D))}
	gA, gB := make([]float32, T*B*D), make([]float32, T*B*D)
	for _, name := range []string{"ctl", "btl", "ncl", "bt"} {
		for _, strategy := range []pairloss.Strategy{pairloss.Auto, pairloss.Direct, pairloss.Gram} {
			for _, prec := range []pairloss.Precision{pairloss.Float64, pairloss.Float32} {
				label := fmt.Sprintf("%s/%v/float%d", name, strategy, map[pairloss.Precision]int{pairloss.Float64: 64, pairloss.Float32: 32}[prec])
				b.Run(label, func(b *testing.B) {
					l := newLoss(b, name, nil)
					l.Strategy, l.Precision = strategy, prec
					for b.Loop() {
						if _, err := l.Evaluate(zA, zB, gA, gB); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
