// Package train runs the method's dual-path pretraining step on gorgonia:
// path A runs the backbone with spiking neurons on one augmented view, path
// B runs the same weights with the continuous path on the other, the
// projection head maps both to embeddings, and one backward pass of the
// undetached temporal loss updates every weight.
//
// By the chain rule, that single pass gives the same gradient as the
// method's two-pass form (the loss with path B detached plus the loss with
// path A detached); TwoPassGradients computes the two-pass form so tests can
// check the equivalence.
package train
