//go:build !openblas

package blas

// Name is the matrix library this binary uses.
const Name = "pure-go"
