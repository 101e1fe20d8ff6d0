package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// poolChain is a function through the three pooling ops.
func poolChain(tp *autograd.Tape, x autograd.Var) autograd.Var {
	mc := tensor.MaxPool2dDefaults(2, 2)
	ac := tensor.AvgPool2dDefaults(3, 3)
	ac.Stride, ac.Padding, ac.CeilMode, ac.CountIncludePad = [2]int{1, 1}, [2]int{1, 1}, true, false
	y := tp.AvgPool2d(tp.MaxPool2d(x, mc), ac)
	return tp.Sum(tp.Square(tp.AdaptiveAvgPool2d(y, 3, 2)))
}

// TestPoolOpsValues checks the tape's ops against the tensor kernels, and
// that a nil tape and NoGrad compute the same values (max pooling skips
// its indices there).
func TestPoolOpsValues(t *testing.T) {
	x := tensor.RandN(tapegradtest.NewRNG(), 2, 3, 8, 7)
	mc := tensor.MaxPool2dDefaults(3, 2)
	mc.Padding[0], mc.CeilMode = 1, true
	want, _ := tensor.MaxPool2d(x, mc)
	tp := autograd.NewTape()
	if d := tapegradtest.Diff(want, tp.MaxPool2d(tp.Var(x), mc).Value()); d != "" {
		t.Errorf("tape (-want +got):\n%s", d)
	}
	if d := tapegradtest.Diff(want, (*autograd.Tape)(nil).MaxPool2d(autograd.Const(x), mc).Value()); d != "" {
		t.Errorf("nil tape (-want +got):\n%s", d)
	}
	tp.NoGrad(func() {
		if d := tapegradtest.Diff(want, tp.MaxPool2d(tp.Var(x), mc).Value()); d != "" {
			t.Errorf("NoGrad (-want +got):\n%s", d)
		}
	})
	ac := tensor.AvgPool2dDefaults(2, 3)
	if d := tapegradtest.Diff(tensor.AvgPool2d(x, ac), tp.AvgPool2d(tp.Const(x), ac).Value()); d != "" {
		t.Errorf("avg (-want +got):\n%s", d)
	}
	if d := tapegradtest.Diff(tensor.AdaptiveAvgPool2d(x, 3, 4), tp.AdaptiveAvgPool2d(tp.Const(x), 3, 4).Value()); d != "" {
		t.Errorf("adaptive (-want +got):\n%s", d)
	}
}

// TestPoolHigherOrder compares the Hessian-vector product of poolChain
// (forward over reverse, through max_pool2d_gather's and the backward
// ops' rules) with reverse over reverse (GradGraph twice). Both are exact
// sums of the same few products: 1e-12.
func TestPoolHigherOrder(t *testing.T) {
	rng := tapegradtest.NewRNG()
	x := tensor.RandN(rng, 1, 2, 8, 8)
	v := tensor.RandN(rng, 1, 2, 8, 8)
	f := func(tp *autograd.Tape, xs []autograd.Var) autograd.Var { return poolChain(tp, xs[0]) }
	hvp := autograd.HVP(f, []*tensor.Tensor{x}, []*tensor.Tensor{v})
	tp := autograd.NewTape()
	xv := tp.Var(x)
	g := tp.GradGraph(f(tp, []autograd.Var{xv}), xv)[0]
	want := tp.Grad(tp.Sum(tp.Mul(g, tp.Const(v))), xv)[0]
	if d := tapegradtest.Diff(want.Value(), hvp[0], cmpopts.EquateApprox(0, 1e-12)); d != "" {
		t.Errorf("HVP (-reverse over reverse +forward over reverse):\n%s", d)
	}
}

// TestPoolOpsAllocateNothing: a training step through the three pooling
// ops on a reused tape allocates nothing once warm (the argmax indices
// live in the tape's int arena, the values in its pool), in both types.
func TestPoolOpsAllocateNothing(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		p := autograd.NewParam(tensor.RandN(tapegradtest.NewRNG(), 2, 3, 8, 8).To(dt))
		tp := autograd.NewTape()
		step := func() {
			tp.Reset()
			p.ZeroGrad()
			tp.Backward(poolChain(tp, p))
		}
		step()
		if n := testing.AllocsPerRun(20, step); n != 0 {
			t.Errorf("%v: %v allocations per step, want 0", dt, n)
		}
	}
}

func TestPoolOpsPanics(t *testing.T) {
	tp := autograd.NewTape()
	x := tp.Const(tensor.Ones(1, 1, 4, 4))
	for _, tc := range []struct {
		name string
		f    func()
		want error
		msg  string
	}{
		{"max rank 2", func() { tp.MaxPool2d(tp.Const(tensor.Ones(4, 4)), tensor.MaxPool2dDefaults(2, 2)) }, tensor.ErrShape, "rank 2"},
		{"max zero config", func() { tp.MaxPool2d(x, tensor.MaxPool2dConfig{}) }, tensor.ErrShape, "kernel 0"},
		{"avg rank 1", func() { tp.AvgPool2d(tp.Const(tensor.Ones(4)), tensor.AvgPool2dDefaults(2, 2)) }, tensor.ErrShape, "rank 1"},
		{"avg too large", func() { tp.AvgPool2d(x, tensor.AvgPool2dDefaults(5, 5)) }, tensor.ErrShape, "too small"},
		{"adaptive negative", func() { tp.AdaptiveAvgPool2d(x, -1, 1) }, tensor.ErrShape, "-1×1"},
		{"adaptive empty plane", func() { tp.AdaptiveAvgPool2d(tp.Const(tensor.Ones(1, 0, 3)), 1, 1) }, tensor.ErrShape, "empty"},
		{"zero Var", func() { tp.MaxPool2d(autograd.Var{}, tensor.MaxPool2dDefaults(2, 2)) }, autograd.ErrTape, "max_pool2d"},
	} {
		t.Run(tc.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tc.f, tc.want, tc.msg) })
	}
}

func TestPoolOpsInTable(t *testing.T) {
	want := map[string]bool{"max_pool2d": false, "max_pool2d_backward": true, "max_pool2d_gather": true,
		"avg_pool2d": false, "avg_pool2d_backward": true, "adaptive_avg_pool2d": false, "adaptive_avg_pool2d_backward": true}
	got := map[string]bool{}
	for _, o := range autograd.Ops() {
		if _, ok := want[o.Name]; ok {
			got[o.Name] = o.Derivative
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ops (name → derivative only) (-want +got):\n%s", d)
	}
}

// benchPoolStep is the W6 pools' share of a training step (WORKLOADS.md):
// 2×2 max pooling, stride 2, forward and backward (the gradient
// delivered into a parameter), on a reused tape.
func benchPoolStep(b *testing.B, dt tensor.DType, shape ...int) {
	p := autograd.NewParam(tensor.RandN(rand.New(rand.NewPCG(1, 2)), shape...).To(dt))
	c := tensor.MaxPool2dDefaults(2, 2)
	oh, ow := c.OutSize(shape[2], shape[3])
	g := tensor.RandN(rand.New(rand.NewPCG(3, 4)), shape[0], shape[1], oh, ow).To(dt)
	tp := autograd.NewTape()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tp.Reset()
		p.ZeroGrad()
		tp.BackwardWith(tp.MaxPool2d(p, c), g)
	}
}

func BenchmarkMaxPool2dStepW6Pool1(b *testing.B)    { benchPoolStep(b, tensor.Float64, 64, 8, 28, 28) }
func BenchmarkMaxPool2dStepW6Pool2(b *testing.B)    { benchPoolStep(b, tensor.Float64, 64, 16, 10, 10) }
func BenchmarkMaxPool2dStepW6Pool1F32(b *testing.B) { benchPoolStep(b, tensor.Float32, 64, 8, 28, 28) }
func BenchmarkMaxPool2dStepW6Pool2F32(b *testing.B) { benchPoolStep(b, tensor.Float32, 64, 16, 10, 10) }
