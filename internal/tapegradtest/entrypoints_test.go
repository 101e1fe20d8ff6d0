package tapegradtest

import (
	"errors"
	"testing"
)

func TestCheckCall(t *testing.T) {
	tests := []struct {
		name   string
		call   func()
		failed bool
	}{
		{"returns", func() {}, false},
		{"documented", func() { panic(errSentinel) }, false},
		{"undocumented", func() { panic(errors.New("other")) }, true},
		{"runtime error", func() { var m map[int]int; m[0] = 1 }, true},
		{"non-error", func() { panic("text") }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeT{}
			CheckCall(ft, "F", 0, tc.call, errSentinel)
			if ft.failed != tc.failed {
				t.Errorf("failed = %v, want %v", ft.failed, tc.failed)
			}
		})
	}
}

func TestCheckEntryPoints(t *testing.T) {
	rows := map[string][]func(){}
	for _, n := range ExportedAPI(t, ".") {
		rows[n] = nil // every row present, none calls anything
	}
	rows["Catch"] = []func(){func() { Catch(func() { panic(errSentinel) }) }}
	CheckEntryPoints(t, rows, errSentinel)
}
