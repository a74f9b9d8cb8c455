package main

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// Every kind of block a script may hold must still parse once instrumented,
// with each statement's line marker on its own line.
func TestInstrumentKeepsScriptsValid(t *testing.T) {
	src := `package main

func main() {
	n := 2
	switch n {
	case 1:
		n++
	case 2:
		n--
		fallthrough
	default:
		n = 0
	}
	var v any = n
	switch x := v.(type) {
	case int:
		_ = x
	}
	ch := make(chan int, 1)
	select {
	case ch <- 1:
		n++
	default:
	}
outer:
	for i := 0; i < 3; i++ {
		if i == 1 {
			break outer
		}
	}
}
`
	out, err := instrument("script.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "script.go", out, 0); err != nil {
		t.Fatalf("instrumented script does not parse: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	for _, n := range []int{4, 7, 9, 10, 12, 17, 22, 25, 27} {
		if !strings.Contains(lines[n-1], markerPackage+".Line(") {
			t.Errorf("line %d has no marker: %q", n, lines[n-1])
		}
	}
	for _, n := range []int{6, 8, 11, 16, 21, 23} {
		if strings.Contains(lines[n-1], markerPackage+".Line(") {
			t.Errorf("clause line %d got a marker: %q", n, lines[n-1])
		}
	}
}
