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

// mlpLoss is the loss of one example (x (5), one-hot t (3)) of a
// 5→7→3 tanh network with weights w1 (5, 7), b1 (7), w2 (7, 3), b2 (3).
func mlpLoss(tp *autograd.Tape, xs []autograd.Var) autograd.Var {
	w1, b1, w2, b2, x, t := xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]
	h := tp.Tanh(tp.Add(tp.MatMul(x, w1), b1))
	z := tp.Add(tp.MatMul(h, w2), b2)
	return tp.Sub(tp.LogSumExp(z), tp.Sum(tp.Mul(z, t)))
}

func TestVmapPerSampleGrads(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 6
	params := []*tensor.Tensor{tensor.RandN(rng, 5, 7), tensor.RandN(rng, 7), tensor.RandN(rng, 7, 3), tensor.RandN(rng, 3)}
	x := tensor.RandN(rng, n, 5)
	labels := []int{0, 2, 1, 1, 0, 2}
	oh := tensor.OneHot(labels, 3)
	u := autograd.Unbatched
	f := autograd.Vmap(autograd.GradOf(mlpLoss, 0, 1, 2, 3), []int{u, u, u, u, 0, 0}, nil)
	got := autograd.Call(f, append(params, x, oh)...)
	for s := range n {
		xs := tensor.Reshape(tensor.Slice(x, 0, s, s+1), 5)
		ts := tensor.Reshape(tensor.Slice(oh, 0, s, s+1), 3)
		want := autograd.Grad(func(tp *autograd.Tape, v []autograd.Var) autograd.Var { return mlpLoss(tp, v) }, append(append([]*tensor.Tensor{}, params...), xs, ts))
		for i := range 4 {
			g := got[i]
			gs := tensor.Reshape(tensor.Slice(g, 0, s, s+1), g.Shape()[1:]...)
			if d := cmp.Diff(want[i].Float64s(), gs.Float64s(), cmpopts.EquateApprox(1e-12, 1e-12)); d != "" {
				t.Errorf("slice %d, gradient %d (-loop +vmap):\n%s", s, i, d)
			}
		}
	}
}

func init() {
	moreNilFuncs["Vmap"] = func() { autograd.Vmap(nil, nil, nil) }
	moreNilFuncs["GradOf"] = func() { autograd.GradOf(nil) }
	moreNilFuncs["Call"] = func() { autograd.Call(nil) }
}

// TestVmapMisuse checks that misuse of Vmap, GradOf and Call panics with
// an error wrapping the sentinel and naming the op.
func TestVmapMisuse(t *testing.T) {
	one := func(tp *autograd.Tape, x []autograd.Var) []autograd.Var { return []autograd.Var{tp.Sum(x[0])} }
	ones := func(tp *autograd.Tape) []autograd.Var { return []autograd.Var{tp.Const(tensor.Ones(2))} }
	sum := func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Sum(x[0]) }
	tests := []struct {
		name string
		f    func()
		err  error
		want string
	}{
		{"zero Var", func() { autograd.Vmap(one, nil, nil)(autograd.NewTape(), []autograd.Var{{}}) }, autograd.ErrTape, "Vmap"},
		{"nothing mapped", func() {
			tp := autograd.NewTape()
			autograd.Vmap(one, []int{autograd.Unbatched}, nil)(tp, ones(tp))
		}, tensor.ErrShape, "no input is mapped"},
		{"axis out of range", func() {
			tp := autograd.NewTape()
			autograd.Vmap(one, []int{3}, nil)(tp, ones(tp))
		}, tensor.ErrShape, "in-axis 3"},
		{"in-axes count", func() {
			tp := autograd.NewTape()
			autograd.Vmap(one, []int{0, 0}, nil)(tp, ones(tp))
		}, tensor.ErrShape, "2 in-axes for 1 inputs"},
		{"lengths differ", func() {
			tp := autograd.NewTape()
			autograd.Vmap(one, nil, nil)(tp, []autograd.Var{tp.Const(tensor.Ones(2)), tp.Const(tensor.Ones(3))})
		}, tensor.ErrShape, "length 3"},
		{"out-axis out of range", func() {
			tp := autograd.NewTape()
			autograd.Vmap(one, nil, []int{2})(tp, ones(tp))
		}, tensor.ErrShape, "out-axis 2"},
		{"returns a zero Var", func() {
			tp := autograd.NewTape()
			none := func(tp *autograd.Tape, x []autograd.Var) []autograd.Var { return []autograd.Var{{}} }
			autograd.Vmap(none, nil, nil)(tp, ones(tp))
		}, autograd.ErrTape, "zero Var"},
		{"Backward inside", func() {
			tp := autograd.NewTape()
			bw := func(tp *autograd.Tape, x []autograd.Var) []autograd.Var {
				y := tp.Sum(tp.Square(x[0]))
				tp.Backward(y)
				return []autograd.Var{y}
			}
			autograd.Vmap(bw, nil, nil)(tp, []autograd.Var{tp.Const(tensor.Ones(2, 2))})
		}, autograd.ErrTape, "use Grad or GradOf"},
		{"Item of a mapped value", func() {
			tp := autograd.NewTape()
			branch := func(tp *autograd.Tape, x []autograd.Var) []autograd.Var {
				if s := tp.Sum(x[0]); s.Item() > 0 {
					return []autograd.Var{s}
				}
				return []autograd.Var{tp.Neg(tp.Sum(x[0]))}
			}
			autograd.Vmap(branch, nil, nil)(tp, []autograd.Var{tp.Const(tensor.Ones(2, 2))})
		}, autograd.ErrTape, "differs between the slices"},
		{"GradOf argnum", func() { autograd.Call(autograd.GradOf(sum, 3), tensor.Ones(2)) }, tensor.ErrIndex, "argnum 3"},
		{"GradOf of a vector", func() {
			autograd.Call(autograd.GradOf(func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return x[0] }), tensor.Ones(2))
		}, tensor.ErrShape, "one element"},
		{"Grad of a constant", func() {
			tp := autograd.NewTape()
			c := tp.Const(tensor.New([]float64{3}, 1))
			tp.Grad(tp.Sum(tp.Mul(c, c)), c)
		}, autograd.ErrTape, "needs no gradient"},
		{"GradOf of constants", func() {
			tp := autograd.NewTape()
			autograd.GradOf(func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Sum(x[0]) })(tp, []autograd.Var{tp.Const(tensor.Ones(2))})
		}, autograd.ErrTape, "needs no gradient"},
		{"Call with a nil tensor", func() { autograd.Call(one, nil) }, autograd.ErrTape, "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tapegradtest.CheckPanic(t, tt.f, tt.err, tt.want)
		})
	}
}

// TestVmapCustomOpLoops maps a custom op, whose batching is unknown to
// tapegrad: it runs once per slice (its forward sees one slice), and its
// per-sample gradients through its Backward match a loop.
func TestVmapCustomOpLoops(t *testing.T) {
	calls := 0
	cube := &autograd.CustomOp{Name: "cube",
		Forward: func(in []*tensor.Tensor) *tensor.Tensor {
			calls++
			return tensor.Mul(in[0], tensor.Mul(in[0], in[0]))
		},
		Backward: func(tp *autograd.Tape, in []autograd.Var, out, g autograd.Var) []autograd.Var {
			return []autograd.Var{tp.Mul(g, tp.Scale(tp.Square(in[0]), 3))}
		},
	}
	f := func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Sum(tp.Apply(cube, x[0])) }
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2)
	calls = 0
	vals := autograd.Call(autograd.Vmap(func(tp *autograd.Tape, x []autograd.Var) []autograd.Var {
		return []autograd.Var{tp.Apply(cube, x[0])}
	}, nil, nil), x)[0]
	if calls != 1+3 { // the trace, then one call per slice
		t.Errorf("Forward ran %d times, want 4 (a trace and 3 slices)", calls)
	}
	if d := cmp.Diff(tensor.Mul(x, tensor.Mul(x, x)).Float64s(), vals.Float64s()); d != "" {
		t.Errorf("per-slice values (-want +got):\n%s", d)
	}
	got := autograd.Call(autograd.Vmap(autograd.GradOf(f), nil, nil), x)[0]
	want := tensor.Scale(tensor.Mul(x, x), 3)
	if d := cmp.Diff(want.Float64s(), got.Float64s()); d != "" {
		t.Errorf("per-slice gradients (-want +got):\n%s", d)
	}
}

// TestGradThroughVmap differentiates through a Vmap on a recording tape
// (reverse mode: Backward into a parameter used unbatched inside, and
// forward mode: a tangent on the mapped input), against the same function
// written on the whole batch.
func TestGradThroughVmap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := tensor.RandN(rng, 4, 3)
	w := autograd.NewParam(tensor.RandN(rng, 3, 2))
	row := func(tp *autograd.Tape, v []autograd.Var) []autograd.Var {
		return []autograd.Var{tp.Sum(tp.Tanh(tp.MatMul(v[0], w)))} // one row (3) → a scalar
	}
	batch := func(tp *autograd.Tape, x autograd.Var) autograd.Var {
		return tp.Sum(tp.Tanh(tp.MatMul(x, w)), 1)
	}
	// reverse
	tp := autograd.NewTape()
	xv := tp.Var(x)
	tp.Backward(tp.Sum(tp.Square(autograd.Vmap(row, nil, nil)(tp, []autograd.Var{xv})[0])))
	gotW, gotX := w.Grad().Copy(), xv.Grad().Copy()
	w.ZeroGrad()
	tp2 := autograd.NewTape()
	xv2 := tp2.Var(x)
	tp2.Backward(tp2.Sum(tp2.Square(batch(tp2, xv2))))
	if d := cmp.Diff(w.Grad().Float64s(), gotW.Float64s(), cmpopts.EquateApprox(1e-12, 0)); d != "" {
		t.Errorf("∂/∂w through Vmap (-batch +vmap):\n%s", d)
	}
	if d := cmp.Diff(xv2.Grad().Float64s(), gotX.Float64s(), cmpopts.EquateApprox(1e-12, 0)); d != "" {
		t.Errorf("∂/∂x through Vmap (-batch +vmap):\n%s", d)
	}
	// forward
	dx := tensor.RandN(rng, 4, 3)
	f1 := func(tp *autograd.Tape, v []autograd.Var) autograd.Var { return autograd.Vmap(row, nil, nil)(tp, v)[0] }
	f2 := func(tp *autograd.Tape, v []autograd.Var) autograd.Var { return batch(tp, v[0]) }
	_, j1 := autograd.JVP(f1, []*tensor.Tensor{x}, []*tensor.Tensor{dx})
	_, j2 := autograd.JVP(f2, []*tensor.Tensor{x}, []*tensor.Tensor{dx})
	if d := cmp.Diff(j2.Float64s(), j1.Float64s(), cmpopts.EquateApprox(1e-12, 0)); d != "" {
		t.Errorf("tangent through Vmap (-batch +vmap):\n%s", d)
	}
}

// TestVmapItemOfUnmappedValue: inside a mapped function, Item of a value
// that does not depend on the mapped inputs is the same for every slice,
// and allowed.
func TestVmapItemOfUnmappedValue(t *testing.T) {
	f := func(tp *autograd.Tape, x []autograd.Var) []autograd.Var {
		scale := tp.Sum(x[1]).Item() // unmapped: fine
		return []autograd.Var{tp.Scale(x[0], scale)}
	}
	got := autograd.Call(autograd.Vmap(f, []int{0, autograd.Unbatched}, nil), tensor.New([]float64{1, 2, 3}, 3), tensor.New([]float64{2, 3}, 2))[0]
	if d := cmp.Diff([]float64{5, 10, 15}, got.Float64s()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestVmapOnNilTape: a mapped function runs on a nil tape (inference,
// nothing recorded) and gives the values of a recording tape.
func TestVmapOnNilTape(t *testing.T) {
	f := autograd.Vmap(func(tp *autograd.Tape, x []autograd.Var) []autograd.Var {
		return []autograd.Var{tp.Softmax(tp.MatMul(x[0], x[1]), 0)}
	}, []int{0, autograd.Unbatched}, nil)
	rng := rand.New(rand.NewPCG(5, 6))
	x, w := tensor.RandN(rng, 4, 3), tensor.RandN(rng, 3, 2)
	got := f(nil, []autograd.Var{autograd.Const(x), autograd.Const(w)})[0].Value()
	want := autograd.Call(f, x, w)[0]
	if d := cmp.Diff(want.Float64s(), got.Float64s()); d != "" {
		t.Errorf("nil tape (-recording +nil):\n%s", d)
	}
}
