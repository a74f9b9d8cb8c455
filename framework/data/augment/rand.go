package augment

import "math/rand/v2"

// SampleKey derives the key of one sample's augmentation from the run's
// seed, the epoch and the sample's index in the dataset, by chaining the
// SplitMix64 finaliser over the three values.
func SampleKey(seed int64, epoch, index int) uint64 {
	h := mix64(uint64(seed) ^ 0x9e3779b97f4a7c15)
	h = mix64(h ^ uint64(epoch))
	return mix64(h ^ uint64(index))
}

func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Stream numbers: view A, view B and the temporal draws shared by both
// have independent generators for the same key.
const (
	streamA uint64 = iota + 1
	streamB
	streamShared
)

func newRand(key, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(key, stream))
}
