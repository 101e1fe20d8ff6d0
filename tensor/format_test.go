package tensor_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/tensor"
)

func TestString(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		x    *tensor.Tensor
		want string
	}{
		{"nil", nil, "<nil>"},
		{"scalar whole", tensor.Scalar(3), "3."},
		{"scalar fraction", tensor.Scalar(-2.5), "-2.5"},
		{"scalar zero", tensor.Scalar(0), "0."},
		{"scalar negative zero", tensor.Scalar(math.Copysign(0, -1)), "-0."},
		{"scalar NaN", tensor.Scalar(nan), "nan"},
		{"scalar +Inf", tensor.Scalar(inf), "inf"},
		{"scalar -Inf", tensor.Scalar(-inf), "-inf"},
		{"scalar small", tensor.Scalar(1e-5), "1e-05"},
		{"scalar 1e-4 stays fixed", tensor.Scalar(1e-4), "0.0001"},
		{"scalar large", tensor.Scalar(1e20), "1e+20"},
		{"scalar large fraction", tensor.Scalar(123456.789), "123456.789"},
		{"vector", tensor.New([]float64{1, 2, 3}), "[1. 2. 3.]"},
		{"vector aligned right", tensor.New([]float64{1, -2.5, 10}), "[  1. -2.5  10.]"},
		{"vector non-finite", tensor.New([]float64{nan, -inf, 1}), "[ nan -inf   1.]"},
		{"vector one", tensor.New([]float64{7}), "[7.]"},
		{"vector empty", tensor.Zeros(0), "[]"},
		{"matrix", tensor.New([]float64{0, 1, 2, 3, 4, 5}, 2, 3), "[[0. 1. 2.]\n [3. 4. 5.]]"},
		{"matrix aligned", tensor.New([]float64{1, 200, -3, 4}, 2, 2), "[[  1. 200.]\n [ -3.   4.]]"},
		{"column", tensor.New([]float64{1, 2}, 2, 1), "[[1.]\n [2.]]"},
		{"(1,1)", tensor.New([]float64{5}, 1, 1), "[[5.]]"},
		{"3-d", tensor.New([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2),
			"[[[1. 2.]\n  [3. 4.]]\n\n [[5. 6.]\n  [7. 8.]]]"},
		{"4-d", tensor.New([]float64{1, 2, 3, 4}, 2, 1, 2, 1),
			"[[[[1.]\n   [2.]]]\n\n\n [[[3.]\n   [4.]]]]"},
		// Past 1000 elements NumPy prints 3 items at each end of every long
		// axis, "..." for the rest, with the separator the items use.
		{"summarised vector", tensor.Arange(0, 1001, 1),
			"[   0.    1.    2. ...  998.  999. 1000.]"},
		{"summarised rows", tensor.Zeros(501, 2),
			"[[0. 0.]\n [0. 0.]\n [0. 0.]\n ...\n [0. 0.]\n [0. 0.]\n [0. 0.]]"},
		{"summarised both axes", tensor.Zeros(40, 40),
			"[[0. 0. 0. ... 0. 0. 0.]\n [0. 0. 0. ... 0. 0. 0.]\n [0. 0. 0. ... 0. 0. 0.]\n ...\n" +
				" [0. 0. 0. ... 0. 0. 0.]\n [0. 0. 0. ... 0. 0. 0.]\n [0. 0. 0. ... 0. 0. 0.]]"},
		{"summarised 3-d", tensor.Zeros(501, 1, 2),
			"[[[0. 0.]]\n\n [[0. 0.]]\n\n [[0. 0.]]\n\n ...\n\n [[0. 0.]]\n\n [[0. 0.]]\n\n [[0. 0.]]]"},
		{"1000 elements are not summarised", tensor.Zeros(1000),
			"[" + repeatJoin("0.", " ", 1000) + "]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.x.String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s\n(-want +got):\n%s", got, tc.want, cmp.Diff(tc.want, got))
			}
		})
	}
}

// TestStringFloat32 checks the printing of Float32 tensors: each value is
// the shortest decimal that reads back as the same float32 (0.1 prints as
// 0.1 although float64(float32(0.1)) is 0.10000000149011612), in the
// float64 layout, with ", dtype=float32" after the closing bracket.
func TestStringFloat32(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	f32 := func(shape []int, xs ...float64) *tensor.Tensor { return tensor.New(xs, shape...).To(tensor.Float32) }
	tests := []struct {
		name string
		x    *tensor.Tensor
		want string
	}{
		{"scalar whole", tensor.Float32.Scalar(3), "3., dtype=float32"},
		{"scalar 0.1 is shortest", tensor.Float32.Scalar(0.1), "0.1, dtype=float32"},
		{"scalar 1/3", tensor.Float32.Scalar(1.0 / 3), "0.33333334, dtype=float32"},
		{"scalar small", tensor.Float32.Scalar(1e-5), "1e-05, dtype=float32"},
		{"scalar large", tensor.Float32.Scalar(1e20), "1e+20, dtype=float32"},
		{"scalar largest", tensor.Float32.Scalar(math.MaxFloat32), "3.4028235e+38, dtype=float32"},
		{"scalar overflow", tensor.Float32.Scalar(1e39), "inf, dtype=float32"},
		{"scalar NaN", tensor.Float32.Scalar(nan), "nan, dtype=float32"},
		{"vector", f32([]int{3}, 1, 2.5, -0.1), "[  1.  2.5 -0.1], dtype=float32"},
		{"vector non-finite", f32([]int{3}, nan, -inf, 1), "[ nan -inf   1.], dtype=float32"},
		{"vector empty", tensor.Float32.Zeros(0), "[], dtype=float32"},
		{"matrix", f32([]int{2, 2}, 0.1, 0.2, 0.3, 0.4), "[[0.1 0.2]\n [0.3 0.4]], dtype=float32"},
		{"summarised", tensor.Float32.Zeros(501, 2),
			"[[0. 0.]\n [0. 0.]\n [0. 0.]\n ...\n [0. 0.]\n [0. 0.]\n [0. 0.]], dtype=float32"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.x.String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s\n(-want +got):\n%s", got, tc.want, cmp.Diff(tc.want, got))
			}
		})
	}
	t.Run("float32 values print as their float64 widening would not", func(t *testing.T) {
		// The same values widened print with float64's digits and no mark.
		x := tensor.Float32.Scalar(0.1).To(tensor.Float64)
		if got, want := x.String(), "0.10000000149011612"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

// repeatJoin returns n copies of s joined by sep.
func repeatJoin(s, sep string, n int) string {
	out := s
	for i := 1; i < n; i++ {
		out += sep + s
	}
	return out
}

func TestAllClose(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	v := func(xs ...float64) *tensor.Tensor { return tensor.New(xs) }
	tests := []struct {
		name       string
		a, b       *tensor.Tensor
		rtol, atol float64
		want       bool
	}{
		{"equal", v(1, 2), v(1, 2), 0, 0, true},
		{"within atol", v(1, 2), v(1.05, 2), 0, 0.1, true},
		{"outside atol", v(1, 2), v(1.2, 2), 0, 0.1, false},
		{"within rtol of b", v(100), v(101), 0.01, 0, true},
		{"rtol is relative to b", v(101), v(100), 0.01 - 1e-12, 0, false},
		{"atol + rtol", v(0, 10), v(0.5, 11), 0.05, 0.5, true},
		{"shapes differ", v(1, 2), tensor.New([]float64{1, 2}, 1, 2), 1, 1, false},
		{"NaN never close", v(nan), v(nan), 1, 1, false},
		{"NaN against number", v(1), v(nan), 1, 1, false},
		{"equal infinities", v(inf, -inf), v(inf, -inf), 0, 0, true},
		{"opposite infinities", v(inf), v(-inf), 1, 1, false},
		{"infinity against number", v(inf), v(1e300), 1, 1, false},
		{"number against infinity", v(1), v(inf), 1, 1, false},
		{"0-d", tensor.Scalar(1), tensor.Scalar(1 + 1e-9), 1e-8, 0, true},
		{"empty", tensor.Zeros(0, 2), tensor.Zeros(0, 2), 0, 0, true},
		// Mixed types compare as float64: float32(0.1) differs from 0.1 by
		// about 1.5e-9, within rtol 2^-24 ≈ 6e-8 (float32's unit roundoff)
		// but not within 1e-9.
		{"float32 against float64 reference", v(0.1, 2).To(tensor.Float32), v(0.1, 2), 0x1p-24, 0, true},
		{"float32 against float64, too tight", v(0.1, 2).To(tensor.Float32), v(0.1, 2), 1e-9, 0, false},
		{"float32 against float32", v(1, 2).To(tensor.Float32), v(1, 2.05).To(tensor.Float32), 0, 0.1, true},
		{"float64 against float32 shapes differ", v(1, 2), tensor.Float32.Ones(2, 1), 1, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tensor.AllClose(tc.a, tc.b, tc.rtol, tc.atol); got != tc.want {
				t.Errorf("AllClose(%v, %v, rtol %v, atol %v) = %v, want %v", tc.a, tc.b, tc.rtol, tc.atol, got, tc.want)
			}
		})
	}
}

func TestMaxAbsDiff(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	v := func(xs ...float64) *tensor.Tensor { return tensor.New(xs) }
	tests := []struct {
		name string
		a, b *tensor.Tensor
		want float64
	}{
		{"equal", v(1, 2), v(1, 2), 0},
		{"largest of the differences", v(1, 2, 3), v(1.5, 0, 3), 2},
		{"shapes differ", v(1), tensor.Scalar(1), inf},
		{"NaN", v(1, nan), v(1, 2), nan},
		{"equal infinities", v(inf, -inf), v(inf, -inf), 0},
		{"infinity against number", v(inf, 1), v(1, 1), inf},
		{"empty", tensor.Zeros(0), tensor.Zeros(0), 0},
		{"float32 against float64", v(0.5, 0.1).To(tensor.Float32), v(0.5, 0.1), math.Abs(float64(float32(0.1)) - 0.1)},
		{"float32 infinity", v(1e39).To(tensor.Float32), v(math.Inf(1)), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tensor.MaxAbsDiff(tc.a, tc.b)
			if !(got == tc.want || math.IsNaN(got) && math.IsNaN(tc.want)) {
				t.Errorf("MaxAbsDiff(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}
