package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strings"
)

// markerPackage is the import name under which instrumented scripts reach
// the line markers; the leading underscores keep it out of the way of any
// name a script defines.
const markerPackage = "__snnlab"

// instrument returns the script's source with a line marker before every
// statement of every block, so that a panic anywhere in the script can be
// reported with the line it happened on. Markers go on the statement's own
// line and the import goes on the package clause's line, so every line
// number stays the same as in the original file. A syntax error is returned
// with the original position.
func instrument(filename string, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}

	type insertion struct {
		offset int
		text   string
	}
	var inserts []insertion
	mark := func(list []ast.Stmt) {
		for _, s := range list {
			switch s.(type) {
			case *ast.CaseClause, *ast.CommClause:
				// The body of a switch or select holds its clauses, which
				// take no marker; their own statements are marked below.
				continue
			}
			pos := fset.Position(s.Pos())
			inserts = append(inserts, insertion{pos.Offset, fmt.Sprintf("%s.Line(%d); ", markerPackage, pos.Line)})
		}
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch b := n.(type) {
		case *ast.BlockStmt:
			mark(b.List)
		case *ast.CaseClause:
			mark(b.Body)
		case *ast.CommClause:
			mark(b.Body)
		}
		return true
	})

	// The import follows the package clause on its own line.
	nameEnd := fset.Position(file.Name.End()).Offset
	inserts = append(inserts, insertion{nameEnd, fmt.Sprintf("; import %s %q", markerPackage, "github.com/snnlab/snnlab/lab")})

	sort.SliceStable(inserts, func(i, j int) bool { return inserts[i].offset < inserts[j].offset })
	var out strings.Builder
	last := 0
	for _, ins := range inserts {
		out.Write(src[last:ins.offset])
		out.WriteString(ins.text)
		last = ins.offset
	}
	out.Write(src[last:])
	return []byte(out.String()), nil
}
