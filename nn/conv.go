package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

var (
	_ Module = (*Conv1d)(nil)
	_ Module = (*Conv2d)(nil)
	_ Module = (*ConvTranspose2d)(nil)
)

// Conv2d is a 2-D convolution layer (torch.nn.Conv2d): for x of shape
// (N, in, H, W),
//
//	y = conv2d(x, weight) + bias,   y of shape (N, out, Hout, Wout),
//
// with autograd.Tape.Conv2d's semantics (a cross-correlation with zero
// padding, stride, dilation and groups; Hout = tensor.ConvOutputSize(H,
// kH, …)). An unbatched x (in, H, W) gives (out, Hout, Wout), as in
// PyTorch. Its parameters are "weight", of PyTorch's shape (out,
// in/groups, kH, kW), and "bias", (out) — the zero Var for a layer without
// bias (PyTorch's bias=False) — so a PyTorch state dict loads as it is.
type Conv2d struct {
	Config tensor.Conv2dConfig `nn:"-"` // stride, padding, dilation, groups
	Weight autograd.Var        // (out, in/groups, kH, kW)
	Bias   autograd.Var        // (out), or the zero Var for none
}

// NewConv2d returns a convolution of in to out channels with a kernel of
// size kernel (kH, kW) and hyper-parameters cfg (start from
// tensor.Conv2dDefaults(); OutputPadding must be zero), initialised as
// PyTorch does: weight and bias uniform in ±1/√fan_in, fan_in =
// (in/groups)·kH·kW (kaiming_uniform_ with a = √5 for the weight), weight
// drawn first. Drop the bias with c.Bias = autograd.Var{}.
// It panics with ErrArg if rng is nil, a size is not positive, groups does
// not divide in and out, or cfg is invalid (see tensor.Conv2dConfig).
func NewConv2d(rng *rand.Rand, in, out int, kernel [2]int, cfg tensor.Conv2dConfig) *Conv2d {
	const op = "nn.NewConv2d"
	checkConvArgs(op, rng, in, out, kernel, cfg, false)
	w, b := convParams(rng, (in/cfg.Groups)*kernel[0]*kernel[1], out, out, in/cfg.Groups, kernel)
	return &Conv2d{Config: cfg, Weight: w, Bias: b}
}

// Forward returns conv2d(x, weight) + bias for x of shape (N, in, H, W) or
// (in, H, W). It panics with tensor.ErrShape for another shape (see
// autograd.Tape.Conv2d), with ErrArg if x is the zero Var or the layer has
// no weight.
func (c *Conv2d) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	const op = "nn.Conv2d"
	checkVar(op, "input", x)
	checkConvWeight(op, c.Weight, 4)
	return convBatched(tp, x, 4, func(x autograd.Var) autograd.Var {
		return addChannelBias(tp, op, tp.Conv2d(x, c.Weight, c.Config), c.Bias, 2)
	})
}

// NamedParams returns "weight" and, unless Bias is the zero Var, "bias".
func (c *Conv2d) NamedParams() []NamedParam { return weightBias(c.Weight, c.Bias) }

// String prints the layer as PyTorch does, e.g.
// "Conv2d(1, 8, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))".
func (c *Conv2d) String() string {
	if !c.Weight.Valid() || len(c.Weight.Shape()) != 4 {
		return "Conv2d(no weight)"
	}
	s := c.Weight.Shape()
	return convString("Conv2d", s[1]*c.Config.Groups, s[0], s[2:], c.Config, c.Bias.Valid(), false)
}

// Conv1d is a 1-D convolution layer (torch.nn.Conv1d): for x of shape
// (N, in, L),
//
//	y = conv1d(x, weight) + bias,   y of shape (N, out, Lout),
//
// with autograd.Tape.Conv1d's semantics; an unbatched x (in, L) gives (out,
// Lout). Its parameters are "weight", of PyTorch's shape (out, in/groups,
// k), and "bias", (out), or the zero Var for none.
type Conv1d struct {
	Config tensor.Conv1dConfig `nn:"-"` // stride, padding, dilation, groups
	Weight autograd.Var        // (out, in/groups, k)
	Bias   autograd.Var        // (out), or the zero Var for none
}

// NewConv1d returns a convolution of in to out channels with a kernel of
// length kernel and hyper-parameters cfg (start from
// tensor.Conv1dDefaults()), initialised as PyTorch does: weight and bias
// uniform in ±1/√fan_in, fan_in = (in/groups)·kernel.
// It panics with ErrArg if rng is nil, a size is not positive, groups does
// not divide in and out, or cfg is invalid.
func NewConv1d(rng *rand.Rand, in, out, kernel int, cfg tensor.Conv1dConfig) *Conv1d {
	const op = "nn.NewConv1d"
	checkConvArgs(op, rng, in, out, [2]int{1, kernel}, cfg.Conv2d(), false)
	w, b := convParams(rng, (in/cfg.Groups)*kernel, out, out, in/cfg.Groups, [2]int{kernel})
	return &Conv1d{Config: cfg, Weight: w, Bias: b}
}

// Forward returns conv1d(x, weight) + bias for x of shape (N, in, L) or
// (in, L). It panics with tensor.ErrShape for another shape, with ErrArg if
// x is the zero Var or the layer has no weight.
func (c *Conv1d) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	const op = "nn.Conv1d"
	checkVar(op, "input", x)
	checkConvWeight(op, c.Weight, 3)
	return convBatched(tp, x, 3, func(x autograd.Var) autograd.Var {
		return addChannelBias(tp, op, tp.Conv1d(x, c.Weight, c.Config), c.Bias, 1)
	})
}

// NamedParams returns "weight" and, unless Bias is the zero Var, "bias".
func (c *Conv1d) NamedParams() []NamedParam { return weightBias(c.Weight, c.Bias) }

// String prints the layer as PyTorch does, e.g.
// "Conv1d(4, 8, kernel_size=(3,), stride=(1,))".
func (c *Conv1d) String() string {
	if !c.Weight.Valid() || len(c.Weight.Shape()) != 3 {
		return "Conv1d(no weight)"
	}
	s := c.Weight.Shape()
	return convString("Conv1d", s[1]*c.Config.Groups, s[0], s[2:], c.Config.Conv2d(), c.Bias.Valid(), true)
}

// ConvTranspose2d is a transposed 2-D convolution layer
// (torch.nn.ConvTranspose2d): for x of shape (N, in, H, W),
//
//	y = conv_transpose2d(x, weight) + bias,   y of shape (N, out, Hout, Wout),
//
// with autograd.Tape.ConvTranspose2d's semantics (the adjoint of a
// convolution, upsampling by the stride; Hout = (H − 1)·sh − 2ph +
// dh·(kH − 1) + oph + 1). An unbatched x (in, H, W) gives (out, Hout,
// Wout). Its parameters are "weight", of PyTorch's shape (in, out/groups,
// kH, kW) (note: in first), and "bias", (out), or the zero Var for none.
type ConvTranspose2d struct {
	Config tensor.Conv2dConfig `nn:"-"` // stride, padding, output padding, dilation, groups
	Weight autograd.Var        // (in, out/groups, kH, kW)
	Bias   autograd.Var        // (out), or the zero Var for none
}

// NewConvTranspose2d returns a transposed convolution of in to out
// channels with a kernel of size kernel and hyper-parameters cfg (start
// from tensor.Conv2dDefaults(); OutputPadding below Stride), initialised as
// PyTorch does: weight and bias uniform in ±1/√fan_in with PyTorch's
// fan_in of a (in, out/groups, kH, kW) weight, (out/groups)·kH·kW.
// It panics with ErrArg if rng is nil, a size is not positive, groups does
// not divide in and out, or cfg is invalid.
func NewConvTranspose2d(rng *rand.Rand, in, out int, kernel [2]int, cfg tensor.Conv2dConfig) *ConvTranspose2d {
	const op = "nn.NewConvTranspose2d"
	checkConvArgs(op, rng, in, out, kernel, cfg, true)
	w, b := convParams(rng, (out/cfg.Groups)*kernel[0]*kernel[1], out, in, out/cfg.Groups, kernel)
	return &ConvTranspose2d{Config: cfg, Weight: w, Bias: b}
}

// Forward returns conv_transpose2d(x, weight) + bias for x of shape (N,
// in, H, W) or (in, H, W). It panics with tensor.ErrShape for another
// shape, with ErrArg if x is the zero Var or the layer has no weight.
func (c *ConvTranspose2d) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	const op = "nn.ConvTranspose2d"
	checkVar(op, "input", x)
	checkConvWeight(op, c.Weight, 4)
	return convBatched(tp, x, 4, func(x autograd.Var) autograd.Var {
		return addChannelBias(tp, op, tp.ConvTranspose2d(x, c.Weight, c.Config), c.Bias, 2)
	})
}

// NamedParams returns "weight" and, unless Bias is the zero Var, "bias".
func (c *ConvTranspose2d) NamedParams() []NamedParam { return weightBias(c.Weight, c.Bias) }

// String prints the layer as PyTorch does, e.g.
// "ConvTranspose2d(8, 4, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))".
func (c *ConvTranspose2d) String() string {
	if !c.Weight.Valid() || len(c.Weight.Shape()) != 4 {
		return "ConvTranspose2d(no weight)"
	}
	s := c.Weight.Shape()
	return convString("ConvTranspose2d", s[0], s[1]*c.Config.Groups, s[2:], c.Config, c.Bias.Valid(), false)
}

// checkConvArgs panics with ErrArg unless a layer's arguments are valid.
func checkConvArgs(op string, rng *rand.Rand, in, out int, kernel [2]int, cfg tensor.Conv2dConfig, transposed bool) {
	checkRNG(op, rng)
	if in <= 0 || out <= 0 || kernel[0] <= 0 || kernel[1] <= 0 {
		argPanic(op, "channels %d → %d and kernel %v must be positive", in, out, kernel)
	}
	for i := range 2 {
		if cfg.Stride[i] < 1 || cfg.Dilation[i] < 1 || cfg.Padding[i] < 0 || cfg.OutputPadding[i] < 0 ||
			!transposed && cfg.OutputPadding[i] != 0 || transposed && cfg.OutputPadding[i] >= cfg.Stride[i] {
			argPanic(op, "invalid config %+v (start from tensor.Conv2dDefaults; output padding only for transposed convolutions, below the stride)", cfg)
		}
	}
	if cfg.Groups < 1 || in%cfg.Groups != 0 || out%cfg.Groups != 0 {
		argPanic(op, "groups %d must be ≥ 1 and divide the channels %d and %d", cfg.Groups, in, out)
	}
}

// convParams draws a weight of shape (d0, d1, kernel…) and a bias of size
// out uniformly in ±1/√fanIn, PyTorch's default initialisation of
// convolutions: kaiming_uniform_(a=√5) gives the bound gain·√(3/fan_in)
// with gain = √(2/(1 + a²)) = √(1/3), i.e. 1/√fan_in, and the bias uses
// the same bound. kernel holds one length for 1-D layers (kernel[1] unused).
func convParams(rng *rand.Rand, fanIn, out, d0, d1 int, kernel [2]int) (w, b autograd.Var) {
	bound := 1 / math.Sqrt(float64(fanIn))
	shape := []int{d0, d1, kernel[0], kernel[1]}
	if kernel[1] == 0 {
		shape = shape[:3]
	}
	w = autograd.NewNamedParam("weight", tensor.RandU(rng, -bound, bound, shape...))
	b = autograd.NewNamedParam("bias", tensor.RandU(rng, -bound, bound, out))
	return w, b
}

// checkConvWeight panics with ErrArg unless w is a weight of rank r.
func checkConvWeight(op string, w autograd.Var, r int) {
	if !w.Valid() {
		argPanic(op, "weight is the zero Var (make the layer with its New function)")
	}
	if len(w.Shape()) != r {
		shapePanic(op, fmt.Sprintf("weight must have rank %d", r), w.Shape())
	}
}

// convBatched applies f to x of rank r, or to x unsqueezed to a batch of
// one when x has rank r − 1 (PyTorch's unbatched input), squeezing the
// result back.
func convBatched(tp *autograd.Tape, x autograd.Var, r int, f func(autograd.Var) autograd.Var) autograd.Var {
	if len(x.Shape()) != r-1 {
		return f(x)
	}
	return tp.Squeeze(f(tp.Unsqueeze(x, 0)), 0)
}

// addChannelBias adds the bias b (out) to y (N, out, spatial…) with
// spatial axes, broadcast as (out, 1, …); the zero Var adds nothing.
func addChannelBias(tp *autograd.Tape, op string, y, b autograd.Var, spatial int) autograd.Var {
	if !b.Valid() {
		return y
	}
	out := y.Shape()[1]
	if len(b.Shape()) != 1 || b.Shape()[0] != out {
		shapePanic(op, fmt.Sprintf("bias must have shape (%d)", out), b.Shape(), y.Shape())
	}
	if spatial == 1 {
		return tp.Add(y, tp.Reshape(b, out, 1))
	}
	return tp.Add(y, tp.Reshape(b, out, 1, 1))
}

// weightBias returns "weight" and, unless b is the zero Var, "bias".
func weightBias(w, b autograd.Var) []NamedParam {
	if !b.Valid() {
		return []NamedParam{{Name: "weight", Var: w}}
	}
	return []NamedParam{{Name: "weight", Var: w}, {Name: "bias", Var: b}}
}

// convString formats a convolution as PyTorch's extra_repr: stride always,
// the other settings when they differ from their defaults.
func convString(name string, in, out int, kernel []int, cfg tensor.Conv2dConfig, bias, oneD bool) string {
	tuple := func(v [2]int) string {
		if oneD {
			return fmt.Sprintf("(%d,)", v[1])
		}
		return fmt.Sprintf("(%d, %d)", v[0], v[1])
	}
	k := [2]int{1, kernel[0]} // a 1-D kernel is 1 × k
	if len(kernel) == 2 {
		k = [2]int{kernel[0], kernel[1]}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s(%d, %d, kernel_size=%s, stride=%s", name, in, out, tuple(k), tuple(cfg.Stride))
	if cfg.Padding != [2]int{} {
		fmt.Fprintf(&sb, ", padding=%s", tuple(cfg.Padding))
	}
	if cfg.Dilation != [2]int{1, 1} {
		fmt.Fprintf(&sb, ", dilation=%s", tuple(cfg.Dilation))
	}
	if cfg.OutputPadding != [2]int{} {
		fmt.Fprintf(&sb, ", output_padding=%s", tuple(cfg.OutputPadding))
	}
	if cfg.Groups != 1 {
		fmt.Fprintf(&sb, ", groups=%d", cfg.Groups)
	}
	if !bias {
		sb.WriteString(", bias=False")
	}
	sb.WriteString(")")
	return sb.String()
}
