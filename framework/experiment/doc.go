// Package experiment turns a run configuration into trained models and
// measured numbers: it resolves a Config against the registry, loads the
// dataset, builds the backbone and head, runs dual-path pretraining with
// checkpoints and a k-NN monitor, and hands the trained model to the
// evaluation protocols. The script API and the snnlab command are thin
// layers over this package.
package experiment
