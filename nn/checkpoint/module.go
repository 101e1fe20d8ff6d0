package checkpoint

import (
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// Optimizer is an optimiser whose state can be saved: every optimiser of
// package optim (see optim.Stateful for the tensor names).
type Optimizer interface {
	StateTensors() map[string]*tensor.Tensor
	LoadStateTensors(ts map[string]*tensor.Tensor) error
}

// ErrArg is wrapped by errors about the arguments rather than the file: a
// nil model, writer, reader, file, write function, optimiser, schedule or
// State; a tensor or WithState name that is empty or reserved; two
// distinct parameters (or a parameter and optimiser or WithState state)
// that map to one name, which Save refuses before writing anything and
// Load before reading into anything.
var ErrArg = shapes.ArgSentinel("checkpoint: invalid argument")

// argErr returns an error wrapping ErrArg.
func argErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrArg, fmt.Sprintf(format, args...))
}

// isNil reports whether x is nil or a typed nil pointer, map, slice or
// function inside an interface.
func isNil(x any) bool {
	if x == nil {
		return true
	}
	switch v := reflect.ValueOf(x); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Interface, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// TorchName maps a tapegrad parameter name to PyTorch's: the "layers"
// segment that nn.Sequential puts before each layer index is dropped, as
// PyTorch's nn.Sequential names its children by index alone:
// "layers.0.weight" → "0.weight", "layers.2.layers.1.bias" → "2.1.bias".
// Other names are unchanged.
func TorchName(name string) string {
	parts := strings.Split(name, ".")
	out := parts[:0]
	for i, p := range parts {
		if p == "layers" && i+1 < len(parts) && isDigits(parts[i+1]) {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ".")
}

// torchTransposed returns the parameters PyTorch stores transposed: the
// weights of every nn.Linear and nn.Neuron in m.
func torchTransposed(m nn.Module) map[autograd.Var]bool {
	out := map[autograd.Var]bool{}
	nn.Walk(m, func(m nn.Module) {
		switch l := m.(type) {
		case *nn.Linear:
			out[l.W] = true
		case *nn.Neuron:
			out[l.W] = true
		}
	})
	return out
}

// StateDict returns m's parameters by their file names as Save writes them
// (with Torch(), PyTorch's names and layout), each tensor of its
// parameter's element type. Values are copies when transposed and the
// parameters' own tensors otherwise. A parameter tied under several names
// appears under each. It panics with an error wrapping ErrArg where Save
// returns one: m nil, or two distinct parameters mapped to one name.
func StateDict(m nn.Module, opts ...Option) map[string]*tensor.Tensor {
	ts, err := stateDict(m, collect(opts))
	if err != nil {
		panic(err)
	}
	return ts
}

// stateDict is StateDict returning its error.
func stateDict(m nn.Module, o options) (map[string]*tensor.Tensor, error) {
	if isNil(m) {
		return nil, argErr("nil model")
	}
	tr := map[autograd.Var]bool{}
	if o.torch {
		tr = torchTransposed(m)
	}
	out := map[string]*tensor.Tensor{}
	owner := map[string]nn.NamedParam{}
	for _, np := range m.NamedParams() {
		if !np.Var.Valid() {
			return nil, argErr("parameter %s is the zero Var", np.Name)
		}
		name := o.names(np.Name)
		if prev, ok := owner[name]; ok {
			if prev.Var.Same(np.Var) {
				continue // one tied parameter under one name
			}
			return nil, argErr("parameters %s and %s both have the file name %q; one would be lost", prev.Name, np.Name, name)
		}
		owner[name] = np
		v := np.Var.Value()
		if tr[np.Var] {
			v = tensor.T(v)
		}
		out[name] = v
	}
	return out, nil
}

// Write writes m's parameters (and, WithOptimizer, the optimiser's state)
// to w as a safetensors stream. It is not atomic; Save is.
func Write(w io.Writer, m nn.Module, opts ...Option) error {
	o := collect(opts)
	if isNil(w) {
		return argErr("nil writer")
	}
	if err := checkTrainingArgs(o); err != nil {
		return err
	}
	if err := checkStateArgs(o); err != nil {
		return err
	}
	ts, err := stateDict(m, o)
	if err != nil {
		return err
	}
	for _, ns := range o.states {
		for k, v := range ns.s.StateTensors() {
			name := StatePrefix + ns.name + "." + k
			if _, dup := ts[name]; dup {
				return argErr("state tensor %q has the name of a parameter", name)
			}
			ts[name] = v
		}
	}
	md := maps.Clone(o.md)
	if md == nil {
		md = map[string]string{}
	}
	md[MetaLayout] = "tapegrad"
	if o.torch {
		md[MetaLayout] = "torch"
		md["format"] = "pt"
	}
	if o.opt != nil {
		for k, v := range o.opt.StateTensors() {
			name := OptimPrefix + k
			if _, dup := ts[name]; dup {
				return argErr("optimiser state %q has the name of a parameter", name)
			}
			ts[name] = v
		}
		md[MetaOptimizer] = fmt.Sprintf("%T", o.opt)
	}
	if ds := drawers(m); len(ds) > 0 {
		counts := make([]string, len(ds))
		for i, d := range ds {
			counts[i] = strconv.FormatUint(d.Draws(), 10)
		}
		md[MetaDraws] = strings.Join(counts, ",")
	}
	if o.sched != nil {
		md[MetaSchedule] = fmt.Sprintf("%T", o.sched)
		md[MetaScheduleEpoch] = strconv.Itoa(o.sched.Epoch())
		scheduleStateMetadata(md, o.sched)
	}
	return WriteTensors(w, ts, md, o.dtype)
}

// Save writes m's parameters (and, WithOptimizer, the optimiser's state) to
// the safetensors file at path, atomically (see WriteFileAtomic): an error
// or crash midway leaves the previous file intact. Names are those of
// m.NamedParams ("layers.0.weight"); each tensor is stored in its element
// type, bit for bit (F64 for a tensor.Float64 parameter, F32 for a
// tensor.Float32 one, and so for optimiser and WithState tensors) unless
// WithDType names one type for all.
func Save(path string, m nn.Module, opts ...Option) error {
	if isNil(m) { // fail before touching the file system
		return argErr("checkpoint.Save %s: nil model", path)
	}
	return WriteFileAtomic(path, func(w io.Writer) error { return Write(w, m, opts...) })
}

// Load reads the safetensors file at path into m's parameters (and,
// WithOptimizer, the optimiser's state). See Apply for the checks.
func Load(path string, m nn.Module, opts ...Option) error {
	if isNil(m) {
		return argErr("checkpoint.Load %s: nil model", path)
	}
	f, err := ReadFile(path)
	if err != nil {
		return err
	}
	if err := Apply(f, m, opts...); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Read is Load from a stream.
func Read(r io.Reader, m nn.Module, opts ...Option) error {
	if isNil(m) {
		return argErr("checkpoint.Read: nil model")
	}
	if isNil(r) {
		return argErr("checkpoint.Read: nil reader")
	}
	f, err := ReadTensors(r)
	if err != nil {
		return err
	}
	return Apply(f, m, opts...)
}

// planItem is one parameter to fill from the file.
type planItem struct {
	name string // the file name
	v    autograd.Var
	src  *tensor.Tensor
	tr   bool
}

// Apply copies a decoded file into m's parameters (and, WithOptimizer, the
// optimiser's state), converting each file tensor to its parameter's
// element type as PyTorch's load_state_dict does (param.copy_(t)): F32
// into a tensor.Float32 parameter bit for bit, F64 into one rounded to
// nearest even (beyond float32's range to ±Inf), F32 into a
// tensor.Float64 parameter widened exactly, F16 and BF16 exactly into
// either. Optimiser and WithState tensors are converted likewise to the
// type of the tensor of the same name that the optimiser's (the State's)
// StateTensors returns before loading, as PyTorch's
// optimizer.load_state_dict casts state to its parameter's type; one
// without such a counterpart is passed in its File type.
//
// It first checks everything: every parameter's name is in the file with
// a float dtype and the parameter's shape (PyTorch's transposed shape for
// Linear weights with Torch()), no two distinct parameters map to one file
// name (ErrArg), the file has no tensor that is not a parameter (optimiser
// state under OptimPrefix aside), a parameter tied under two names gets
// equal values (compared as float64, whatever their dtypes), and the
// optimiser's type and state fit. With WithOptimizer or WithSchedule (resuming training) it also
// checks the schedule's type, epoch and state and the model's Drawers (see
// drawsToSkip). Only then does it write; on any error, wrapping ErrArg,
// ErrMismatch or the optimiser's error, nothing has changed.
func Apply(f *File, m nn.Module, opts ...Option) error {
	o := collect(opts)
	switch {
	case f == nil:
		return argErr("nil file")
	case isNil(m):
		return argErr("nil model")
	}
	if err := checkTrainingArgs(o); err != nil {
		return err
	}
	if err := checkStateArgs(o); err != nil {
		return err
	}
	tr := map[autograd.Var]bool{}
	if o.torch {
		tr = torchTransposed(m)
	}
	hint := ""
	switch layout := f.Metadata[MetaLayout]; {
	case layout == "torch" && !o.torch:
		hint = "; the file was saved with checkpoint.Torch(): load it with Torch()"
	case layout == "tapegrad" && o.torch:
		hint = "; the file was saved in tapegrad's layout: load it without Torch()"
	case layout == "" && f.Metadata["format"] == "pt" && !o.torch:
		hint = "; the file looks like a PyTorch state dict: load it with checkpoint.Torch()"
	}
	var plan []planItem
	used := map[string]nn.NamedParam{} // file name → the first parameter given it
	byVar := map[autograd.Var]int{}
	var missing []string
	for _, np := range m.NamedParams() {
		if !np.Var.Valid() {
			return argErr("parameter %s is the zero Var", np.Name)
		}
		name := o.names(np.Name)
		if prev, ok := used[name]; ok && !prev.Var.Same(np.Var) {
			return argErr("parameters %s and %s both have the file name %q; one tensor cannot load into both", prev.Name, np.Name, name)
		}
		src, ok := f.Tensors[name]
		if !ok || src == nil {
			missing = append(missing, fmt.Sprintf("%q (parameter %s)", name, np.Name))
			continue
		}
		used[name] = np
		if dt := f.DTypes[name]; !dt.IsFloat() {
			return fmt.Errorf("%w: tensor %q has dtype %s; a parameter needs a float dtype (F64, F32, F16, BF16)", ErrMismatch, name, dt)
		}
		want := np.Var.Value().Shape()
		if tr[np.Var] {
			want = []int{want[1], want[0]}
		}
		if !slices.Equal(src.Shape(), want) {
			return fmt.Errorf("%w: tensor %q has shape %v, parameter %s needs %v%s", ErrMismatch, name, src.Shape(), np.Name, want, hint)
		}
		if j, tied := byVar[np.Var]; tied {
			prev := plan[j]
			// Compared as float64: an F32 and an F64 tensor of equal values agree.
			if !slices.Equal(transposed(prev.src, prev.tr).Float64s(), transposed(src, tr[np.Var]).Float64s()) {
				return fmt.Errorf("%w: %q and %q name one tied parameter but hold different values", ErrMismatch, prev.name, name)
			}
			continue
		}
		byVar[np.Var] = len(plan)
		plan = append(plan, planItem{name: name, v: np.Var, src: src, tr: tr[np.Var]})
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: the file lacks %s%s", ErrMismatch, strings.Join(missing, ", "), hint)
	}
	var extra []string
	state := map[string]*tensor.Tensor{}
	states := map[string]map[string]*tensor.Tensor{} // state name → key → tensor
	for _, name := range slices.Sorted(maps.Keys(f.Tensors)) {
		_, isParam := used[name]
		switch t := f.Tensors[name]; {
		case isParam:
		case strings.HasPrefix(name, OptimPrefix) && t != nil:
			state[strings.TrimPrefix(name, OptimPrefix)] = t
		case strings.HasPrefix(name, StatePrefix) && t != nil:
			sname, key, _ := strings.Cut(strings.TrimPrefix(name, StatePrefix), ".")
			if states[sname] == nil {
				states[sname] = map[string]*tensor.Tensor{}
			}
			states[sname][key] = t
		case t == nil:
			extra = append(extra, fmt.Sprintf("%q (nil)", name))
		default:
			extra = append(extra, fmt.Sprintf("%q %v", name, t.Shape()))
		}
	}
	if len(extra) > 0 {
		return fmt.Errorf("%w: the file has tensors the model lacks: %s%s", ErrMismatch, strings.Join(extra, ", "), hint)
	}
	var skips []uint64
	epoch := -1
	if o.opt != nil || o.sched != nil { // resuming training
		var err error
		if skips, err = drawsToSkip(f.Metadata, drawers(m), o.maxDraws); err != nil {
			return err
		}
		if epoch, err = scheduleEpoch(f.Metadata, o.sched); err != nil {
			return err
		}
	}
	if o.opt != nil {
		got, want := f.Metadata[MetaOptimizer], fmt.Sprintf("%T", o.opt)
		if got != want {
			if got == "" {
				got = "no optimiser"
			}
			return fmt.Errorf("%w: the file holds state of %s, not %s", ErrMismatch, got, want)
		}
	}
	for _, ns := range o.states {
		if len(states[ns.name]) == 0 {
			return fmt.Errorf("%w: the file lacks state %q (no tensor %s%s.*)", ErrMismatch, ns.name, StatePrefix, ns.name)
		}
	}
	undo, err := loadStates(o.states, states)
	if err != nil {
		return err
	}
	if o.sched != nil {
		undoSched, err := loadScheduleState(f.Metadata, o.sched)
		if err != nil {
			undo()
			return err
		}
		undo = func(prev func()) func() { return func() { undoSched(); prev() } }(undo)
	}
	if o.opt != nil {
		// LoadStateTensors validates everything before changing anything.
		if err := o.opt.LoadStateTensors(convertLike(state, o.opt.StateTensors())); err != nil {
			undo()
			return fmt.Errorf("%w: %w", ErrMismatch, err)
		}
	}
	// Nothing below can fail.
	for _, p := range plan {
		tensor.ConvertTo(p.v.Value(), transposed(p.src, p.tr)) // shape checked above
	}
	for i, d := range drawers(m) {
		if skips != nil {
			d.Skip(skips[i])
		}
	}
	if o.sched != nil {
		o.sched.SetEpoch(epoch)
	}
	return nil
}

// transposed returns tensor.T(t) if tr, else t.
func transposed(t *tensor.Tensor, tr bool) *tensor.Tensor {
	if tr {
		return tensor.T(t)
	}
	return t
}

// convertLike returns ts with each tensor converted to the element type of
// the tensor of the same name in like (the state it replaces); a tensor
// without one, or of that type already, is kept as it is. ts is not changed.
func convertLike(ts, like map[string]*tensor.Tensor) map[string]*tensor.Tensor {
	out := make(map[string]*tensor.Tensor, len(ts))
	for k, t := range ts {
		if l := like[k]; t != nil && l != nil {
			t = t.To(l.DType())
		}
		out[k] = t
	}
	return out
}
