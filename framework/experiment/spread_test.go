package experiment

import (
	"context"
	"math"
	"strings"
	"testing"
)

func TestMeanVarianceAcross(t *testing.T) {
	// Item 0 varies as 1, 2, 3 (sample variance 1); item 1 as 2, 4, 6
	// (sample variance 4): the mean is 2.5.
	x := [][]float64{{1, 2}, {2, 4}, {3, 6}}
	if got := meanVarianceAcross(x); math.Abs(got-2.5) > 1e-12 {
		t.Errorf("meanVarianceAcross = %v, want 2.5", got)
	}
	same := [][]float64{{5, 7}, {5, 7}}
	if got := meanVarianceAcross(same); got != 0 {
		t.Errorf("identical draws give %v, want 0", got)
	}
}

func TestAugmentationSpreadRejectsBadArguments(t *testing.T) {
	tr := &Trainer{Config: Config{Batch: 32}}
	if _, err := tr.AugmentationSpread(context.Background(), 1, 64); err == nil || !strings.Contains(err.Error(), "draws = 1") {
		t.Errorf("one draw: error %v", err)
	}
	if _, err := tr.AugmentationSpread(context.Background(), 4, 16); err == nil || !strings.Contains(err.Error(), "less than one batch of 32") {
		t.Errorf("16 images: error %v", err)
	}
}
