package main

import "github.com/snnlab/snnlab/lab"

func main() {
	var n int = "three"
	lab.Printf("%d", n)
}
