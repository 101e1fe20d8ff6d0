package tapegradtest

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var errSentinel = errors.New("sentinel")

func TestCatch(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want func(error) bool
	}{
		{"returns", func() {}, func(err error) bool { return err == nil }},
		{"error", func() { panic(errSentinel) }, func(err error) bool { return err == errSentinel }},
		{"non-error", func() { panic(42) }, func(err error) bool {
			var ne *NonErrorPanic
			return errors.As(err, &ne) && ne.Value == 42 && !errors.Is(err, errSentinel)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Catch(tc.f); !tc.want(err) {
				t.Errorf("got %v", err)
			}
		})
	}
}

func TestCheckPanic(t *testing.T) {
	err := CheckPanic(t, func() { panic(errors.Join(errSentinel, errors.New("op [2 3]"))) }, errSentinel, "op", "[2 3]")
	if !errors.Is(err, errSentinel) {
		t.Errorf("got %v, want the panic's error", err)
	}
}

// vec is a 1-d Tensor for the Diff tests.
type vec []float64

func (v vec) Shape() []int    { return []int{len(v)} }
func (v vec) Data() []float64 { return v }

func TestDiff(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name      string
		want, got vec
		tol       float64 // relative tolerance: 0 for exact
		same      bool
	}{
		{"equal", vec{1, 2}, vec{1, 2}, 0, true},
		{"NaN equals NaN", vec{nan}, vec{nan}, 0, true},
		{"NaN differs from a number", vec{1}, vec{nan}, 0, false},
		{"off by 1e-16 exact", vec{1}, vec{1 + 2.220446049250313e-16}, 0, false},
		{"off by an ulp within 1e-15", vec{1}, vec{1 + 2.220446049250313e-16}, 1e-15, true},
		{"shape", vec{1}, vec{1, 1}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Diff(tc.want, tc.got, cmpopts.EquateApprox(tc.tol, 0))
			if (d == "") != tc.same {
				t.Errorf("Diff = %q, want same = %v", d, tc.same)
			}
		})
	}
}

func TestNewRNG(t *testing.T) {
	if a, b := NewRNG().Uint64(), NewRNG().Uint64(); a != b {
		t.Errorf("two NewRNG generators drew %d and %d, want the same", a, b)
	}
}

func TestExportedAPI(t *testing.T) {
	api := ExportedAPI(t, ".")
	for _, want := range []string{"Catch", "CheckPanic", "ExportedAPI", "MissingRows", "NoRuntimePanic", "NonErrorPanic.Error", "ViewOf"} {
		if !slices.Contains(api, want) {
			t.Errorf("ExportedAPI(.) = %v lacks %s", api, want)
		}
	}
	missing, stale := MissingRows([]string{"A", "B.C"}, map[string]bool{"A": true, "D": true})
	if d := cmp.Diff([]string{"B.C"}, missing); d != "" {
		t.Errorf("missing (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"D"}, stale); d != "" {
		t.Errorf("stale (-want +got):\n%s", d)
	}
}

func TestNoRuntimePanic(t *testing.T) {
	ft := &fakeT{}
	var m map[string]int
	NoRuntimePanic(ft, "nil map write", func() { m["x"] = 1 })
	if !ft.failed {
		t.Errorf("a runtime panic passed")
	}
	ft = &fakeT{}
	if err := NoRuntimePanic(ft, "documented", func() { panic(errors.New("bad input")) }); ft.failed || err == nil {
		t.Errorf("a documented error panic failed (%v) or was not returned", ft.failed)
	}
}

// fakeT records failures instead of failing the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }

// typedVec stands in for a *tensor.Tensor of float32: its Data panics, as a
// float32 tensor's does, and it has DType and Float64s.
type typedVec struct {
	v    []float64
	name string
}

type typeName string

func (n typeName) String() string { return string(n) }

func (v typedVec) Shape() []int { return []int{len(v.v)} }
func (v typedVec) Data() []float64 {
	if v.name != "float64" {
		panic("Data of a " + v.name + " tensor")
	}
	return v.v
}
func (v typedVec) Float64s() []float64 { return append([]float64(nil), v.v...) }
func (v typedVec) DType() typeName     { return typeName(v.name) }

// TestDiffTyped: a tensor of another type than float64 is read through
// Float64s, and its type is part of the comparison.
func TestDiffTyped(t *testing.T) {
	f32, f64 := typedVec{[]float64{1, 2}, "float32"}, typedVec{[]float64{1, 2}, "float64"}
	if d := Diff(f32, f32); d != "" {
		t.Errorf("a float32 tensor differs from itself: %s", d)
	}
	if d := Diff(f64, vec{1, 2}); d != "" {
		t.Errorf("a float64 tensor differs from an untyped one of the same data: %s", d)
	}
	if d := Diff(f64, f32); !strings.Contains(d, "float32") {
		t.Errorf("float64 and float32 tensors of the same values: Diff = %q, want the types to differ", d)
	}
}
