package eval

import "fmt"

// Result is the outcome of one evaluation. Top1 and Top5 are fractions in
// [0, 1] on the test set; Top5 counts a hit among the min(5, classes)
// highest scores. Epochs is the number of training epochs (0 for k-NN).
type Result struct {
	Top1, Top5 float64
	Epochs     int
	NTrain     int
	NTest      int
	Curve      []EpochStats // one entry per epoch; empty for k-NN
}

// EpochStats is the training curve entry of one epoch.
type EpochStats struct {
	Epoch     int     // 0-based
	LR        float64 // learning rate of the epoch's last step (the head's for fine-tuning)
	Loss      float64 // mean softmax cross-entropy over the epoch's training samples, in nats
	TrainTop1 float64 // fraction of the epoch's training samples classified correctly while training
	TestTop1  float64 // top-1 on the test set after the epoch, when Tested
	Tested    bool
}

// inferClasses returns the number of classes: given when positive, else one
// more than the largest label. It rejects negative labels and labels at or
// above a given count.
func inferClasses(given int, labelSets ...[]int) (int, error) {
	if given < 0 {
		return 0, fmt.Errorf("NumClasses = %d: use a positive count, or 0 to infer it from the labels", given)
	}
	largest := -1
	for _, labels := range labelSets {
		for i, l := range labels {
			if l < 0 {
				return 0, fmt.Errorf("label %d at position %d is negative: labels must be class indices 0…C-1", l, i)
			}
			if given > 0 && l >= given {
				return 0, fmt.Errorf("label %d at position %d is outside NumClasses = %d: raise NumClasses or fix the labels", l, i, given)
			}
			largest = max(largest, l)
		}
	}
	if given > 0 {
		return given, nil
	}
	if largest < 1 {
		return 0, fmt.Errorf("the labels contain fewer than 2 classes (largest label %d): classification needs at least 2", largest)
	}
	return largest + 1, nil
}

// rankHits reports whether label is the top-scoring class (top1) and
// whether it is among the min(5, C) top-scoring classes (top5). Ties rank
// the lower class index first, so the result is deterministic.
func rankHits(scores []float32, label int) (top1, top5 bool) {
	s := scores[label]
	above := 0
	for c, v := range scores {
		if v > s || (v == s && c < label) {
			above++
		}
	}
	return above == 0, above < min(5, len(scores))
}

// argmax returns the index of the largest score, the lowest index on ties.
func argmax(scores []float32) int {
	best := 0
	for c, v := range scores {
		if v > scores[best] {
			best = c
		}
	}
	return best
}

// accuracy returns top-1 and top-5 of scores [N, C] against labels.
func accuracy(scores []float32, C int, labels []int) (top1, top5 float64) {
	if len(labels) == 0 {
		return 0, 0
	}
	var h1, h5 int
	for i, l := range labels {
		a, b := rankHits(scores[i*C:(i+1)*C], l)
		if a {
			h1++
		}
		if b {
			h5++
		}
	}
	n := float64(len(labels))
	return float64(h1) / n, float64(h5) / n
}
