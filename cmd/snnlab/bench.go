package main

import (
	"fmt"
	"io"
)

func benchCommand(args []string, stdout, stderr io.Writer) error {
	return fmt.Errorf("bench: not built yet")
}
