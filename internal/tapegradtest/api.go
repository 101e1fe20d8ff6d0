package tapegradtest

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// ExportedAPI lists the exported functions and methods of the package in
// dir (its non-test .go files), as "Func" and "Type.Method", sorted. A test
// that must call every entry point (with nil and zero arguments, say)
// compares its table with this list, so an entry point added later without
// a row fails the test instead of going unchecked.
func ExportedAPI(t testing.TB, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !fd.Name.IsExported() {
				continue
			}
			if fd.Recv == nil {
				names = append(names, fd.Name.Name)
				continue
			}
			recv := fd.Recv.List[0].Type
			if st, ok := recv.(*ast.StarExpr); ok {
				recv = st.X
			}
			if ix, ok := recv.(*ast.IndexExpr); ok { // a generic receiver T[E]
				recv = ix.X
			}
			if id, ok := recv.(*ast.Ident); ok && id.IsExported() {
				names = append(names, id.Name+"."+fd.Name.Name)
			}
		}
	}
	slices.Sort(names)
	return names
}

// NoRuntimePanic runs f and fails t if f panics with a runtime error (a
// nil dereference, an index out of range, a failed conversion: a crash
// rather than the package's documented error) or with a value that is not
// an error. A returned error or a panic with an error that is not a
// runtime.Error is the documented behaviour and passes; the error, if any,
// is returned for further checks.
func NoRuntimePanic(t testing.TB, name string, f func()) error {
	t.Helper()
	err := Catch(f)
	var re runtime.Error
	var np *NonErrorPanic
	switch {
	case errors.As(err, &re):
		t.Errorf("%s: runtime panic %v, want the package's documented error", name, err)
	case errors.As(err, &np):
		t.Errorf("%s: %v, want an error value", name, err)
	}
	return err
}

// MissingRows returns the names in api that rows lacks, and the rows that
// name nothing in api (stale rows), for a table keyed by ExportedAPI names.
func MissingRows(api []string, rows map[string]bool) (missing, stale []string) {
	for _, n := range api {
		if !rows[n] {
			missing = append(missing, n)
		}
	}
	for n := range rows {
		if !slices.Contains(api, n) {
			stale = append(stale, n)
		}
	}
	slices.Sort(stale)
	return missing, stale
}
