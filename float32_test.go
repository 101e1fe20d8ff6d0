package tapegrad_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestFloat32AgreesWithFloat64 runs every row of the gradient-check table in
// float32 and compares its output, its vector-Jacobian product and its
// Jacobian-vector product (forward mode) with the
// float64 run on the same inputs (the float32 inputs widened exactly), so
// that the float32 kernels and the rules' float32 arithmetic are checked
// for every op (the checker itself runs in float64; see autograd.Check).
//
// Tolerance: an element passes when |f32 − f64| ≤ tol·(1 + |f64|) with
// tol = 2⁻¹⁹ ≈ 1.9e-6, 32 float32 rounding units (2⁻²⁴). Each float32 op
// rounds with relative error at most 2⁻²⁴; the rows chain a few ops through
// the forward pass and a backward pass, and the worst element over all rows
// measured 2.05·2⁻²⁴ (a gradient of pow), so 32 units leave a 16× margin
// while still failing on any kernel that loses a few bits more than one
// rounding per op (a float32 accumulation of a long sum, a double rounding
// through a lossy path, a wrong kernel): at tol = 2⁻⁴⁰ most rows fail.
func TestFloat32AgreesWithFloat64(t *testing.T) {
	const tol = 0x1p-19
	for i, row := range gradRows() {
		t.Run(row.name, func(t *testing.T) {
			in32 := row.inputs(uint64(i + 1))
			in64 := make([]*tensor.Tensor, len(in32))
			for k, x := range in32 {
				in32[k] = x.To(tensor.Float32)
				in64[k] = in32[k].To(tensor.Float64)
			}
			y64 := row.f(autograd.NewTape(), leaves64(in64))
			rng := rand.New(rand.NewPCG(uint64(i), 3))
			v32 := tensor.RandU(rng, 0.5, 1.5, y64.Shape()...).To(tensor.Float32)
			out64, g64 := autograd.VJPFunc(row.f, in64, v32.To(tensor.Float64))
			out32, g32 := autograd.VJPFunc(row.f, in32, v32)
			if out32.DType() != tensor.Float32 {
				t.Fatalf("output type %v, want float32", out32.DType())
			}
			agree(t, "output", out32, out64, tol)
			for k := range g32 {
				if g32[k].DType() != tensor.Float32 {
					t.Fatalf("gradient %d has type %v, want float32", k, g32[k].DType())
				}
				agree(t, "gradient of input "+string(rune('0'+k)), g32[k], g64[k], tol)
			}
			// forward mode: the tangent along a fixed direction
			t32 := make([]*tensor.Tensor, len(in32))
			t64 := make([]*tensor.Tensor, len(in32))
			for k, x := range in32 {
				t32[k] = tensor.RandU(rng, -1, 1, x.Shape()...).To(tensor.Float32)
				t64[k] = t32[k].To(tensor.Float64)
			}
			_, j64 := autograd.JVP(row.f, in64, t64)
			_, j32 := autograd.JVP(row.f, in32, t32)
			if j32.DType() != tensor.Float32 {
				t.Fatalf("tangent type %v, want float32", j32.DType())
			}
			agree(t, "tangent", j32, j64, tol)
		})
	}
}

// leaves64 wraps tensors as free constants for a plain forward run.
func leaves64(ts []*tensor.Tensor) []autograd.Var {
	vs := make([]autograd.Var, len(ts))
	for i, x := range ts {
		vs[i] = autograd.Const(x)
	}
	return vs
}

// agree reports the elements where a float32 result differs from the
// float64 one by more than tol·(1 + |want|), and a shape mismatch.
func agree(t *testing.T, what string, got, want *tensor.Tensor, tol float64) {
	t.Helper()
	if !tensor.SameShape(got, want) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	g, w := got.Float64s(), want.Float64s()
	bad := 0
	for k := range w {
		if d := math.Abs(g[k] - w[k]); !(d <= tol*(1+math.Abs(w[k]))) && !(math.IsNaN(g[k]) && math.IsNaN(w[k])) {
			if bad < 3 {
				t.Errorf("%s element %d: float32 %.9g, float64 %.17g (difference %.3g)", what, k, g[k], w[k], d)
			}
			bad++
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d of %d elements disagree", what, bad, len(w))
	}
}
