package tapegradtest

import (
	"errors"
	"fmt"
	"math/rand/v2"
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
// fields are unexported).
type View struct {
	Shape []int
	Data  []float64
}

// ViewOf returns x's view, sharing x's slices.
func ViewOf(x Tensor) View { return View{Shape: x.Shape(), Data: x.Data()} }

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
