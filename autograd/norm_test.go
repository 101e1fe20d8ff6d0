package autograd_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestLayerNormFusedMatchesFormula: a plain Backward runs layer_norm's
// fused kernel, Grad and GradGraph its formula in tape ops; they must
// agree (to rounding: 1e-12 for values of order 1 in float64), for every
// combination of gain and bias, the input's gradient alone too.
func TestLayerNormFusedMatchesFormula(t *testing.T) {
	rng := tapegradtest.NewRNG()
	x0 := tensor.RandN(rng, 3, 2, 5)
	w0, b0 := tensor.RandN(rng, 2, 5), tensor.RandN(rng, 2, 5)
	seed := tensor.RandN(rng, 3, 2, 5)
	tol := cmpopts.EquateApprox(0, 1e-12)
	for _, aff := range []struct{ w, b bool }{{true, true}, {true, false}, {false, true}, {false, false}} {
		t.Run(fmt.Sprintf("w=%t,b=%t", aff.w, aff.b), func(t *testing.T) {
			var w, b autograd.Var
			var params []autograd.Var
			if aff.w {
				w = autograd.NewParam(w0.Copy())
				params = append(params, w)
			}
			if aff.b {
				b = autograd.NewParam(b0.Copy())
				params = append(params, b)
			}
			tp := autograd.NewTape()
			x := tp.Var(x0)
			y := tp.LayerNorm(x, []int{2, 5}, w, b, 1e-5)
			loss := tp.Sum(tp.Mul(y, tp.Const(seed)))
			want := tp.GradGraph(loss, append([]autograd.Var{x}, params...)...)
			tp.Backward(loss)
			if d := tapegradtest.Diff(want[0].Value(), x.Grad(), tol); d != "" {
				t.Errorf("∂x fused vs formula:\n%s", d)
			}
			for i, p := range params {
				if d := tapegradtest.Diff(want[i+1].Value(), p.Grad(), tol); d != "" {
					t.Errorf("∂param %d fused vs formula:\n%s", i, d)
				}
			}
		})
	}
}

// TestLayerNormValues checks the normalisation on a hand-computed row:
// [1, 2, 3, 4] has mean 2.5 and biased variance 1.25.
func TestLayerNormValues(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			x := autograd.Const(tensor.New([]float64{1, 2, 3, 4}, 1, 4).To(dt))
			w := autograd.Const(tensor.New([]float64{1, 2, 1, 1}, 4).To(dt))
			b := autograd.Const(tensor.New([]float64{0, 0, 0, 10}, 4).To(dt))
			var tp *autograd.Tape
			got := tp.LayerNorm(x, []int{4}, w, b, 0).Value()
			s := 1 / 1.118033988749895 // 1/√1.25
			want := tensor.New([]float64{-1.5 * s, 2 * -0.5 * s, 0.5 * s, 1.5*s + 10}, 1, 4).To(dt)
			// float32: one rounding of values below 12: 1e-6 relative
			if d := tapegradtest.Diff(want, got, cmpopts.EquateApprox(1e-6, 1e-12)); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestNormPanics(t *testing.T) {
	x := autograd.Const(tensor.Zeros(2, 3))
	c := func(shape ...int) autograd.Var { return autograd.Const(tensor.Zeros(shape...)) }
	var tp *autograd.Tape
	tests := []struct {
		name string
		f    func()
		want error
	}{
		{"layer_norm empty shape", func() { tp.LayerNorm(x, nil, autograd.Var{}, autograd.Var{}, 1e-5) }, tensor.ErrShape},
		{"layer_norm wrong trailing", func() { tp.LayerNorm(x, []int{2}, autograd.Var{}, autograd.Var{}, 1e-5) }, tensor.ErrShape},
		{"layer_norm too many dims", func() { tp.LayerNorm(x, []int{1, 2, 3}, autograd.Var{}, autograd.Var{}, 1e-5) }, tensor.ErrShape},
		{"layer_norm weight shape", func() { tp.LayerNorm(x, []int{3}, c(2), autograd.Var{}, 1e-5) }, tensor.ErrShape},
		{"layer_norm bias shape", func() { tp.LayerNorm(x, []int{3}, autograd.Var{}, c(3, 1), 1e-5) }, tensor.ErrShape},
		{"layer_norm types", func() {
			tp.LayerNorm(x, []int{3}, autograd.Const(tensor.Float32.Zeros(3)), autograd.Var{}, 1e-5)
		}, tensor.ErrDType},
		{"group_norm groups", func() { tp.GroupNorm(c(2, 4, 2), 3, autograd.Var{}, autograd.Var{}, 1e-5) }, tensor.ErrShape},
		{"group_norm zero groups", func() { tp.GroupNorm(c(2, 4, 2), 0, autograd.Var{}, autograd.Var{}, 1e-5) }, tensor.ErrShape},
		{"group_norm rank 1", func() { tp.GroupNorm(c(4), 2, autograd.Var{}, autograd.Var{}, 1e-5) }, tensor.ErrShape},
		{"group_norm weight", func() { tp.GroupNorm(c(2, 4, 2), 2, c(2), autograd.Var{}, 1e-5) }, tensor.ErrShape},
		{"batch_norm rank 1", func() { tp.BatchNorm(c(4), autograd.Var{}, autograd.Var{}, 1e-5) }, tensor.ErrShape},
		{"batch_norm bias", func() { tp.BatchNorm(c(4, 2), autograd.Var{}, c(4), 1e-5) }, tensor.ErrShape},
		{"batch_norm eval stats", func() {
			tp.BatchNormEval(c(4, 2), tensor.Zeros(3), tensor.Ones(2), autograd.Var{}, autograd.Var{}, 1e-5)
		}, tensor.ErrShape},
		{"batch_norm eval nil stats", func() { tp.BatchNormEval(c(4, 2), nil, nil, autograd.Var{}, autograd.Var{}, 1e-5) }, autograd.ErrTape},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tc.f, tc.want) })
	}
}

// layerNormStep is one forward and backward pass of LayerNorm over
// (1024, 64) with gain and bias (W7's shape), on a reused tape.
func layerNormStep(b *testing.B, dt tensor.DType) {
	rng := tapegradtest.NewRNG()
	x := tensor.RandN(rng, 1024, 64).To(dt)
	seed := tensor.RandN(rng, 1024, 64).To(dt)
	w := autograd.NewParam(tensor.Ones(64).To(dt))
	bias := autograd.NewParam(tensor.Zeros(64).To(dt))
	tp := autograd.NewTape()
	shape := []int{64}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tp.Reset()
		xv := tp.Var(x)
		y := tp.LayerNorm(xv, shape, w, bias, 1e-5)
		tp.BackwardWith(y, seed)
	}
}

// BenchmarkLayerNorm is LayerNorm forward + backward over (1024, 64), the
// input's, gain's and bias's gradients (compare layernorm_bench_torch.py
// in nn/testdata).
func BenchmarkLayerNorm(b *testing.B) {
	b.Run("float64", func(b *testing.B) { layerNormStep(b, tensor.Float64) })
	b.Run("float32", func(b *testing.B) { layerNormStep(b, tensor.Float32) })
}

// TestLayerNormExplain: layer_norm's kept statistics (a constant input)
// print like any constant, and Explain narrates the op's rule.
func TestLayerNormExplain(t *testing.T) {
	tp := autograd.NewTape()
	x := tp.Var(tensor.New([]float64{1, 2, 4, 8}, 2, 2))
	w := autograd.NewParam(tensor.Ones(2))
	loss := tp.Sum(tp.Square(tp.LayerNorm(x, []int{2}, w, autograd.Var{}, 1e-5)))
	var dot, ex strings.Builder
	if err := tp.DOT(&dot, autograd.DOTOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := tp.Explain(&ex, loss); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{dot.String(), ex.String()} {
		if !strings.Contains(s, "layer_norm") {
			t.Errorf("got\n%s\nwant it to mention layer_norm", s)
		}
	}
}
