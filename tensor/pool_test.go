package tensor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// naiveMaxPool is max pooling written from PyTorch's definition, window
// element by window element (kernel index m = 0 … k−1 at h0 + m·d),
// skipping positions outside the input (the −Inf padding): the reference
// for the kernel's fast and general paths.
func naiveMaxPool(x *tensor.Tensor, c tensor.MaxPool2dConfig) ([]float64, []int) {
	s := x.Shape()
	r := len(s)
	h, w := s[r-2], s[r-1]
	oh, ow := c.OutSize(h, w)
	planes := x.Len() / (h * w)
	xd := x.Float64s()
	var ys []float64
	var idx []int
	for p := 0; p < planes; p++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				m, k := math.Inf(-1), -1
				for u := 0; u < c.Kernel[0]; u++ {
					for v := 0; v < c.Kernel[1]; v++ {
						a := i*c.Stride[0] - c.Padding[0] + u*c.Dilation[0]
						b := j*c.Stride[1] - c.Padding[1] + v*c.Dilation[1]
						if a < 0 || a >= h || b < 0 || b >= w {
							continue
						}
						if k < 0 {
							k = a*w + b
						}
						if e := xd[p*h*w+a*w+b]; e > m || e != e {
							m, k = e, a*w+b
						}
					}
				}
				ys, idx = append(ys, m), append(idx, k)
			}
		}
	}
	return ys, idx
}

// naiveAvgPool is average pooling from PyTorch's definition.
func naiveAvgPool(x *tensor.Tensor, c tensor.AvgPool2dConfig) []float64 {
	s := x.Shape()
	r := len(s)
	h, w := s[r-2], s[r-1]
	oh, ow := c.OutSize(h, w)
	planes := x.Len() / (h * w)
	xd := x.Float64s()
	var ys []float64
	for p := 0; p < planes; p++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				sum, n, padded := 0.0, 0, 0
				for u := 0; u < c.Kernel[0]; u++ {
					for v := 0; v < c.Kernel[1]; v++ {
						a, b := i*c.Stride[0]-c.Padding[0]+u, j*c.Stride[1]-c.Padding[1]+v
						if a < h+c.Padding[0] && b < w+c.Padding[1] {
							padded++ // inside the padded input
						}
						if a >= 0 && a < h && b >= 0 && b < w {
							sum += xd[p*h*w+a*w+b]
							n++
						}
					}
				}
				div := padded
				switch {
				case n == 0:
					sum, div = 0, 1
				case c.DivisorOverride != 0:
					div = c.DivisorOverride
				case !c.CountIncludePad:
					div = n
				}
				ys = append(ys, sum/float64(div))
			}
		}
	}
	return ys
}

func TestPoolOutSize(t *testing.T) {
	for _, tc := range []struct {
		n, k, s, p, d int
		ceil          bool
		want          int
	}{
		{28, 2, 2, 0, 1, false, 14},
		{10, 2, 2, 0, 1, false, 5},
		{5, 2, 2, 0, 1, false, 2},
		{5, 2, 2, 0, 1, true, 3},
		{7, 3, 2, 1, 1, false, 4},
		{6, 3, 2, 1, 1, true, 4},
		{5, 3, 3, 1, 1, true, 2}, // ceil's extra window would start in the right padding: dropped
		{7, 2, 1, 1, 2, false, 7},
		{3, 3, 1, 0, 1, false, 1},
	} {
		c := tensor.MaxPool2dConfig{Kernel: [2]int{tc.k, 1}, Stride: [2]int{tc.s, 1}, Padding: [2]int{tc.p, 0},
			Dilation: [2]int{tc.d, 1}, CeilMode: tc.ceil}
		if got, _ := c.OutSize(tc.n, 1); got != tc.want {
			t.Errorf("%+v: OutSize = %d, want %d", tc, got, tc.want)
		}
	}
}

// TestMaxPool2dAgainstNaive compares MaxPool2d's values and indices with
// naiveMaxPool over configurations reaching both code paths (the 2×2
// stride-2 loop, odd sizes and ceil mode at its edges, padding, dilation),
// in both element types. Maxima are exact: no tolerance.
func TestMaxPool2dAgainstNaive(t *testing.T) {
	rng := tapegradtest.NewRNG()
	cfg := func(k, s, p, d [2]int, ceil bool) tensor.MaxPool2dConfig {
		return tensor.MaxPool2dConfig{Kernel: k, Stride: s, Padding: p, Dilation: d, CeilMode: ceil}
	}
	for _, tc := range []struct {
		shape []int
		c     tensor.MaxPool2dConfig
	}{
		{[]int{2, 3, 8, 8}, tensor.MaxPool2dDefaults(2, 2)},
		{[]int{1, 2, 7, 9}, tensor.MaxPool2dDefaults(2, 2)},
		{[]int{2, 2, 6, 9}, tensor.MaxPool2dDefaults(2, 2)}, // tiled rows, odd width
		{[]int{3, 6, 4}, tensor.MaxPool2dDefaults(2, 2)},
		{[]int{1, 2, 7, 9}, cfg([2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1}, true)},
		{[]int{3, 5, 6}, cfg([2]int{2, 2}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}, true)},
		{[]int{1, 1, 9, 8}, cfg([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}, false)},
		{[]int{1, 1, 9, 8}, cfg([2]int{3, 2}, [2]int{1, 3}, [2]int{1, 1}, [2]int{2, 3}, true)},
		{[]int{2, 1, 4, 5}, cfg([2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}, [2]int{5, 5}, false)}, // windows outside the input
		{[]int{1, 1, 3, 3}, tensor.MaxPool2dDefaults(3, 3)},
	} {
		for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
			t.Run(fmt.Sprintf("%v %+v %v", tc.shape, tc.c, dt), func(t *testing.T) {
				x := tensor.RandN(rng, tc.shape...).To(dt)
				wantY, wantIdx := naiveMaxPool(x, tc.c)
				y, idx := tensor.MaxPool2d(x, tc.c)
				if d := cmp.Diff(wantY, y.Float64s()); d != "" {
					t.Errorf("values (-want +got):\n%s", d)
				}
				if d := cmp.Diff(wantIdx, idx); d != "" {
					t.Errorf("indices (-want +got):\n%s", d)
				}
				if y.DType() != dt {
					t.Errorf("type %v, want %v", y.DType(), dt)
				}
			})
		}
	}
}

// TestMaxPool2dSpecialValues: ties go to the first maximal element in
// window order, a NaN wins (the last one in window order, as PyTorch's
// `v > m || isnan(v)`), a window of −Inf keeps its first element.
func TestMaxPool2dSpecialValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(-1)
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		x := tensor.New([]float64{
			3, 3, 1, nan, inf, inf, 0, 5,
			3, 3, nan, 2, inf, inf, 5, -1,
		}, 1, 1, 2, 8).To(dt)
		y, idx := tensor.MaxPool2d(x, tensor.MaxPool2dDefaults(2, 2))
		if d := tapegradtest.Diff(tensor.New([]float64{3, nan, inf, 5}, 1, 1, 1, 4).To(dt), y); d != "" {
			t.Errorf("%v values (-want +got):\n%s", dt, d)
		}
		if d := cmp.Diff([]int{0, 10, 4, 7}, idx); d != "" {
			t.Errorf("%v indices (-want +got):\n%s", dt, d)
		}
	}
}

func TestAvgPool2dAgainstNaive(t *testing.T) {
	rng := tapegradtest.NewRNG()
	cfg := func(k, s, p [2]int, ceil, incl bool, div int) tensor.AvgPool2dConfig {
		return tensor.AvgPool2dConfig{Kernel: k, Stride: s, Padding: p, CeilMode: ceil, CountIncludePad: incl, DivisorOverride: div}
	}
	// sums of at most 9 terms in another order: a few ulps (float64); the
	// float32 path rounds once more per element (2⁻²⁴ relative).
	tol := map[tensor.DType]cmp.Option{tensor.Float64: cmpopts.EquateApprox(0, 1e-14), tensor.Float32: cmpopts.EquateApprox(1e-6, 1e-6)}
	for _, tc := range []struct {
		shape []int
		c     tensor.AvgPool2dConfig
	}{
		{[]int{2, 3, 8, 8}, tensor.AvgPool2dDefaults(2, 2)},
		{[]int{1, 2, 7, 9}, cfg([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, false, true, 0)},
		{[]int{1, 2, 7, 9}, cfg([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, true, true, 0)},
		{[]int{1, 2, 6, 7}, cfg([2]int{3, 2}, [2]int{2, 3}, [2]int{1, 1}, true, false, 0)},
		{[]int{3, 5, 6}, cfg([2]int{2, 3}, [2]int{1, 2}, [2]int{1, 1}, true, true, 5)},
	} {
		for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
			t.Run(fmt.Sprintf("%v %+v %v", tc.shape, tc.c, dt), func(t *testing.T) {
				x := tensor.RandN(rng, tc.shape...).To(dt)
				got := tensor.AvgPool2d(x, tc.c)
				if d := cmp.Diff(naiveAvgPool(x, tc.c), got.Float64s(), tol[dt]); d != "" {
					t.Errorf("values (-want +got):\n%s", d)
				}
			})
		}
	}
}

func TestAdaptiveAvgPool2d(t *testing.T) {
	// (1, 5, 5) → 3×3: rows and columns 0–1, 1–3, 3–4.
	x := tensor.Reshape(tensor.Arange(0, 25, 1), 1, 5, 5)
	want := tensor.New([]float64{3, 4.5, 6, 10.5, 12, 13.5, 18, 19.5, 21}, 1, 3, 3)
	if d := tapegradtest.Diff(want, tensor.AdaptiveAvgPool2d(x, 3, 3)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// 1×1 is the mean of each plane.
	m := tensor.AdaptiveAvgPool2d(x, 1, 1)
	if got := m.Data()[0]; got != 12 {
		t.Errorf("1×1 pooling = %v, want 12", got)
	}
	if got := tensor.AdaptiveAvgPool2d(x, 0, 2).Shape(); !cmp.Equal(got, []int{1, 0, 2}) {
		t.Errorf("empty output shape %v", got)
	}
}

// TestPoolAdjoints checks each backward kernel is the adjoint of its
// forward one, ⟨F(x), g⟩ = ⟨x, B(g)⟩ (the identity the autograd rules
// rely on for second order), in both types. Sums of ~300 products of
// normal numbers: 1e-12 in float64, 1e-4 in float32.
func TestPoolAdjoints(t *testing.T) {
	rng := tapegradtest.NewRNG()
	dot := func(a, b *tensor.Tensor) float64 {
		s := 0.0
		for i, v := range a.Float64s() {
			s += v * b.Float64s()[i]
		}
		return s
	}
	avg := tensor.AvgPool2dConfig{Kernel: [2]int{3, 2}, Stride: [2]int{2, 1}, Padding: [2]int{1, 1}, CeilMode: true}
	mx := tensor.MaxPool2dConfig{Kernel: [2]int{3, 3}, Stride: [2]int{1, 2}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}, CeilMode: true}
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		tol := map[tensor.DType]float64{tensor.Float64: 1e-12, tensor.Float32: 1e-4}[dt]
		x := tensor.RandN(rng, 2, 3, 7, 6).To(dt)
		_, idx := tensor.MaxPool2d(tensor.RandN(rng, 2, 3, 7, 6), mx)
		oh, ow := mx.OutSize(7, 6)
		g := tensor.RandN(rng, 2, 3, oh, ow).To(dt)
		for _, tc := range []struct {
			name     string
			fwd, bwd func() *tensor.Tensor
			g        *tensor.Tensor
		}{
			{"max gather/scatter", func() *tensor.Tensor { return tensor.MaxPool2dGather(x, idx, oh, ow) },
				func() *tensor.Tensor { return tensor.MaxPool2dBackward(g, idx, 7, 6) }, g},
			{"avg", func() *tensor.Tensor { return tensor.AvgPool2d(x, avg) }, nil, nil},
			{"adaptive", func() *tensor.Tensor { return tensor.AdaptiveAvgPool2d(x, 4, 5) }, nil, nil},
		} {
			y := tc.fwd()
			gg := tc.g
			if gg == nil {
				gg = tensor.RandN(rng, y.Shape()...).To(dt)
			}
			var back *tensor.Tensor
			switch tc.name {
			case "avg":
				back = tensor.AvgPool2dBackward(gg, 7, 6, avg)
			case "adaptive":
				back = tensor.AdaptiveAvgPool2dBackward(gg, 7, 6)
			default:
				back = tc.bwd()
			}
			if back.DType() != dt {
				t.Errorf("%s %v: backward type %v", tc.name, dt, back.DType())
			}
			if l, r := dot(y, gg), dot(x, back); math.Abs(l-r) > tol*(1+math.Abs(l)) {
				t.Errorf("%s %v: ⟨F(x), g⟩ = %v, ⟨x, B(g)⟩ = %v", tc.name, dt, l, r)
			}
		}
	}
}

// TestPoolToAllocatesNothing: the To forms write into their destinations
// without allocating (the tape's steady state relies on it).
func TestPoolToAllocatesNothing(t *testing.T) {
	x := tensor.RandN(tapegradtest.NewRNG(), 2, 3, 8, 8)
	mc, ac := tensor.MaxPool2dDefaults(2, 2), tensor.AvgPool2dDefaults(2, 2)
	y, idx := tensor.MaxPool2d(x, mc)
	dx := tensor.ZerosLike(x)
	for name, f := range map[string]func(){
		"MaxPool2dTo":                 func() { tensor.MaxPool2dTo(y, idx, x, mc) },
		"MaxPool2dBackwardTo":         func() { tensor.MaxPool2dBackwardTo(dx, y, idx) },
		"MaxPool2dGatherTo":           func() { tensor.MaxPool2dGatherTo(y, x, idx) },
		"AvgPool2dTo":                 func() { tensor.AvgPool2dTo(y, x, ac) },
		"AvgPool2dBackwardTo":         func() { tensor.AvgPool2dBackwardTo(dx, y, ac) },
		"AdaptiveAvgPool2dTo":         func() { tensor.AdaptiveAvgPool2dTo(y, x) },
		"AdaptiveAvgPool2dBackwardTo": func() { tensor.AdaptiveAvgPool2dBackwardTo(dx, y) },
	} {
		if n := testing.AllocsPerRun(10, f); n != 0 {
			t.Errorf("%s: %v allocations, want 0", name, n)
		}
	}
}

func TestPoolPanics(t *testing.T) {
	x := tensor.Ones(1, 1, 4, 4)
	mc := tensor.MaxPool2dDefaults(2, 2)
	bad := func(f func(c *tensor.MaxPool2dConfig)) tensor.MaxPool2dConfig {
		c := mc
		f(&c)
		return c
	}
	_, idx := tensor.MaxPool2d(x, mc)
	for _, tc := range []struct {
		name string
		f    func()
		want error
		msg  string
	}{
		{"rank 2", func() { tensor.MaxPool2d(tensor.Ones(4, 4), mc) }, tensor.ErrShape, "tensor.MaxPool2d"},
		{"rank 5", func() { tensor.AvgPool2d(tensor.Ones(1, 1, 1, 4, 4), tensor.AvgPool2dDefaults(2, 2)) }, tensor.ErrShape, "tensor.AvgPool2d"},
		{"zero kernel", func() { tensor.MaxPool2d(x, tensor.MaxPool2dConfig{}) }, tensor.ErrShape, "kernel 0"},
		{"zero stride", func() { tensor.MaxPool2d(x, bad(func(c *tensor.MaxPool2dConfig) { c.Stride[1] = 0 })) }, tensor.ErrShape, "stride 0"},
		{"padding above half the kernel", func() { tensor.MaxPool2d(x, bad(func(c *tensor.MaxPool2dConfig) { c.Padding[0] = 2 })) }, tensor.ErrShape, "half the kernel"},
		{"negative padding", func() { tensor.MaxPool2d(x, bad(func(c *tensor.MaxPool2dConfig) { c.Padding[0] = -1 })) }, tensor.ErrShape, "padding -1"},
		{"kernel larger than input", func() { tensor.MaxPool2d(x, tensor.MaxPool2dDefaults(5, 5)) }, tensor.ErrShape, "too small"},
		{"avg kernel larger than input", func() { tensor.AvgPool2d(x, tensor.AvgPool2dDefaults(5, 1)) }, tensor.ErrShape, "too small"},
		{"empty plane", func() { tensor.MaxPool2d(tensor.Ones(1, 1, 0, 4), mc) }, tensor.ErrShape, "empty"},
		{"wrong dst", func() { tensor.MaxPool2dTo(tensor.Ones(1, 1, 3, 2), nil, x, mc) }, tensor.ErrShape, "destination"},
		{"dst of another batch", func() { tensor.AvgPool2dTo(tensor.Ones(2, 1, 2, 2), x, tensor.AvgPool2dDefaults(2, 2)) }, tensor.ErrShape, "leading axes"},
		{"dst of another type", func() { tensor.MaxPool2dTo(tensor.Float32.Ones(1, 1, 2, 2), nil, x, mc) }, tensor.ErrDType, "float32"},
		{"short idx", func() { tensor.MaxPool2dTo(tensor.Ones(1, 1, 2, 2), make([]int, 3), x, mc) }, tensor.ErrShape, "index slice"},
		{"bad index", func() { tensor.MaxPool2dBackward(tensor.Ones(1, 1, 2, 2), []int{0, 1, 2, 16}, 4, 4) }, tensor.ErrIndex, "index 16"},
		{"bad gather index", func() { tensor.MaxPool2dGather(x, []int{0, -2, 2, 3}, 2, 2) }, tensor.ErrIndex, "index -2"},
		{"backward idx length", func() { tensor.MaxPool2dBackward(tensor.Ones(1, 1, 2, 2), idx[:3], 4, 4) }, tensor.ErrShape, "index slice"},
		{"backward size", func() { tensor.MaxPool2dBackward(tensor.Ones(1, 1, 2, 2), idx, 0, 4) }, tensor.ErrShape, "0×4"},
		{"avg backward wrong g", func() { tensor.AvgPool2dBackward(tensor.Ones(1, 1, 3, 3), 4, 4, tensor.AvgPool2dDefaults(2, 2)) }, tensor.ErrShape, "want planes of 2×2"},
		{"adaptive negative", func() { tensor.AdaptiveAvgPool2d(x, -1, 2) }, tensor.ErrShape, "-1×2"},
		{"adaptive rank", func() { tensor.AdaptiveAvgPool2d(tensor.Ones(4), 1, 1) }, tensor.ErrShape, "rank 1"},
		{"adaptive dst rank", func() { tensor.AdaptiveAvgPool2dTo(tensor.Ones(2, 2), x) }, tensor.ErrShape, "ranks"},
		{"adaptive backward type", func() { tensor.AdaptiveAvgPool2dBackwardTo(x, tensor.Float32.Ones(1, 1, 2, 2)) }, tensor.ErrDType, "float32"},
	} {
		t.Run(tc.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tc.f, tc.want, tc.msg) })
	}
}

// The W6 pools (WORKLOADS.md): 2×2 max pooling, stride 2, of 64×8×28×28
// and of 64×16×10×10, forward (values and indices) and backward, into
// reused destinations.
func benchMaxPool(b *testing.B, dt tensor.DType, backward bool, shape ...int) {
	x := tensor.RandN(rand.New(rand.NewPCG(1, 2)), shape...).To(dt)
	c := tensor.MaxPool2dDefaults(2, 2)
	y, idx := tensor.MaxPool2d(x, c)
	dx := tensor.ZerosLike(x)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if backward {
			tensor.MaxPool2dBackwardTo(dx, y, idx)
		} else {
			tensor.MaxPool2dTo(y, idx, x, c)
		}
	}
}

func BenchmarkMaxPool2dW6Pool1Fwd(b *testing.B) {
	benchMaxPool(b, tensor.Float64, false, 64, 8, 28, 28)
}
func BenchmarkMaxPool2dW6Pool1Bwd(b *testing.B) {
	benchMaxPool(b, tensor.Float64, true, 64, 8, 28, 28)
}
func BenchmarkMaxPool2dW6Pool2Fwd(b *testing.B) {
	benchMaxPool(b, tensor.Float64, false, 64, 16, 10, 10)
}
func BenchmarkMaxPool2dW6Pool2Bwd(b *testing.B) {
	benchMaxPool(b, tensor.Float64, true, 64, 16, 10, 10)
}
func BenchmarkMaxPool2dW6Pool1Fwd32(b *testing.B) {
	benchMaxPool(b, tensor.Float32, false, 64, 8, 28, 28)
}
func BenchmarkMaxPool2dW6Pool1Bwd32(b *testing.B) {
	benchMaxPool(b, tensor.Float32, true, 64, 8, 28, 28)
}
func BenchmarkMaxPool2dW6Pool2Fwd32(b *testing.B) {
	benchMaxPool(b, tensor.Float32, false, 64, 16, 10, 10)
}
func BenchmarkMaxPool2dW6Pool2Bwd32(b *testing.B) {
	benchMaxPool(b, tensor.Float32, true, 64, 16, 10, 10)
}
