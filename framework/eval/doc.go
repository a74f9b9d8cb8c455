// Package eval measures how good a backbone's representation is, with the
// evaluation protocols of the method snnlab implements (Zhou and Datta,
// "Learning Scalable Temporal Representations in Spiking Neural Networks
// without Labels", section 4 and appendix B):
//
//   - Extract runs the spiking path in evaluation mode over a dataset once.
//     It returns the representation, which is the backbone's pooled output
//     averaged over the T time steps ([N, F]). On request it also returns
//     the features of each time step ([T, N, F]) and the spike rate of every
//     neuron layer per time step.
//   - TrainLinear and LinearEval fit a multinomial logistic regression on
//     fixed features in plain Go (AdamW, cosine schedule).
//   - KNN is the cheap k-nearest-neighbour monitor on the same features.
//   - FineTune trains the whole network with a linear classifier on a label
//     subset (semi-supervised evaluation); Supervised trains a randomly
//     initialised backbone on every label (the supervised baseline).
//
// The package never touches the projection head of pretraining: the
// representation is the backbone's output. It does not load datasets or
// choose augmentations; callers pass a data.Dataset and a loader.Transform.
package eval
