package data

import (
	"math"
	"math/rand/v2"
	"sort"
)

// BalancedSubset draws a class-balanced sample of about fraction of the
// indices of labels, as used for the 1 % and 10 % semi-supervised runs.
// Each class c contributes round(fraction × count(c)) indices, at least
// one when the class is not empty, chosen uniformly at random without
// replacement. The result is sorted ascending and depends only on labels,
// fraction and seed. fraction is clamped to [0, 1].
func BalancedSubset(labels []int, fraction float64, seed int64) []int {
	fraction = math.Max(0, math.Min(1, fraction))

	byClass := map[int][]int{}
	for i, l := range labels {
		byClass[l] = append(byClass[l], i)
	}
	classes := make([]int, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	sort.Ints(classes)

	var out []int
	for _, c := range classes {
		members := byClass[c]
		take := int(math.Round(fraction * float64(len(members))))
		if take == 0 && fraction > 0 {
			take = 1
		}
		// One stream per class, so a class's draw does not depend on
		// which other classes are present.
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(c)^0x5ab5e7))
		perm := rng.Perm(len(members))
		for _, k := range perm[:take] {
			out = append(out, members[k])
		}
	}
	sort.Ints(out)
	return out
}
