package main

import "github.com/snnlab/snnlab/lab"

func main() {
	lab.Printf("before")
	x :=
}
