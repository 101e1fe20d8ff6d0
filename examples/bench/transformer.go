package main

import (
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// W7 (transformer-step): a 2-layer pre-norm Transformer language model
// built from nn's layers (Embedding, TransformerEncoderLayer with its
// MultiheadAttention, LayerNorm and Linear) with WORKLOADS.md's weights.

// W7's sizes.
const (
	tfVocab, tfDim, tfHeads, tfFF, tfLayers, tfSeq, tfBatch = 64, 64, 4, 256, 2, 64, 16
)

// tfNet is W7's model. Its Forward ignores its input Var and looks up the
// token ids it holds (the ids are integers, not a differentiable input).
type tfNet struct {
	Tok, Pos *nn.Embedding
	Blocks   []*nn.TransformerEncoderLayer
	LnF      *nn.LayerNorm
	Out      *nn.Linear
	ids, pos []int // token ids (batch·seq) and positions 0…seq−1
}

// Forward returns the (batch·seq, vocab) logits.
func (m *tfNet) Forward(tp *autograd.Tape, _ autograd.Var) autograd.Var {
	x := tp.Add(m.Tok.Lookup(tp, m.ids, tfBatch, tfSeq), m.Pos.Lookup(tp, m.pos))
	for _, b := range m.Blocks {
		x = b.Encode(tp, x, autograd.Var{}, nn.Causal)
	}
	x = tp.Reshape(m.LnF.Forward(tp, x), tfBatch*tfSeq, tfDim)
	return m.Out.Forward(tp, x)
}

func (m *tfNet) NamedParams() []nn.NamedParam { return nn.FieldParams(m) }

// tfBlock builds layer l of W7 from seeds s = 60 + 20·l, float64.
func tfBlock(l int) *nn.TransformerEncoderLayer {
	s := uint64(60 + 20*l)
	// in_proj_weight (3E, E) = [q.wᵀ; k.wᵀ; v.wᵀ]; in_proj_bias = [q.b; k.b; v.b].
	w := tensor.Zeros(3*tfDim, tfDim)
	b := tensor.Zeros(3 * tfDim)
	for j := range 3 {
		wj := uniformSym(tensor.Float64, s+uint64(2*j), tfDim, tfDim, tfDim)
		bj := uniformSym(tensor.Float64, s+uint64(2*j+1), tfDim, tfDim)
		for r := range tfDim {
			for c := range tfDim {
				w.Set(wj.At(c, r), j*tfDim+r, c)
			}
			b.Set(bj.At(r), j*tfDim+r)
		}
	}
	return &nn.TransformerEncoderLayer{
		SelfAttn: &nn.MultiheadAttention{
			InProjWeight: autograd.NewNamedParam("in_proj_weight", w),
			InProjBias:   autograd.NewNamedParam("in_proj_bias", b),
			OutProj:      linear(tensor.Float64, s+6, s+7, tfDim, tfDim),
			NumHeads:     tfHeads,
		},
		Linear1:    linear(tensor.Float64, s+8, s+9, tfDim, tfFF),
		Linear2:    linear(tensor.Float64, s+10, s+11, tfFF, tfDim),
		Norm1:      nn.NewLayerNorm(nn.NormDefaults(), tfDim),
		Norm2:      nn.NewLayerNorm(nn.NormDefaults(), tfDim),
		Activation: nn.GELU(),
	}
}

// transformerLM is W7: the model, its data, mean cross-entropy over the
// 1024 positions and Adam (PyTorch's defaults), in element type dt.
func transformerLM(dt tensor.DType) *trainer {
	s := gen(51, tfBatch*(tfSeq+1))
	ids := make([]int, tfBatch*tfSeq)
	targets := make([]int, tfBatch*tfSeq)
	for b := range tfBatch {
		for t := range tfSeq {
			ids[b*tfSeq+t] = int(math.Floor(s[b*(tfSeq+1)+t] * tfVocab))
			targets[b*tfSeq+t] = int(math.Floor(s[b*(tfSeq+1)+t+1] * tfVocab))
		}
	}
	pos := make([]int, tfSeq)
	for t := range pos {
		pos[t] = t
	}
	emb := func(seed uint64) *nn.Embedding {
		return &nn.Embedding{NumEmbeddings: tfVocab, EmbeddingDim: tfDim,
			Weight: autograd.NewNamedParam("weight", uniformSym(tensor.Float64, seed, 1, tfVocab, tfDim))}
	}
	m := &tfNet{Tok: emb(52), Pos: emb(53), LnF: nn.NewLayerNorm(nn.NormDefaults(), tfDim),
		Out: linear(tensor.Float64, 100, 101, tfDim, tfVocab), ids: ids, pos: pos}
	for l := range tfLayers {
		m.Blocks = append(m.Blocks, tfBlock(l))
	}
	nn.To(m, dt)
	return &trainer{
		tp: autograd.NewTape(), model: m,
		opt:  optim.NewAdam(nn.Params(m), optim.AdamDefaults()),
		cost: func(tp *autograd.Tape, out autograd.Var) autograd.Var { return nn.CrossEntropy(tp, out, targets) },
		x:    dt.Zeros(1),
	}
}
