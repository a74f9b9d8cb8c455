// Package events reads event-camera recordings and integrates them into
// frames that spiking networks take as input.
//
// Readers: the ATIS binary format of N-MNIST and N-Caltech101 (ReadATIS),
// AEDAT 2.0 as CIFAR10-DVS is distributed (ReadAEDAT2), AEDAT 4.0
// (ReadAEDAT4) and the Prophesee .dat format of N-CARS (ReadDAT). ToFrames
// bins events into [T, 2, H, W] frames by time or by event count, at a
// chosen resolution; FrameDataset presents a folder of recordings as a
// data.Dataset of such frames.
package events

// Event is one change-detection event: timestamp T in microseconds, pixel
// column X and row Y, and polarity P (1 = ON, brightness increase; 0 = OFF).
type Event struct {
	T    int64
	X, Y uint16
	P    uint8
}

// Bounds returns the largest X and Y of evs, and the first and last
// timestamps. It returns zeros for no events.
func Bounds(evs []Event) (maxX, maxY int, first, last int64) {
	if len(evs) == 0 {
		return 0, 0, 0, 0
	}
	first, last = evs[0].T, evs[0].T
	for _, e := range evs {
		maxX = max(maxX, int(e.X))
		maxY = max(maxY, int(e.Y))
		first = min(first, e.T)
		last = max(last, e.T)
	}
	return maxX, maxY, first, last
}
