package tensor_test

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

func TestDType(t *testing.T) {
	tests := []struct {
		d    tensor.DType
		str  string
		size int
	}{
		{tensor.Float64, "float64", 8},
		{tensor.Float32, "float32", 4},
		{tensor.DType(7), "DType(7)", 8}, // an unknown type still prints; Size is not checked
	}
	for _, tc := range tests {
		t.Run(tc.str, func(t *testing.T) {
			if got := tc.d.String(); got != tc.str {
				t.Errorf("String() = %q, want %q", got, tc.str)
			}
			if got := tc.d.Size(); got != tc.size {
				t.Errorf("Size() = %d, want %d", got, tc.size)
			}
		})
	}
	t.Run("zero value is Float64", func(t *testing.T) {
		var d tensor.DType
		if d != tensor.Float64 || tensor.Zeros(2).DType() != tensor.Float64 {
			t.Errorf("the zero DType or a Zeros tensor is not Float64")
		}
	})
}

func TestDTypeConstructors(t *testing.T) {
	tests := []struct {
		name  string
		got   *tensor.Tensor
		shape []int
		data  []float32
	}{
		{"Zeros", tensor.Float32.Zeros(2, 3), []int{2, 3}, make([]float32, 6)},
		{"Zeros 0-d", tensor.Float32.Zeros(), nil, []float32{0}},
		{"Zeros empty", tensor.Float32.Zeros(0, 2), []int{0, 2}, nil},
		{"Ones", tensor.Float32.Ones(3), []int{3}, []float32{1, 1, 1}},
		{"Full rounds v", tensor.Float32.Full(0.1, 2), []int{2}, []float32{0.1, 0.1}},
		{"Scalar", tensor.Float32.Scalar(-2.5), nil, []float32{-2.5}},
		{"New32", tensor.New32([]float32{1, 2, 3, 4}, 2, 2), []int{2, 2}, []float32{1, 2, 3, 4}},
		{"New32 no shape is 1-d", tensor.New32([]float32{1, 2}), []int{2}, []float32{1, 2}},
		{"New32 empty", tensor.New32(nil, 0, 3), []int{0, 3}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got.DType() != tensor.Float32 {
				t.Fatalf("got a %v tensor, want float32", tc.got.DType())
			}
			if d := cmp.Diff(tc.shape, tc.got.Shape(), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("shape mismatch (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.data, tc.got.Data32(), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("data mismatch (-want +got):\n%s", d)
			}
		})
	}
	t.Run("Float64 methods are the package's constructors", func(t *testing.T) {
		if d := diffTyped(tensor.Full(0.1, 2, 2), tensor.Float64.Full(0.1, 2, 2), exact); d != "" {
			t.Errorf("Float64.Full ≠ Full (-Full +Float64.Full):\n%s", d)
		}
	})
	t.Run("New32 shares data", func(t *testing.T) {
		data := []float32{1, 2}
		x := tensor.New32(data)
		data[0] = 9
		if x.At(0) != 9 {
			t.Errorf("New32 copied its data")
		}
	})
}

// TestTo checks conversions: float64 → float32 rounds to nearest (ties to
// even), overflows to ±Inf and underflows to (signed) zero or a subnormal,
// as Go's float32 conversion and PyTorch's .to(torch.float32) do; float32 →
// float64 is exact, so a round trip from float32 restores every bit.
func TestTo(t *testing.T) {
	inf := math.Inf(1)
	ulp := math.Ldexp(1, -23) // the spacing of float32s in [1, 2)
	tests := []struct {
		name string
		in   float64
		want float32
	}{
		{"exact", 1.5, 1.5},
		{"0.1 to nearest", 0.1, 0.1},
		{"just below a tie rounds down", 1 + ulp/2 - ulp/1024, 1},
		{"tie rounds to even (down)", 1 + ulp/2, 1},
		{"tie rounds to even (up)", 1 + 3*ulp/2, float32(1 + 2*ulp)},
		{"just above a tie rounds up", 1 + ulp/2 + ulp/1024, float32(1 + ulp)},
		{"largest float32", math.MaxFloat32, math.MaxFloat32},
		{"overflow to +Inf", 1e39, float32(inf)},
		{"overflow to -Inf", -1e39, float32(-inf)},
		{"infinity", -inf, float32(-inf)},
		{"underflow to zero", 1e-50, 0},
		{"subnormal", math.Ldexp(1, -140), float32(math.Ldexp(1, -140))},
		{"negative zero", math.Copysign(0, -1), float32(math.Copysign(0, -1))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tensor.Scalar(tc.in).To(tensor.Float32).Data32()[0]
			if math.Float32bits(got) != math.Float32bits(tc.want) {
				t.Errorf("To(Float32) of %v = %v (bits %#x), want %v (bits %#x)",
					tc.in, got, math.Float32bits(got), tc.want, math.Float32bits(tc.want))
			}
			if back := tensor.New32([]float32{got}).To(tensor.Float64).Data()[0]; back != float64(got) {
				t.Errorf("To(Float64) of %v = %v, want it exactly", got, back)
			}
		})
	}
	t.Run("NaN stays NaN", func(t *testing.T) {
		if got := tensor.Scalar(math.NaN()).To(tensor.Float32).Item(); !math.IsNaN(got) {
			t.Errorf("got %v, want NaN", got)
		}
	})
	t.Run("round trip from float32 is exact", func(t *testing.T) {
		x := randU(1, 3, 4).To(tensor.Float32)
		back := x.To(tensor.Float64).To(tensor.Float32)
		if d := cmp.Diff(x.Data32(), back.Data32()); d != "" {
			t.Errorf("float32 → float64 → float32 changed values (-x +back):\n%s", d)
		}
		if d := cmp.Diff(x.Shape(), back.Shape()); d != "" {
			t.Errorf("shape changed (-x +back):\n%s", d)
		}
	})
	t.Run("To the same type returns t itself", func(t *testing.T) {
		x, y := tensor.Zeros(2), tensor.Float32.Zeros(2)
		if x.To(tensor.Float64) != x || y.To(tensor.Float32) != y {
			t.Errorf("To(own type) made a new tensor, want t itself (as PyTorch's Tensor.to)")
		}
	})
	t.Run("To leaves t unchanged and does not share storage", func(t *testing.T) {
		x := seq(2, 3)
		y := x.To(tensor.Float32)
		y.Set(99, 0, 0)
		if x.At(0, 0) != 0 {
			t.Errorf("writing the converted tensor changed t")
		}
	})
}

func TestConvertTo(t *testing.T) {
	x := tensor.New([]float64{0.1, -2, 1e39}, 3)
	t.Run("float64 to float32", func(t *testing.T) {
		dst := tensor.Float32.Zeros(3)
		if got := tensor.ConvertTo(dst, x); got != dst {
			t.Errorf("ConvertTo did not return dst")
		}
		if d := cmp.Diff([]float32{0.1, -2, float32(math.Inf(1))}, dst.Data32()); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
		if d := diffTyped(x.To(tensor.Float32), dst, exact); d != "" {
			t.Errorf("ConvertTo ≠ To (-To +ConvertTo):\n%s", d)
		}
	})
	t.Run("float32 to float64", func(t *testing.T) {
		src := tensor.New32([]float32{0.1, 3}, 2)
		dst := tensor.ConvertTo(tensor.Zeros(2), src)
		if d := cmp.Diff([]float64{float64(float32(0.1)), 3}, dst.Data()); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
	})
	for _, d := range dtypes {
		t.Run("same type copies "+d.String(), func(t *testing.T) {
			src := seq(2, 2).To(d)
			dst := tensor.ConvertTo(d.Zeros(2, 2), src)
			if diff := diffTyped(src, dst, exact); diff != "" {
				t.Errorf("mismatch (-src +dst):\n%s", diff)
			}
		})
	}
}

func TestFloat64s(t *testing.T) {
	x := tensor.New32([]float32{0.1, 2}, 2)
	if d := cmp.Diff([]float64{float64(float32(0.1)), 2}, x.Float64s()); d != "" {
		t.Errorf("Float64s of float32 mismatch (-want +got):\n%s", d)
	}
	y := tensor.New([]float64{0.1, 2})
	got := y.Float64s()
	got[0] = 9
	if y.At(0) != 0.1 {
		t.Errorf("Float64s of a float64 tensor shares its storage, want a copy")
	}
}

func TestDTypePanics(t *testing.T) {
	bad := tensor.DType(9)
	runPanics(t, []panicRow{
		{"New32 count", func() { tensor.New32([]float32{1, 2, 3}, 2, 2) }, tensor.ErrShape, []string{"tensor.New32", "[2 2]", "4 elements", "3"}},
		{"New32 negative", func() { tensor.New32(nil, 2, -1) }, tensor.ErrShape, []string{"tensor.New32", "[2 -1]"}},
		{"New32 nil no shape", func() { tensor.New32(nil) }, tensor.ErrShape, []string{"tensor.New32"}},
		{"Float32.Zeros negative", func() { tensor.Float32.Zeros(-1) }, tensor.ErrShape, []string{"tensor.Zeros", "[-1]"}},
		{"Data of float32", func() { tensor.Float32.Zeros(2).Data() }, tensor.ErrDType, []string{"tensor.Data", "Data32"}},
		{"Data32 of float64", func() { tensor.Zeros(2).Data32() }, tensor.ErrDType, []string{"tensor.Data32", "float64"}},
		{"ConvertTo shapes", func() { tensor.ConvertTo(tensor.Float32.Zeros(2), tensor.Zeros(3)) }, tensor.ErrShape, []string{"tensor.ConvertTo", "[2]", "[3]"}},
		{"unknown type Zeros", func() { bad.Zeros(2) }, tensor.ErrArg, []string{"tensor.Zeros", "DType(9)"}},
		{"unknown type Full", func() { bad.Full(1, 2) }, tensor.ErrArg, []string{"tensor.Full", "DType(9)"}},
		{"unknown type To", func() { tensor.Zeros(2).To(bad) }, tensor.ErrArg, []string{"tensor.To", "DType(9)"}},
		{"unknown type OneHot", func() { bad.OneHot([]int{0}, 2) }, tensor.ErrArg, []string{"tensor.OneHot", "DType(9)"}},
	})
	t.Run("ErrDType wraps ErrArg", func(t *testing.T) {
		err := tapegradtest.Catch(func() { tensor.Float32.Zeros(2).Data() })
		if !errors.Is(err, tensor.ErrArg) || !errors.Is(err, tensor.ErrDType) {
			t.Errorf("got %v, want an error wrapping ErrDType and ErrArg", err)
		}
	})
}
