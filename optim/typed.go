package optim

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/floats"
)

// float is the element types of parameters. Each update rule is one
// generic kernel instantiated for both; Step picks the instantiation per
// parameter from its value's DType, so a model may mix the two types. The
// constraint names the two types exactly (no ~) because the kernels reach
// their state through type assertions to []float32 and []float64.
type float interface{ float32 | float64 }

// vec is one per-parameter buffer of optimiser state (a moment, a
// momentum buffer, a sum of squares) in its parameter's element type:
// f64 for a Float64 parameter, f32 for a Float32 one, the other nil. A
// float32 parameter's state is float32, half the memory, as in PyTorch,
// whose state tensors take their parameter's dtype.
type vec struct {
	f64 []float64
	f32 []float32
}

// newVec returns a zeroed buffer of n elements of type d.
func newVec(d tensor.DType, n int) vec {
	if d == tensor.Float32 {
		return vec{f32: make([]float32, n)}
	}
	return vec{f64: make([]float64, n)}
}

// ok reports whether v holds a buffer (of either type; it may be empty).
func (v vec) ok() bool { return v.f64 != nil || v.f32 != nil }

// dtype returns the element type of v.
func (v vec) dtype() tensor.DType {
	if v.f32 != nil {
		return tensor.Float32
	}
	return tensor.Float64
}

// len returns the element count of v.
func (v vec) len() int { return len(v.f64) + len(v.f32) }

// fill sets every element of v to x (rounded to float32 for a float32 v).
func (v vec) fill(x float64) {
	for j := range v.f64 {
		v.f64[j] = x
	}
	x32 := float32(x)
	for j := range v.f32 {
		v.f32[j] = x32
	}
}

// slice returns v's buffer as []T; T must be v's type (the kernels are
// instantiated from the parameter's type, which v was made for).
func slice[T float](v vec) []T {
	if p, ok := any(&v.f64).(*[]T); ok {
		return *p
	}
	return *any(&v.f32).(*[]T)
}

// scratchOf returns n elements of the scratch buffer of type T in s (see
// scratchFor), growing it first if a parameter has grown or changed type
// since the optimiser was made (autograd's SetValue), so that an
// optimiser without per-parameter state follows its parameters.
func scratchOf[T float](s *vec, n int) []T {
	p, ok := any(&s.f64).(*[]T)
	if !ok {
		p = any(&s.f32).(*[]T)
	}
	if len(*p) < n {
		*p = make([]T, n)
	}
	return (*p)[:n]
}

// data returns the elements of t, whose type is T, as []T: Data for a
// Float64 tensor, Data32 for a Float32 one.
func data[T float](t *tensor.Tensor) []T {
	var z T
	if _, ok := any(z).(float64); ok {
		d := t.Data()
		return *any(&d).(*[]T)
	}
	d := t.Data32()
	return *any(&d).(*[]T)
}

// stateFor allocates one zeroed buffer per parameter, each of the
// parameter's size and element type: per-parameter optimiser state aligned
// with params.
func stateFor(params []autograd.Var) []vec {
	s := make([]vec, len(params))
	for i, p := range params {
		v := p.Value()
		s[i] = newVec(v.DType(), v.Len())
	}
	return s
}

// scratchFor returns a buffer of each element type the parameters use, as
// long as the largest parameter of that type, for intermediate values Step
// must not write into a gradient. A type no parameter has stays nil.
func scratchFor(params []autograd.Var) vec {
	n64, n32 := -1, -1
	for _, p := range params {
		v := p.Value()
		if v.DType() == tensor.Float32 {
			n32 = max(n32, v.Len())
		} else {
			n64 = max(n64, v.Len())
		}
	}
	var s vec
	if n64 >= 0 {
		s.f64 = make([]float64, n64)
	}
	if n32 >= 0 {
		s.f32 = make([]float32, n32)
	}
	return s
}

// is32 reports whether t is a Float32 tensor: the one test a Step makes per
// parameter to choose its kernel's instantiation.
func is32(t *tensor.Tensor) bool { return t.DType() == tensor.Float32 }

// gradOf returns the value and gradient of params[i], p, or nil, nil when
// it has no gradient. ref is a state buffer the optimiser made for p (the
// zero vec if it keeps none). It panics with tensor.ErrShape if the
// parameter no longer has the size its state was made for, and with
// tensor.ErrDType if its value has another element type than its state
// (the parameter was converted, by autograd's SetValue or nn.To, after the
// optimiser was made) or than its gradient (which autograd's API does not
// allow; only overwriting a tensor can do it). Either check keeps a kernel
// from reading one type as another.
func gradOf(op string, i int, p autograd.Var, ref vec) (w, g *tensor.Tensor) {
	g = p.Grad()
	if g == nil {
		return nil, nil
	}
	w = p.Value()
	n := w.Len()
	if ref.ok() {
		n = ref.len()
		if d := ref.dtype(); d != w.DType() {
			shapes.DTypePanic(op, fmt.Sprintf("parameter %s is %v but the optimiser's state is %v: the parameter was converted after the optimiser was made (convert the model first, then make the optimiser)",
				paramName(i, p), w.DType(), d), w.Shape())
		}
	}
	if g.DType() != w.DType() {
		shapes.DTypePanic(op, fmt.Sprintf("parameter %s is %v but its gradient is %v", paramName(i, p), w.DType(), g.DType()),
			w.Shape(), g.Shape())
	}
	if w.Len() != n || g.Len() != n {
		panic(&tensor.ShapeError{Op: op, Shapes: [][]int{w.Shape(), g.Shape()},
			Msg: fmt.Sprintf("parameter %q changed size since the optimiser was made (%d elements)", p.Name(), n),
			Err: tensor.ErrShape})
	}
	return w, g
}

// paramName names params[i] in a message: params[3] "W".
func paramName(i int, p autograd.Var) string {
	if name := p.Name(); name != "" {
		return fmt.Sprintf("params[%d] %q", i, name)
	}
	return fmt.Sprintf("params[%d]", i)
}

// The whole-slice passes of the kernels. For float64 each is the gonum
// floats call the optimisers have always made; for float32 it is gonum's
// blas32.Axpy or a loop, in float32 arithmetic. Each assembly routine
// computes the same IEEE operations as the loop written in its comment.

// axpyTo sets dst = y + a·x (floats.AddScaledTo), element by element:
// PyTorch's y.add(x, alpha=a). dst may be y but must not overlap x.
func axpyTo[T float](dst, y []T, a T, x []T) {
	if d, ok := f64(dst); ok {
		y, _ := f64(y)
		x, _ := f64(x)
		floats.AddScaledTo(d, y, float64(a), x)
		return
	}
	axpyToLoop(dst, y, a, x)
}

// axpy sets y = y + a·x (floats.AddScaled): PyTorch's y.add_(x, alpha=a).
func axpy[T float](y []T, a T, x []T) {
	if d, ok := f64(y); ok {
		x, _ := f64(x)
		floats.AddScaled(d, float64(a), x)
		return
	}
	axpyLoop(y, a, x)
}

// scal sets x = a·x (floats.Scale): PyTorch's x.mul_(a).
func scal[T float](a T, x []T) {
	if d, ok := f64(x); ok {
		floats.Scale(float64(a), d)
		return
	}
	scalLoop(a, x)
}

// f64 returns s as []float64 if T is float64. (It takes the address of its
// own copy of s, not of the caller's slice, which the caller's loops can
// then keep in registers.)
func f64[T float](s []T) ([]float64, bool) {
	p, ok := any(&s).(*[]float64)
	if !ok {
		return nil, false
	}
	return *p, true
}

// axpyToLoop is axpyTo for float32: dst = y (nothing to do when dst is
// y), then dst += a·x.
func axpyToLoop[T float](dst, y []T, a T, x []T) {
	copy(dst, y[:len(dst)])
	axpyLoop(dst, a, x)
}

// axpyLoop is axpy for float32: gonum's blas32.Axpy (SIMD assembly on
// amd64; MULPS and ADDPS, no fused multiply-add), which computes
// y[j] + a·x[j] in float32 as the loop would, faster (SGD with momentum
// on a 256×256 float32 parameter: 82 µs a step with the loop, 45 with it).
func axpyLoop[T float](y []T, a T, x []T) {
	y32, _ := f32(y)
	x32, _ := f32(x[:len(y)])
	n := len(y32)
	blas32.Axpy(float32(a), blas32.Vector{N: n, Inc: 1, Data: x32}, blas32.Vector{N: n, Inc: 1, Data: y32})
}

// f32 returns s as []float32 if T is float32.
func f32[T float](s []T) ([]float32, bool) {
	p, ok := any(&s).(*[]float32)
	if !ok {
		return nil, false
	}
	return *p, true
}

// scalLoop is scal's loop, for float32.
func scalLoop[T float](a T, x []T) {
	for j := range x {
		x[j] *= a
	}
}

// sqrt is the correctly rounded square root in T: math.Sqrt for float64;
// for float32 the float64 root rounded to float32, which is the correctly
// rounded float32 root (53 ≥ 2·24 + 2 bits, so the double rounding is
// harmless), as PyTorch's float32 sqrt gives.
func sqrt[T float](x T) T { return T(math.Sqrt(float64(x))) }
