package metrics

import "fmt"

// EnergyConstants are the energy per operation, in picojoules. The
// defaults are the 45 nm figures of Horowitz (ISSCC 2014) that spiking
// network papers use: 3.1 pJ for a 32-bit multiply-accumulate (MAC), 0.1 pJ
// for an accumulate (AC).
type EnergyConstants struct {
	MAC float64 // pJ per multiply-accumulate
	AC  float64 // pJ per accumulate
}

// DefaultEnergy returns 3.1 pJ per MAC and 0.1 pJ per AC.
func DefaultEnergy() EnergyConstants { return EnergyConstants{MAC: 3.1, AC: 0.1} }

// Check rejects negative or non-finite constants.
func (e EnergyConstants) Check() error {
	if !(e.MAC >= 0 && e.AC >= 0) || e.MAC > 1e12 || e.AC > 1e12 {
		return fmt.Errorf("energy constants: MAC %v pJ and AC %v pJ; both must be finite and ≥ 0", e.MAC, e.AC)
	}
	return nil
}

// Energy is one model's estimated inference compute per sample.
type Energy struct {
	MACs  float64 // multiply-accumulates
	ACs   float64 // accumulates
	Joule float64 // MACs·MAC + ACs·AC, in joules
}

func (e EnergyConstants) energy(macs, acs float64) Energy {
	return Energy{MACs: macs, ACs: acs, Joule: (macs*e.MAC + acs*e.AC) * 1e-12}
}

// ANNEnergy is a non-spiking network that runs denseMACs MACs per sample.
func (e EnergyConstants) ANNEnergy(denseMACs int64) Energy {
	return e.energy(float64(denseMACs), 0)
}

// PaperSNNEnergy is the spiking estimate of the method's energy table:
// "active operations" = dense MACs × average spike rate, each an AC, with
// no factor for the T time steps and no special case for the input layer.
func (e EnergyConstants) PaperSNNEnergy(denseMACs int64, rate float64) Energy {
	return e.energy(0, float64(denseMACs)*rate)
}

// SynOpEnergy is the standard spiking estimate: the layers that read the
// image run InputMACs MACs at each of the T steps, and every other layer
// one AC per synaptic operation.
func (e EnergyConstants) SynOpEnergy(s SynOps) Energy {
	return e.energy(float64(s.InputMACs)*float64(s.T), s.Total())
}
