package autograd_test

import (
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestMaybe checks which panics Maybe turns into errors (the misuse
// sentinels, and every package's bad-argument sentinel through
// tensor.ErrArg) and which it re-panics (anything else).
func TestMaybe(t *testing.T) {
	tests := []struct {
		name    string
		f       func()
		want    error // the sentinel of the returned error; nil for none
		repanic bool
	}{
		{"no panic", func() {}, nil, false},
		{"shape", func() {
			tp := autograd.NewTape()
			tp.Add(tp.Const(tensor.Zeros(2, 3)), tp.Const(tensor.Zeros(4)))
		}, tensor.ErrShape, false},
		{"index", func() { tensor.Zeros(2).At(5) }, tensor.ErrIndex, false},
		{"tape", func() {
			a, b := autograd.NewTape(), autograd.NewTape()
			a.Add(b.Const(tensor.Zeros(1)), a.Const(tensor.Zeros(1)))
		}, autograd.ErrTape, false},
		{"anomaly", func() {
			tp := autograd.NewTape()
			tp.SetAnomaly(true)
			tp.Log(tp.Const(tensor.New([]float64{-1}, 1)))
		}, autograd.ErrAnomaly, false},
		// every package's bad-argument sentinel wraps tensor.ErrArg
		{"nn argument", func() { nn.NewLinear(nil, 2, 3, nn.XavierUniform(1)) }, nn.ErrArg, false},
		{"optim setting", func() { optim.NewSGD(nil, optim.SGDConfig{LR: 0.1}) }, optim.ErrConfig, false},
		{"tensor argument", func() { tensor.Add(nil, tensor.Zeros(1)) }, tensor.ErrArg, false},
		{"runtime error", func() {
			var s []int
			_ = s[3]
		}, nil, true},
		{"other error value", func() { panic(errors.New("not misuse")) }, nil, true},
		{"string", func() { panic("boom") }, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			repanicked := func() (r any) {
				defer func() { r = recover() }()
				err = autograd.Maybe(tc.f)
				return nil
			}()
			if (repanicked != nil) != tc.repanic {
				t.Fatalf("re-panicked %v, want %t", repanicked, tc.repanic)
			}
			if _, isRuntime := repanicked.(runtime.Error); tc.name == "runtime error" && !isRuntime {
				t.Errorf("re-panicked %T, want the original runtime.Error", repanicked)
			}
			if tc.want == nil && err != nil {
				t.Errorf("Maybe = %v, want nil", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Maybe = %v, want an error wrapping %v", err, tc.want)
			}
		})
	}
}

// Maybe turns a shape panic into an error naming the op and the shapes.
func ExampleMaybe() {
	tp := autograd.NewTape()
	a := tp.Const(tensor.Zeros(2, 3))
	b := tp.Const(tensor.Zeros(4, 2))
	err := autograd.Maybe(func() { tp.MatMul(a, b) })
	fmt.Println(errors.Is(err, tensor.ErrShape))
	var se *tensor.ShapeError
	fmt.Println(errors.As(err, &se), se.Op, se.Shapes)
	// Output:
	// true
	// true tensor.MatMul [[2 3] [4 2]]
}

// TestTapeUsableAfterRulePanic: a derivative rule that panics (here a
// custom op's, with a shape error Maybe returns) leaves the tape in its
// recording state: the pass can go on, recording and differentiating as
// before.
func TestTapeUsableAfterRulePanic(t *testing.T) {
	bad := &autograd.CustomOp{
		Name:    "bad",
		Forward: func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Copy() },
		Backward: func(tp *autograd.Tape, in []autograd.Var, out, g autograd.Var) []autograd.Var {
			return []autograd.Var{tp.Add(g, tp.Const(tensor.Zeros(7)))} // 2 + 7: no broadcast
		},
	}
	w := autograd.NewParam(tensor.New([]float64{1, 2}, 2))
	tp := autograd.NewTape()
	err := autograd.Maybe(func() { tp.Backward(tp.Sum(tp.Apply(bad, tp.Mul(w, w)))) })
	if !errors.Is(err, tensor.ErrShape) {
		t.Fatalf("backward through the bad rule: err = %v, want ErrShape", err)
	}
	w.ZeroGrad()
	n := tp.Len() // no Reset: the pass goes on after the error
	loss := tp.Sum(tp.Mul(w, w))
	if !tp.Recording() || tp.Len() != n+2 {
		t.Fatalf("after the panic: recording %v, %d new nodes; want true, 2", tp.Recording(), tp.Len()-n)
	}
	tp.Backward(loss)
	if got := w.Grad().Data(); got[0] != 2 || got[1] != 4 {
		t.Errorf("after the panic: ∂Σw²/∂w = %v, want [2 4]", got)
	}
}
