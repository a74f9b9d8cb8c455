package lab

import (
	"fmt"

	"github.com/snnlab/snnlab/framework"
)

// Backbone returns the run's backbone with its trained weights, for tools
// that time or inspect it. Changing its parameters changes the model.
func (m *Model) Backbone() framework.Backbone { return m.trainer.Model.Backbone }

// TestImages returns the first n test images, normalised as feature
// extraction normalises them, one after another as [n, C, H, W]. It fails when the run was
// opened without its data or the test split has fewer than n images.
func (m *Model) TestImages(n int) ([]float32, error) {
	if err := m.needData("test images"); err != nil {
		return nil, err
	}
	images, _, err := m.trainer.EvalImages(false, n)
	if err != nil {
		return nil, err
	}
	if len(images) < n {
		return nil, fmt.Errorf("run %s: the test split has %d images, %d requested", m.run.ID(), len(images), n)
	}
	var out []float32
	for _, im := range images {
		out = append(out, im...)
	}
	return out, nil
}
