package autograd

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// Normalisation: layer_norm is an op of its own, for speed (W7 runs five
// of them per step over 1024×64): its forward pass is one fused kernel
// (tensor.LayerNormTo), which also keeps each row's mean and 1/√(σ²+ε) (a
// float64 constant recorded as the op's last input), and a plain Backward
// runs one fused kernel for all three gradients from them
// (tensor.LayerNormBackwardTo). Its rules are nevertheless
// written with tape ops, the standard formula, and those are what
// GradGraph, VJPGraph, forward mode and debugging run, so layer norm has
// derivatives of every order. GroupNorm and BatchNorm are compositions
// (GroupNorm of layer_norm, BatchNorm of means and variances).
var layerNormOp *op

func init() {
	layerNormOp = def(op{name: "layer_norm",
		batch: batchLayerNorm,
		text:  "∂x = (ĝ − mean ĝ − x̂ ⊙ mean(ĝ⊙x̂)) / √(σ²+ε), ĝ = g⊙w; ∂w = Σ g⊙x̂; ∂b = Σ g",
		vjp:   layerNormVJP,
		// ẏ = ẋ̂ ⊙ w + x̂ ⊙ ẇ + ḃ, ẋ̂ = (ẋ − mean ẋ − x̂ ⊙ mean(x̂⊙ẋ)) / √(σ²+ε)
		jvp: func(tp *Tape, y Var, t []Var) Var {
			x, w, b, k, eps := tp.layerNormArgs(y)
			axes := tp.lastAxes(k)
			xhat, rstd := tp.normalized(x, axes, eps)
			var ty, tw, tb Var
			if t[0].Valid() {
				ty = tp.layerNormAdjoint(t[0], xhat, rstd, axes)
				if w.Valid() {
					ty = tp.Mul(ty, w)
				}
			}
			if w.Valid() && t[1].Valid() {
				tw = tp.Mul(xhat, t[1])
			}
			if bi := 1 + btoi(w.Valid()); b.Valid() && t[bi].Valid() {
				tb = tp.BroadcastTo(t[bi], tp.val(y).Shape()...)
			}
			return tp.sumTangents(ty, tw, tb)
		},
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// LayerNorm returns the layer normalisation of x over its trailing
// dimensions, those of normalizedShape (torch.nn.functional.layer_norm):
// with μ and σ² the mean and biased variance of each slice x[i, …] over
// those dimensions,
//
//	y = (x − μ) / √(σ² + eps) ⊙ w + b,
//
// w (the gain) and b (the bias) having shape normalizedShape, either one
// the zero Var for none (PyTorch's weight=None, bias=None). Statistics of
// float32 data accumulate in float64. ∂x = (ĝ − mean ĝ − x̂ ⊙ mean(ĝ⊙x̂)) /
// √(σ²+eps) with ĝ = g⊙w, ∂w = Σ g⊙x̂, ∂b = Σ g over the leading axes.
//
// It panics with tensor.ErrShape if x's trailing dimensions are not
// normalizedShape (or normalizedShape is empty) or w or b has another
// shape, and with tensor.ErrDType if their types differ.
func (tp *Tape) LayerNorm(x Var, normalizedShape []int, w, b Var, eps float64) Var {
	const name = "autograd.layer_norm"
	tp.check("layer_norm", x)
	xv := tp.val(x)
	xs, k := xv.Shape(), len(normalizedShape)
	if k == 0 || k > len(xs) || !sameShape(xs[len(xs)-k:], normalizedShape) {
		panic(shapeErr(name, "the input's trailing dimensions must be the normalised shape", xs, normalizedShape))
	}
	n := 1
	for _, d := range normalizedShape {
		n *= d
	}
	var wt, bt *tensor.Tensor
	for i, p := range [2]Var{w, b} {
		if !p.Valid() {
			continue
		}
		tp.check("layer_norm", p)
		pv := tp.val(p)
		if !sameShape(pv.Shape(), normalizedShape) {
			panic(shapeErr(name, fmt.Sprintf("%s must have the normalised shape", [2]string{"weight", "bias"}[i]), normalizedShape, pv.Shape()))
		}
		if pv.DType() != xv.DType() {
			dtypeMismatch(name, xv, pv)
		}
		if i == 0 {
			wt = pv
		} else {
			bt = pv
		}
	}
	if n == 0 {
		n = 1 // an empty input: nothing to normalise
	}
	// The rows' statistics ride along as a constant last input, so a plain
	// Backward need not recompute them.
	var stats *tensor.Tensor
	if tp.Recording() {
		stats = tp.alloc(tensor.Float64, []int{xv.Len() / n, 2})
	}
	out := tensor.LayerNormTo(tp.allocLike(xv), stats, xv, wt, bt, n, eps)
	var buf [4]Var
	in := append(buf[:0], x)
	if w.Valid() {
		in = append(in, w)
	}
	if b.Valid() {
		in = append(in, b)
	}
	if stats != nil {
		in = append(in, tp.Const(stats))
	}
	ps := &params{axes: tp.keepInts(k, btoi(w.Valid()), btoi(b.Valid()), btoi(stats != nil)), c: [2]float64{eps}}
	return tp.record(layerNormOp, out, ps, in...)
}

// layerNormArgs returns the inputs of the layer_norm y (x, and w and b or
// zero Vars), the number k of normalised (trailing) axes and eps.
func (tp *Tape) layerNormArgs(y Var) (x, w, b Var, k int, eps float64) {
	in, ps := tp.ins(y), tp.params(y)
	x = in[0]
	i := 1
	if ps.axes[1] == 1 {
		w, i = in[i], i+1
	}
	if ps.axes[2] == 1 {
		b = in[i]
	}
	return x, w, b, ps.axes[0], ps.c[0]
}

// layerNormStats returns the rows' statistics the layer_norm y kept (its
// last input), or nil.
func (tp *Tape) layerNormStats(y Var) *tensor.Tensor {
	if in := tp.ins(y); tp.params(y).axes[3] == 1 {
		return tp.val(in[len(in)-1])
	}
	return nil
}

// lastAxes returns the axes −k, …, −1 (in the tape's int arena).
func (tp *Tape) lastAxes(k int) []int {
	var buf [8]int
	axes := buf[:0]
	for j := range k {
		axes = append(axes, j-k)
	}
	return tp.keepInts(axes...)
}

// normalized returns x̂ = (x − μ)·r and r = 1/√(σ² + eps) over axes, with
// tape ops (so they record for higher orders).
func (tp *Tape) normalized(x Var, axes []int, eps float64) (xhat, rstd Var) {
	xc := tp.Sub(x, tp.MeanKeepDims(x, axes...))
	rstd = tp.PowScalar(tp.AddScalar(tp.MeanKeepDims(tp.Square(xc), axes...), eps), -0.5)
	return tp.Mul(xc, rstd), rstd
}

// layerNormAdjoint returns r ⊙ (v − mean v − x̂ ⊙ mean(x̂ ⊙ v)) over axes:
// the Jacobian of x ↦ x̂, which is symmetric, applied to v (so it serves
// both the gradient and the tangent).
func (tp *Tape) layerNormAdjoint(v, xhat, rstd Var, axes []int) Var {
	c := tp.Mul(xhat, tp.MeanKeepDims(tp.Mul(xhat, v), axes...))
	return tp.Mul(rstd, tp.Sub(tp.Sub(v, tp.MeanKeepDims(v, axes...)), c))
}

// layerNormVJP is layer_norm's reverse rule: the fused kernel in a plain
// Backward (a speed path: nothing differentiates its result), the formula
// in tape ops otherwise.
func layerNormVJP(tp *Tape, y, g Var, gin []Var) {
	x, w, b, k, eps := tp.layerNormArgs(y)
	wi, bi := 1, 1+btoi(w.Valid())
	wantX, wantW, wantB := tp.wants(y, 0), w.Valid() && tp.wants(y, wi), b.Valid() && tp.wants(y, bi)
	if tp.plainBackward() {
		xv := tp.val(x)
		var dx, dw, db, wv *tensor.Tensor
		if w.Valid() {
			wv = tp.val(w)
		}
		if wantX {
			dx = tp.allocLike(xv)
		}
		if wantW {
			dw = tp.allocLike(wv)
		}
		if wantB {
			db = tp.allocLike(tp.val(b))
		}
		tensor.LayerNormBackwardTo(dx, dw, db, xv, wv, tp.val(g), tp.layerNormStats(y), max(1, rowLen(xv, k)), eps)
		if wantX {
			gin[0] = tp.keepValue(dx)
		}
		if wantW {
			gin[wi] = tp.keepValue(dw)
		}
		if wantB {
			gin[bi] = tp.keepValue(db)
		}
		return
	}
	axes := tp.lastAxes(k)
	xhat, rstd := tp.normalized(x, axes, eps)
	if wantX {
		gh := g
		if w.Valid() {
			gh = tp.Mul(g, w)
		}
		gin[0] = tp.layerNormAdjoint(gh, xhat, rstd, axes)
	}
	if wantW {
		gin[wi] = tp.SumTo(tp.Mul(g, xhat), tp.val(w).Shape()...)
	}
	if wantB {
		gin[bi] = tp.SumTo(g, tp.val(b).Shape()...)
	}
}

// rowLen is the number of elements in the last k dimensions of t.
func rowLen(t *tensor.Tensor, k int) int {
	s := t.Shape()
	n := 1
	for _, d := range s[len(s)-k:] {
		n *= d
	}
	return n
}

// GroupNorm returns the group normalisation of x of shape (N, C, …)
// (torch.nn.functional.group_norm): the C channels are split into groups
// consecutive groups of C/groups channels, each (sample, group) slice is
// normalised by its own mean and biased variance, and channel c is scaled
// by w[c] and shifted by b[c] (w, b of shape (C), either the zero Var for
// none). It is a composition: a LayerNorm of x seen as (N, groups, rest)
// without gain, then the per-channel affine map.
//
// It panics with tensor.ErrShape if x has rank < 2, groups does not divide
// C (or is not positive), or w or b does not have shape (C).
func (tp *Tape) GroupNorm(x Var, groups int, w, b Var, eps float64) Var {
	const name = "autograd.group_norm"
	tp.check("group_norm", x)
	xs := tp.val(x).Shape()
	if len(xs) < 2 || groups <= 0 || xs[1]%groups != 0 {
		panic(shapeErr(name, fmt.Sprintf("needs an input (N, C, …) with C divisible by groups = %d", groups), xs))
	}
	n, rest := xs[0], tp.val(x).Len()/max(1, xs[0]*groups)
	y := tp.LayerNorm(tp.Reshape(x, n, groups, rest), []int{rest}, Var{}, Var{}, eps)
	return tp.channelAffine(name, tp.Reshape(y, xs...), w, b)
}

// channelAffine returns y ⊙ w + b with w and b (shape (C), either the zero
// Var for none) broadcast along axis 1 of y (N, C, …).
func (tp *Tape) channelAffine(name string, y, w, b Var) Var {
	ys := tp.val(y).Shape()
	var buf [8]int
	cs := buf[:0]
	for i := range ys {
		cs = append(cs, 1)
		if i == 1 {
			cs[i] = ys[1]
		}
	}
	for _, p := range [2]Var{w, b} {
		if p.Valid() {
			tp.check(name, p)
			if ps := tp.val(p).Shape(); len(ps) != 1 || ps[0] != ys[1] {
				panic(shapeErr(name, "weight and bias must have shape (C) for an input (N, C, …)", ys, ps))
			}
		}
	}
	if w.Valid() {
		y = tp.Mul(y, tp.Reshape(w, cs...))
	}
	if b.Valid() {
		y = tp.Add(y, tp.Reshape(b, cs...))
	}
	return y
}

// BatchNorm returns the batch normalisation of x of shape (N, C, …) in
// training mode (torch.nn.functional.batch_norm with training=True): each
// channel is normalised by the mean and biased variance of its N·… values
// in the batch, then scaled by w[c] and shifted by b[c] (shape (C), either
// the zero Var for none). The gradient flows through the batch statistics.
// It keeps no running statistics: nn.BatchNorm does. A composition of
// means, a variance and element-wise ops.
//
// It panics with tensor.ErrShape if x has rank < 2 or w or b does not have
// shape (C).
func (tp *Tape) BatchNorm(x, w, b Var, eps float64) Var {
	const name = "autograd.batch_norm"
	tp.check("batch_norm", x)
	xs := tp.val(x).Shape()
	if len(xs) < 2 {
		panic(shapeErr(name, "needs an input (N, C, …)", xs))
	}
	var buf [8]int
	axes := append(buf[:0], 0)
	for i := 2; i < len(xs); i++ {
		axes = append(axes, i)
	}
	xhat, _ := tp.normalized(x, axes, eps)
	return tp.channelAffine(name, xhat, w, b)
}

// BatchNormEval returns batch normalisation with given statistics, as in
// evaluation mode (torch.nn.functional.batch_norm with training=False):
// y = (x − mean[c]) / √(variance[c] + eps) ⊙ w[c] + b[c] for x (N, C, …),
// mean and variance constants of shape (C). w, b may be the zero Var.
// It panics with tensor.ErrShape on other shapes.
func (tp *Tape) BatchNormEval(x Var, mean, variance *tensor.Tensor, w, b Var, eps float64) Var {
	const name = "autograd.batch_norm"
	tp.check("batch_norm", x)
	checkTensor("BatchNormEval", mean)
	checkTensor("BatchNormEval", variance)
	xv := tp.val(x)
	xs := xv.Shape()
	if len(xs) < 2 || !sameShape(mean.Shape(), xs[1:2]) || !sameShape(variance.Shape(), xs[1:2]) {
		panic(shapeErr(name, "needs an input (N, C, …) and statistics of shape (C)", xs, mean.Shape(), variance.Shape()))
	}
	rstd := tensor.PowScalar(tensor.AddScalar(variance.To(xv.DType()), eps), -0.5)
	neg := tensor.Neg(tensor.Mul(mean.To(xv.DType()), rstd))
	y := tp.channelAffine(name, x, tp.Const(rstd), tp.Const(neg)) // (x − μ)·r
	return tp.channelAffine(name, y, w, b)
}
