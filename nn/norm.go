package nn

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// Normalisation layers: LayerNorm, GroupNorm, BatchNorm1d and BatchNorm2d,
// with PyTorch's semantics, defaults and parameter names.

var (
	_ Module    = (*LayerNorm)(nil)
	_ Module    = (*GroupNorm)(nil)
	_ Module    = (*BatchNorm)(nil)
	_ Trainable = (*BatchNorm)(nil)
)

// NormConfig holds the options of the normalisation layers, PyTorch's
// keyword arguments. Zero values mean zero: start from NormDefaults.
type NormConfig struct {
	// Eps is added to the variance before its square root (PyTorch: eps).
	Eps float64
	// Affine gives the layer a learnable gain "weight" (initialised to 1)
	// and bias "bias" (initialised to 0) per normalised element (LayerNorm:
	// PyTorch's elementwise_affine) or per channel (GroupNorm, BatchNorm:
	// affine).
	Affine bool
	// Momentum is BatchNorm's weight of the new batch in its running
	// statistics: running = (1 − Momentum)·running + Momentum·batch.
	// LayerNorm and GroupNorm ignore it.
	Momentum float64
}

// NormDefaults returns PyTorch's defaults: Eps 1e-5, Affine true,
// Momentum 0.1.
func NormDefaults() NormConfig { return NormConfig{Eps: 1e-5, Affine: true, Momentum: 0.1} }

// LayerNorm normalises each input over its trailing dimensions, those of
// NormalizedShape (torch.nn.LayerNorm): with μ and σ² the mean and biased
// variance of x[i, …] over them,
//
//	y = (x − μ) / √(σ² + Eps) ⊙ weight + bias,
//
// weight and bias having shape NormalizedShape (the zero Var without
// Affine). An input of shape (…, NormalizedShape…) gives an output of the
// same shape; a transformer over (batch, seq, d) uses NormalizedShape (d).
// It is one op of the tape (autograd.Tape.LayerNorm), fused for speed.
type LayerNorm struct {
	NormalizedShape []int
	Eps             float64
	Weight          autograd.Var // gain, shape NormalizedShape; init 1
	Bias            autograd.Var // shape NormalizedShape; init 0
}

// NewLayerNorm returns a LayerNorm over the trailing dimensions
// normalizedShape with cfg's Eps and, if cfg.Affine, a gain of ones and a
// bias of zeros (float64; nn.To converts). nn.NewLayerNorm(nn.NormDefaults(),
// 64) is torch.nn.LayerNorm(64). It panics with ErrArg if normalizedShape
// is empty or has a dimension that is not positive.
func NewLayerNorm(cfg NormConfig, normalizedShape ...int) *LayerNorm {
	const op = "nn.NewLayerNorm"
	if len(normalizedShape) == 0 {
		argPanic(op, "empty normalised shape")
	}
	for _, d := range normalizedShape {
		if d <= 0 {
			argPanic(op, "normalised shape %v has a dimension that is not positive", normalizedShape)
		}
	}
	l := &LayerNorm{NormalizedShape: slices.Clone(normalizedShape), Eps: cfg.Eps}
	if cfg.Affine {
		l.Weight = autograd.NewNamedParam("weight", tensor.Ones(normalizedShape...))
		l.Bias = autograd.NewNamedParam("bias", tensor.Zeros(normalizedShape...))
	}
	return l
}

// Forward returns the normalised x. It panics with tensor.ErrShape if x's
// trailing dimensions are not NormalizedShape, and with ErrArg if x is
// the zero Var or NormalizedShape is empty.
func (l *LayerNorm) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	const op = "nn.LayerNorm.Forward"
	checkVar(op, "input", x)
	if len(l.NormalizedShape) == 0 {
		argPanic(op, "empty normalised shape (make the layer with NewLayerNorm)")
	}
	return tp.LayerNorm(x, l.NormalizedShape, l.Weight, l.Bias, l.Eps)
}

// NamedParams returns "weight" and "bias", or nil without them.
func (l *LayerNorm) NamedParams() []NamedParam { return affineParams(l.Weight, l.Bias) }

// String prints the layer as PyTorch does.
func (l *LayerNorm) String() string {
	return fmt.Sprintf("LayerNorm(%s, eps=%g, elementwise_affine=%t)", shapeTuple(l.NormalizedShape), l.Eps, l.Weight.Valid())
}

// affineParams lists a normalisation's weight and bias (those that exist).
func affineParams(w, b autograd.Var) []NamedParam {
	var out []NamedParam
	if w.Valid() {
		out = append(out, NamedParam{Name: "weight", Var: w})
	}
	if b.Valid() {
		out = append(out, NamedParam{Name: "bias", Var: b})
	}
	return out
}

// shapeTuple prints a shape as a Python tuple: (64,), (4, 8).
func shapeTuple(s []int) string {
	if len(s) == 1 {
		return fmt.Sprintf("(%d,)", s[0])
	}
	out := "("
	for i, d := range s {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprint(d)
	}
	return out + ")"
}

// GroupNorm splits the C channels of an input (N, C, …) into NumGroups
// groups of consecutive channels and normalises each (sample, group) slice
// by its own mean and biased variance (torch.nn.GroupNorm), then scales
// channel c by weight[c] and shifts it by bias[c] (shape (C); the zero Var
// without Affine). GroupNorm with one group is LayerNorm over (C, …) with a
// per-channel affine map; with C groups it is instance normalisation.
type GroupNorm struct {
	NumGroups, NumChannels int
	Eps                    float64
	Weight                 autograd.Var // shape (C); init 1
	Bias                   autograd.Var // shape (C); init 0
}

// NewGroupNorm returns a GroupNorm of numChannels channels in numGroups
// groups with cfg's Eps and Affine: nn.NewGroupNorm(nn.NormDefaults(), 2, 4)
// is torch.nn.GroupNorm(2, 4). It panics with ErrArg unless both counts are
// positive and numGroups divides numChannels.
func NewGroupNorm(cfg NormConfig, numGroups, numChannels int) *GroupNorm {
	if numGroups <= 0 || numChannels <= 0 || numChannels%numGroups != 0 {
		argPanic("nn.NewGroupNorm", "%d channels in %d groups: need positive counts, the groups dividing the channels", numChannels, numGroups)
	}
	g := &GroupNorm{NumGroups: numGroups, NumChannels: numChannels, Eps: cfg.Eps}
	if cfg.Affine {
		g.Weight = autograd.NewNamedParam("weight", tensor.Ones(numChannels))
		g.Bias = autograd.NewNamedParam("bias", tensor.Zeros(numChannels))
	}
	return g
}

// Forward returns the group-normalised x of shape (N, C, …). It panics
// with tensor.ErrShape if x has rank < 2 or C ≠ NumChannels, and with
// ErrArg if x is the zero Var or the layer has no groups.
func (g *GroupNorm) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	const op = "nn.GroupNorm.Forward"
	checkVar(op, "input", x)
	if g.NumGroups <= 0 {
		argPanic(op, "no groups (make the layer with NewGroupNorm)")
	}
	if xs := x.Shape(); len(xs) < 2 || xs[1] != g.NumChannels {
		shapePanic(op, fmt.Sprintf("input must have shape (N, %d, …)", g.NumChannels), xs)
	}
	return tp.GroupNorm(x, g.NumGroups, g.Weight, g.Bias, g.Eps)
}

// NamedParams returns "weight" and "bias", or nil without them.
func (g *GroupNorm) NamedParams() []NamedParam { return affineParams(g.Weight, g.Bias) }

// String prints the layer as PyTorch does.
func (g *GroupNorm) String() string {
	return fmt.Sprintf("GroupNorm(%d, %d, eps=%g, affine=%t)", g.NumGroups, g.NumChannels, g.Eps, g.Weight.Valid())
}

// BatchNorm is batch normalisation over the channels of its input
// (torch.nn.BatchNorm1d and BatchNorm2d, made by NewBatchNorm1d and
// NewBatchNorm2d): axis 1 holds the C channels, and each channel is
// normalised over all the other axes, then scaled by weight[c] and shifted
// by bias[c] (shape (C); the zero Var without Affine):
//
//	y = (x − μ_c) / √(σ²_c + Eps) ⊙ weight_c + bias_c.
//
// In training mode (the default; see SetTraining) μ and σ² are the batch's
// mean and biased variance, the gradient flows through them, and each
// Forward updates the buffers with the batch's mean and unbiased variance:
//
//	running_mean ← (1 − Momentum)·running_mean + Momentum·μ
//	running_var  ← (1 − Momentum)·running_var + Momentum·σ²·n/(n − 1)
//
// and adds 1 to num_batches_tracked (PyTorch's track_running_stats=True;
// a Forward on a nil tape updates them too, as PyTorch does under no_grad).
// In evaluation mode μ and σ² are running_mean and running_var. The
// buffers (running_mean and running_var of shape (C), init 0 and 1, and
// num_batches_tracked, a 0-d count kept as a float where PyTorch keeps an
// int64) are listed by NamedParams with Buffer set, so checkpoints save
// and load them. Momentum must be given (PyTorch's momentum=None,
// a cumulative average, is not offered).
type BatchNorm struct {
	NumFeatures                                int
	Eps, Momentum                              float64
	Weight, Bias                               autograd.Var // shape (C); init 1 and 0
	RunningMean, RunningVar, NumBatchesTracked autograd.Var // buffers
	spatial                                    int          // 1: (N, C) or (N, C, L); 2: (N, C, H, W)
	eval                                       bool
}

// NewBatchNorm1d returns batch normalisation of inputs (N, C) or (N, C, L)
// with C = numFeatures and cfg's Eps, Momentum and Affine:
// nn.NewBatchNorm1d(nn.NormDefaults(), 16) is torch.nn.BatchNorm1d(16).
// It panics with ErrArg if numFeatures is not positive.
func NewBatchNorm1d(cfg NormConfig, numFeatures int) *BatchNorm {
	return newBatchNorm("nn.NewBatchNorm1d", cfg, numFeatures, 1)
}

// NewBatchNorm2d returns batch normalisation of inputs (N, C, H, W) with
// C = numFeatures: nn.NewBatchNorm2d(nn.NormDefaults(), 8) is
// torch.nn.BatchNorm2d(8). It panics with ErrArg if numFeatures is not
// positive.
func NewBatchNorm2d(cfg NormConfig, numFeatures int) *BatchNorm {
	return newBatchNorm("nn.NewBatchNorm2d", cfg, numFeatures, 2)
}

func newBatchNorm(op string, cfg NormConfig, c, spatial int) *BatchNorm {
	if c <= 0 {
		argPanic(op, "%d features: must be positive", c)
	}
	b := &BatchNorm{NumFeatures: c, Eps: cfg.Eps, Momentum: cfg.Momentum, spatial: spatial,
		RunningMean:       autograd.NewNamedParam("running_mean", tensor.Zeros(c)),
		RunningVar:        autograd.NewNamedParam("running_var", tensor.Ones(c)),
		NumBatchesTracked: autograd.NewNamedParam("num_batches_tracked", tensor.Zeros()),
	}
	for _, v := range []autograd.Var{b.RunningMean, b.RunningVar, b.NumBatchesTracked} {
		v.SetRequiresGrad(false)
	}
	if cfg.Affine {
		b.Weight = autograd.NewNamedParam("weight", tensor.Ones(c))
		b.Bias = autograd.NewNamedParam("bias", tensor.Zeros(c))
	}
	return b
}

// Forward normalises x: with the batch's statistics while training
// (updating the running ones), with the running statistics in evaluation
// mode. It panics with tensor.ErrShape if x's shape is not (N, C) or
// (N, C, L) (BatchNorm1d) or (N, C, H, W) (BatchNorm2d) with C =
// NumFeatures, or if training sees a single value per channel (PyTorch's
// "Expected more than 1 value per channel"), and with ErrArg if x is the
// zero Var or the layer was not made by its New function.
func (b *BatchNorm) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	op := b.name() + ".Forward"
	checkVar(op, "input", x)
	if !b.RunningMean.Valid() || !b.RunningVar.Valid() {
		argPanic(op, "no running statistics (make the layer with NewBatchNorm1d or NewBatchNorm2d)")
	}
	xs := x.Shape()
	okRank := len(xs) == 4
	if b.spatial == 1 {
		okRank = len(xs) == 2 || len(xs) == 3
	}
	if !okRank || xs[1] != b.NumFeatures {
		want := fmt.Sprintf("(N, %d, H, W)", b.NumFeatures)
		if b.spatial == 1 {
			want = fmt.Sprintf("(N, %d) or (N, %d, L)", b.NumFeatures, b.NumFeatures)
		}
		shapePanic(op, "input must have shape "+want, xs)
	}
	if b.eval {
		return tp.BatchNormEval(x, b.RunningMean.Value(), b.RunningVar.Value(), b.Weight, b.Bias, b.Eps)
	}
	xv := x.Value()
	n := xv.Len() / b.NumFeatures
	if n <= 1 {
		shapePanic(op, "expected more than 1 value per channel when training", xs)
	}
	axes := []int{0}
	for i := 2; i < len(xs); i++ {
		axes = append(axes, i)
	}
	b.update(b.RunningMean, tensor.Mean(xv, axes...))
	b.update(b.RunningVar, tensor.Variance(xv, tensor.Unbiased, axes...))
	nb := b.NumBatchesTracked.Value()
	nb.Set(nb.At() + 1)
	return tp.BatchNorm(x, b.Weight, b.Bias, b.Eps)
}

// update sets running ← (1 − Momentum)·running + Momentum·batch, in the
// buffer's element type.
func (b *BatchNorm) update(running autograd.Var, batch *tensor.Tensor) {
	r := running.Value()
	tensor.ScaleTo(r, r, 1-b.Momentum)
	tensor.AddScaledTo(r, b.Momentum, batch.To(r.DType()))
}

// SetTraining switches between training (on: batch statistics, updating
// the running ones) and evaluation (off: the running statistics).
func (b *BatchNorm) SetTraining(on bool) { b.eval = !on }

// Training reports whether the layer is in training mode.
func (b *BatchNorm) Training() bool { return !b.eval }

// NamedParams returns "weight" and "bias" (unless the layer has no affine
// map) and the buffers "running_mean", "running_var" and
// "num_batches_tracked", PyTorch's state_dict keys in its order.
func (b *BatchNorm) NamedParams() []NamedParam {
	out := affineParams(b.Weight, b.Bias)
	for _, p := range []struct {
		name string
		v    autograd.Var
	}{{"running_mean", b.RunningMean}, {"running_var", b.RunningVar}, {"num_batches_tracked", b.NumBatchesTracked}} {
		if p.v.Valid() {
			out = append(out, NamedParam{Name: p.name, Var: p.v, Buffer: true})
		}
	}
	return out
}

func (b *BatchNorm) name() string {
	if b.spatial == 2 {
		return "nn.BatchNorm2d"
	}
	return "nn.BatchNorm1d"
}

// String prints the layer as PyTorch does.
func (b *BatchNorm) String() string {
	return fmt.Sprintf("%s(%d, eps=%g, momentum=%g, affine=%t, track_running_stats=true)",
		b.name()[3:], b.NumFeatures, b.Eps, b.Momentum, b.Weight.Valid())
}
