// Package btl registers the "btl" loss: boundary temporal loss, Barlow Twins pair terms over the first and last time steps of both paths.
//
// The members are Z_A[0], Z_A[T-1], Z_B[0] and Z_B[T-1]; the loss sums the pair term over their 6 unordered pairs and divides by 2, so its cost does not grow with T. It needs T ≥ 2.
//
// Options: lambda (weight of the redundancy term, default 5e-3), center
// (subtract the batch mean per dimension, default true) and invariance
// ("bt" for Σ_i (1 − C_ii)², the default, or "paper" for the printed
// Σ_i (1 − C_ii²)). The pair terms and the numerics are those of package
// pairloss.
package btl

import (
	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/losses/pairloss"
)

// Name is the registered name of the loss.
const Name = "btl"

func init() {
	framework.RegisterLoss(framework.Spec{
		Name:    Name,
		Doc:     "boundary temporal loss, Barlow Twins pair terms over the first and last time steps of both paths",
		Options: pairloss.OptionSpecs(),
	}, func(o framework.Options) (framework.Loss, error) {
		return FromOptions(o)
	})
}

// New returns the loss with the given settings.
func New(cfg pairloss.Config) *pairloss.Loss {
	return &pairloss.Loss{Name: Name, Pairs: pairloss.BTL, Config: cfg}
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
