package tapegradtest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Catch runs f and returns the error it panics with, or nil if it returns.
// A panic with a value that is not an error gives a *NonErrorPanic, which
// wraps nothing, so a test expecting a sentinel fails on it.
func Catch(f func()) (err error) {
	defer func() {
		switch r := recover().(type) {
		case nil:
		case error:
			err = r
		default:
			err = &NonErrorPanic{Value: r}
		}
	}()
	f()
	return nil
}

// NonErrorPanic is Catch's error for a panic whose value is not an error.
type NonErrorPanic struct{ Value any }

// Error says that the panic value was not an error, and shows it.
func (e *NonErrorPanic) Error() string {
	return fmt.Sprintf("panic with a non-error value %v", e.Value)
}

// CheckPanic runs f, which must panic with an error wrapping want whose
// message contains each of msg, and returns that error for further checks.
// It fails t otherwise: at once if f returns, after checking every
// substring if the error does not wrap want.
func CheckPanic(t testing.TB, f func(), want error, msg ...string) error {
	t.Helper()
	err := Catch(f)
	if err == nil {
		t.Fatalf("got no panic, want one wrapping %v", want)
	}
	if !errors.Is(err, want) {
		t.Errorf("got panic %v, want one wrapping %v", err, want)
	}
	for _, s := range msg {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("got message %q, want it to contain %q", err.Error(), s)
		}
	}
	return err
}

// Tensor is what Diff compares: *tensor.Tensor, or anything else with a
// row-major shape and data.
type Tensor interface {
	Shape() []int
	Data() []float64
}

// View is a comparable picture of a tensor for cmp.Diff (tensor.Tensor's
// fields are unexported). Type is the element type's name when it is not
// float64 ("float32"), empty for float64 and for a Tensor without a type.
type View struct {
	Shape []int
	Data  []float64
	Type  string
}

// ViewOf returns x's view. A tensor with an element type (*tensor.Tensor's
// DType method, found by reflection: this package imports no tapegrad
// package) records its name in Type, and one that is not float64 is
// widened with its Float64s method (a copy; its Data would panic). A
// float64 tensor's Data is shared and its Type left empty. So Diff reports
// a float32 result against a float64 want as a difference of Type.
func ViewOf(x Tensor) View {
	v := View{Shape: x.Shape()}
	if m := reflect.ValueOf(x).MethodByName("DType"); m.IsValid() && m.Type().NumIn() == 0 && m.Type().NumOut() == 1 {
		if name := fmt.Sprint(m.Call(nil)[0].Interface()); name != "float64" {
			v.Type = name
		}
	}
	if w, ok := x.(interface{ Float64s() []float64 }); ok && v.Type != "" {
		v.Data = w.Float64s()
		return v
	}
	v.Data = x.Data()
	return v
}

// Diff returns cmp.Diff of two tensors' shapes and data, "" when they agree
// under opts (tolerances such as cmpopts.EquateApprox). A 0-d shape may be
// nil or empty, so empty slices compare equal, and NaN equals NaN: a test
// that must see a NaN puts one in want.
func Diff(want, got Tensor, opts ...cmp.Option) string {
	opts = append(opts, cmpopts.EquateEmpty(), cmpopts.EquateNaNs())
	return cmp.Diff(ViewOf(want), ViewOf(got), opts...)
}

// NewRNG returns the generator tests draw from, seeded with a fixed PCG
// state (1, 2), so a failure replays.
func NewRNG() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
