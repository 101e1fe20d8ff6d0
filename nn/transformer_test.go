package nn_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// A pre-norm transformer encoder block; its state dict matches PyTorch's
// TransformerEncoderLayer(norm_first=True, batch_first=True).
func ExampleNewTransformerEncoderLayer() {
	rng := rand.New(rand.NewPCG(1, 2))
	b := nn.NewTransformerEncoderLayer(rng, 16, 4, 64, "gelu")
	x := autograd.Const(tensor.RandN(rng, 2, 10, 16)) // (N, L, E)
	fmt.Println(b.Encode(nil, x, autograd.Var{}, nn.Causal).Shape())
	for _, p := range b.NamedParams() {
		fmt.Println(p.Name, p.Var.Shape())
	}
	// Output:
	// [2 10 16]
	// self_attn.in_proj_weight [48 16]
	// self_attn.in_proj_bias [48]
	// self_attn.out_proj.weight [16 16]
	// self_attn.out_proj.bias [16]
	// linear1.weight [16 64]
	// linear1.bias [64]
	// linear2.weight [64 16]
	// linear2.bias [16]
	// norm1.weight [16]
	// norm1.bias [16]
	// norm2.weight [16]
	// norm2.bias [16]
}

// BenchmarkTransformerEncoderLayer times forward and backward of one
// pre-norm block at W7's sizes (FFN 256, GELU, causal).
func BenchmarkTransformerEncoderLayer(b *testing.B) {
	rng := tapegradtest.NewRNG()
	m := nn.NewTransformerEncoderLayer(rng, 64, 4, 256, "gelu")
	x := tensor.RandN(rng, 16, 64, 64)
	tp := autograd.NewTape()
	b.ReportAllocs()
	for b.Loop() {
		tp.Reset()
		y := m.Encode(tp, tp.Const(x), autograd.Var{}, nn.Causal)
		tp.Backward(tp.Mean(tp.Square(y)))
	}
}

// TestTransformerEncoderLayerDropout checks that the dropout layers act
// while training and that SetTraining(false) reaches them all (including
// the attention's), giving the dropout-free output.
func TestTransformerEncoderLayerDropout(t *testing.T) {
	rng := tapegradtest.NewRNG()
	b := nn.NewTransformerEncoderLayer(rng, 4, 2, 8, "relu")
	x := autograd.Const(tensor.RandU(rng, -1, 1, 2, 3, 4))
	want := b.Forward(nil, x).Value()
	for _, d := range []*nn.Dropout{b.Dropout, b.Dropout1, b.Dropout2, b.SelfAttn.Dropout} {
		d.P = 0.5
	}
	if d := tapegradtest.Diff(want, b.Forward(nil, x).Value()); d == "" {
		t.Error("training with p = 0.5 gave the output without dropout")
	}
	nn.SetTraining(b, false)
	if d := tapegradtest.Diff(want, b.Forward(nil, x).Value()); d != "" {
		t.Errorf("evaluation mode differs from p = 0:\n%s", d)
	}
	if s := nn.Summary(b); !strings.Contains(s, "self_attn") || !strings.Contains(s, "linear1") {
		t.Errorf("Summary lacks the sub-layers:\n%s", s)
	}
}
