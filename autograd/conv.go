package autograd

import (
	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// Convolutions: three bilinear ops close under differentiation.
//
//	conv2d(x, w)           y = x ⋆ w            (tensor.Conv2d)
//	conv_transpose2d(x, w) y = the adjoint of conv2d in its input (tensor.ConvTranspose2d)
//	conv2d_weight(x, g)    ∂w of ⟨g, x ⋆ w⟩     (tensor.Conv2dWeightGrad)
//
// Each op's gradient in each operand is one of the three, so every rule is
// written with tape ops of this set and differentiates again (second and
// higher orders). Being bilinear, each forward rule is op(ẋ, w) + op(x, ẇ).
var conv2dOp, convTranspose2dOp, conv2dWeightOp *op

func init() {
	conv2dOp = def(op{name: "conv2d",
		batch: batchConv((*Tape).Conv2d),
		text:  "∂x = conv_transpose2d(g, w), ∂w = conv2d_weight(x, g) (Σ over the batch and positions of g ⊗ x's patches)",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			in, cfg, _ := tp.convParams(y)
			x, w := in[0], in[1]
			if tp.wants(y, 0) {
				gin[0] = tp.ConvTranspose2d(g, w, withOutputPadding(cfg, tp.val(x).Shape(), tp.val(w).Shape()))
			}
			if tp.wants(y, 1) {
				gin[1] = tp.conv2dWeight(x, g, kernelOf(tp.val(w)), cfg)
			}
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			in, cfg, _ := tp.convParams(y)
			var a, b Var
			if t[0].Valid() {
				a = tp.Conv2d(t[0], in[1], cfg)
			}
			if t[1].Valid() {
				b = tp.Conv2d(in[0], t[1], cfg)
			}
			return tp.sumTangents(a, b)
		},
	})
	convTranspose2dOp = def(op{name: "conv_transpose2d",
		batch: batchConv((*Tape).ConvTranspose2d),
		text:  "∂x = conv2d(g, w), ∂w = conv2d_weight(g, x)",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			in, cfg, _ := tp.convParams(y)
			x, w := in[0], in[1]
			cfg.OutputPadding = [2]int{}
			if tp.wants(y, 0) {
				gin[0] = tp.Conv2d(g, w, cfg)
			}
			if tp.wants(y, 1) {
				gin[1] = tp.conv2dWeight(g, x, kernelOf(tp.val(w)), cfg)
			}
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			in, cfg, _ := tp.convParams(y)
			var a, b Var
			if t[0].Valid() {
				a = tp.ConvTranspose2d(t[0], in[1], cfg)
			}
			if t[1].Valid() {
				b = tp.ConvTranspose2d(in[0], t[1], cfg)
			}
			return tp.sumTangents(a, b)
		},
	})
	conv2dWeightOp = def(op{name: "conv2d_weight",
		batch:      batchConvWeight,
		text:       "∂x = conv_transpose2d(g_x, G), ∂g_x = conv2d(x, G)   [the weight gradient of conv2d, G its gradient]",
		derivative: true,
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			in, cfg, _ := tp.convParams(y)
			x, gx := in[0], in[1]
			if tp.wants(y, 0) {
				gin[0] = tp.ConvTranspose2d(gx, g, withOutputPadding(cfg, tp.val(x).Shape(), tp.val(y).Shape()))
			}
			if tp.wants(y, 1) {
				gin[1] = tp.Conv2d(x, g, cfg)
			}
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			in, cfg, k := tp.convParams(y)
			var a, b Var
			if t[0].Valid() {
				a = tp.conv2dWeight(t[0], in[1], k, cfg)
			}
			if t[1].Valid() {
				b = tp.conv2dWeight(in[0], t[1], k, cfg)
			}
			return tp.sumTangents(a, b)
		},
	})
}

// Conv2d returns the 2-D convolution of x (N, C, H, W) by the kernel w
// (O, C/groups, kH, kW), PyTorch's F.conv2d(x, w, stride=cfg.Stride,
// padding=cfg.Padding, dilation=cfg.Dilation, groups=cfg.Groups) without
// bias (add one with a broadcast Add of a (O, 1, 1) bias, as nn.Conv2d
// does): a cross-correlation, the kernel not flipped,
//
//	y[n, o, i, j] = Σ_c Σ_u Σ_v w[o, c, u, v] · x[n, g·C/groups + c, i·sh − ph + u·dh, j·sw − pw + v·dw]
//
// with x zero outside the image and g the group of o. y has shape (N, O,
// Hout, Wout), Hout = ⌊(H + 2ph − dh·(kH − 1) − 1)/sh⌋ + 1
// (tensor.ConvOutputSize). Start cfg from tensor.Conv2dDefaults.
// Gradients: ∂x = ConvTranspose2d(g, w) (with the output padding that
// gives back x's size), ∂w = Σ over the batch and output positions of g
// times x's patches.
// It panics with tensor.ErrArg for a bad cfg (see tensor.Conv2dConfig),
// with tensor.ErrShape for operands not of rank 4, channels not divisible
// by groups, a kernel with other than C/groups input channels, or a
// dilated kernel larger than the padded input; with tensor.ErrDType for
// operands of two element types.
func (tp *Tape) Conv2d(x, w Var, cfg tensor.Conv2dConfig) Var {
	tp.check("conv2d", x)
	tp.check("conv2d", w)
	xv, wv := tp.val(x), tp.val(w)
	if xv.DType() != wv.DType() {
		dtypeMismatch("autograd.conv2d", xv, wv)
	}
	xs, ws := xv.Shape(), wv.Shape()
	if len(xs) != 4 || len(ws) != 4 || !validConfig(cfg) {
		tensor.Conv2d(xv, wv, cfg) // panics with the reason
	}
	shape := [4]int{xs[0], ws[0],
		tensor.ConvOutputSize(xs[2], ws[2], cfg.Stride[0], cfg.Padding[0], cfg.Dilation[0]),
		tensor.ConvOutputSize(xs[3], ws[3], cfg.Stride[1], cfg.Padding[1], cfg.Dilation[1])}
	out := tensor.Conv2dTo(tp.alloc(xv.DType(), shape[:]), xv, wv, cfg)
	ps := tp.convRecord(cfg, ws)
	return tp.record(conv2dOp, out, &ps, x, w)
}

// ConvTranspose2d returns the transposed convolution of x (N, Cin, H, W)
// by the kernel w (Cin, Cout/groups, kH, kW), PyTorch's
// F.conv_transpose2d(x, w, stride=cfg.Stride, padding=cfg.Padding,
// output_padding=cfg.OutputPadding, groups=cfg.Groups,
// dilation=cfg.Dilation) without bias: the adjoint of Conv2d in its input
// (Conv2d's input gradient), scattering each input element times the
// kernel into the output. y has shape (N, Cout, Hout, Wout) with Hout =
// (H − 1)·sh − 2ph + dh·(kH − 1) + oph + 1 (tensor.ConvTransposeOutputSize).
// Gradients: ∂x = Conv2d(g, w), ∂w = conv2d_weight(g, x) (Σ of x times
// g's patches). The output padding must be below the stride (PyTorch also
// accepts values below the dilation).
// It panics with tensor.ErrArg for a bad cfg, with tensor.ErrShape for
// operands not of rank 4, w's first axis other than Cin, Cin not divisible
// by groups or an output size below 1, and with tensor.ErrDType for
// operands of two element types.
func (tp *Tape) ConvTranspose2d(x, w Var, cfg tensor.Conv2dConfig) Var {
	tp.check("conv_transpose2d", x)
	tp.check("conv_transpose2d", w)
	xv, wv := tp.val(x), tp.val(w)
	if xv.DType() != wv.DType() {
		dtypeMismatch("autograd.conv_transpose2d", xv, wv)
	}
	xs, ws := xv.Shape(), wv.Shape()
	if len(xs) != 4 || len(ws) != 4 || !validConfig(cfg) {
		tensor.ConvTranspose2d(xv, wv, cfg) // panics with the reason
	}
	shape := [4]int{xs[0], ws[1] * cfg.Groups,
		max(0, tensor.ConvTransposeOutputSize(xs[2], ws[2], cfg.Stride[0], cfg.Padding[0], cfg.Dilation[0], cfg.OutputPadding[0])),
		max(0, tensor.ConvTransposeOutputSize(xs[3], ws[3], cfg.Stride[1], cfg.Padding[1], cfg.Dilation[1], cfg.OutputPadding[1]))}
	if shape[2] < 1 || shape[3] < 1 {
		tensor.ConvTranspose2d(xv, wv, cfg) // panics with the reason
	}
	out := tensor.ConvTranspose2dTo(tp.alloc(xv.DType(), shape[:]), xv, wv, cfg)
	ps := tp.convRecord(cfg, ws)
	return tp.record(convTranspose2dOp, out, &ps, x, w)
}

// Conv1d returns the 1-D convolution of x (N, C, L) by the kernel w
// (O, C/groups, K), PyTorch's F.conv1d(x, w, stride=cfg.Stride,
// padding=cfg.Padding, dilation=cfg.Dilation, groups=cfg.Groups) without
// bias:
//
//	y[n, o, i] = Σ_c Σ_u w[o, c, u] · x[n, g·C/groups + c, i·stride − padding + u·dilation]
//
// of shape (N, O, Lout), Lout = ⌊(L + 2·padding − dilation·(K − 1) − 1)/stride⌋ + 1.
// It is a composition, not an op of its own: Conv2d of x and w unsqueezed
// to height 1 (see tensor.Conv1dConfig.Conv2d), squeezed back.
// It panics with tensor.ErrShape for operands not of rank 3, and as Conv2d
// does otherwise.
func (tp *Tape) Conv1d(x, w Var, cfg tensor.Conv1dConfig) Var {
	tp.check("conv1d", x)
	tp.check("conv1d", w)
	xs, ws := tp.val(x).Shape(), tp.val(w).Shape()
	if len(xs) != 3 || len(ws) != 3 {
		shapes.Panic("autograd.Conv1d", "want input (N, C, L) and weight (O, C/groups, K)", xs, ws)
	}
	y := tp.Conv2d(tp.Unsqueeze(x, 2), tp.Unsqueeze(w, 2), cfg.Conv2d())
	return tp.Squeeze(y, 2)
}

// conv2dWeight records conv2d_weight: the gradient of ⟨g, Conv2d(x, w)⟩
// with respect to the (O, C/groups, kernel[0], kernel[1]) weight w.
func (tp *Tape) conv2dWeight(x, g Var, kernel [2]int, cfg tensor.Conv2dConfig) Var {
	xv, gv := tp.val(x), tp.val(g)
	shape := [4]int{gv.Shape()[1], xv.Shape()[1] / cfg.Groups, kernel[0], kernel[1]}
	out := tensor.Conv2dWeightGradTo(tp.alloc(xv.DType(), shape[:]), xv, gv, cfg)
	ps := tp.convRecord(cfg, shape[:])
	return tp.record(conv2dWeightOp, out, &ps, x, g)
}

// validConfig reports whether cfg's values are in range for the shape
// arithmetic (the kernels check the rest and say what is wrong).
func validConfig(cfg tensor.Conv2dConfig) bool {
	return cfg.Groups >= 1 && cfg.Stride[0] >= 1 && cfg.Stride[1] >= 1 &&
		cfg.Dilation[0] >= 1 && cfg.Dilation[1] >= 1
}

// convRecord stores cfg and the kernel size of weight shape ws in the
// tape's int arena: stride, padding, dilation, groups, output padding,
// kernel.
func (tp *Tape) convRecord(cfg tensor.Conv2dConfig, ws []int) params {
	return params{axes: tp.keepInts(cfg.Stride[0], cfg.Stride[1], cfg.Padding[0], cfg.Padding[1],
		cfg.Dilation[0], cfg.Dilation[1], cfg.Groups, cfg.OutputPadding[0], cfg.OutputPadding[1], ws[2], ws[3])}
}

// convParams returns the inputs, the config and the kernel size recorded
// with the convolution y.
func (tp *Tape) convParams(y Var) ([]Var, tensor.Conv2dConfig, [2]int) {
	a := tp.params(y).axes
	return tp.ins(y), tensor.Conv2dConfig{Stride: [2]int{a[0], a[1]}, Padding: [2]int{a[2], a[3]},
		Dilation: [2]int{a[4], a[5]}, Groups: a[6], OutputPadding: [2]int{a[7], a[8]}}, [2]int{a[9], a[10]}
}

// kernelOf returns the kernel size (kH, kW) of a weight.
func kernelOf(w *tensor.Tensor) [2]int {
	s := w.Shape()
	return [2]int{s[2], s[3]}
}

// withOutputPadding returns cfg with the output padding that makes the
// transposed convolution of the gradient give back the image size of xs,
// for a convolution of xs by a kernel of shape ws: the remainder
// (H + 2ph − dh·(kH − 1) − 1) mod sh that the output size's floor dropped.
func withOutputPadding(cfg tensor.Conv2dConfig, xs, ws []int) tensor.Conv2dConfig {
	for i := range 2 {
		cfg.OutputPadding[i] = (xs[2+i] + 2*cfg.Padding[i] - cfg.Dilation[i]*(ws[2+i]-1) - 1) % cfg.Stride[i]
	}
	return cfg
}
