package autograd_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestConvOpsMatchKernels checks that the ops' values are the tensor
// kernels' and that conv2d's gradients are conv_transpose2d and the
// weight-gradient kernel (exact: the same kernels run).
func TestConvOpsMatchKernels(t *testing.T) {
	rng := tapegradtest.NewRNG()
	cfg := tensor.Conv2dDefaults()
	cfg.Stride, cfg.Padding = [2]int{2, 2}, [2]int{1, 1}
	x, w := tensor.RandN(rng, 2, 3, 7, 6), tensor.RandN(rng, 4, 3, 3, 3)
	tp := autograd.NewTape()
	xv, wv := tp.Var(x), tp.Var(w)
	y := tp.Conv2d(xv, wv, cfg)
	if d := tapegradtest.Diff(tensor.Conv2d(x, w, cfg), y.Value()); d != "" {
		t.Errorf("value (-want +got):\n%s", d)
	}
	g := tensor.RandN(rng, y.Shape()...)
	gs := tp.VJP(y, tp.Const(g), xv, wv)
	tc := cfg
	tc.OutputPadding = [2]int{0, 1} // (7+2−3) mod 2 = 0, (6+2−3) mod 2 = 1
	if d := tapegradtest.Diff(tensor.ConvTranspose2d(g, w, tc), gs[0].Value()); d != "" {
		t.Errorf("∂x (-want +got):\n%s", d)
	}
	if d := tapegradtest.Diff(tensor.Conv2dWeightGrad(x, g, [2]int{3, 3}, cfg), gs[1].Value()); d != "" {
		t.Errorf("∂w (-want +got):\n%s", d)
	}
}

// TestConv1dIsConv2d checks Conv1d against Conv2d of height-1 images.
func TestConv1dIsConv2d(t *testing.T) {
	rng := tapegradtest.NewRNG()
	x, w := tensor.RandN(rng, 2, 4, 9), tensor.RandN(rng, 6, 2, 3)
	c := tensor.Conv1dConfig{Stride: 2, Padding: 1, Dilation: 2, Groups: 2}
	got := (*autograd.Tape)(nil).Conv1d(autograd.Const(x), autograd.Const(w), c).Value()
	want := tensor.Conv2d(tensor.Reshape(x, 2, 4, 1, 9), tensor.Reshape(w, 6, 2, 1, 3), c.Conv2d())
	if d := cmp.Diff(want.Data(), got.Data(), cmpopts.EquateApprox(0, 0)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !cmp.Equal(got.Shape(), []int{2, 6, 4}) {
		t.Errorf("shape %v, want [2 6 4]", got.Shape())
	}
}

// TestConvPanics checks the ops' documented panics.
func TestConvPanics(t *testing.T) {
	tp := autograd.NewTape()
	x, w := tp.Const(tensor.Zeros(1, 2, 4, 4)), tp.Const(tensor.Zeros(3, 2, 2, 2))
	d := tensor.Conv2dDefaults()
	for _, c := range []struct {
		name string
		f    func()
		want error
	}{
		{"conv2d rank", func() { tp.Conv2d(tp.Const(tensor.Zeros(2, 4, 4)), w, d) }, tensor.ErrShape},
		{"conv2d zero config", func() { tp.Conv2d(x, w, tensor.Conv2dConfig{}) }, tensor.ErrArg},
		{"conv2d dtypes", func() { tp.Conv2d(x, tp.Const(tensor.Float32.Zeros(3, 2, 2, 2)), d) }, tensor.ErrDType},
		{"conv2d kernel too large", func() { tp.Conv2d(x, tp.Const(tensor.Zeros(3, 2, 5, 2)), d) }, tensor.ErrShape},
		{"conv_transpose2d channels", func() { tp.ConvTranspose2d(x, w, d) }, tensor.ErrShape},
		{"conv1d rank", func() { tp.Conv1d(x, w, tensor.Conv1dDefaults()) }, tensor.ErrShape},
	} {
		t.Run(c.name, func(t *testing.T) { tapegradtest.CheckPanic(t, c.f, c.want) })
	}
}

// ExampleTape_Conv2d differentiates the sum of a convolution: ∂w[u, v] is
// the sum of the input elements that tap (u, v) meets.
func ExampleTape_Conv2d() {
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3)
	w := autograd.NewParam(tensor.Ones(1, 1, 2, 2))
	tp := autograd.NewTape()
	y := tp.Conv2d(tp.Const(x), w, tensor.Conv2dDefaults())
	tp.Backward(tp.Sum(y))
	fmt.Println(y.Value().Data())
	fmt.Println(w.Grad().Data())
	// Output:
	// [12 16 24 28]
	// [12 16 24 28]
}

// BenchmarkConvW6Step times W6's two convolutions (../shared/bench/WORKLOADS.md)
// forward and backward on a reused tape: conv 5×5 1→8 padding 2 on 64×1×28×28
// (weight gradient only: the input is data) and conv 5×5 8→16 on 64×8×14×14
// (input and weight gradients); the loss is the sum of both outputs.
func BenchmarkConvW6Step(b *testing.B) {
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		b.Run(dt.String(), func(b *testing.B) {
			rng := tapegradtest.NewRNG()
			x := tensor.RandN(rng, 64, 1, 28, 28).To(dt)
			a := tensor.RandN(rng, 64, 8, 14, 14).To(dt)
			w1 := autograd.NewParam(tensor.RandN(rng, 8, 1, 5, 5).To(dt))
			w2 := autograd.NewParam(tensor.RandN(rng, 16, 8, 5, 5).To(dt))
			c1, c2 := tensor.Conv2dDefaults(), tensor.Conv2dDefaults()
			c1.Padding = [2]int{2, 2}
			tp := autograd.NewTape()
			flops := 2.0 * (64*8*28*28*25*2 + 64*16*10*10*200*3)
			b.ReportAllocs()
			for b.Loop() {
				tp.Reset()
				y1 := tp.Conv2d(tp.Const(x), w1, c1)
				y2 := tp.Conv2d(tp.Var(a), w2, c2)
				tp.Backward(tp.Add(tp.Sum(y1), tp.Sum(y2)))
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestConvStepAllocs checks that a training step of a small convolution
// net on a reused tape allocates nothing once warm (the tape's pool holds
// the results, the tensor package's scratch the im2col columns), in both
// element types.
func TestConvStepAllocs(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		rng := tapegradtest.NewRNG()
		x := tensor.RandN(rng, 4, 2, 9, 9).To(dt)
		w1 := autograd.NewParam(tensor.RandN(rng, 3, 2, 3, 3).To(dt))
		w2 := autograd.NewParam(tensor.RandN(rng, 2, 3, 2, 2).To(dt))
		w3 := autograd.NewParam(tensor.RandN(rng, 2, 3, 2, 2).To(dt))
		c := tensor.Conv2dDefaults()
		c.Stride, c.Padding = [2]int{2, 2}, [2]int{1, 1}
		t2 := tensor.Conv2dDefaults()
		t2.Stride = [2]int{2, 2}
		tp := autograd.NewTape()
		step := func() {
			tp.Reset()
			h := tp.Tanh(tp.Conv2d(tp.Const(x), w1, c))
			h = tp.Conv2d(h, w2, tensor.Conv2dDefaults())
			tp.Backward(tp.Sum(tp.ConvTranspose2d(h, w3, t2)))
		}
		for range 3 {
			step()
		}
		if n := testing.AllocsPerRun(10, step); n != 0 {
			t.Errorf("%v: %v allocations per step, want 0", dt, n)
		}
	}
}
