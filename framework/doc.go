// Package framework defines the four kinds of parts snnlab is built from:
// neurons, losses, backbones and hardware targets. It holds their
// interfaces, the typed options each part declares, and the registry that
// maps a part's name to its factory.
//
// Built-in parts live in the plugins tree and register themselves from their
// init functions; this package never imports them. Sub-packages hold the
// machinery built on these contracts: autograd adapters for gorgonia, layers,
// optimisers, training, data, evaluation and run records.
package framework
