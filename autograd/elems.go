package autograd

import (
	"fmt"
	"slices"

	"gonum.org/v1/gonum/floats"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// The tape's own bookkeeping on buffers (clearing a gradient, adding one
// into another) for either element type; the float64 paths are the ones
// Backward always took.

// zero sets every element of t to 0.
func zero(t *tensor.Tensor) {
	if t.DType() == tensor.Float32 {
		clear(t.Data32())
		return
	}
	clear(t.Data())
}

// addInto computes dst += g for tensors of one type and element count.
// One float64 element (scalar code, W3) is added inline; the rest goes to
// addSlices.
func addInto(dst, g *tensor.Tensor) {
	if dst.DType() == tensor.Float64 && g.DType() == tensor.Float64 && g.Len() == 1 {
		dst.Data()[0] += g.Data()[0]
		return
	}
	addSlices(dst, g)
}

// addSlices is addInto's loop: gonum's for float64, a plain one for float32.
func addSlices(dst, g *tensor.Tensor) {
	if dst.DType() == tensor.Float32 || g.DType() == tensor.Float32 {
		d, s := dst.Data32(), g.Data32()
		for i, v := range s[:len(d)] {
			d[i] += v
		}
		return
	}
	floats.Add(dst.Data(), g.Data())
}

// setFirst stores v as t's first element.
func setFirst(t *tensor.Tensor, v float64) {
	if t.DType() == tensor.Float32 {
		t.Data32()[0] = float32(v)
		return
	}
	t.Data()[0] = v
}

// dtypeMismatch panics with tensor.ErrDType naming op and both operands' types.
func dtypeMismatch(op string, a, b *tensor.Tensor) {
	panic(&tensor.ShapeError{Op: op, Shapes: [][]int{slices.Clone(a.Shape()), slices.Clone(b.Shape())},
		Msg: fmt.Sprintf("%v and %v operands (convert one with To)", a.DType(), b.DType()),
		Err: tensor.ErrDType, Site: shapes.CallerSite()})
}

// copyElems copies src's elements into dst (one type, equal counts,
// shapes may differ: a reshape).
func copyElems(dst, src *tensor.Tensor) {
	if src.DType() == tensor.Float32 {
		copy(dst.Data32(), src.Data32())
		return
	}
	copy(dst.Data(), src.Data())
}

// setFlat stores v as element k (row-major) of t.
func setFlat(t *tensor.Tensor, k int, v float64) {
	if t.DType() == tensor.Float32 {
		t.Data32()[k] = float32(v)
		return
	}
	t.Data()[k] = v
}

// copyAt copies src's elements into dst's, starting at element off,
// converting their type if they differ.
func copyAt(dst *tensor.Tensor, off int, src *tensor.Tensor) {
	switch {
	case dst.DType() == tensor.Float64 && src.DType() == tensor.Float64:
		copy(dst.Data()[off:], src.Data())
	default:
		for k, v := range src.Float64s() {
			setFlat(dst, off+k, v)
		}
	}
}
