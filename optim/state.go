package optim

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/tensor"
)

// Stateful is met by every optimiser: its running state (moments, momentum
// buffers, step counts) can be copied out as named tensors and restored, so
// training resumes exactly where it stopped. nn/checkpoint stores these
// tensors beside the model's parameters.
//
// Names follow PyTorch's optimizer.state_dict(): "I.SLOT", where I is the
// parameter's position in the list given to the constructor (nn.Params
// order) and SLOT is PyTorch's name for the buffer:
//
//	SGD      I.momentum_buffer (only once that parameter has a buffer)
//	Adam(W)  I.exp_avg, I.exp_avg_sq, I.max_exp_avg_sq (AMSGrad), I.step
//	RMSprop  I.square_avg, I.grad_avg (centered), I.momentum_buffer (momentum)
//	Adagrad  I.sum, I.step
//	NAdam    I.exp_avg, I.exp_avg_sq, I.mu_product, I.step
//	RAdam    I.exp_avg, I.exp_avg_sq, I.step
//	GD       no state
//
// Buffers have their parameter's shape and element type (a float32
// parameter's moments are float32 tensors, as in PyTorch); a step count is a
// 0-d float64 tensor holding an integer, and NAdam's mu_product a 0-d
// float64 tensor, whatever the parameter's type (PyTorch's, made with its
// default dtype, are float32 under the usual default; float64 holds every
// step count up to 2⁵³ exactly). Hyperparameters (LR, betas, …) are not
// state: they come from the constructor, or SetLR.
//
// LoadStateTensors accepts a buffer of either element type and converts it
// to its parameter's (rounding float64 to float32), as PyTorch's
// load_state_dict casts state to its parameter's dtype; so does a step
// count or mu_product of either type.
type Stateful interface {
	// StateTensors returns copies of the optimiser's state, by name.
	StateTensors() map[string]*tensor.Tensor
	// LoadStateTensors replaces the state with copies of ts. It checks
	// every name, shape and step count first and returns an error wrapping
	// ErrState, changing nothing, if one is missing, unexpected or wrong.
	LoadStateTensors(ts map[string]*tensor.Tensor) error
}

var (
	_ Stateful = (*GD)(nil)
	_ Stateful = (*SGD)(nil)
	_ Stateful = (*Adam)(nil)
	_ Stateful = (*AdamW)(nil)
	_ Stateful = (*RMSprop)(nil)
	_ Stateful = (*Adagrad)(nil)
	_ Stateful = (*NAdam)(nil)
	_ Stateful = (*RAdam)(nil)
)

// ErrState is wrapped by the errors of LoadStateTensors.
var ErrState = errors.New("optim: state does not fit the optimiser")

// slot describes one state buffer of every parameter: its name, the
// buffers (one per parameter, nil when the optimiser keeps no such buffer),
// and whether a parameter may lack it (SGD's momentum before its first step).
type slot struct {
	name     string
	bufs     []vec
	optional bool   // a parameter may lack it
	present  []bool // per parameter: whether it has it (nil: always)
}

// stepSlot is a per-parameter step count.
type stepSlot struct {
	name  string
	steps []int
}

// scalarSlot is a per-parameter real number (NAdam's mu_product).
type scalarSlot struct {
	name string
	vals []float64
}

// stateSpec is the layout of an optimiser's state.
type stateSpec struct {
	shapes  [][]int
	slots   []slot
	steps   []stepSlot
	scalars []scalarSlot
}

func (s stateSpec) tensors() map[string]*tensor.Tensor {
	out := map[string]*tensor.Tensor{}
	for _, sl := range s.slots {
		if sl.bufs == nil {
			continue
		}
		for i, b := range sl.bufs {
			if sl.present != nil && !sl.present[i] {
				continue
			}
			out[fmt.Sprintf("%d.%s", i, sl.name)] = b.tensor(s.shapes[i])
		}
	}
	for _, st := range s.steps {
		for i, n := range st.steps {
			out[fmt.Sprintf("%d.%s", i, st.name)] = tensor.Scalar(float64(n))
		}
	}
	for _, sc := range s.scalars {
		for i, v := range sc.vals {
			out[fmt.Sprintf("%d.%s", i, sc.name)] = tensor.Scalar(v)
		}
	}
	return out
}

func stateErr(op, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrState, op, fmt.Sprintf(format, args...))
}

// load validates ts against the spec and, only if all is well, copies it in.
func (s stateSpec) load(op string, ts map[string]*tensor.Tensor) error {
	used := map[string]bool{}
	// Validate.
	for _, sl := range s.slots {
		if sl.bufs == nil {
			continue
		}
		for i := range sl.bufs {
			name := fmt.Sprintf("%d.%s", i, sl.name)
			t, ok := ts[name]
			if !ok || t == nil {
				if sl.optional {
					continue
				}
				return stateErr(op, "missing state tensor %q", name)
			}
			used[name] = true
			if !slices.Equal(t.Shape(), s.shapes[i]) {
				return stateErr(op, "state tensor %q has shape %v, want the parameter's %v", name, t.Shape(), s.shapes[i])
			}
		}
	}
	for _, st := range s.steps {
		for i := range st.steps {
			name := fmt.Sprintf("%d.%s", i, st.name)
			t, ok := ts[name]
			if !ok || t == nil {
				return stateErr(op, "missing state tensor %q", name)
			}
			used[name] = true
			if t.Len() != 1 {
				return stateErr(op, "step count %q has shape %v, want a scalar", name, t.Shape())
			}
			if v := t.Item(); !(v >= 0 && v <= math.MaxInt32 && v == math.Trunc(v)) {
				return stateErr(op, "step count %q is %v, want a whole number ≥ 0", name, v)
			}
		}
	}
	for _, sc := range s.scalars {
		for i := range sc.vals {
			name := fmt.Sprintf("%d.%s", i, sc.name)
			t, ok := ts[name]
			if !ok || t == nil {
				return stateErr(op, "missing state tensor %q", name)
			}
			used[name] = true
			if t.Len() != 1 {
				return stateErr(op, "state %q has shape %v, want a scalar", name, t.Shape())
			}
			if v := t.Item(); math.IsNaN(v) || math.IsInf(v, 0) {
				return stateErr(op, "state %q is %v, want a finite number", name, v)
			}
		}
	}
	var extra []string
	for name := range ts {
		if !used[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return stateErr(op, "unexpected state tensors %s (made by another optimiser or configuration?)", strings.Join(extra, ", "))
	}
	// Copy.
	for _, sl := range s.slots {
		for i, b := range sl.bufs {
			t, ok := ts[strconv.Itoa(i)+"."+sl.name]
			if sl.present != nil {
				sl.present[i] = ok && t != nil
			}
			if ok && t != nil {
				b.load(t)
			} else {
				b.fill(0)
			}
		}
	}
	for _, st := range s.steps {
		for i := range st.steps {
			st.steps[i] = int(ts[strconv.Itoa(i)+"."+st.name].Item())
		}
	}
	for _, sc := range s.scalars {
		for i := range sc.vals {
			sc.vals[i] = ts[strconv.Itoa(i)+"."+sc.name].Item()
		}
	}
	return nil
}

func (s *adamState) spec() stateSpec {
	sp := stateSpec{shapes: paramShapes(s.params), slots: []slot{
		{name: "exp_avg", bufs: s.m},
		{name: "exp_avg_sq", bufs: s.v},
		{name: "max_exp_avg_sq", bufs: s.vmax},
	}, steps: []stepSlot{{"step", s.steps}}}
	return sp
}

// StateTensors returns I.exp_avg, I.exp_avg_sq, I.max_exp_avg_sq (AMSGrad)
// and I.step for each parameter I (see Stateful).
func (o *Adam) StateTensors() map[string]*tensor.Tensor { return o.st.spec().tensors() }

// LoadStateTensors restores what StateTensors returned (see Stateful).
func (o *Adam) LoadStateTensors(ts map[string]*tensor.Tensor) error {
	return o.st.spec().load("optim.Adam.LoadStateTensors", ts)
}

// StateTensors returns I.exp_avg, I.exp_avg_sq, I.max_exp_avg_sq (AMSGrad)
// and I.step for each parameter I (see Stateful).
func (o *AdamW) StateTensors() map[string]*tensor.Tensor { return o.st.spec().tensors() }

// LoadStateTensors restores what StateTensors returned (see Stateful).
func (o *AdamW) LoadStateTensors(ts map[string]*tensor.Tensor) error {
	return o.st.spec().load("optim.AdamW.LoadStateTensors", ts)
}

func (o *SGD) spec() stateSpec {
	sl := slot{name: "momentum_buffer", bufs: o.buf, present: o.started, optional: true}
	return stateSpec{shapes: paramShapes(o.params), slots: []slot{sl}}
}

// StateTensors returns I.momentum_buffer for each parameter I that has one
// (with Momentum > 0, after its first step), as PyTorch does.
func (o *SGD) StateTensors() map[string]*tensor.Tensor { return o.spec().tensors() }

// LoadStateTensors restores what StateTensors returned (see Stateful). A
// parameter without a momentum_buffer starts its momentum afresh.
func (o *SGD) LoadStateTensors(ts map[string]*tensor.Tensor) error {
	return o.spec().load("optim.SGD.LoadStateTensors", ts)
}

func (o *RMSprop) spec() stateSpec {
	return stateSpec{shapes: paramShapes(o.params), slots: []slot{
		{name: "square_avg", bufs: o.sq},
		{name: "grad_avg", bufs: o.avg},
		{name: "momentum_buffer", bufs: o.buf},
	}}
}

// StateTensors returns I.square_avg, I.grad_avg (centered) and
// I.momentum_buffer (Momentum > 0) for each parameter I.
func (o *RMSprop) StateTensors() map[string]*tensor.Tensor { return o.spec().tensors() }

// LoadStateTensors restores what StateTensors returned (see Stateful).
func (o *RMSprop) LoadStateTensors(ts map[string]*tensor.Tensor) error {
	return o.spec().load("optim.RMSprop.LoadStateTensors", ts)
}

func (o *Adagrad) spec() stateSpec {
	return stateSpec{shapes: paramShapes(o.params), slots: []slot{{name: "sum", bufs: o.sum}},
		steps: []stepSlot{{"step", o.steps}}}
}

// StateTensors returns I.sum and I.step for each parameter I.
func (o *Adagrad) StateTensors() map[string]*tensor.Tensor { return o.spec().tensors() }

// LoadStateTensors restores what StateTensors returned (see Stateful).
func (o *Adagrad) LoadStateTensors(ts map[string]*tensor.Tensor) error {
	return o.spec().load("optim.Adagrad.LoadStateTensors", ts)
}

func (o *NAdam) spec() stateSpec {
	return stateSpec{shapes: paramShapes(o.params), slots: []slot{
		{name: "exp_avg", bufs: o.m},
		{name: "exp_avg_sq", bufs: o.v},
	}, steps: []stepSlot{{"step", o.steps}}, scalars: []scalarSlot{{"mu_product", o.muProd}}}
}

// StateTensors returns I.exp_avg, I.exp_avg_sq, I.mu_product and I.step
// for each parameter I (see Stateful).
func (o *NAdam) StateTensors() map[string]*tensor.Tensor { return o.spec().tensors() }

// LoadStateTensors restores what StateTensors returned (see Stateful).
func (o *NAdam) LoadStateTensors(ts map[string]*tensor.Tensor) error {
	return o.spec().load("optim.NAdam.LoadStateTensors", ts)
}

func (o *RAdam) spec() stateSpec {
	return stateSpec{shapes: paramShapes(o.params), slots: []slot{
		{name: "exp_avg", bufs: o.m},
		{name: "exp_avg_sq", bufs: o.v},
	}, steps: []stepSlot{{"step", o.steps}}}
}

// StateTensors returns I.exp_avg, I.exp_avg_sq and I.step for each
// parameter I (see Stateful).
func (o *RAdam) StateTensors() map[string]*tensor.Tensor { return o.spec().tensors() }

// LoadStateTensors restores what StateTensors returned (see Stateful).
func (o *RAdam) LoadStateTensors(ts map[string]*tensor.Tensor) error {
	return o.spec().load("optim.RAdam.LoadStateTensors", ts)
}

// StateTensors returns an empty map: plain gradient descent keeps no state.
func (o *GD) StateTensors() map[string]*tensor.Tensor { return map[string]*tensor.Tensor{} }

// LoadStateTensors accepts only an empty map (see Stateful).
func (o *GD) LoadStateTensors(ts map[string]*tensor.Tensor) error {
	return stateSpec{}.load("optim.GD.LoadStateTensors", ts)
}

// tensor returns a copy of b as a tensor of the given shape and b's
// element type.
func (b vec) tensor(shape []int) *tensor.Tensor {
	if b.f32 != nil {
		return tensor.New32(slices.Clone(b.f32), slices.Clone(shape)...)
	}
	return tensor.New(slices.Clone(b.f64), slices.Clone(shape)...)
}

// load copies t's elements (as many as both hold) into b, converting them
// to b's element type: float32 to float64 exactly, float64 to float32
// rounded to nearest.
func (b vec) load(t *tensor.Tensor) {
	switch {
	case b.f32 == nil && !is32(t):
		copy(b.f64, t.Data())
	case b.f32 != nil && is32(t):
		copy(b.f32, t.Data32())
	case b.f32 == nil:
		src := t.Data32()
		for j := range min(len(b.f64), len(src)) {
			b.f64[j] = float64(src[j])
		}
	default:
		src := t.Data()
		for j := range min(len(b.f32), len(src)) {
			b.f32[j] = float32(src[j])
		}
	}
}

func paramShapes[P interface{ Value() *tensor.Tensor }](ps []P) [][]int {
	out := make([][]int, len(ps))
	for i, p := range ps {
		out[i] = slices.Clone(p.Value().Shape())
	}
	return out
}
