// Package gorgoniatraps contains no code, only regression tests that pin
// the gorgonia v0.9.18 behaviours the neuron tests and the reference graph
// depend on. If a gorgonia upgrade changes one of them, its test here
// fails first and names the behaviour.
package gorgoniatraps
