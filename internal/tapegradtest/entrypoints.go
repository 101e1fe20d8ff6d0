package tapegradtest

import (
	"errors"
	"maps"
	"runtime"
	"slices"
	"testing"
)

// CheckEntryPoints is the whole test of a package's entry points with nil
// and zero arguments. rows maps each name of ExportedAPI(t, ".") ("Func",
// "Type.Method") to the calls that try it; a name without a row, or a row
// naming nothing, fails t, so a new entry point cannot go unchecked (a row
// with no calls records a deliberate exception, which a comment explains).
// Each row runs as a subtest, each call through CheckCall.
func CheckEntryPoints(t *testing.T, rows map[string][]func(), documented ...error) {
	t.Helper()
	checkRows(t, slices.Collect(maps.Keys(rows)))
	for _, name := range slices.Sorted(maps.Keys(rows)) {
		t.Run(name, func(t *testing.T) {
			for i, f := range rows[name] {
				CheckCall(t, name, i, f, documented...)
			}
		})
	}
}

// CheckCall runs f, call i of the row name, and fails t if it panics with a
// runtime error (see NoRuntimePanic) or with an error that wraps none of
// documented, the package's sentinels. A call that returns passes.
func CheckCall(t testing.TB, name string, i int, f func(), documented ...error) {
	t.Helper()
	err := NoRuntimePanic(t, name, f)
	var re runtime.Error
	var np *NonErrorPanic
	if err == nil || errors.As(err, &re) || errors.As(err, &np) {
		return // passed, or NoRuntimePanic has failed t
	}
	if !slices.ContainsFunc(documented, func(s error) bool { return errors.Is(err, s) }) {
		t.Errorf("%s, call %d: panic %q wraps none of the documented errors %q", name, i, err, documented)
	}
}

// Call is one call of an entry point for CheckCalls: what its arguments are
// (a subtest name), the call, and the error its panic must wrap (nil: it
// must return).
type Call struct {
	Args string
	F    func()
	Want error
}

// CheckCalls is CheckEntryPoints for a table that states each call's
// outcome: a call must panic with an error wrapping its Want, or return
// when Want is nil; a runtime error always fails. check, if not nil, runs
// on every panic's error for further checks (its concrete type, say). The
// table's element type is the package's own struct of Call's fields (so
// that its rows may be unkeyed literals, which vet allows only for a
// package's own types).
func CheckCalls[C ~struct {
	Args string
	F    func()
	Want error
}](t *testing.T, rows map[string][]C, check func(t *testing.T, err error)) {
	t.Helper()
	checkRows(t, slices.Collect(maps.Keys(rows)))
	for _, name := range slices.Sorted(maps.Keys(rows)) {
		if len(rows[name]) == 0 {
			t.Errorf("row %s has no calls", name)
		}
		for _, rc := range rows[name] {
			c := Call(rc)
			t.Run(name+"/"+c.Args, func(t *testing.T) {
				err := NoRuntimePanic(t, name, c.F)
				switch {
				case c.Want == nil && err != nil:
					t.Errorf("got panic %v, want none", err)
				case c.Want != nil && !errors.Is(err, c.Want):
					t.Errorf("got %v, want a panic wrapping %v", err, c.Want)
				}
				if err != nil && check != nil {
					check(t, err)
				}
			})
		}
	}
}

// checkRows fails t for each exported entry point of the package in the
// working directory that names lacks, and each name that is no entry point.
func checkRows(t *testing.T, names []string) {
	t.Helper()
	have := make(map[string]bool, len(names))
	for _, n := range names {
		have[n] = true
	}
	missing, stale := MissingRows(ExportedAPI(t, "."), have)
	if len(missing) > 0 {
		t.Errorf("entry points without a row: %v", missing)
	}
	if len(stale) > 0 {
		t.Errorf("rows naming no entry point: %v", stale)
	}
}
