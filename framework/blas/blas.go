// Package blas selects the matrix library behind gorgonia and gonum. The
// default build is pure Go. Building with the openblas tag (it needs
// libopenblas-dev, gcc and CGO_LDFLAGS=-lopenblas) routes matrix products
// through OpenBLAS:
//
//	CGO_LDFLAGS=-lopenblas go build -tags openblas ./cmd/snnlab
//
// Import the package for its side effect; Name reports the choice.
package blas
