// Package ncl registers the "ncl" loss: non-cross temporal loss, Barlow Twins pair terms between the two paths at each time step, summed.
//
// The loss sums the pair term of (Z_A[t], Z_B[t]) over t = 0..T-1, with no pair across time steps.
//
// Options: lambda (weight of the redundancy term, default 5e-3), center
// (subtract the batch mean per dimension, default true) and invariance
// ("bt" for Σ_i (1 − C_ii)², the default, or "paper" for the printed
// Σ_i (1 − C_ii²)). The pair terms and the numerics are those of package
// pairloss.
package ncl

import (
	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/losses/pairloss"
)

// Name is the registered name of the loss.
const Name = "ncl"

func init() {
	framework.RegisterLoss(framework.Spec{
		Name:    Name,
		Doc:     "non-cross temporal loss, Barlow Twins pair terms between the two paths at each time step, summed",
		Options: pairloss.OptionSpecs(),
	}, func(o framework.Options) (framework.Loss, error) {
		return FromOptions(o)
	})
}

// New returns the loss with the given settings.
func New(cfg pairloss.Config) *pairloss.Loss {
	return &pairloss.Loss{Name: Name, Pairs: pairloss.NCL, Config: cfg}
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
