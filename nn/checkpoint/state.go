package checkpoint

import (
	"fmt"
	"strings"

	"github.com/tapegrad/tapegrad/tensor"
)

// StatePrefix starts the names of the tensors saved WithState: the tensor
// KEY of the state named NAME is stored as "state.NAME.KEY" (a
// data.Standardizer saved as "input" gives "state.input.mean" and
// "state.input.std").
const StatePrefix = "state."

// WithState saves, or loads, s's tensors beside the model's parameters,
// each tensor KEY of s.StateTensors() under StatePrefix+name+"."+KEY: for
// fitted preprocessing (a data.Standardizer's mean and std) and other
// buffers that belong with the model but are not parameters. Repeat the
// option for several states, each under its own name. Load gives s the
// file's tensors under that prefix through s.LoadStateTensors; a file
// without them, or tensors s rejects, is an ErrMismatch error and changes
// nothing. A name must be non-empty without a ".", and used once (else
// ErrArg). Without this option Load ignores states in a file.
//
//	st := data.FitStandardizer(train.X)
//	err := checkpoint.Save(path, model, checkpoint.WithState("input", st))
//	…
//	var st data.Standardizer
//	err = checkpoint.Load(path, model, checkpoint.WithState("input", &st))
func WithState(name string, s State) Option {
	return func(o *options) { o.states = append(o.states, namedState{name, s}) }
}

// State is what WithState saves and loads: a named set of tensors, such as
// a data.Standardizer's fitted mean and std. LoadStateTensors must check
// everything before changing anything, and must accept what StateTensors
// returned (Load restores that snapshot if a later state or the optimiser
// fails, so that a failed Load changes nothing).
type State interface {
	StateTensors() map[string]*tensor.Tensor
	LoadStateTensors(ts map[string]*tensor.Tensor) error
}

// checkStateArgs rejects a nil state and a WithState name that is empty,
// holds a ".", or is used twice.
func checkStateArgs(o options) error {
	seen := map[string]bool{}
	for _, ns := range o.states {
		switch {
		case isNil(ns.s):
			return argErr("state %q is nil", ns.name)
		case ns.name == "" || strings.Contains(ns.name, "."):
			return argErr("state name %q must be non-empty without a \".\"", ns.name)
		case seen[ns.name]:
			return argErr("state name %q is given twice", ns.name)
		}
		seen[ns.name] = true
	}
	return nil
}

// loadStates loads each state from the file's tensors under its name, in
// order, each tensor converted to the type of the tensor of the same name
// in the state's StateTensors (see convertLike). If one fails, it restores
// the states already loaded from their snapshots and returns an error
// wrapping ErrMismatch; otherwise it returns a function that restores them
// all.
func loadStates(want []namedState, have map[string]map[string]*tensor.Tensor) (undo func(), err error) {
	var done []namedState
	var saved []map[string]*tensor.Tensor
	undo = func() {
		for i := len(done) - 1; i >= 0; i-- {
			_ = done[i].s.LoadStateTensors(saved[i]) // accepted before: see State
		}
	}
	for _, ns := range want {
		snap := ns.s.StateTensors()
		if err := ns.s.LoadStateTensors(convertLike(have[ns.name], snap)); err != nil {
			undo()
			return nil, fmt.Errorf("%w: state %q: %w", ErrMismatch, ns.name, err)
		}
		done, saved = append(done, ns), append(saved, snap)
	}
	return undo, nil
}
