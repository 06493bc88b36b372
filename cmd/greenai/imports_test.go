package main

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPresentationLivesInReport: cmd/greenai imports package report and
// none of the formatting packages it would need to lay out output itself.
func TestPresentationLivesInReport(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	imports := map[string][]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, is := range af.Imports {
			p, _ := strconv.Unquote(is.Path.Value)
			imports[p] = append(imports[p], f)
		}
	}
	if len(imports["github.com/greenai/greenai/report"]) == 0 {
		t.Errorf("cmd/greenai does not import package report")
	}
	for _, p := range []string{"text/tabwriter", "encoding/csv"} {
		if fs := imports[p]; len(fs) > 0 {
			t.Errorf("%s imports %s: tables are laid out by package report", strings.Join(fs, ", "), p)
		}
	}
}
