package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

var _ Module = (*MultiheadAttention)(nil)

// Causality says whether attention may look ahead: NonCausal lets every
// query position attend to every key position, Causal hides the key
// positions after the query's own (PyTorch 2.0's is_causal). It is a typed
// value rather than a bool so that a call reads as what it does.
type Causality uint8

const (
	// NonCausal attends to every key position.
	NonCausal Causality = iota
	// Causal masks key position u for query position t when u > t: the
	// scores there are −Inf before the softmax, PyTorch's
	// torch.ones(L, S).tril() mask (aligned at the top left when L ≠ S).
	Causal
)

// String returns "NonCausal" or "Causal".
func (c Causality) String() string {
	switch c {
	case NonCausal:
		return "NonCausal"
	case Causal:
		return "Causal"
	}
	return fmt.Sprintf("Causality(%d)", uint8(c))
}

// ScaledDotProductAttention returns softmax(q·kᵀ/√E + mask)·v, the
// attention of queries q (…, L, E) over keys k (…, S, E) and values v
// (…, S, Ev): a result of shape (…, L, Ev), each row a convex combination
// of the rows of v weighted by how well its query matches each key.
//
//	A = q·kᵀ / √E + mask       (…, L, S)
//	A[…, t, u] = −Inf for u > t   when causal is Causal
//	y = softmax(A, −1)·v        (…, L, Ev)
//
// The batch axes (…) of q, k and v broadcast against each other (NumPy's
// rules, as in MatMul); mask is an additive float mask broadcastable to
// (…, L, S), typically 0 where attention is allowed and −Inf where it is
// not, or the zero Var for none. Both masks may be given; they add up.
// q is scaled before the product (L·E multiplications rather than L·S),
// as PyTorch 1.13's MultiheadAttention does.
//
// This is torch.nn.functional.scaled_dot_product_attention, which appeared
// in PyTorch 2.0 (after the 1.13 this package follows elsewhere), with
// dropout_p = 0: apply dropout to the weights with a MultiheadAttention's
// Dropout field instead. Boolean masks are not taken: turn one into an
// additive mask (0 where true, −Inf where false). A row whose every score is
// masked gives NaN, as in PyTorch. It is composed of MatMulT, Softmax (or
// CausalSoftmax, which applies the causal mask without adding it), Add and
// Scale, so it is differentiable to any order.
//
// It panics with ErrArg if q, k or v is the zero Var or causal is not a
// known Causality, and with tensor.ErrShape if an operand has rank below
// 2, E or S differ between the operands, the batch axes do not broadcast or
// mask does not broadcast to (…, L, S).
func ScaledDotProductAttention(tp *autograd.Tape, q, k, v, mask autograd.Var, causal Causality) autograd.Var {
	const op = "nn.ScaledDotProductAttention"
	checkAttention(op, q, k, v, mask, causal)
	return attend(tp, q, k, v, mask, causal, nil)
}

// checkAttention checks the operands of scaled dot-product attention.
func checkAttention(op string, q, k, v, mask autograd.Var, causal Causality) {
	checkVar(op, "query", q)
	checkVar(op, "key", k)
	checkVar(op, "value", v)
	if causal > Causal {
		argPanic(op, "unknown causality %v", causal)
	}
	qs, ks, vs := q.Shape(), k.Shape(), v.Shape()
	if len(qs) < 2 || len(ks) < 2 || len(vs) < 2 {
		shapePanic(op, "query, key and value must have rank ≥ 2 (…, L, E), (…, S, E), (…, S, Ev)", qs, ks, vs)
	}
	rq, rk, rv := len(qs), len(ks), len(vs)
	if qs[rq-1] != ks[rk-1] {
		shapePanic(op, "query and key must have the same embedding size E (last axis)", qs, ks)
	}
	if ks[rk-2] != vs[rv-2] {
		shapePanic(op, "key and value must have the same length S (second-to-last axis)", ks, vs)
	}
	batch, ok := tensor.BroadcastShapes(qs[:rq-2], ks[:rk-2])
	if ok {
		batch, ok = tensor.BroadcastShapes(batch, vs[:rv-2])
	}
	if !ok {
		shapePanic(op, "the batch axes of query, key and value do not broadcast", qs, ks, vs)
	}
	if mask.Valid() {
		scores := append(append([]int(nil), batch...), qs[rq-2], ks[rk-2])
		if !tensor.CanBroadcastTo(mask.Shape(), scores) {
			shapePanic(op, "mask must broadcast to the scores (…, L, S)", mask.Shape(), scores)
		}
	}
}

// attend computes scaled dot-product attention (see
// ScaledDotProductAttention), with dropout drop applied to the attention
// weights when drop is not nil.
func attend(tp *autograd.Tape, q, k, v, mask autograd.Var, causal Causality, drop *Dropout) autograd.Var {
	qs := q.Shape()
	e := qs[len(qs)-1]
	q = tp.Scale(q, 1/math.Sqrt(float64(e)))
	a := tp.MatMulT(q, k, tensor.NoTrans, tensor.Trans) // (…, L, S)
	if mask.Valid() {
		a = tp.Add(a, mask)
	}
	var w autograd.Var
	if causal == Causal {
		w = tp.CausalSoftmax(a) // Softmax(a + M, −1), M the causal mask, in one op
	} else {
		w = tp.Softmax(a, -1)
	}
	if drop != nil {
		w = drop.Forward(tp, w)
	}
	return tp.MatMulT(w, v, tensor.NoTrans, tensor.NoTrans)
}

// MultiheadAttention is PyTorch's nn.MultiheadAttention with
// batch_first=True: num_heads heads of head_dim = embed_dim/num_heads
// columns each attend in parallel, and their results are concatenated and
// projected:
//
//	[Q K V] = [query·W_qᵀ + b_q, key·W_kᵀ + b_k, value·W_vᵀ + b_v]
//	headᵢ = ScaledDotProductAttention(Qᵢ, Kᵢ, Vᵢ)   (columns i·D … (i+1)·D − 1)
//	y = [head₀ … head_{H−1}]·W_o + b_o
//
// for query (N, L, E), key (N, S, E) and value (N, S, E), giving y
// (N, L, E). Its parameters have PyTorch's names and layouts:
// in_proj_weight (3E, E) holds W_q, W_k and W_v stacked in PyTorch's
// (out, in) layout (multiplied with MatMulT, no transposed copy) and
// in_proj_bias (3E) holds b_q, b_k and b_v; out_proj is a Linear, so its
// weight out_proj.weight is stored (E, E) in Linear's (in, out) layout,
// which checkpoint.Torch() transposes to and from PyTorch's: a PyTorch
// state dict of nn.MultiheadAttention(E, H, batch_first=True) loads as it
// is.
//
// Where it differs from PyTorch: batch_first=True only (inputs (N, L, E));
// key and value have the query's embedding size (kdim = vdim = embed_dim,
// PyTorch's default); attention masks are additive float masks (boolean
// masks and key_padding_mask are not taken: add −Inf where a key is
// padding); no add_bias_kv or add_zero_attn; the attention weights are not
// returned (need_weights=False). PyTorch's forward(query, key, value,
// attn_mask) is Attend; Forward(tp, x) is self-attention without a mask,
// which makes the layer a Module (found by Walk, Summary, SetTraining and
// checkpoints inside a bigger model).
type MultiheadAttention struct {
	InProjWeight autograd.Var // (3E, E): W_q, W_k, W_v stacked, PyTorch's layout
	InProjBias   autograd.Var // (3E), or the zero Var without bias
	OutProj      *Linear      // E → E; weight (E, E) in Linear's (in, out) layout
	// Dropout, if not nil, drops attention weights while training
	// (PyTorch's dropout argument); NewMultiheadAttention leaves it nil.
	Dropout *Dropout
	// NumHeads is the number of heads H; it divides the embedding size.
	NumHeads int `nn:"-"`
}

// NewMultiheadAttention returns PyTorch's nn.MultiheadAttention(embed,
// heads, batch_first=True), initialised as PyTorch does: in_proj_weight
// from xavier_uniform_ (fans E and 3E, the fans PyTorch computes for a
// (3E, E) tensor), out_proj.weight as a Linear's kaiming_uniform_(a=√5),
// that is U(−1/√E, 1/√E), and zero biases. For PyTorch's bias=False set
// InProjBias and OutProj.B to the zero Var.
// It panics with ErrArg if rng is nil, embed or heads is not positive or
// heads does not divide embed.
func NewMultiheadAttention(rng *rand.Rand, embed, heads int) *MultiheadAttention {
	const op = "nn.NewMultiheadAttention"
	checkRNG(op, rng)
	checkFan(op, embed)
	checkFan(op, heads)
	if embed%heads != 0 {
		argPanic(op, "embed_dim %d is not divisible by num_heads %d", embed, heads)
	}
	a := math.Sqrt(6 / float64(4*embed)) // xavier_uniform_ on (3E, E): fan_in E, fan_out 3E
	r := 1 / math.Sqrt(float64(embed))
	m := &MultiheadAttention{
		InProjWeight: autograd.NewNamedParam("in_proj_weight", tensor.RandU(rng, -a, a, 3*embed, embed)),
		InProjBias:   autograd.NewNamedParam("in_proj_bias", tensor.Zeros(3*embed)),
		OutProj:      NewLinear(rng, embed, embed, Uniform(-r, r)),
		NumHeads:     heads,
	}
	NameParams(m)
	return m
}

// Forward returns the self-attention of x (N, L, E) without mask:
// Attend(tp, x, x, x, autograd.Var{}, NonCausal), so that the layer is a
// Module. It panics as Attend does.
func (m *MultiheadAttention) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	return m.Attend(tp, x, x, x, autograd.Var{}, NonCausal)
}

// Attend returns the attention of query (N, L, E) over key (N, S, E) and
// value (N, S, E), shape (N, L, E): PyTorch's forward(query, key, value,
// attn_mask=mask, need_weights=False) with batch_first=True, plus the
// causal option of PyTorch 2.0's is_causal. mask is the zero Var or an
// additive float mask of shape (L, S) or (N·H, L, S), as in PyTorch; with
// causal Causal the positions u > t are masked too.
// It panics with ErrArg if the layer was not made by its constructor
// (zero weights or NumHeads) or an input is the zero Var, and with
// tensor.ErrShape if the inputs do not have these shapes.
func (m *MultiheadAttention) Attend(tp *autograd.Tape, query, key, value, mask autograd.Var, causal Causality) autograd.Var {
	const op = "nn.MultiheadAttention.Forward"
	e, h := m.check(op)
	checkVar(op, "query", query)
	checkVar(op, "key", key)
	checkVar(op, "value", value)
	if causal > Causal {
		argPanic(op, "unknown causality %v", causal)
	}
	qs, ks, vs := query.Shape(), key.Shape(), value.Shape()
	if len(qs) != 3 || qs[2] != e || len(ks) != 3 || ks[2] != e || !slices.Equal(ks, vs) || ks[0] != qs[0] {
		shapePanic(op, fmt.Sprintf("query, key and value must have shapes (N, L, %d), (N, S, %d), (N, S, %d) (batch_first)", e, e, e), qs, ks, vs)
	}
	n, l, s := qs[0], qs[1], ks[1]
	mask = m.prepMask(tp, op, mask, n, h, l, s)
	fq := tp.Reshape(query, n*l, e)
	fk, fv := fq, fq
	if !key.Same(query) {
		fk = tp.Reshape(key, n*s, e)
	}
	if value.Same(key) {
		fv = fk
	} else if !value.Same(query) {
		fv = tp.Reshape(value, n*s, e)
	}
	return tp.Reshape(m.attendFlat(tp, fq, fk, fv, mask, causal, n, l, s, e, h), n, l, e)
}

// prepMask checks an attention mask against L and S and returns it ready to
// add to the (N, H, L, S) scores: (L, S) as it is, (N·H, L, S) reshaped to
// (N, H, L, S).
func (m *MultiheadAttention) prepMask(tp *autograd.Tape, op string, mask autograd.Var, n, h, l, s int) autograd.Var {
	if !mask.Valid() {
		return mask
	}
	ms := mask.Shape()
	switch {
	case len(ms) == 2 && ms[0] == l && ms[1] == s:
		return mask
	case len(ms) == 3 && ms[0] == n*h && ms[1] == l && ms[2] == s:
		return tp.Reshape(mask, n, h, l, s)
	}
	shapePanic(op, fmt.Sprintf("attn_mask must have shape (L, S) = (%d, %d) or (N·H, L, S) = (%d, %d, %d)", l, s, n*h, l, s), ms)
	return mask
}

// attendFlat is Attend on checked operands flattened to 2-d: query
// (N·L, E), key and value (N·S, E), the mask prepared by prepMask; the
// result is (N·L, E). Keeping the rows flat saves the copies of reshaping
// (autograd's Reshape copies) inside a TransformerEncoderLayer.
func (m *MultiheadAttention) attendFlat(tp *autograd.Tape, fq, fk, fv, mask autograd.Var, causal Causality, n, l, s, e, h int) autograd.Var {
	d := e / h
	// Three products with row blocks of in_proj_weight rather than one with
	// all of it: slicing the (3E, E) weight is cheaper than slicing the
	// (N·L, 3E) product, forward and backward.
	q, k, v := m.project(tp, fq, 0, e), m.project(tp, fk, e, 2*e), m.project(tp, fv, 2*e, 3*e)
	heads := func(x autograd.Var, len int) autograd.Var { // (N·len, E) → (N, H, len, D)
		return tp.Transpose(tp.Reshape(x, n, len, h, d), 0, 2, 1, 3)
	}
	y := attend(tp, heads(q, l), heads(k, s), heads(v, s), mask, causal, m.Dropout) // (N, H, L, D)
	y = tp.Reshape(tp.Transpose(y, 0, 2, 1, 3), n*l, e)
	return m.OutProj.Forward(tp, y)
}

// project returns x (N·T, E) times the rows lo…hi−1 of in_proj_weight
// transposed, plus those of in_proj_bias.
func (m *MultiheadAttention) project(tp *autograd.Tape, x autograd.Var, lo, hi int) autograd.Var {
	w, b := m.InProjWeight, m.InProjBias
	if lo != 0 || hi != w.Shape()[0] {
		w = tp.Slice(w, 0, lo, hi)
		if b.Valid() {
			b = tp.Slice(b, 0, lo, hi)
		}
	}
	y := tp.MatMulT(x, w, tensor.NoTrans, tensor.Trans)
	if b.Valid() {
		y = tp.Add(y, b)
	}
	return y
}

// check returns the embedding size and the number of heads, panicking if
// the layer's parameters do not fit together.
func (m *MultiheadAttention) check(op string) (embed, heads int) {
	if !m.InProjWeight.Valid() || m.OutProj == nil || !m.OutProj.W.Valid() {
		argPanic(op, "the layer has no weights (make it with NewMultiheadAttention)")
	}
	ws := m.InProjWeight.Shape()
	if len(ws) != 2 || ws[0] != 3*ws[1] {
		shapePanic(op, "in_proj_weight must have shape (3E, E)", ws)
	}
	embed, heads = ws[1], m.NumHeads
	if heads <= 0 || embed%heads != 0 {
		argPanic(op, "num_heads %d does not divide embed_dim %d", heads, embed)
	}
	if b := m.InProjBias; b.Valid() && (len(b.Shape()) != 1 || b.Shape()[0] != 3*embed) {
		shapePanic(op, "in_proj_bias must have shape (3E)", ws, b.Shape())
	}
	if os := m.OutProj.W.Shape(); len(os) != 2 || os[0] != embed || os[1] != embed {
		shapePanic(op, "out_proj.weight must have shape (E, E)", ws, os)
	}
	return embed, heads
}

// NamedParams returns in_proj_weight, in_proj_bias, out_proj.weight and
// out_proj.bias (PyTorch's state_dict order), without the biases the layer
// lacks.
func (m *MultiheadAttention) NamedParams() []NamedParam { return FieldParams(m) }

// String prints the layer's sizes, PyTorch-style.
func (m *MultiheadAttention) String() string {
	if !m.InProjWeight.Valid() || len(m.InProjWeight.Shape()) != 2 {
		return "MultiheadAttention(no weights)"
	}
	return fmt.Sprintf("MultiheadAttention(embed_dim=%d, num_heads=%d, bias=%t, batch_first=true)",
		m.InProjWeight.Shape()[1], m.NumHeads, m.InProjBias.Valid())
}
