package tensor_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// This file checks the float32 forms of the reductions, statistics, scans
// and softmax (reduce.go, stats.go, scan.go, softmax.go) against their
// float64 forms: on inputs that are float32 values, each float32 result
// must be the float64 result of the same (exactly widened) inputs rounded
// to float32, within one float32 ulp (agree32 says why one). The PyTorch
// comparison is torch32_test.go.

// f32Files are the files whose exported functions every float32 agreement
// row below must cover (TestFloat32Coverage).
var f32Files = []string{"reduce.go", "reduce32.go", "stats.go", "scan.go", "softmax.go"}

// f32Case is one call of an exported function: fn names the function (for
// the coverage check), args the arguments (for the subtest's name).
type f32Case struct {
	fn, args string
	f        func(x *tensor.Tensor) *tensor.Tensor
}

// reduceForms returns the cases of a reduction over axes: its plain and
// KeepDims forms and its To form with a dst of each result shape (the dst
// takes x's type, so the same call serves both types).
func reduceForms(name string, f, keep func(*tensor.Tensor, ...int) *tensor.Tensor, to func(dst, x *tensor.Tensor, axes ...int) *tensor.Tensor, axes []int) []f32Case {
	a := fmt.Sprint(axes)
	cs := []f32Case{
		{name, a, func(x *tensor.Tensor) *tensor.Tensor { return f(x, axes...) }},
		{name + "KeepDims", a, func(x *tensor.Tensor) *tensor.Tensor { return keep(x, axes...) }},
	}
	if to != nil {
		cs = append(cs,
			f32Case{toName(name), a + "/drop", func(x *tensor.Tensor) *tensor.Tensor {
				return to(x.DType().Zeros(f(x, axes...).Shape()...), x, axes...)
			}},
			f32Case{toName(name), a + "/keep", func(x *tensor.Tensor) *tensor.Tensor {
				return to(x.DType().Zeros(keep(x, axes...).Shape()...), x, axes...)
			}})
	}
	return cs
}

// toName is the To form's name of a reduction: SumAxesTo for Sum (the
// reductions of reduce.go), VarianceTo for Variance (stats.go).
func toName(name string) string {
	switch name {
	case "Sum", "Max", "Min", "LogSumExp":
		return name + "AxesTo"
	}
	return name + "To"
}

// f32Cases returns every case of the agreement test for a rank-3 x.
func f32Cases() []f32Case {
	var cs []f32Case
	for _, axes := range reduceAxes {
		cs = append(cs, reduceForms("Sum", tensor.Sum, tensor.SumKeepDims, tensor.SumAxesTo, axes)...)
		cs = append(cs, reduceForms("Mean", tensor.Mean, tensor.MeanKeepDims, nil, axes)...)
		cs = append(cs, reduceForms("Max", tensor.Max, tensor.MaxKeepDims, tensor.MaxAxesTo, axes)...)
		cs = append(cs, reduceForms("Min", tensor.Min, tensor.MinKeepDims, tensor.MinAxesTo, axes)...)
		cs = append(cs, reduceForms("LogSumExp", tensor.LogSumExp, tensor.LogSumExpKeepDims, tensor.LogSumExpAxesTo, axes)...)
		cs = append(cs, reduceForms("Norm", tensor.Norm, tensor.NormKeepDims, tensor.NormTo, axes)...)
		for _, c := range []tensor.Correction{tensor.Biased, tensor.Unbiased} {
			cs = append(cs, reduceForms("Variance",
				func(x *tensor.Tensor, a ...int) *tensor.Tensor { return tensor.Variance(x, c, a...) },
				func(x *tensor.Tensor, a ...int) *tensor.Tensor { return tensor.VarianceKeepDims(x, c, a...) },
				func(d, x *tensor.Tensor, a ...int) *tensor.Tensor { return tensor.VarianceTo(d, x, c, a...) }, axes)...)
			cs = append(cs, reduceForms("Std",
				func(x *tensor.Tensor, a ...int) *tensor.Tensor { return tensor.Std(x, c, a...) },
				func(x *tensor.Tensor, a ...int) *tensor.Tensor { return tensor.StdKeepDims(x, c, a...) },
				func(d, x *tensor.Tensor, a ...int) *tensor.Tensor { return tensor.StdTo(d, x, c, a...) }, axes)...)
		}
		cs = append(cs, f32Case{"Flip", fmt.Sprint(axes), func(x *tensor.Tensor) *tensor.Tensor { return tensor.Flip(x, axes...) }},
			f32Case{"FlipTo", fmt.Sprint(axes), func(x *tensor.Tensor) *tensor.Tensor { return tensor.FlipTo(tensor.ZerosLike(x), x, axes...) }})
	}
	for _, ax := range []int{0, 1, 2, -1} {
		a := fmt.Sprint(ax)
		cs = append(cs,
			f32Case{"ArgMax", a, func(x *tensor.Tensor) *tensor.Tensor { return tensor.ArgMax(x, ax) }},
			f32Case{"CumSum", a, func(x *tensor.Tensor) *tensor.Tensor { return tensor.CumSum(x, ax) }},
			f32Case{"CumSumTo", a, func(x *tensor.Tensor) *tensor.Tensor { return tensor.CumSumTo(tensor.ZerosLike(x), x, ax) }},
			f32Case{"LogCumSumExp", a, func(x *tensor.Tensor) *tensor.Tensor { return tensor.LogCumSumExp(x, ax) }},
			f32Case{"LogCumSumExpTo", a, func(x *tensor.Tensor) *tensor.Tensor { return tensor.LogCumSumExpTo(tensor.ZerosLike(x), x, ax) }},
			f32Case{"Softmax", a, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Softmax(x, ax) }},
			f32Case{"SoftmaxTo", a, func(x *tensor.Tensor) *tensor.Tensor { return tensor.SoftmaxTo(tensor.ZerosLike(x), x, ax) }},
			f32Case{"LogSoftmax", a, func(x *tensor.Tensor) *tensor.Tensor { return tensor.LogSoftmax(x, ax) }},
			f32Case{"LogSoftmaxTo", a, func(x *tensor.Tensor) *tensor.Tensor { return tensor.LogSoftmaxTo(tensor.ZerosLike(x), x, ax) }},
			// In place (dst = x): the float32 scans and softmax read each
			// element before they overwrite it.
			f32Case{"CumSumTo", a + "/inplace", func(x *tensor.Tensor) *tensor.Tensor { y := x.Copy(); return tensor.CumSumTo(y, y, ax) }},
			f32Case{"SoftmaxTo", a + "/inplace", func(x *tensor.Tensor) *tensor.Tensor { y := x.Copy(); return tensor.SoftmaxTo(y, y, ax) }},
		)
	}
	cs = append(cs,
		f32Case{"CausalSoftmax", "", func(x *tensor.Tensor) *tensor.Tensor { return tensor.CausalSoftmax(x) }},
		f32Case{"CausalSoftmaxTo", "", func(x *tensor.Tensor) *tensor.Tensor { return tensor.CausalSoftmaxTo(tensor.ZerosLike(x), x) }},
		f32Case{"CausalSoftmaxTo", "inplace", func(x *tensor.Tensor) *tensor.Tensor { y := x.Copy(); return tensor.CausalSoftmaxTo(y, y) }},
	)
	return cs
}

// rand32 returns a Float32 tensor of the given shape holding scale·N(0, 1)
// draws rounded to float32, plus offset.
func rand32(rng *rand.Rand, scale, offset float64, shape ...int) *tensor.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(offset + scale*rng.NormFloat64())
	}
	return tensor.New32(d, shape...)
}

// agree32 fails t unless f of the Float32 x is a Float32 tensor of the
// shape of f of x widened to float64, each element within one float32 ulp
// of the float64 result rounded to float32, and leaves x unchanged.
//
// Why one ulp and not zero: the float32 path accumulates in float64 but
// not always in the float64 path's order (the float64 Sum calls gonum's
// unrolled floats.Sum, the float32 one a plain loop), so the two float64
// values may differ by a few float64 ulps; when they straddle a midpoint
// between two float32s their roundings are adjacent float32s, one ulp
// apart. Adjacent float32s a, b differ by ulp(min) ≤ 2⁻²³·min(|a|, |b|)
// (normal numbers), which is what EquateApprox(2⁻²³, 0) allows.
func agree32(t *testing.T, f func(*tensor.Tensor) *tensor.Tensor, x *tensor.Tensor) {
	t.Helper()
	x0 := x.Copy()
	want := f(x.To(tensor.Float64))
	got := f(x)
	if got.DType() != tensor.Float32 {
		t.Fatalf("got a %v result, want float32", got.DType())
	}
	if !slices.Equal(got.Shape(), want.Shape()) {
		t.Fatalf("got shape %v, want %v", got.Shape(), want.Shape())
	}
	w := want.Float64s()
	for i, v := range w {
		w[i] = float64(float32(v))
	}
	if d := cmp.Diff(w, got.Float64s(), cmpopts.EquateApprox(0x1p-23, 0), cmpopts.EquateNaNs()); d != "" {
		t.Errorf("float32 result is not the rounded float64 result (-want +got):\n%s", d)
	}
	if d := cmp.Diff(x0.Float64s(), x.Float64s(), cmpopts.EquateNaNs()); d != "" {
		t.Errorf("changed its operand (-want +got):\n%s", d)
	}
}

// TestFloat32Agreement runs every case on random float32 operands: small
// standard normals; values with a large common offset (the variance's hard
// case); logits spread over ±40 (softmax and logsumexp, where exp of the
// float32 input would overflow float32 unshifted beyond 88); and an
// operand holding −Inf and a NaN in known places.
func TestFloat32Agreement(t *testing.T) {
	rng := tapegradtest.NewRNG()
	inputs := []struct {
		name string
		x    *tensor.Tensor
	}{
		{"normal", rand32(rng, 1, 0, 4, 5, 7)},
		{"offset1e4", rand32(rng, 0.01, 1e4, 4, 5, 7)},
		{"logits", rand32(rng, 40, 0, 4, 5, 7)},
		{"special", func() *tensor.Tensor {
			x := rand32(rng, 1, 0, 4, 5, 7)
			x.Set(math.Inf(-1), 0, 0, 0)
			x.Set(math.Inf(-1), 1, 2, 3)
			x.Set(math.NaN(), 3, 4, 6)
			return x
		}()},
	}
	for _, in := range inputs {
		for _, c := range f32Cases() {
			t.Run(in.name+"/"+c.fn+"/"+c.args, func(t *testing.T) { agree32(t, c.f, in.x) })
		}
	}
	// The reductions of every element, on a 0-d and a long 1-d operand.
	long := rand32(rng, 1, 0, 100003)
	for _, x := range []*tensor.Tensor{tensor.Float32.Scalar(-2.5), long} {
		for _, c := range []f32Case{
			{"Sum", "", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Sum(x) }},
			{"Mean", "", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Mean(x) }},
			{"LogSumExp", "", func(x *tensor.Tensor) *tensor.Tensor { return tensor.LogSumExp(x) }},
			{"Variance", "", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Variance(x, tensor.Biased) }},
			{"Norm", "", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Norm(x) }},
			{"CumSum", "", func(x *tensor.Tensor) *tensor.Tensor { return tensor.CumSum(x, 0) }},
			{"LogCumSumExp", "", func(x *tensor.Tensor) *tensor.Tensor { return tensor.LogCumSumExp(x, 0) }},
			{"Softmax", "", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Softmax(x, 0) }},
		} {
			if c.fn == "Softmax" && x.Rank() == 0 {
				continue // Softmax refuses a 0-d x (softmax_test.go)
			}
			t.Run(fmt.Sprintf("rank%d/%s", x.Rank(), c.fn), func(t *testing.T) { agree32(t, c.f, x) })
		}
	}
}

// TestFloat32Coverage fails when an exported function of f32Files has no
// agreement case (f32Cases), so a function added later cannot skip float32.
func TestFloat32Coverage(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range f32Cases() {
		covered[c.fn] = true
	}
	fset := token.NewFileSet()
	for _, name := range f32Files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() && !covered[fd.Name.Name] {
				t.Errorf("%s: %s has no float32 agreement case", name, fd.Name.Name)
			}
		}
	}
}

// TestFloat32MixedTypes checks that every To form of f32Files refuses a
// dst whose type is not x's, in both directions, with ErrDType naming the
// op and both types (element types never convert implicitly).
func TestFloat32MixedTypes(t *testing.T) {
	x64 := tensor.Zeros(2, 3)
	rows := []struct {
		op string
		f  func(d dstOf, x *tensor.Tensor)
	}{
		{"tensor.Sum", func(d dstOf, x *tensor.Tensor) { tensor.SumAxesTo(d.Sum1(), x, 1) }},
		{"tensor.Sum", func(d dstOf, x *tensor.Tensor) { tensor.SumAxesTo(d.Scalar0(), x) }},
		{"tensor.Max", func(d dstOf, x *tensor.Tensor) { tensor.MaxAxesTo(d.Sum1(), x, 1) }},
		{"tensor.Min", func(d dstOf, x *tensor.Tensor) { tensor.MinAxesTo(d.Sum1(), x, 1) }},
		{"tensor.LogSumExp", func(d dstOf, x *tensor.Tensor) { tensor.LogSumExpAxesTo(d.Sum1(), x, 1) }},
		{"tensor.LogSumExp", func(d dstOf, x *tensor.Tensor) { tensor.LogSumExpAxesTo(d.Scalar0(), x) }},
		{"tensor.Variance", func(d dstOf, x *tensor.Tensor) { tensor.VarianceTo(d.Sum1(), x, tensor.Unbiased, 1) }},
		{"tensor.Std", func(d dstOf, x *tensor.Tensor) { tensor.StdTo(d.Sum1(), x, tensor.Unbiased, 1) }},
		{"tensor.Norm", func(d dstOf, x *tensor.Tensor) { tensor.NormTo(d.Sum1(), x, 1) }},
		{"tensor.CumSum", func(d dstOf, x *tensor.Tensor) { tensor.CumSumTo(d.Same(), x, 1) }},
		{"tensor.LogCumSumExp", func(d dstOf, x *tensor.Tensor) { tensor.LogCumSumExpTo(d.Same(), x, 1) }},
		{"tensor.Flip", func(d dstOf, x *tensor.Tensor) { tensor.FlipTo(d.Same(), x) }},
		{"tensor.Softmax", func(d dstOf, x *tensor.Tensor) { tensor.SoftmaxTo(d.Same(), x, 1) }},
		{"tensor.Softmax", func(d dstOf, x *tensor.Tensor) { tensor.SoftmaxTo(d.Same(), x, 0) }},
		{"tensor.LogSoftmax", func(d dstOf, x *tensor.Tensor) { tensor.LogSoftmaxTo(d.Same(), x, 1) }},
		{"tensor.CausalSoftmax", func(d dstOf, x *tensor.Tensor) { tensor.CausalSoftmaxTo(d.Same(), x) }},
	}
	for _, r := range rows {
		for _, dx := range []struct{ dst, x tensor.DType }{{tensor.Float64, tensor.Float32}, {tensor.Float32, tensor.Float64}} {
			t.Run(fmt.Sprintf("%s/dst=%v,x=%v", r.op, dx.dst, dx.x), func(t *testing.T) {
				x := x64.To(dx.x)
				tapegradtest.CheckPanic(t, func() { r.f(dstOf(dx.dst), x) }, tensor.ErrDType, r.op+":", "float32", "float64")
			})
		}
	}
}

// dstOf makes the destinations of TestFloat32MixedTypes, of type d, for
// its (2, 3) operand.
type dstOf tensor.DType

// Sum1 is a (2) destination: the operand reduced over axis 1.
func (d dstOf) Sum1() *tensor.Tensor { return tensor.DType(d).Zeros(2) }

// Scalar0 is a 0-d destination: the operand reduced over every axis.
func (d dstOf) Scalar0() *tensor.Tensor { return tensor.DType(d).Zeros() }

// Same is a (2, 3) destination, the operand's shape.
func (d dstOf) Same() *tensor.Tensor { return tensor.DType(d).Zeros(2, 3) }

// TestFloat32ToAllocs checks that the To forms that allocate nothing for
// float64 (the reductions into dst, the last-axis softmax and
// log-sum-exp, the scans) allocate nothing for float32 either, although
// they accumulate in float64: a steady-state float32 training step must not
// allocate (examples/bench TestStepsAllocateNothing).
func TestFloat32ToAllocs(t *testing.T) {
	x := rand32(tapegradtest.NewRNG(), 1, 0, 16, 10)
	rows, cols, all, same := tensor.Float32.Zeros(16), tensor.Float32.Zeros(10), tensor.Float32.Zeros(), tensor.ZerosLike(x)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"SumAxesTo/all", func() { tensor.SumAxesTo(all, x) }},
		{"SumAxesTo/0", func() { tensor.SumAxesTo(cols, x, 0) }},
		{"SumAxesTo/1", func() { tensor.SumAxesTo(rows, x, 1) }},
		{"MaxAxesTo/0", func() { tensor.MaxAxesTo(cols, x, 0) }},
		{"MinAxesTo/1", func() { tensor.MinAxesTo(rows, x, 1) }},
		{"LogSumExpAxesTo/1", func() { tensor.LogSumExpAxesTo(rows, x, 1) }},
		{"SoftmaxTo/1", func() { tensor.SoftmaxTo(same, x, 1) }},
		{"LogSoftmaxTo/1", func() { tensor.LogSoftmaxTo(same, x, 1) }},
		{"CumSumTo/0", func() { tensor.CumSumTo(same, x, 0) }},
		{"CumSumTo/1", func() { tensor.CumSumTo(same, x, 1) }},
		{"LogCumSumExpTo/0", func() { tensor.LogCumSumExpTo(same, x, 0) }},
		{"FlipTo/1", func() { tensor.FlipTo(same, x, 1) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			if a := testing.AllocsPerRun(10, c.f); a != 0 {
				t.Errorf("%v allocations per call, want 0", a)
			}
		})
	}
}

// BenchmarkReduceTypes times each family of f32Files on a 256×1000
// operand in both element types (the float64 rows guard its speed; the
// float32 rows show the cost of accumulating in float64).
func BenchmarkReduceTypes(b *testing.B) {
	rng := tapegradtest.NewRNG()
	x32 := rand32(rng, 1, 0, 256, 1000)
	ops := []struct {
		name string
		f    func(x *tensor.Tensor) *tensor.Tensor
	}{
		{"Sum", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Sum(x) }},
		{"SumAxis0", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Sum(x, 0) }},
		{"SumAxis1", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Sum(x, 1) }},
		{"Mean", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Mean(x, 1) }},
		{"Max", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Max(x, 1) }},
		{"ArgMax", func(x *tensor.Tensor) *tensor.Tensor { return tensor.ArgMax(x, 1) }},
		{"LogSumExp", func(x *tensor.Tensor) *tensor.Tensor { return tensor.LogSumExp(x, 1) }},
		{"Variance", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Variance(x, tensor.Unbiased, 1) }},
		{"Norm", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Norm(x, 1) }},
		{"CumSum", func(x *tensor.Tensor) *tensor.Tensor { return tensor.CumSum(x, 1) }},
		{"LogCumSumExp", func(x *tensor.Tensor) *tensor.Tensor { return tensor.LogCumSumExp(x, 1) }},
		{"Flip", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Flip(x, 1) }},
		{"Softmax", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Softmax(x, 1) }},
		{"LogSoftmax", func(x *tensor.Tensor) *tensor.Tensor { return tensor.LogSoftmax(x, 1) }},
	}
	for _, op := range ops {
		for _, x := range []*tensor.Tensor{x32.To(tensor.Float64), x32} {
			b.Run(op.name+"/"+x.DType().String(), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					op.f(x)
				}
			})
		}
	}
}
