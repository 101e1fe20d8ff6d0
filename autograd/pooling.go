package autograd

import (
	"slices"

	"github.com/tapegrad/tapegrad/tensor"
)

// Pooling over the last two axes of (C, H, W) or (N, C, H, W) values, with
// PyTorch's semantics (see tensor.MaxPool2d, tensor.AvgPool2d and
// tensor.AdaptiveAvgPool2d). Each op is linear in the values it moves once
// the windows are fixed, so its reverse rule is an adjoint op of the table
// whose own reverse rule is the op again, and gradients of any order work:
//
//   - max_pool2d keeps only the argmax indices (not its input); its
//     gradient routes g to them (max_pool2d_backward, a scatter-add), whose
//     gradient gathers at the same indices (max_pool2d_gather, also the
//     tangent of max_pool2d), whose gradient is the scatter again;
//   - avg_pool2d ↔ avg_pool2d_backward, adaptive_avg_pool2d ↔
//     adaptive_avg_pool2d_backward: each the other's adjoint.
//
// Parameters, in params.axes: max pooling's [H, W, oH, oW, kH, kW, sH, sW,
// pH, pW, dH, dW, ceil, idx…] (idx, from maxPoolIdx on, the argmax of each
// output within its input plane; the configuration lets Vmap recompute it), average pooling's
// [H, W, kH, kW, sH, sW, pH, pW, ceil, countIncludePad, divisor] and
// adaptive pooling's [H, W, oH, oW]; the three ops of a family share one
// slice.
var (
	maxPool2dOp, maxPool2dBackwardOp, maxPool2dGatherOp *op
	avgPool2dOp, avgPool2dBackwardOp                    *op
	adaptiveAvgPool2dOp, adaptiveAvgPool2dBackwardOp    *op
)

// maxPoolIdx is where the argmax indices start in max pooling's parameters.
const maxPoolIdx = 13

func init() {
	maxPool2dOp = def(op{name: "max_pool2d",
		batch: batchMaxPool, text: "∂x = g added at each window's argmax (the first maximal element)",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.maxPoolScatter(g, tp.params(y).axes) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.maxPoolGather(t[0], tp.params(y).axes) },
	})
	maxPool2dBackwardOp = def(op{name: "max_pool2d_backward",
		batch: batchMaxPoolAdjoint((*Tape).maxPoolScatter), derivative: true,
		text: "y = g scattered to the argmaxes: ∂g = gradient gathered at the argmaxes",
		vjp:  func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.maxPoolGather(g, tp.params(y).axes) },
		jvp:  func(tp *Tape, y Var, t []Var) Var { return tp.maxPoolScatter(t[0], tp.params(y).axes) },
	})
	maxPool2dGatherOp = def(op{name: "max_pool2d_gather",
		batch: batchMaxPoolAdjoint((*Tape).maxPoolGather), derivative: true,
		text: "y = x at the argmaxes: ∂x = g scattered (added) to the argmaxes",
		vjp:  func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.maxPoolScatter(g, tp.params(y).axes) },
		jvp:  func(tp *Tape, y Var, t []Var) Var { return tp.maxPoolGather(t[0], tp.params(y).axes) },
	})
	avgPool2dOp = def(op{name: "avg_pool2d",
		batch: batchPool((*Tape).avgPool), text: "∂x = g / divisor spread over each window (the adjoint)",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.avgPoolBackward(g, tp.params(y).axes) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.avgPool(t[0], tp.params(y).axes) },
	})
	avgPool2dBackwardOp = def(op{name: "avg_pool2d_backward",
		batch: batchPool((*Tape).avgPoolBackward), derivative: true,
		text: "y = g / divisor spread over the windows: ∂g = avg_pool2d of the gradient",
		vjp:  func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.avgPool(g, tp.params(y).axes) },
		jvp:  func(tp *Tape, y Var, t []Var) Var { return tp.avgPoolBackward(t[0], tp.params(y).axes) },
	})
	adaptiveAvgPool2dOp = def(op{name: "adaptive_avg_pool2d",
		batch: batchPool((*Tape).adaptive), text: "∂x = g / window size spread over each window (the adjoint)",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.adaptiveBackward(g, tp.params(y).axes) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.adaptive(t[0], tp.params(y).axes) },
	})
	adaptiveAvgPool2dBackwardOp = def(op{name: "adaptive_avg_pool2d_backward",
		batch: batchPool((*Tape).adaptiveBackward), derivative: true,
		text: "y = g / window size spread over the windows: ∂g = adaptive_avg_pool2d of the gradient",
		vjp:  func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.adaptive(g, tp.params(y).axes) },
		jvp:  func(tp *Tape, y Var, t []Var) Var { return tp.adaptiveBackward(t[0], tp.params(y).axes) },
	})
}

// MaxPool2d returns the maximum of each window of x, (C, H, W) or (N, C,
// H, W), like torch.nn.functional.max_pool2d (see tensor.MaxPool2d for
// the geometry; make c with tensor.MaxPool2dDefaults). Ties go to the
// first maximal element in window order, as in PyTorch. The tape keeps
// the argmax indices (one int per output), not x: ∂x is g added at each
// window's argmax, and the tangent is ẋ at the argmaxes.
// It panics with tensor.ErrShape on a rank other than 3 or 4 or a bad
// configuration.
func (tp *Tape) MaxPool2d(x Var, c tensor.MaxPool2dConfig) Var {
	const name = "max_pool2d"
	tp.check(name, x)
	xv := tp.val(x)
	if r := len(xv.Shape()); r != 3 && r != 4 {
		tensor.MaxPool2d(xv, c) // panics naming the op
	}
	xs := xv.Shape()
	h, w := xs[len(xs)-2], xs[len(xs)-1]
	oh, ow := c.OutSize(h, w)
	out := tp.alloc(xv.DType(), pooled(xs, oh, ow, new([8]int)))
	var ps params
	var idx []int
	if tp.keepsRule(x) { // the rules need the argmax; inference does not
		ps.axes = tp.reserveInts(maxPoolIdx + out.Len())
		copy(ps.axes, []int{h, w, oh, ow, c.Kernel[0], c.Kernel[1], c.Stride[0], c.Stride[1],
			c.Padding[0], c.Padding[1], c.Dilation[0], c.Dilation[1], poolFlag(c.CeilMode)})
		idx = ps.axes[maxPoolIdx:]
	}
	return tp.record(maxPool2dOp, tensor.MaxPool2dTo(out, idx, xv, c), &ps, x)
}

// maxPoolScatter is max_pool2d_backward: g (…, oH, oW) added into zeros
// (…, H, W) at the argmax indices in ax.
func (tp *Tape) maxPoolScatter(g Var, ax []int) Var {
	gv := tp.val(g)
	out := tp.alloc(gv.DType(), pooled(gv.Shape(), ax[0], ax[1], new([8]int)))
	return tp.record(maxPool2dBackwardOp, tensor.MaxPool2dBackwardTo(out, gv, ax[maxPoolIdx:]), &params{axes: ax}, g)
}

// maxPoolGather is max_pool2d_gather: x (…, H, W) at the argmax indices
// in ax, (…, oH, oW).
func (tp *Tape) maxPoolGather(x Var, ax []int) Var {
	if !x.Valid() {
		return Var{}
	}
	xv := tp.val(x)
	out := tp.alloc(xv.DType(), pooled(xv.Shape(), ax[2], ax[3], new([8]int)))
	return tp.record(maxPool2dGatherOp, tensor.MaxPool2dGatherTo(out, xv, ax[maxPoolIdx:]), &params{axes: ax}, x)
}

// AvgPool2d returns the mean of each window of x, (C, H, W) or (N, C, H,
// W), like torch.nn.functional.avg_pool2d (see tensor.AvgPool2d; make c
// with tensor.AvgPool2dDefaults, whose count_include_pad is on as in
// PyTorch). It is linear: ∂x is g divided by each window's divisor and
// spread over the window, and the tangent is the pooled ẋ.
// It panics with tensor.ErrShape on a rank other than 3 or 4 or a bad
// configuration.
func (tp *Tape) AvgPool2d(x Var, c tensor.AvgPool2dConfig) Var {
	tp.check("avg_pool2d", x)
	xs := tp.val(x).Shape()
	if r := len(xs); r != 3 && r != 4 {
		tensor.AvgPool2d(tp.val(x), c) // panics naming the op
	}
	ax := tp.keepInts(xs[len(xs)-2], xs[len(xs)-1], c.Kernel[0], c.Kernel[1], c.Stride[0], c.Stride[1],
		c.Padding[0], c.Padding[1], poolFlag(c.CeilMode), poolFlag(c.CountIncludePad), c.DivisorOverride)
	return tp.avgPool(x, ax)
}

// avgConfig reads average pooling's configuration back from ax.
func avgConfig(ax []int) tensor.AvgPool2dConfig {
	return tensor.AvgPool2dConfig{Kernel: [2]int{ax[2], ax[3]}, Stride: [2]int{ax[4], ax[5]},
		Padding: [2]int{ax[6], ax[7]}, CeilMode: ax[8] != 0, CountIncludePad: ax[9] != 0, DivisorOverride: ax[10]}
}

// avgPool is avg_pool2d of x with the parameters ax.
func (tp *Tape) avgPool(x Var, ax []int) Var {
	if !x.Valid() {
		return Var{}
	}
	xv, c := tp.val(x), avgConfig(ax)
	xs := xv.Shape()
	oh, ow := c.OutSize(xs[len(xs)-2], xs[len(xs)-1])
	out := tp.alloc(xv.DType(), pooled(xs, oh, ow, new([8]int)))
	return tp.record(avgPool2dOp, tensor.AvgPool2dTo(out, xv, c), &params{axes: ax}, x)
}

// avgPoolBackward is avg_pool2d_backward: g spread back to planes of
// ax[0]×ax[1].
func (tp *Tape) avgPoolBackward(g Var, ax []int) Var {
	if !g.Valid() {
		return Var{}
	}
	gv := tp.val(g)
	out := tp.alloc(gv.DType(), pooled(gv.Shape(), ax[0], ax[1], new([8]int)))
	return tp.record(avgPool2dBackwardOp, tensor.AvgPool2dBackwardTo(out, gv, avgConfig(ax)), &params{axes: ax}, g)
}

// AdaptiveAvgPool2d returns x, (C, H, W) or (N, C, H, W), averaged to
// planes of outH×outW like torch.nn.functional.adaptive_avg_pool2d: rows
// ⌊i·H/outH⌋ … ⌈(i+1)·H/outH⌉ − 1 (columns likewise) average into output
// row i (see tensor.AdaptiveAvgPool2d). Linear: ∂x is g divided by each
// window's size and spread over the window. It panics with
// tensor.ErrShape on a rank other than 3 or 4, an empty plane or a
// negative size.
func (tp *Tape) AdaptiveAvgPool2d(x Var, outH, outW int) Var {
	tp.check("adaptive_avg_pool2d", x)
	xs := tp.val(x).Shape()
	if r := len(xs); r != 3 && r != 4 || outH < 0 || outW < 0 || xs[r-2] < 1 || xs[r-1] < 1 {
		tensor.AdaptiveAvgPool2d(tp.val(x), outH, outW) // panics naming the op
	}
	return tp.adaptive(x, tp.keepInts(xs[len(xs)-2], xs[len(xs)-1], outH, outW))
}

// adaptive is adaptive_avg_pool2d of x to planes of ax[2]×ax[3].
func (tp *Tape) adaptive(x Var, ax []int) Var {
	if !x.Valid() {
		return Var{}
	}
	xv := tp.val(x)
	out := tp.alloc(xv.DType(), pooled(xv.Shape(), ax[2], ax[3], new([8]int)))
	return tp.record(adaptiveAvgPool2dOp, tensor.AdaptiveAvgPool2dTo(out, xv), &params{axes: ax}, x)
}

// adaptiveBackward is adaptive_avg_pool2d_backward: g spread back to
// planes of ax[0]×ax[1].
func (tp *Tape) adaptiveBackward(g Var, ax []int) Var {
	if !g.Valid() {
		return Var{}
	}
	gv := tp.val(g)
	out := tp.alloc(gv.DType(), pooled(gv.Shape(), ax[0], ax[1], new([8]int)))
	return tp.record(adaptiveAvgPool2dBackwardOp, tensor.AdaptiveAvgPool2dBackwardTo(out, gv), &params{axes: ax}, g)
}

// pooled returns shape with its last two axes h, w, in buf (so a caller's
// array stays on its stack).
func pooled(shape []int, h, w int, buf *[8]int) []int {
	r := len(shape)
	return append(append(buf[:0], shape[:r-2]...), h, w)
}

// keepsRule reports whether an op of input x recorded now keeps its
// rules (a gradient or a tangent may flow through it): a superset of
// what record keeps, so an op that saves state only for its rules
// (max pooling's argmax) saves it whenever record needs it.
func (tp *Tape) keepsRule(x Var) bool {
	return tp != nil && tp.phase != backwardValues && (x.needs() || tp.fwd != nil || tp.trace)
}

// reserveInts returns n ints of the tape's int arena for a caller to fill.
func (tp *Tape) reserveInts(n int) []int {
	start := len(tp.ints)
	tp.ints = slices.Grow(tp.ints, n)[:start+n]
	return tp.ints[start : start+n : start+n]
}

// poolFlag is 1 for true, 0 for false.
func poolFlag(b bool) int {
	if b {
		return 1
	}
	return 0
}
