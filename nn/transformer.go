package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

var _ Module = (*TransformerEncoderLayer)(nil)

// TransformerEncoderLayer is PyTorch's nn.TransformerEncoderLayer with
// norm_first=True and batch_first=True (a pre-norm block): for x (N, L, E),
//
//	x = x + Dropout1(SelfAttn(Norm1(x), mask, causal))
//	y = x + Dropout2(Linear2(Dropout(Activation(Linear1(Norm2(x))))))
//
// with an E → dim_feedforward → E feed-forward network. Its parameters
// have PyTorch's names (self_attn.in_proj_weight, self_attn.in_proj_bias,
// self_attn.out_proj.*, linear1.*, linear2.*, norm1.*, norm2.*), and the
// Linear weights are stored (in, out), so a PyTorch state dict of the same
// layer loads with checkpoint.Torch(). A nil Dropout field is skipped, so
// a block built as a struct literal (weights of one's own, no dropout)
// needs none. Post-norm (norm_first=False) and batch_first=False are not
// provided.
type TransformerEncoderLayer struct {
	SelfAttn *MultiheadAttention
	Linear1  *Linear    // E → dim_feedforward
	Dropout  *Dropout   // after the activation
	Linear2  *Linear    // dim_feedforward → E
	Norm1    *LayerNorm // before the attention
	Norm2    *LayerNorm // before the feed-forward network
	Dropout1 *Dropout   // after the attention
	Dropout2 *Dropout   // after the feed-forward network
	// Activation is applied between Linear1 and Linear2.
	Activation Activation `nn:"-"`
}

// NewTransformerEncoderLayer returns PyTorch's
// nn.TransformerEncoderLayer(dModel, nhead, dim_feedforward=dimFF,
// dropout=0, activation=activation, batch_first=True, norm_first=True),
// activation being "relu" (PyTorch's default) or "gelu" (the exact, erf
// form). PyTorch's default dim_feedforward is 2048 and its default dropout
// 0.1: here dropout starts at 0 (every Dropout's P, including
// SelfAttn.Dropout, which draws from rng); set the four P fields to p for
// PyTorch's dropout=p. The weights are initialised as PyTorch's are
// (Linear: U(−1/√in, 1/√in) for weights and biases; LayerNorm: ones and
// zeros; MultiheadAttention: see NewMultiheadAttention). LayerNorm's eps is
// 1e-5. It panics with ErrArg if rng is nil, a size is not positive, nhead
// does not divide dModel or activation is neither "relu" nor "gelu".
func NewTransformerEncoderLayer(rng *rand.Rand, dModel, nhead, dimFF int, activation string) *TransformerEncoderLayer {
	const op = "nn.NewTransformerEncoderLayer"
	checkRNG(op, rng)
	checkFan(op, dModel)
	checkFan(op, dimFF)
	var act Activation
	switch activation {
	case "relu":
		act = ReLU()
	case "gelu":
		act = GELU()
	default:
		argPanic(op, "activation %q: want \"relu\" or \"gelu\"", activation)
	}
	attn := NewMultiheadAttention(rng, dModel, nhead)
	attn.Dropout = NewDropout(rng, 0)
	l := &TransformerEncoderLayer{
		SelfAttn:   attn,
		Linear1:    torchLinear(rng, dModel, dimFF),
		Dropout:    NewDropout(rng, 0),
		Linear2:    torchLinear(rng, dimFF, dModel),
		Norm1:      NewLayerNorm(NormDefaults(), dModel),
		Norm2:      NewLayerNorm(NormDefaults(), dModel),
		Dropout1:   NewDropout(rng, 0),
		Dropout2:   NewDropout(rng, 0),
		Activation: act,
	}
	NameParams(l)
	return l
}

// torchLinear returns a Linear initialised as PyTorch's nn.Linear: weight
// and bias from U(−1/√in, 1/√in).
func torchLinear(rng *rand.Rand, in, out int) *Linear {
	r := 1 / math.Sqrt(float64(in))
	l := NewLinear(rng, in, out, Uniform(-r, r))
	l.B.SetValue(tensor.RandU(rng, -r, r, out))
	return l
}

// Forward returns the block applied to x (N, L, E) without mask.
// It panics as Encode does.
func (b *TransformerEncoderLayer) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	return b.Encode(tp, x, autograd.Var{}, NonCausal)
}

// Encode returns the block applied to x (N, L, E) with the attention mask
// mask (the zero Var, or an additive float mask (L, L) or (N·H, L, L):
// PyTorch's src_mask) and causal masking if causal is Causal (PyTorch 2.0's
// is_causal). It panics with ErrArg if the layer was not made by its
// constructor (a nil sub-layer) or x is the zero Var, and with
// tensor.ErrShape if x is not (N, L, E).
func (b *TransformerEncoderLayer) Encode(tp *autograd.Tape, x, mask autograd.Var, causal Causality) autograd.Var {
	const op = "nn.TransformerEncoderLayer.Forward"
	if b.SelfAttn == nil || b.Linear1 == nil || b.Linear2 == nil || b.Norm1 == nil || b.Norm2 == nil || b.Activation == nil {
		argPanic(op, "a sub-layer is nil (make the layer with NewTransformerEncoderLayer)")
	}
	checkVar(op, "input", x)
	e, h := b.SelfAttn.check(op)
	xs := x.Shape()
	if len(xs) != 3 || xs[2] != e {
		shapePanic(op, fmt.Sprintf("input must have shape (N, L, %d) (batch_first)", e), xs)
	}
	n, l := xs[0], xs[1]
	mask = b.SelfAttn.prepMask(tp, op, mask, n, h, l, l)
	drop := func(d *Dropout, v autograd.Var) autograd.Var {
		if d == nil {
			return v
		}
		return d.Forward(tp, v)
	}
	// The block runs on the rows flattened to (N·L, E), reshaped once in
	// and once out.
	f := tp.Reshape(x, n*l, e)
	a := b.Norm1.Forward(tp, f)
	f = tp.Add(f, drop(b.Dropout1, b.SelfAttn.attendFlat(tp, a, a, a, mask, causal, n, l, l, e, h)))
	a = b.Linear2.Forward(tp, drop(b.Dropout, b.Activation.Forward(tp, b.Linear1.Forward(tp, b.Norm2.Forward(tp, f)))))
	return tp.Reshape(tp.Add(f, drop(b.Dropout2, a)), xs...)
}

// NamedParams returns the parameters under PyTorch's names:
// self_attn.in_proj_weight, …, linear1.weight, linear1.bias,
// linear2.weight, linear2.bias, norm1.weight, norm1.bias, norm2.weight,
// norm2.bias.
func (b *TransformerEncoderLayer) NamedParams() []NamedParam { return FieldParams(b) }

// String prints the sub-layers one per line, PyTorch-style, then the
// activation and the fixed options.
func (b *TransformerEncoderLayer) String() string {
	var sb strings.Builder
	sb.WriteString("TransformerEncoderLayer(")
	for _, ch := range Children(b) {
		fmt.Fprintf(&sb, "\n  (%s): %s", ch.Name, strings.ReplaceAll(repr(ch.Module), "\n", "\n  "))
	}
	fmt.Fprintf(&sb, "\n  activation=%v, norm_first=true, batch_first=true\n)", b.Activation)
	return sb.String()
}
