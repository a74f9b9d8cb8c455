// Package metrics computes what the cost and analysis figures report
// besides accuracy. It counts the operations and estimates the inference
// energy of the ResNet backbones, counts synaptic operations from recorded
// spikes, and computes the histogram KL divergence between two sets of
// features and t-SNE embeddings. It also measures the wall-clock time, CPU
// time and memory of repeated steps.
//
// Everything here is plain compiled Go with no dependence on the
// interpreter, so experiment scripts reach it through package lab.
package metrics
