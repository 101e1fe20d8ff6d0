package checkpoint

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// Optimizer is an optimiser whose state can be saved: every optimiser of
// package optim (see optim.Stateful for the tensor names).
type Optimizer interface {
	StateTensors() map[string]*tensor.Tensor
	LoadStateTensors(ts map[string]*tensor.Tensor) error
}

// OptimPrefix starts the names of optimiser state tensors in a checkpoint:
// state "0.exp_avg" is stored as "optim.0.exp_avg".
const OptimPrefix = "optim."

// Metadata keys written by Save and read by Load.
const (
	// MetaLayout is "tapegrad" or "torch": the weight layout and names.
	MetaLayout = "tapegrad.layout"
	// MetaOptimizer is the Go type of the optimiser whose state the file
	// holds ("*optim.Adam"); absent without optimiser state.
	MetaOptimizer = "tapegrad.optimizer"
)

// Option configures Save, Write, Load and Read.
type Option func(*options)

type options struct {
	dtype DType
	torch bool
	names func(string) string
	md    map[string]string
	opt   Optimizer
}

// WithDType makes Save write elements as dt (F64, the default, F32, F16 or
// BF16). Narrow types round to nearest even; only F64 resumes training
// bit-for-bit. Load reads whatever dtype the file has.
func WithDType(dt DType) Option { return func(o *options) { o.dtype = dt } }

// Torch makes Save write, and Load expect, a PyTorch state dict: names
// mapped by TorchName (or the WithNames function) and the weights of
// nn.Linear and nn.Neuron layers transposed to PyTorch's (out, in) layout.
// Save also writes the metadata "format": "pt", as PyTorch's save_file does.
func Torch() Option { return func(o *options) { o.torch = true } }

// WithNames maps each parameter name to the name used in the file, for
// state dicts whose names follow neither tapegrad's nor TorchName's rule.
func WithNames(f func(name string) string) Option { return func(o *options) { o.names = f } }

// WithMetadata adds md to the file's "__metadata__" (Save) .
func WithMetadata(md map[string]string) Option { return func(o *options) { o.md = md } }

// WithOptimizer saves, or loads, opt's state beside the parameters: each
// state tensor NAME under OptimPrefix+NAME, and opt's Go type under the
// metadata key MetaOptimizer (Load checks it). Without this option Load
// ignores optimiser state in a file.
func WithOptimizer(opt Optimizer) Option { return func(o *options) { o.opt = opt } }

func collect(opts []Option) options {
	o := options{dtype: F64}
	for _, f := range opts {
		f(&o)
	}
	if o.names == nil {
		o.names = func(s string) string { return s }
		if o.torch {
			o.names = TorchName
		}
	}
	return o
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
		if p == "layers" && i+1 < len(parts) && isIndex(parts[i+1]) {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ".")
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
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
// (with Torch(), PyTorch's names and layout). Values are copies when
// transposed and the parameters' own tensors otherwise.
func StateDict(m nn.Module, opts ...Option) map[string]*tensor.Tensor {
	o := collect(opts)
	tr := map[autograd.Var]bool{}
	if o.torch {
		tr = torchTransposed(m)
	}
	out := map[string]*tensor.Tensor{}
	for _, np := range m.NamedParams() {
		v := np.Var.Value()
		if tr[np.Var] {
			v = tensor.T(v)
		}
		out[o.names(np.Name)] = v
	}
	return out
}

// Write writes m's parameters (and, WithOptimizer, the optimiser's state)
// to w as a safetensors stream. It is not atomic; Save is.
func Write(w io.Writer, m nn.Module, opts ...Option) error {
	o := collect(opts)
	ts := StateDict(m, opts...)
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
				return fmt.Errorf("checkpoint: optimiser state %q has the name of a parameter", name)
			}
			ts[name] = v
		}
		md[MetaOptimizer] = fmt.Sprintf("%T", o.opt)
	}
	return WriteTensors(w, ts, md, o.dtype)
}

// Save writes m's parameters (and, WithOptimizer, the optimiser's state) to
// the safetensors file at path, atomically (see WriteFileAtomic): an error
// or crash midway leaves the previous file intact. Names are those of
// m.NamedParams ("layers.0.weight"); elements are F64 unless WithDType.
func Save(path string, m nn.Module, opts ...Option) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return Write(w, m, opts...) })
}

// Load reads the safetensors file at path into m's parameters (and,
// WithOptimizer, the optimiser's state). See Apply for the checks.
func Load(path string, m nn.Module, opts ...Option) error {
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
// optimiser's state). It first checks everything: every parameter's name is
// in the file with a float dtype and the parameter's shape (PyTorch's
// transposed shape for Linear weights with Torch()), the file has no tensor
// that is not a parameter (optimiser state under OptimPrefix aside), a
// parameter tied under two names gets equal values, and the optimiser's type
// and state fit. Only then does it write; on any error, wrapping
// ErrMismatch or the optimiser's error, nothing has changed.
func Apply(f *File, m nn.Module, opts ...Option) error {
	o := collect(opts)
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
	used := map[string]bool{}
	byVar := map[autograd.Var]int{}
	var missing []string
	for _, np := range m.NamedParams() {
		name := o.names(np.Name)
		src, ok := f.Tensors[name]
		if !ok {
			missing = append(missing, fmt.Sprintf("%q (parameter %s)", name, np.Name))
			continue
		}
		used[name] = true
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
			if !slices.Equal(transposed(prev.src, prev.tr).Data(), transposed(src, tr[np.Var]).Data()) {
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
	for _, name := range f.Names {
		switch {
		case used[name]:
		case strings.HasPrefix(name, OptimPrefix):
			state[strings.TrimPrefix(name, OptimPrefix)] = f.Tensors[name]
		default:
			extra = append(extra, fmt.Sprintf("%q %v", name, f.Tensors[name].Shape()))
		}
	}
	if len(extra) > 0 {
		return fmt.Errorf("%w: the file has tensors the model lacks: %s%s", ErrMismatch, strings.Join(extra, ", "), hint)
	}
	if o.opt != nil {
		got, want := f.Metadata[MetaOptimizer], fmt.Sprintf("%T", o.opt)
		if got != want {
			if got == "" {
				got = "no optimiser"
			}
			return fmt.Errorf("%w: the file holds state of %s, not %s", ErrMismatch, got, want)
		}
		// LoadStateTensors validates everything before changing anything.
		if err := o.opt.LoadStateTensors(state); err != nil {
			return fmt.Errorf("%w: %w", ErrMismatch, err)
		}
	}
	for _, p := range plan {
		copy(p.v.Value().Data(), transposed(p.src, p.tr).Data())
	}
	return nil
}

func transposed(t *tensor.Tensor, tr bool) *tensor.Tensor {
	if tr {
		return tensor.T(t)
	}
	return t
}
