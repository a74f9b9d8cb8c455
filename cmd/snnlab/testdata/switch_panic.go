package main

import "github.com/snnlab/snnlab/lab"

func main() {
	values := []int{1, 2, 3}
	for _, kind := range []string{"first", "second"} {
		switch kind {
		case "first":
			lab.Printf("first case")
		default:
			lab.Printf("%d", values[len(values)+1])
		}
	}
}
