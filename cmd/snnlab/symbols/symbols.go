// Package symbols holds the yaegi symbol tables of the packages experiment
// scripts may import from snnlab. The tables are generated; regenerate them
// with `go generate ./cmd/snnlab/symbols` after changing those packages.
package symbols

import "reflect"

//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/snnlab/snnlab/lab

// Symbols maps import paths to their exported symbols, for interp.Use.
var Symbols = map[string]map[string]reflect.Value{}
