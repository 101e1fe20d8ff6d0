package optim

import (
	"fmt"
	"math"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/shapes"
)

// Optimizer updates parameters from their accumulated gradients.
// Every optimiser of this package satisfies it.
type Optimizer interface {
	// Step applies one update from the parameters' current gradients,
	// skipping parameters whose Grad is nil (their state is left as is).
	Step()
	// ZeroGrad zeroes every parameter's gradient, keeping its buffer.
	ZeroGrad()
}

// LRSetter is an optimiser whose learning rate can be read and set; the
// schedules of this package drive any LRSetter. Every optimiser of this
// package satisfies it.
type LRSetter interface {
	// LR returns the current learning rate.
	LR() float64
	// SetLR sets the learning rate used by the following steps.
	SetLR(lr float64)
}

// MomentumSetter is an optimiser with a momentum coefficient that
// OneCycleLR can cycle, as PyTorch's cycle_momentum does: SGD's and
// RMSprop's Momentum (PyTorch's "momentum"), and β₁ of Adam, AdamW, NAdam
// and RAdam (PyTorch's betas[0]).
type MomentumSetter interface {
	// Momentum returns the current momentum coefficient.
	Momentum() float64
	// SetMomentum sets the coefficient used by the following steps.
	SetMomentum(m float64)
}

// Compile-time checks that every optimiser meets the interfaces.
var (
	_ Optimizer = (*GD)(nil)
	_ Optimizer = (*SGD)(nil)
	_ Optimizer = (*Adam)(nil)
	_ Optimizer = (*AdamW)(nil)
	_ Optimizer = (*RMSprop)(nil)
	_ Optimizer = (*Adagrad)(nil)
	_ Optimizer = (*NAdam)(nil)
	_ Optimizer = (*RAdam)(nil)

	_ LRSetter = (*GD)(nil)
	_ LRSetter = (*SGD)(nil)
	_ LRSetter = (*Adam)(nil)
	_ LRSetter = (*AdamW)(nil)
	_ LRSetter = (*RMSprop)(nil)
	_ LRSetter = (*Adagrad)(nil)
	_ LRSetter = (*NAdam)(nil)
	_ LRSetter = (*RAdam)(nil)

	_ MomentumSetter = (*SGD)(nil)
	_ MomentumSetter = (*RMSprop)(nil)
	_ MomentumSetter = (*Adam)(nil)
	_ MomentumSetter = (*AdamW)(nil)
	_ MomentumSetter = (*NAdam)(nil)
	_ MomentumSetter = (*RAdam)(nil)
)

// ErrConfig is the sentinel wrapped by the panics of this package for an
// invalid setting: a hyper-parameter out of range or not finite, a parameter
// list that is empty, holds a non-parameter or a duplicate, a bad schedule or
// clipping argument. Such a setting is a programming error, like a shape
// mismatch; recover the panic value and test it with errors.Is(err, ErrConfig).
var ErrConfig = shapes.ArgSentinel("optim: invalid setting")

// configPanic panics with an error wrapping ErrConfig that names the
// constructor, the field and its value, and what was expected.
func configPanic(op, field string, v any, want string) {
	panic(fmt.Errorf("%w: %s: %s = %v, want %s", ErrConfig, op, field, v, want))
}

// checkNonNeg panics unless v is finite and v ≥ 0.
func checkNonNeg(op, field string, v float64) {
	if !(v >= 0) || math.IsInf(v, 1) {
		configPanic(op, field, v, "a finite value ≥ 0")
	}
}

// checkFinite panics if v is NaN or infinite.
func checkFinite(op, field string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		configPanic(op, field, v, "a finite value")
	}
}

// checkBeta panics unless 0 ≤ v < 1.
func checkBeta(op, field string, v float64) {
	if !(v >= 0 && v < 1) {
		configPanic(op, field, v, "0 ≤ value < 1")
	}
}

// checkValid panics with ErrConfig naming op if params[i], p, is the zero Var.
func checkValid(op string, i int, p autograd.Var) {
	if !p.Valid() {
		panic(fmt.Errorf("%w: %s: params[%d] is the zero Var", ErrConfig, op, i))
	}
}

// checkParams validates an optimiser's parameter list and returns a copy of it.
// Each element must be a parameter (autograd.NewParam), none twice.
func checkParams(op string, params []autograd.Var) []autograd.Var {
	if len(params) == 0 {
		panic(fmt.Errorf("%w: %s: empty parameter list", ErrConfig, op))
	}
	seen := make(map[autograd.Var]int, len(params))
	for i, p := range params {
		checkValid(op, i, p)
		if !p.IsParam() {
			panic(fmt.Errorf("%w: %s: params[%d] (%s) is not a parameter made by autograd.NewParam", ErrConfig, op, i, p.Op()))
		}
		if j, ok := seen[p]; ok {
			panic(fmt.Errorf("%w: %s: params[%d] is params[%d] again; each parameter may appear once", ErrConfig, op, i, j))
		}
		seen[p] = i
	}
	return slices.Clone(params)
}

// zeroGrads zeroes the gradient of every parameter, keeping the buffers.
func zeroGrads(params []autograd.Var) {
	for _, p := range params {
		p.ZeroGrad()
	}
}

// setBeta validates a β₁ given to SetMomentum and returns it.
func setBeta(op string, b float64) float64 {
	checkBeta(op, "momentum", b)
	return b
}

// setLR validates a learning rate given to SetLR and returns it.
func setLR(op string, lr float64) float64 {
	checkNonNeg(op, "lr", lr)
	return lr
}
