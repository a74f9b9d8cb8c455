package pairloss

import (
	"fmt"

	"github.com/snnlab/snnlab/framework"
)

// Form selects the invariance term of the pair term.
type Form string

const (
	// FormBT is Barlow Twins' Σ_i (1 − C_ii)², the default.
	FormBT Form = "bt"
	// FormPaper is the invariance term as printed in Zhou and Datta,
	// Σ_i (1 − C_ii²). Its gradient vanishes at C_ii = 0, so training
	// starts on a saddle. It is kept for ablations.
	FormPaper Form = "paper"
)

// Option names and defaults shared by every loss built on this engine.
const (
	OptLambda     = "lambda"
	OptCenter     = "center"
	OptInvariance = "invariance"

	DefaultLambda = 5e-3
)

// OptionSpecs returns the options every pair loss accepts.
func OptionSpecs() []framework.OptionSpec {
	return []framework.OptionSpec{
		framework.FloatOption(OptLambda, DefaultLambda, 0, 1e3, "",
			"weight λ of the redundancy term λ·Σ_{i≠j} C_ij²"),
		framework.BoolOption(OptCenter, true,
			"subtract the per-dimension batch mean before normalising (Barlow Twins); false gives the uncentred cross-correlation as printed in the paper"),
		framework.ChoiceOption(OptInvariance, string(FormBT), []string{string(FormBT), string(FormPaper)},
			"invariance term: bt is Σ_i (1 − C_ii)², paper is the printed Σ_i (1 − C_ii²)"),
	}
}

// Config holds the numeric settings of a pair loss.
type Config struct {
	Lambda float64 // weight of the redundancy term, ≥ 0
	Center bool    // subtract the batch mean per dimension
	Form   Form    // invariance term
}

// DefaultConfig returns λ = 5e-3, centring on and the "bt" form.
func DefaultConfig() Config {
	return Config{Lambda: DefaultLambda, Center: true, Form: FormBT}
}

// ConfigFromOptions reads resolved options declared by OptionSpecs.
func ConfigFromOptions(o framework.Options) (Config, error) {
	c := Config{
		Lambda: o.Float(OptLambda),
		Center: o.Bool(OptCenter),
		Form:   Form(o.String(OptInvariance)),
	}
	return c, c.check()
}

func (c Config) check() error {
	if !(c.Lambda >= 0) {
		return fmt.Errorf("option %s: invalid value %v: use a value in [0, 1e3]", OptLambda, c.Lambda)
	}
	if c.Form != FormBT && c.Form != FormPaper {
		return fmt.Errorf("option %s: invalid value %q: use %q or %q", OptInvariance, c.Form, FormBT, FormPaper)
	}
	return nil
}

// invariance returns f(c) and f'(c) of the invariance term for one
// diagonal entry c = C_ii.
func (c Config) invariance(cii float64) (f, df float64) {
	if c.Form == FormPaper {
		return 1 - cii*cii, -2 * cii
	}
	return (1 - cii) * (1 - cii), -2 * (1 - cii)
}
