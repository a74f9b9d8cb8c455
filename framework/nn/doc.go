// Package nn holds the stateless layers snnlab's backbones and heads are
// built from: parameter binding, linear and convolution layers, batch-norm,
// pooling and projection heads, all on time-folded [T·B, …] tensors.
//
// Layers own their parameters as framework.Param tensors. A layer adds its
// computation to whatever graph its input belongs to and binds its
// parameters to nodes of that graph through ParamNode, so two forward passes
// on one graph (path A and path B) share one set of weights.
package nn
