package tensor

import "fmt"

// Conv2dConfig holds the hyper-parameters of a 2-D convolution, as the
// keyword arguments of PyTorch's F.conv2d and F.conv_transpose2d: index 0
// is the height axis, index 1 the width axis. Zero values mean zero (a
// zero Stride is refused); start from Conv2dDefaults for PyTorch's
// defaults (stride 1, padding 0, dilation 1, groups 1, output padding 0).
type Conv2dConfig struct {
	Stride   [2]int // step between two applications of the kernel, ≥ 1
	Padding  [2]int // zeros added on each side of the input (both sides), ≥ 0
	Dilation [2]int // spacing between kernel taps, ≥ 1
	Groups   int    // channels split in Groups independent convolutions, ≥ 1
	// OutputPadding is added to one side (bottom, right) of a transposed
	// convolution's output, to pick among the input sizes a strided
	// convolution maps to one output size. It must be 0 for Conv2d and
	// smaller than Stride for ConvTranspose2d (PyTorch also allows
	// values below Dilation; tapegrad does not, so that every transposed
	// convolution is the exact adjoint of a convolution).
	OutputPadding [2]int
}

// Conv2dDefaults returns PyTorch's defaults: stride 1, no padding,
// dilation 1, one group, no output padding.
func Conv2dDefaults() Conv2dConfig {
	return Conv2dConfig{Stride: [2]int{1, 1}, Dilation: [2]int{1, 1}, Groups: 1}
}

// ConvOutputSize returns the output length of a convolution along one axis
// (PyTorch's formula): ⌊(in + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.
// It is 0 when the dilated kernel exceeds the padded input. It panics
// with ErrArg if stride < 1.
func ConvOutputSize(in, kernel, stride, padding, dilation int) int {
	if stride < 1 {
		argPanic("tensor.ConvOutputSize", fmt.Sprintf("stride %d must be ≥ 1", stride))
	}
	v := in + 2*padding - dilation*(kernel-1) - 1
	if v < 0 {
		return 0
	}
	return v/stride + 1
}

// ConvTransposeOutputSize returns the output length of a transposed
// convolution along one axis (PyTorch's formula):
// (in − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1.
func ConvTransposeOutputSize(in, kernel, stride, padding, dilation, outputPadding int) int {
	return (in-1)*stride - 2*padding + dilation*(kernel-1) + outputPadding + 1
}

// convGeom is one convolution's sizes, in the convolution's own direction:
// the image side (n, c, h, w) and the feature side (n, o, oh, ow), the
// weight (o, c/g, kh, kw). A transposed convolution uses the geometry of
// the convolution it is the adjoint of.
type convGeom struct {
	n, c, h, w     int
	o, kh, kw      int
	oh, ow         int
	sh, sw, ph, pw int
	dh, dw, g      int
}

// kg is the number of taps of one output channel's kernel: (c/g)·kh·kw.
func (q *convGeom) kg() int { return q.c / q.g * q.kh * q.kw }

// checkConfig panics unless cfg's values are in range; transposed allows
// an output padding.
func checkConfig(op string, cfg Conv2dConfig, transposed bool) {
	msg := ""
	for i := range 2 {
		switch {
		case cfg.Stride[i] < 1:
			msg = "stride must be ≥ 1"
		case cfg.Dilation[i] < 1:
			msg = "dilation must be ≥ 1"
		case cfg.Padding[i] < 0:
			msg = "padding must be ≥ 0"
		case cfg.OutputPadding[i] < 0:
			msg = "output padding must be ≥ 0"
		case !transposed && cfg.OutputPadding[i] != 0:
			msg = "output padding is for transposed convolutions only"
		case transposed && cfg.OutputPadding[i] >= cfg.Stride[i]:
			msg = "output padding must be smaller than the stride"
		}
	}
	if cfg.Groups < 1 {
		msg = "groups must be ≥ 1"
	}
	if msg != "" {
		configPanic(op, msg, cfg)
	}
}

// configPanic is checkConfig's panic, out of line so that cfg is boxed
// only on the way to a panic.
func configPanic(op, msg string, cfg Conv2dConfig) {
	argPanic(op, fmt.Sprintf("%s (config %+v; start from Conv2dDefaults)", msg, cfg))
}

// convGeometry checks a convolution of image (n, c, h, w) by weight
// (o, c/g, kh, kw) and returns its geometry.
func convGeometry(op string, xs, ws []int, cfg Conv2dConfig) convGeom {
	if len(xs) != 4 || len(ws) != 4 {
		shapePanic(op, "want input (N, C, H, W) and weight (O, C/groups, kH, kW)", xs, ws)
	}
	g := cfg.Groups
	q := convGeom{n: xs[0], c: xs[1], h: xs[2], w: xs[3], o: ws[0], kh: ws[2], kw: ws[3],
		sh: cfg.Stride[0], sw: cfg.Stride[1], ph: cfg.Padding[0], pw: cfg.Padding[1],
		dh: cfg.Dilation[0], dw: cfg.Dilation[1], g: g}
	switch {
	case q.c%g != 0 || q.o%g != 0:
		shapePanic(op, fmt.Sprintf("channels %d and %d must be divisible by groups %d", q.c, q.o, g), xs, ws)
	case ws[1]*g != q.c:
		shapePanic(op, fmt.Sprintf("weight has %d input channels per group, want %d/%d", ws[1], q.c, g), xs, ws)
	case q.kh < 1 || q.kw < 1:
		shapePanic(op, "kernel must be at least 1×1", xs, ws)
	}
	eh := q.h + 2*q.ph - q.dh*(q.kh-1)
	ew := q.w + 2*q.pw - q.dw*(q.kw-1)
	if eh < 1 || ew < 1 {
		shapePanic(op, fmt.Sprintf("dilated kernel %d×%d is larger than the padded input %d×%d",
			q.dh*(q.kh-1)+1, q.dw*(q.kw-1)+1, q.h+2*q.ph, q.w+2*q.pw), xs, ws)
	}
	q.oh, q.ow = (eh-1)/q.sh+1, (ew-1)/q.sw+1
	return q
}

// Conv2d returns the 2-D convolution of x (N, C, H, W) by w (O, C/groups,
// kH, kW), PyTorch's F.conv2d without bias (a cross-correlation: the
// kernel is not flipped):
//
//	y[n, o, i, j] = Σ_c Σ_u Σ_v w[o, c, u, v] · x[n, g·C/groups + c, i·sh − ph + u·dh, j·sw − pw + v·dw]
//
// where g = o / (O/groups) is o's group and x is 0 outside the image. y has
// shape (N, O, Hout, Wout), Hout = ConvOutputSize(H, kH, sh, ph, dh).
// It runs as one matrix product per image and group whose patch operand
// is read straight from the image (see im2col.go), images spread over
// GOMAXPROCS threads: 2·N·O·(C/groups)·kH·kW·Hout·Wout flops. The result
// does not depend on GOMAXPROCS.
// It panics with ErrArg for a bad config (see Conv2dConfig) and with
// ErrShape for operands not of rank 4, channels not divisible by groups,
// a weight with other than C/groups input channels, or a dilated kernel
// larger than the padded input; with ErrDType for mixed element types.
func Conv2d(x, w *Tensor, cfg Conv2dConfig) *Tensor {
	const op = "tensor.Conv2d"
	check(op, "x", x)
	check(op, "w", w)
	checkConfig(op, cfg, false)
	q := convGeometry(op, x.shape, w.shape, cfg)
	return Conv2dTo(zerosLike(op, x, []int{q.n, q.o, q.oh, q.ow}), x, w, cfg)
}

// Conv2dTo is Conv2d writing into dst, of shape (N, O, Hout, Wout), and
// returning it. It allocates nothing once its scratch buffers (pooled)
// have grown to the size of the problem. dst must not alias x or w.
// It panics as Conv2d does, and with ErrShape if dst has another shape.
func Conv2dTo(dst, x, w *Tensor, cfg Conv2dConfig) *Tensor {
	const op = "tensor.Conv2d"
	check(op, "dst", dst)
	check(op, "x", x)
	check(op, "w", w)
	checkConfig(op, cfg, false)
	q := convGeometry(op, x.shape, w.shape, cfg)
	checkDst(op, dst, []int{q.n, q.o, q.oh, q.ow})
	sameDType(op, x, w)
	sameDType(op, dst, x)
	if x.dtype == Float32 {
		conv2dFast(&q, dst.data32, x.data32, w.data32)
	} else {
		conv2dFast(&q, dst.data, x.data, w.data)
	}
	return dst
}

// ConvTranspose2d returns the transposed convolution of x (N, Cin, H, W) by
// w (Cin, Cout/groups, kH, kW), PyTorch's F.conv_transpose2d without bias:
// the adjoint of Conv2d with respect to its input (the gradient of a
// convolution, also called a fractionally strided convolution), so that
// ⟨ConvTranspose2d(x, w), z⟩ = ⟨x, Conv2d(z, w)⟩ for the same config with
// output padding 0. y has shape (N, Cout, Hout, Wout) with
// Hout = ConvTransposeOutputSize(H, kH, sh, ph, dh, oph).
// It runs as one matrix product per image and group and col2im (see
// im2col.go), images spread over GOMAXPROCS threads.
// It panics with ErrArg for a bad config (OutputPadding must be below
// Stride), with ErrShape for operands not of rank 4, Cin or Cout not
// divisible by groups, w's first axis not Cin or an output size below 1,
// and with ErrDType for mixed element types.
func ConvTranspose2d(x, w *Tensor, cfg Conv2dConfig) *Tensor {
	const op = "tensor.ConvTranspose2d"
	check(op, "x", x)
	check(op, "w", w)
	checkConfig(op, cfg, true)
	q := transposeGeometry(op, x.shape, w.shape, cfg)
	return ConvTranspose2dTo(zerosLike(op, x, []int{q.n, q.c, q.h, q.w}), x, w, cfg)
}

// transposeGeometry checks a transposed convolution of x (n, cin, h, w) by
// w (cin, cout/g, kh, kw) and returns the geometry of the convolution it is
// the adjoint of: image (n, cout, hout, wout), features x.
func transposeGeometry(op string, xs, ws []int, cfg Conv2dConfig) convGeom {
	if len(xs) != 4 || len(ws) != 4 {
		shapePanic(op, "want input (N, Cin, H, W) and weight (Cin, Cout/groups, kH, kW)", xs, ws)
	}
	g := cfg.Groups
	switch {
	case ws[0] != xs[1]:
		shapePanic(op, fmt.Sprintf("weight has %d input channels, input has %d", ws[0], xs[1]), xs, ws)
	case xs[1]%g != 0:
		shapePanic(op, fmt.Sprintf("input channels %d not divisible by groups %d", xs[1], g), xs, ws)
	case ws[2] < 1 || ws[3] < 1:
		shapePanic(op, "kernel must be at least 1×1", xs, ws)
	}
	hout := ConvTransposeOutputSize(xs[2], ws[2], cfg.Stride[0], cfg.Padding[0], cfg.Dilation[0], cfg.OutputPadding[0])
	wout := ConvTransposeOutputSize(xs[3], ws[3], cfg.Stride[1], cfg.Padding[1], cfg.Dilation[1], cfg.OutputPadding[1])
	if hout < 1 || wout < 1 {
		shapePanic(op, fmt.Sprintf("output size %d×%d is below 1×1", hout, wout), xs, ws)
	}
	q := convGeometry(op, []int{xs[0], ws[1] * g, hout, wout}, []int{xs[1], ws[1], ws[2], ws[3]}, Conv2dConfig{
		Stride: cfg.Stride, Padding: cfg.Padding, Dilation: cfg.Dilation, Groups: g})
	if q.oh != xs[2] || q.ow != xs[3] { // cannot happen with OutputPadding < Stride
		shapePanic(op, "output size does not invert", xs, ws)
	}
	return q
}

// ConvTranspose2dTo is ConvTranspose2d writing into dst, of shape (N, Cout,
// Hout, Wout), and returning it; it allocates nothing once its pooled
// scratch has grown. dst must not alias x or w. It panics as
// ConvTranspose2d does, and with ErrShape if dst has another shape.
func ConvTranspose2dTo(dst, x, w *Tensor, cfg Conv2dConfig) *Tensor {
	const op = "tensor.ConvTranspose2d"
	check(op, "dst", dst)
	check(op, "x", x)
	check(op, "w", w)
	checkConfig(op, cfg, true)
	q := transposeGeometry(op, x.shape, w.shape, cfg)
	checkDst(op, dst, []int{q.n, q.c, q.h, q.w})
	sameDType(op, x, w)
	sameDType(op, dst, x)
	if x.dtype == Float32 {
		conv2dAdjointFast(&q, dst.data32, x.data32, w.data32)
	} else {
		conv2dAdjointFast(&q, dst.data, x.data, w.data)
	}
	return dst
}

// Conv2dWeightGrad returns the gradient of Σ g ⊙ Conv2d(x, w) with respect
// to w (which it does not need): for x (N, C, H, W) and g (N, O, Hout,
// Wout), the (O, C/groups, kH, kW) tensor
//
//	∂w[o, c, u, v] = Σ_n Σ_i Σ_j g[n, o, i, j] · x[n, g·C/groups + c, i·sh − ph + u·dh, j·sw − pw + v·dw].
//
// kernel is (kH, kW), which x and g do not determine when the stride
// exceeds 1. It panics as Conv2d does, and with ErrShape if g is not the
// shape of the convolution's output.
func Conv2dWeightGrad(x, g *Tensor, kernel [2]int, cfg Conv2dConfig) *Tensor {
	const op = "tensor.Conv2dWeightGrad"
	check(op, "x", x)
	check(op, "g", g)
	checkConfig(op, cfg, false)
	if len(x.shape) != 4 || len(g.shape) != 4 || cfg.Groups > 0 && x.shape[1]%cfg.Groups != 0 {
		shapePanic(op, "want input (N, C, H, W) and gradient (N, O, Hout, Wout), C divisible by groups", x.shape, g.shape)
	}
	ws := []int{g.shape[1], x.shape[1] / cfg.Groups, kernel[0], kernel[1]}
	return Conv2dWeightGradTo(zerosLike(op, x, ws), x, g, cfg)
}

// Conv2dWeightGradTo is Conv2dWeightGrad writing into dst, of shape (O,
// C/groups, kH, kW) (which gives the kernel size), and returning it; it
// allocates nothing once its pooled scratch has grown. The batch is
// summed in a fixed number of partial sums added in a fixed order, so the
// result does not depend on GOMAXPROCS.
func Conv2dWeightGradTo(dst, x, g *Tensor, cfg Conv2dConfig) *Tensor {
	const op = "tensor.Conv2dWeightGrad"
	check(op, "dst", dst)
	check(op, "x", x)
	check(op, "g", g)
	checkConfig(op, cfg, false)
	q := convGeometry(op, x.shape, dst.shape, cfg)
	checkDst(op, g, []int{q.n, q.o, q.oh, q.ow})
	sameDType(op, x, g)
	sameDType(op, dst, x)
	if x.dtype == Float32 {
		conv2dWeightFast(&q, dst.data32, x.data32, g.data32)
	} else {
		conv2dWeightFast(&q, dst.data, x.data, g.data)
	}
	return dst
}

// Conv1dConfig holds the hyper-parameters of a 1-D convolution, as the
// keyword arguments of PyTorch's F.conv1d. Zero values mean zero (a zero
// Stride is refused); start from Conv1dDefaults.
type Conv1dConfig struct {
	Stride   int // step between two applications of the kernel, ≥ 1
	Padding  int // zeros added on each side of the input, ≥ 0
	Dilation int // spacing between kernel taps, ≥ 1
	Groups   int // channels split in Groups independent convolutions, ≥ 1
}

// Conv1dDefaults returns PyTorch's defaults: stride 1, no padding,
// dilation 1, one group.
func Conv1dDefaults() Conv1dConfig { return Conv1dConfig{Stride: 1, Dilation: 1, Groups: 1} }

// Conv2d returns the 2-D configuration of the same convolution over images
// of height 1: a 1-D convolution of (N, C, L) is the 2-D convolution of
// (N, C, 1, L) by a (O, C/groups, 1, K) kernel with stride (1, Stride),
// padding (0, Padding) and dilation (1, Dilation).
func (c Conv1dConfig) Conv2d() Conv2dConfig {
	return Conv2dConfig{Stride: [2]int{1, c.Stride}, Padding: [2]int{0, c.Padding},
		Dilation: [2]int{1, c.Dilation}, Groups: c.Groups}
}
