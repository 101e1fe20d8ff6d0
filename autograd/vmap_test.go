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
		{"GradOf argnum", func() { autograd.Call(autograd.GradOf(sum, 3), tensor.Ones(2)) }, tensor.ErrIndex, "argnum 3"},
		{"GradOf of a vector", func() {
			autograd.Call(autograd.GradOf(func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return x[0] }), tensor.Ones(2))
		}, tensor.ErrShape, "one element"},
		{"Call with a nil tensor", func() { autograd.Call(one, nil) }, autograd.ErrTape, "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tapegradtest.CheckPanic(t, tt.f, tt.err, tt.want)
		})
	}
}
