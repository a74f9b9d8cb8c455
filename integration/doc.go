// Package integration holds tests that exercise the framework together with
// the built-in plugins: the dual-path training step against the method's
// two-pass form, and reproducibility from a seed.
package integration
