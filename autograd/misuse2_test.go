package autograd_test

import (
	"errors"
	"maps"
	"reflect"
	"sync"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestNilAndZeroArguments calls every exported function and method of the
// package with nil and zero arguments (zero Vars, nil tensors, nil
// functions, a nil or fresh Tape): each must return or panic with the
// package's documented errors, never crash with a runtime error. Methods
// are reached by reflection, so a new one is covered without a new row;
// functions need a row, and ExportedAPI fails the test when one lacks it.
// moreNilFuncs and moreReceivers hold the rows of functions and types
// defined in files of their own (conv.go, …), added by those files' tests
// from init.
var (
	moreNilFuncs  = map[string]func(){}
	moreReceivers = map[string][]any{}
)

func TestNilAndZeroArguments(t *testing.T) {
	var nilF autograd.Func
	one := func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Sum(x[0]) }
	x := []*tensor.Tensor{tensor.Ones(2)}
	funcs := map[string]func(){
		"Check":         func() { autograd.Check(nilF, x, nil) },
		"CheckSecond":   func() { autograd.CheckSecond(one, []*tensor.Tensor{nil}, nil) },
		"Const":         func() { autograd.Const(nil) },
		"Grad":          func() { autograd.Grad(nilF, x) },
		"HVP":           func() { autograd.HVP(one, x, nil) },
		"Hessian":       func() { autograd.Hessian(one, []*tensor.Tensor{nil}) },
		"JVP":           func() { autograd.JVP(one, x, []*tensor.Tensor{nil}) },
		"Jacobian":      func() { autograd.Jacobian(nilF, nil) },
		"JacobianFwd":   func() { autograd.JacobianFwd(one, []*tensor.Tensor{nil}) },
		"Maybe":         func() { autograd.Maybe(nil) },
		"NewNamedParam": func() { autograd.NewNamedParam("", nil) },
		"NewParam":      func() { autograd.NewParam(nil) },
		"NewTape":       func() { autograd.NewTape() },
		"Ops":           func() { autograd.Ops() },
		"RuleText":      func() { autograd.RuleText("") },
		"VJPFunc":       func() { autograd.VJPFunc(one, x, nil) },
		"ValueAndGrad":  func() { autograd.ValueAndGrad(one, []*tensor.Tensor{nil}) },
	}
	maps.Copy(funcs, moreNilFuncs)
	rows := map[string]bool{}
	for name, f := range funcs {
		rows[name] = true
		t.Run(name, func(t *testing.T) { tapegradtest.NoRuntimePanic(t, name, f) })
	}
	// Every method, called on each receiver with zero arguments.
	receivers := map[string][]any{
		"Tape":         {autograd.NewTape(), (*autograd.Tape)(nil)},
		"Var":          {autograd.Var{}},
		"CheckReport":  {autograd.CheckReport{}},
		"AnomalyError": {&autograd.AnomalyError{}},
	}
	maps.Copy(receivers, moreReceivers)
	for typ, rs := range receivers {
		for _, r := range rs {
			rv := reflect.ValueOf(r)
			for i := range rv.NumMethod() {
				m, name := rv.Method(i), typ+"."+rv.Type().Method(i).Name
				rows[name] = true
				args := make([]reflect.Value, m.Type().NumIn())
				for j := range args {
					in := m.Type().In(j)
					if m.Type().IsVariadic() && j == len(args)-1 {
						args = args[:j]
						break
					}
					args[j] = reflect.Zero(in)
				}
				t.Run(name, func(t *testing.T) {
					tapegradtest.NoRuntimePanic(t, name, func() { m.Call(args) })
				})
			}
		}
	}
	missing, stale := tapegradtest.MissingRows(tapegradtest.ExportedAPI(t, "."), rows)
	if len(missing) > 0 || len(stale) > 0 {
		t.Errorf("entry points without a row: %v; rows naming nothing: %v", missing, stale)
	}
}

// TestReentrantBackward: Backward (or Grad) called from a hook during a
// backward pass panics with ErrTape instead of adding every gradient again.
func TestReentrantBackward(t *testing.T) {
	for _, inner := range []string{"Backward", "Grad"} {
		t.Run(inner, func(t *testing.T) {
			w := autograd.NewParam(vec(2))
			tp := autograd.NewTape()
			y := tp.Square(w)
			loss := tp.Sum(y)
			var got error
			tp.Hook(y, func(g autograd.Var) autograd.Var {
				got = tapegradtest.Catch(func() {
					if inner == "Backward" {
						tp.Backward(loss)
					} else {
						tp.Grad(loss, w)
					}
				})
				return g
			})
			tp.Backward(loss)
			if !errors.Is(got, autograd.ErrTape) {
				t.Errorf("re-entrant %s: got %v, want ErrTape", inner, got)
			}
			if g := w.Grad().Item(); g != 4 {
				t.Errorf("d(w²)/dw at 2 = %v after the rejected re-entrant call, want 4", g)
			}
			tp.Backward(loss) // the tape is usable again
			if g := w.Grad().Item(); g != 8 {
				t.Errorf("after a second Backward the gradient is %v, want 8", g)
			}
		})
	}
}

// TestConcurrentUseDetected: a second goroutine that enters Backward, Grad
// or Reset while another is inside a backward pass of the same tape gets
// ErrTape (deterministically: the first goroutine waits inside a hook).
func TestConcurrentUseDetected(t *testing.T) {
	for _, op := range []string{"Backward", "Grad", "Reset"} {
		t.Run(op, func(t *testing.T) {
			w := autograd.NewParam(vec(1, 2))
			tp := autograd.NewTape()
			y := tp.Mul(w, w)
			loss := tp.Sum(y)
			inHook, done := make(chan struct{}), make(chan struct{})
			tp.Hook(y, func(g autograd.Var) autograd.Var {
				close(inHook)
				<-done
				return g
			})
			var wg sync.WaitGroup
			var got error
			wg.Go(func() {
				<-inHook
				got = tapegradtest.Catch(func() {
					switch op {
					case "Backward":
						tp.Backward(loss)
					case "Grad":
						tp.Grad(loss, w)
					default:
						tp.Reset()
					}
				})
				close(done)
			})
			tp.Backward(loss)
			wg.Wait()
			if !errors.Is(got, autograd.ErrTape) {
				t.Errorf("%s from a second goroutine during Backward: got %v, want ErrTape", op, got)
			}
		})
	}
}
