package main

import "github.com/snnlab/snnlab/lab"

func main() {
	lab.Printf("about to fail")
	values := []int{1, 2, 3}
	index := len(values) + 2
	lab.Printf("%d", values[index])
}
