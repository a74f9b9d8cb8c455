// Package bt registers the "bt" loss: plain Barlow Twins loss per time step, averaged over the time steps.
//
// The loss averages the pair term of (Z_A[t], Z_B[t]) over t = 0..T-1; it is ncl divided by T, so its scale does not depend on T.
//
// Options: lambda (weight of the redundancy term, default 5e-3), center
// (subtract the batch mean per dimension, default true) and invariance
// ("bt" for Σ_i (1 − C_ii)², the default, or "paper" for the printed
// Σ_i (1 − C_ii²)). The pair terms and the numerics are those of package
// pairloss.
package bt

import (
	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/losses/pairloss"
)

// Name is the registered name of the loss.
const Name = "bt"

func init() {
	framework.RegisterLoss(framework.Spec{
		Name:    Name,
		Doc:     "plain Barlow Twins loss per time step, averaged over the time steps",
		Options: pairloss.OptionSpecs(),
	}, func(o framework.Options) (framework.Loss, error) {
		return FromOptions(o)
	})
}

// New returns the loss with the given settings.
func New(cfg pairloss.Config) *pairloss.Loss {
	return &pairloss.Loss{Name: Name, Pairs: pairloss.BT, Config: cfg}
}

// FromOptions builds the loss from options resolved against
// pairloss.OptionSpecs.
func FromOptions(o framework.Options) (*pairloss.Loss, error) {
	cfg, err := pairloss.ConfigFromOptions(o)
	if err != nil {
		return nil, err
	}
	return New(cfg), nil
}
