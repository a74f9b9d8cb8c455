package main

import (
	"io"

	"github.com/snnlab/snnlab/framework/data/datacli"
)

func dataCommand(args []string, stdout, stderr io.Writer) error {
	return datacli.Main(args, stdout, stderr)
}
