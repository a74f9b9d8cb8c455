// Package augment draws the random views that self-supervised pretraining
// compares: the Barlow Twins image augmentations (random resized crop,
// horizontal flip, colour jitter, random grayscale, Gaussian blur,
// solarisation, normalisation) and, for event frames, time reversal, frame
// dropout and temporal jitter shared by both views.
//
// Every random choice comes from a 64-bit key (SampleKey of seed, epoch and
// sample index), so a view depends only on the key and the input, never on
// which goroutine computed it or in what order. Each view draws from its own
// stream; the temporal event augmentations draw from a third stream and are
// applied identically to both views.
//
// Inputs and outputs are data.Image values with layout [T, C, H, W]; images
// have T = 1 and values in [0, 1] before normalisation.
package augment
