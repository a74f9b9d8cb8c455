package data

import (
	"slices"
	"testing"
)

func TestBalancedSubsetCounts(t *testing.T) {
	labels := make([]int, 0, 5000)
	for c := range 10 {
		for range 300 + 20*c {
			labels = append(labels, c)
		}
	}
	for _, fraction := range []float64{0.01, 0.1} {
		idx := BalancedSubset(labels, fraction, 7)
		if !slices.IsSorted(idx) {
			t.Errorf("fraction %v: indices not sorted", fraction)
		}
		counts := ClassCounts(func() []int {
			var l []int
			for _, i := range idx {
				l = append(l, labels[i])
			}
			return l
		}(), 10)
		for c, n := range counts {
			want := int(fraction*float64(300+20*c) + 0.5)
			if n != want {
				t.Errorf("fraction %v class %d: %d samples, want %d", fraction, c, n, want)
			}
		}
		if len(slices.Compact(slices.Clone(idx))) != len(idx) {
			t.Errorf("fraction %v: duplicate indices", fraction)
		}
	}
}

func TestBalancedSubsetSeeded(t *testing.T) {
	labels := make([]int, 1000)
	for i := range labels {
		labels[i] = i % 10
	}
	a := BalancedSubset(labels, 0.1, 1)
	b := BalancedSubset(labels, 0.1, 1)
	c := BalancedSubset(labels, 0.1, 2)
	if !slices.Equal(a, b) {
		t.Error("same seed gave different subsets")
	}
	if slices.Equal(a, c) {
		t.Error("seeds 1 and 2 gave the same subset")
	}
	if got := BalancedSubset(labels, 0.001, 1); len(got) != 10 {
		t.Errorf("tiny fraction gave %d samples, want one per class (10)", len(got))
	}
}
