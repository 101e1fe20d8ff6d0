package nn

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// Pooling and flattening layers: PyTorch's nn.MaxPool2d, nn.AvgPool2d,
// nn.AdaptiveAvgPool2d and nn.Flatten. They have no parameters.
var (
	_ Module = (*MaxPool2d)(nil)
	_ Module = (*AvgPool2d)(nil)
	_ Module = (*AdaptiveAvgPool2d)(nil)
	_ Module = (*Flatten)(nil)
)

// MaxPool2d is torch.nn.MaxPool2d: the maximum of each window of an
// input (C, H, W) or (N, C, H, W), giving (…, oH, oW) with
//
//	oH = ⌊(H + 2·pH − dH·(kH − 1) − 1) / sH⌋ + 1   (rounded up in ceil mode)
//
// and likewise oW (see tensor.MaxPool2d). Padding is −Inf; ties go to the
// first maximal element of the window, as in PyTorch, and so does the
// gradient. Its configuration is embedded: set m.Stride, m.Padding,
// m.Dilation or m.CeilMode after NewMaxPool2d. return_indices has no
// counterpart: the tape keeps the indices its gradient needs.
type MaxPool2d struct {
	tensor.MaxPool2dConfig
}

// NewMaxPool2d returns nn.MaxPool2d(kernel): a kernel×kernel window with
// stride kernel, no padding, dilation 1, floor mode (PyTorch's defaults).
// NewMaxPool2dConfig takes any configuration.
func NewMaxPool2d(kernel int) *MaxPool2d {
	return &MaxPool2d{tensor.MaxPool2dDefaults(kernel, kernel)}
}

// NewMaxPool2dConfig returns a max pooling layer of configuration c
// (start from tensor.MaxPool2dDefaults).
func NewMaxPool2dConfig(c tensor.MaxPool2dConfig) *MaxPool2d { return &MaxPool2d{c} }

// Forward returns the pooled x. It panics with tensor.ErrShape if x is
// not of rank 3 or 4 or the configuration is bad for its size (a kernel,
// stride or dilation below 1, as in a zero-value MaxPool2d, a padding
// above half the kernel, a kernel larger than the padded input).
func (m *MaxPool2d) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	return tp.MaxPool2d(x, m.MaxPool2dConfig)
}

// NamedParams returns nil: pooling has no parameters.
func (m *MaxPool2d) NamedParams() []NamedParam { return nil }

// String prints the layer as PyTorch does.
func (m *MaxPool2d) String() string {
	c := m.MaxPool2dConfig
	return fmt.Sprintf("MaxPool2d(kernel_size=%s, stride=%s, padding=%s, dilation=%s, ceil_mode=%s)",
		sizeArg(c.Kernel), sizeArg(c.Stride), sizeArg(c.Padding), sizeArg(c.Dilation), pyBoolString(c.CeilMode))
}

// AvgPool2d is torch.nn.AvgPool2d: the mean of each window of an input
// (C, H, W) or (N, C, H, W), with output sizes as MaxPool2d's (dilation
// 1; see tensor.AvgPool2d). Padding is zeros; with CountIncludePad
// (PyTorch's default) they count in the divisor, and DivisorOverride,
// when not 0, replaces it. Its configuration is embedded: set fields
// after NewAvgPool2d.
type AvgPool2d struct {
	tensor.AvgPool2dConfig
}

// NewAvgPool2d returns nn.AvgPool2d(kernel): a kernel×kernel window with
// stride kernel, no padding, floor mode, count_include_pad=True and no
// divisor_override (PyTorch's defaults).
func NewAvgPool2d(kernel int) *AvgPool2d {
	return &AvgPool2d{tensor.AvgPool2dDefaults(kernel, kernel)}
}

// NewAvgPool2dConfig returns an average pooling layer of configuration c
// (start from tensor.AvgPool2dDefaults).
func NewAvgPool2dConfig(c tensor.AvgPool2dConfig) *AvgPool2d { return &AvgPool2d{c} }

// Forward returns the pooled x. It panics like MaxPool2d.Forward.
func (m *AvgPool2d) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	return tp.AvgPool2d(x, m.AvgPool2dConfig)
}

// NamedParams returns nil: pooling has no parameters.
func (m *AvgPool2d) NamedParams() []NamedParam { return nil }

// String prints the layer as PyTorch does (kernel, stride and padding).
func (m *AvgPool2d) String() string {
	c := m.AvgPool2dConfig
	return fmt.Sprintf("AvgPool2d(kernel_size=%s, stride=%s, padding=%s)", sizeArg(c.Kernel), sizeArg(c.Stride), sizeArg(c.Padding))
}

// AdaptiveAvgPool2d is torch.nn.AdaptiveAvgPool2d: an input (C, H, W) or
// (N, C, H, W) averaged to (…, Size[0], Size[1]); output row i averages
// input rows ⌊i·H/oH⌋ … ⌈(i+1)·H/oH⌉ − 1, and columns likewise (see
// tensor.AdaptiveAvgPool2d). PyTorch's None (keep that input size) has
// no counterpart: give the size.
type AdaptiveAvgPool2d struct {
	Size [2]int // output_size (oH, oW)
}

// NewAdaptiveAvgPool2d returns nn.AdaptiveAvgPool2d((oh, ow)).
func NewAdaptiveAvgPool2d(oh, ow int) *AdaptiveAvgPool2d {
	return &AdaptiveAvgPool2d{Size: [2]int{oh, ow}}
}

// Forward returns the pooled x. It panics with tensor.ErrShape if x is
// not of rank 3 or 4, has an empty plane, or Size is negative.
func (m *AdaptiveAvgPool2d) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	return tp.AdaptiveAvgPool2d(x, m.Size[0], m.Size[1])
}

// NamedParams returns nil: pooling has no parameters.
func (m *AdaptiveAvgPool2d) NamedParams() []NamedParam { return nil }

// String prints the layer as PyTorch does.
func (m *AdaptiveAvgPool2d) String() string {
	return fmt.Sprintf("AdaptiveAvgPool2d(output_size=%s)", sizeArg(m.Size))
}

// Flatten is torch.nn.Flatten: it merges axes StartDim … EndDim
// (inclusive; negative values count from the end) of its input into one,
// a reshape that copies nothing and has the reshape's gradient. Zero
// values mean zero: NewFlatten gives PyTorch's defaults, start_dim=1,
// end_dim=−1, which keep the batch axis: (N, C, H, W) → (N, C·H·W).
type Flatten struct {
	StartDim, EndDim int
}

// NewFlatten returns nn.Flatten(): StartDim 1, EndDim −1.
func NewFlatten() *Flatten { return &Flatten{StartDim: 1, EndDim: -1} }

// Forward returns x with axes StartDim … EndDim merged. A 0-d input is
// taken as 1-d, as torch.flatten does. It panics with tensor.ErrShape if
// an axis is outside the input's rank or StartDim comes after EndDim.
func (f *Flatten) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	const op = "nn.Flatten"
	xs := x.Shape()
	r := max(len(xs), 1)
	s, e := f.StartDim, f.EndDim
	if s < 0 {
		s += r
	}
	if e < 0 {
		e += r
	}
	if s < 0 || s >= r || e < 0 || e >= r || s > e {
		shapes.Panic(op, fmt.Sprintf("start_dim %d and end_dim %d for an input of rank %d", f.StartDim, f.EndDim, len(xs)), xs)
	}
	if len(xs) == 0 {
		return tp.Reshape(x, 1)
	}
	var buf [8]int
	shape := append(buf[:0], xs[:s]...)
	n := 1
	for _, d := range xs[s : e+1] {
		n *= d
	}
	shape = append(append(shape, n), xs[e+1:]...)
	return tp.Reshape(x, shape...)
}

// NamedParams returns nil: flattening has no parameters.
func (f *Flatten) NamedParams() []NamedParam { return nil }

// String prints the layer as PyTorch does.
func (f *Flatten) String() string {
	return fmt.Sprintf("Flatten(start_dim=%d, end_dim=%d)", f.StartDim, f.EndDim)
}

// sizeArg prints (a, b) as PyTorch prints a size argument: one number when
// both are equal (as given to the constructors), else a tuple.
func sizeArg(p [2]int) string {
	if p[0] == p[1] {
		return fmt.Sprint(p[0])
	}
	return fmt.Sprintf("(%d, %d)", p[0], p[1])
}

// pyBoolString prints a bool as Python does.
func pyBoolString(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
