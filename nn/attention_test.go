package nn_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/checkpoint"
	"github.com/tapegrad/tapegrad/tensor"
)

// attnTorchTol is the tolerance of the PyTorch round trips: both sides compute
// in float64 with sums of at most a few dozen terms of order 1 in another
// order, so they agree to about 1e-15; 1e-10 is the issue's bound.
var attnTorchTol = cmpopts.EquateApprox(0, 1e-10)

// torchCase loads testdata/PREFIX_NAME_state.safetensors into m with
// checkpoint.Torch() (unless m is nil) and returns the tensors of
// testdata/PREFIX_NAME_io.safetensors, written by make_attention.py or
// make_rnn.py.
func torchCase(t *testing.T, prefix, name string, m nn.Module) map[string]*tensor.Tensor {
	t.Helper()
	base := filepath.Join("testdata", prefix+"_"+name)
	if m != nil {
		if err := checkpoint.Load(base+"_state.safetensors", m, checkpoint.Torch()); err != nil {
			t.Fatal(err)
		}
	}
	f, err := checkpoint.ReadFile(base + "_io.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	return f.Tensors
}

// matchTorch runs f on tape leaves holding io's tensors named ins, and
// compares its outputs with io's tensors named outs and the gradients of
// Σ outᵢ ⊙ rᵢ (rᵢ = io[rs[i]]) with io's "grad_"+name tensors.
func matchTorch(t *testing.T, io map[string]*tensor.Tensor, ins, outs, rs []string, f func(tp *autograd.Tape, in []autograd.Var) []autograd.Var) {
	t.Helper()
	tp := autograd.NewTape()
	xs := make([]autograd.Var, len(ins))
	for i, n := range ins {
		if io[n] == nil {
			t.Fatalf("no tensor %q in the reference file", n)
		}
		xs[i] = tp.Var(io[n])
	}
	ys := f(tp, xs)
	var loss autograd.Var
	for i, y := range ys {
		if d := tapegradtest.Diff(io[outs[i]], y.Value(), attnTorchTol); d != "" {
			t.Errorf("%s (-PyTorch +ours):\n%s", outs[i], d)
		}
		l := tp.Sum(tp.Mul(y, tp.Const(io[rs[i]])))
		if i == 0 {
			loss = l
		} else {
			loss = tp.Add(loss, l)
		}
	}
	gs := tp.Grad(loss, xs...)
	for i, n := range ins {
		want := io["grad_"+n]
		if want == nil {
			continue // a constant, such as a mask
		}
		if d := tapegradtest.Diff(want, gs[i].Value(), attnTorchTol); d != "" {
			t.Errorf("∂/∂%s (-PyTorch +ours):\n%s", n, d)
		}
	}
}

func TestAttentionMatchesTorch(t *testing.T) {
	rng := tapegradtest.NewRNG()
	mhaOut := []string{"out"}
	r := []string{"r"}
	t.Run("mha_self", func(t *testing.T) {
		m := nn.NewMultiheadAttention(rng, 8, 2)
		io := torchCase(t, "attention", "mha_self", m)
		matchTorch(t, io, []string{"x"}, mhaOut, r, func(tp *autograd.Tape, in []autograd.Var) []autograd.Var {
			return []autograd.Var{m.Forward(tp, in[0])}
		})
	})
	t.Run("mha_cross", func(t *testing.T) {
		m := nn.NewMultiheadAttention(rng, 8, 2)
		io := torchCase(t, "attention", "mha_cross", m)
		matchTorch(t, io, []string{"query", "key", "value", "mask"}, mhaOut, r, func(tp *autograd.Tape, in []autograd.Var) []autograd.Var {
			return []autograd.Var{m.Attend(tp, in[0], in[1], in[2], in[3], nn.NonCausal)}
		})
	})
	t.Run("mha_causal", func(t *testing.T) {
		m := nn.NewMultiheadAttention(rng, 6, 3)
		io := torchCase(t, "attention", "mha_causal", m)
		matchTorch(t, io, []string{"x"}, mhaOut, r, func(tp *autograd.Tape, in []autograd.Var) []autograd.Var {
			return []autograd.Var{m.Attend(tp, in[0], in[0], in[0], autograd.Var{}, nn.Causal)}
		})
		// The same mask given as PyTorch 1.13 was given it, additive.
		matchTorch(t, io, []string{"x", "mask"}, mhaOut, r, func(tp *autograd.Tape, in []autograd.Var) []autograd.Var {
			return []autograd.Var{m.Attend(tp, in[0], in[0], in[0], in[1], nn.NonCausal)}
		})
	})
	t.Run("sdpa", func(t *testing.T) {
		io := torchCase(t, "attention", "sdpa", nil)
		matchTorch(t, io, []string{"q", "k", "v", "mask"}, mhaOut, r, func(tp *autograd.Tape, in []autograd.Var) []autograd.Var {
			return []autograd.Var{nn.ScaledDotProductAttention(tp, in[0], in[1], in[2], in[3], nn.Causal)}
		})
	})
	for _, act := range []string{"gelu", "relu"} {
		t.Run("encoder_"+act, func(t *testing.T) {
			m := nn.NewTransformerEncoderLayer(rng, 8, 2, 16, act)
			io := torchCase(t, "attention", "encoder_"+act, m)
			matchTorch(t, io, []string{"x"}, mhaOut, r, func(tp *autograd.Tape, in []autograd.Var) []autograd.Var {
				return []autograd.Var{m.Encode(tp, in[0], autograd.Var{}, nn.Causal)}
			})
		})
	}
}

// TestAttentionSmall checks scaled dot-product attention on cases worked
// by hand: equal keys average the values; a causal mask makes the first
// query see the first value only; a −Inf mask entry removes a key.
func TestAttentionSmall(t *testing.T) {
	q := autograd.Const(tensor.New([]float64{1, 0, 0, 1}, 2, 2))
	k := autograd.Const(tensor.New([]float64{1, 1, 1, 1}, 2, 2))
	v := autograd.Const(tensor.New([]float64{1, 2, 3, 4}, 2, 2))
	ninf := math.Inf(-1)
	tests := []struct {
		name   string
		mask   autograd.Var
		causal nn.Causality
		want   []float64
	}{
		{"equal keys average", autograd.Var{}, nn.NonCausal, []float64{2, 3, 2, 3}},
		{"causal", autograd.Var{}, nn.Causal, []float64{1, 2, 2, 3}},
		{"mask removes key 0", autograd.Const(tensor.New([]float64{ninf, 0}, 2)), nn.NonCausal, []float64{3, 4, 3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nn.ScaledDotProductAttention(nil, q, k, v, tt.mask, tt.causal).Value()
			// exact up to rounding of the softmax of equal scores
			if d := tapegradtest.Diff(tensor.New(tt.want, 2, 2), got, cmpopts.EquateApprox(0, 1e-15)); d != "" {
				t.Error(d)
			}
		})
	}
}

// TestMultiheadAttentionSelfEqualsCross checks that self-attention (one
// Var as query, key and value, flattened once) gives what three equal Vars
// give, and that the names and shapes are PyTorch's.
func TestMultiheadAttentionSelfEqualsCross(t *testing.T) {
	rng := tapegradtest.NewRNG()
	m := nn.NewMultiheadAttention(rng, 6, 2)
	x := tensor.RandU(rng, -1, 1, 2, 3, 6)
	self := m.Forward(nil, autograd.Const(x)).Value()
	cross := m.Attend(nil, autograd.Const(x), autograd.Const(x.Copy()), autograd.Const(x.Copy()), autograd.Var{}, nn.NonCausal).Value()
	// the same products in the same order: equal to rounding
	if d := tapegradtest.Diff(self, cross, cmpopts.EquateApprox(0, 1e-14)); d != "" {
		t.Error(d)
	}
	var got []string
	for _, p := range m.NamedParams() {
		got = append(got, p.Name+" "+fmt.Sprint(p.Var.Shape()))
	}
	want := []string{"in_proj_weight [18 6]", "in_proj_bias [18]", "out_proj.weight [6 6]", "out_proj.bias [6]"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
}

func TestAttentionFloat32(t *testing.T) {
	rng := tapegradtest.NewRNG()
	m := nn.NewTransformerEncoderLayer(rng, 8, 2, 16, "gelu")
	x := tensor.RandU(rng, -1, 1, 2, 5, 8)
	want := m.Encode(nil, autograd.Const(x), autograd.Var{}, nn.Causal).Value()
	nn.To(m, tensor.Float32)
	got := m.Encode(nil, autograd.Const(x.To(tensor.Float32)), autograd.Var{}, nn.Causal).Value()
	if got.DType() != tensor.Float32 {
		t.Fatalf("got %v, want float32", got.DType())
	}
	// float32 rounding (6e-8) grown through two layer norms and ~30-term sums
	if d := tapegradtest.Diff(want, got.To(tensor.Float64), cmpopts.EquateApprox(0, 1e-5)); d != "" {
		t.Error(d)
	}
}

func TestAttentionPanics(t *testing.T) {
	rng := tapegradtest.NewRNG()
	m := nn.NewMultiheadAttention(rng, 4, 2)
	c := func(s ...int) autograd.Var { return autograd.Const(tensor.Zeros(s...)) }
	tests := []struct {
		name string
		f    func()
		want error
	}{
		{"sdpa rank 1", func() { nn.ScaledDotProductAttention(nil, c(3), c(3, 2), c(3, 2), autograd.Var{}, nn.NonCausal) }, tensor.ErrShape},
		{"sdpa E differs", func() { nn.ScaledDotProductAttention(nil, c(2, 3), c(2, 4), c(2, 4), autograd.Var{}, nn.NonCausal) }, tensor.ErrShape},
		{"sdpa S differs", func() { nn.ScaledDotProductAttention(nil, c(2, 3), c(2, 3), c(4, 3), autograd.Var{}, nn.NonCausal) }, tensor.ErrShape},
		{"sdpa batch", func() {
			nn.ScaledDotProductAttention(nil, c(2, 2, 3), c(3, 2, 3), c(2, 3), autograd.Var{}, nn.NonCausal)
		}, tensor.ErrShape},
		{"sdpa mask", func() { nn.ScaledDotProductAttention(nil, c(2, 3), c(4, 3), c(4, 3), c(3, 4), nn.NonCausal) }, tensor.ErrShape},
		{"sdpa causality", func() { nn.ScaledDotProductAttention(nil, c(2, 3), c(4, 3), c(4, 3), autograd.Var{}, 7) }, nn.ErrArg},
		{"mha embed", func() { m.Forward(nil, c(1, 2, 3)) }, tensor.ErrShape},
		{"mha rank", func() { m.Forward(nil, c(2, 4)) }, tensor.ErrShape},
		{"mha mask", func() { m.Attend(nil, c(1, 2, 4), c(1, 3, 4), c(1, 3, 4), c(2, 2), nn.NonCausal) }, tensor.ErrShape},
		{"mha batch", func() { m.Attend(nil, c(1, 2, 4), c(2, 3, 4), c(2, 3, 4), autograd.Var{}, nn.NonCausal) }, tensor.ErrShape},
		{"mha heads", func() { nn.NewMultiheadAttention(rng, 5, 2) }, nn.ErrArg},
		{"encoder activation", func() { nn.NewTransformerEncoderLayer(rng, 4, 2, 8, "tanh") }, nn.ErrArg},
		{"encoder rank", func() { nn.NewTransformerEncoderLayer(rng, 4, 2, 8, "relu").Forward(nil, c(2, 4)) }, tensor.ErrShape},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tapegradtest.Catch(tt.f); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func init() {
	var (
		tp   *autograd.Tape
		zero autograd.Var
		rng  = tapegradtest.NewRNG()
		x    = autograd.Const(tensor.Zeros(1, 2, 4))
	)
	m := func() *nn.MultiheadAttention { return nn.NewMultiheadAttention(rng, 4, 2) }
	enc := func() *nn.TransformerEncoderLayer { return nn.NewTransformerEncoderLayer(rng, 4, 2, 8, "relu") }
	moreNilRows["Causality.String"] = []func(){func() { _ = nn.Causality(9).String() }}
	moreNilRows["ScaledDotProductAttention"] = []func(){
		func() { nn.ScaledDotProductAttention(tp, zero, zero, zero, zero, nn.NonCausal) },
		func() { nn.ScaledDotProductAttention(tp, x, zero, x, zero, nn.Causal) },
		func() { nn.ScaledDotProductAttention(tp, x, x, zero, zero, nn.Causal) },
		func() { nn.ScaledDotProductAttention(autograd.NewTape(), x, x, x, zero, nn.Causal) },
	}
	moreNilRows["NewMultiheadAttention"] = []func(){func() { nn.NewMultiheadAttention(nil, 4, 2) }, func() { nn.NewMultiheadAttention(rng, 0, 0) }}
	moreNilRows["MultiheadAttention.Forward"] = []func(){
		func() { new(nn.MultiheadAttention).Forward(tp, x) },
		func() { m().Forward(tp, zero) },
		func() {
			(&nn.MultiheadAttention{InProjWeight: m().InProjWeight, OutProj: new(nn.Linear)}).Forward(tp, x)
		},
		func() { (&nn.MultiheadAttention{InProjWeight: m().InProjWeight, OutProj: m().OutProj}).Forward(tp, x) }, // NumHeads 0
	}
	moreNilRows["MultiheadAttention.Attend"] = []func(){
		func() { new(nn.MultiheadAttention).Attend(tp, x, x, x, zero, nn.NonCausal) },
		func() { m().Attend(tp, x, zero, x, zero, nn.NonCausal) },
		func() { m().Attend(tp, x, x, zero, zero, nn.Causal) },
	}
	moreNilRows["MultiheadAttention.NamedParams"] = []func(){func() { new(nn.MultiheadAttention).NamedParams() }}
	moreNilRows["MultiheadAttention.String"] = []func(){func() { _ = new(nn.MultiheadAttention).String() }}
	moreNilRows["NewTransformerEncoderLayer"] = []func(){
		func() { nn.NewTransformerEncoderLayer(nil, 4, 2, 8, "relu") },
		func() { nn.NewTransformerEncoderLayer(rng, 0, 0, 0, "") },
	}
	moreNilRows["TransformerEncoderLayer.Forward"] = []func(){
		func() { new(nn.TransformerEncoderLayer).Forward(tp, x) },
		func() { enc().Forward(tp, zero) },
		func() { (&nn.TransformerEncoderLayer{SelfAttn: new(nn.MultiheadAttention)}).Forward(tp, x) },
	}
	moreNilRows["TransformerEncoderLayer.Encode"] = []func(){
		func() { new(nn.TransformerEncoderLayer).Encode(tp, x, zero, nn.Causal) },
		func() { enc().Encode(tp, zero, zero, nn.Causal) },
		func() {
			e := enc()
			e.Dropout, e.Dropout1, e.Dropout2 = nil, nil, nil // no dropout: works
			e.Encode(tp, x, zero, nn.Causal)
		},
	}
	moreNilRows["TransformerEncoderLayer.NamedParams"] = []func(){func() { new(nn.TransformerEncoderLayer).NamedParams() }}
	moreNilRows["TransformerEncoderLayer.String"] = []func(){func() { _ = new(nn.TransformerEncoderLayer).String() }}
}

// Scaled dot-product attention with a causal mask: query t averages the
// values at positions u ≤ t, weighted by softmax(q·kᵀ/√E).
func ExampleScaledDotProductAttention() {
	q := autograd.Const(tensor.Zeros(3, 2)) // equal scores: plain averages
	k := autograd.Const(tensor.Zeros(3, 2))
	v := autograd.Const(tensor.New([]float64{1, 10, 2, 20, 3, 30}, 3, 2))
	y := nn.ScaledDotProductAttention(nil, q, k, v, autograd.Var{}, nn.Causal)
	fmt.Println(y.Value())
	// Output:
	// [[ 1. 10.]
	//  [1.5 15.]
	//  [ 2. 20.]]
}

// A MultiheadAttention holds PyTorch's parameters under PyTorch's names;
// Attend takes query, key and value (batch_first) and an optional mask.
func ExampleNewMultiheadAttention() {
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.NewMultiheadAttention(rng, 8, 2)
	fmt.Println(m)
	for _, p := range m.NamedParams() {
		fmt.Println(p.Name, p.Var.Shape())
	}
	x := autograd.Const(tensor.RandN(rng, 4, 5, 8)) // (N, L, E)
	y := m.Attend(nil, x, x, x, autograd.Var{}, nn.Causal)
	fmt.Println(y.Shape())
	// Output:
	// MultiheadAttention(embed_dim=8, num_heads=2, bias=true, batch_first=true)
	// in_proj_weight [24 8]
	// in_proj_bias [24]
	// out_proj.weight [8 8]
	// out_proj.bias [8]
	// [4 5 8]
}

// BenchmarkMultiheadAttention times a training step's forward and backward
// pass of causal self-attention at W7's sizes (batch 16, length 64,
// embedding 64, 4 heads) on a reused tape.
func BenchmarkMultiheadAttention(b *testing.B) {
	rng := tapegradtest.NewRNG()
	m := nn.NewMultiheadAttention(rng, 64, 4)
	x := tensor.RandN(rng, 16, 64, 64)
	tp := autograd.NewTape()
	b.ReportAllocs()
	for b.Loop() {
		tp.Reset()
		y := m.Attend(tp, tp.Const(x), tp.Const(x), tp.Const(x), autograd.Var{}, nn.Causal)
		tp.Backward(tp.Mean(tp.Square(y)))
	}
}

// TestMultiheadAttentionMasks checks that a (N·H, L, S) mask repeating one
// (L, S) mask for every batch element and head gives the (L, S) mask's
// result, and that the causal option equals its additive mask.
func TestMultiheadAttentionMasks(t *testing.T) {
	rng := tapegradtest.NewRNG()
	const n, h, l, e = 2, 2, 3, 4
	m := nn.NewMultiheadAttention(rng, e, h)
	x := autograd.Const(tensor.RandU(rng, -1, 1, n, l, e))
	mask := tensor.RandU(rng, -1, 1, l, l)
	ninf := math.Inf(-1)
	causal := tensor.New([]float64{0, ninf, ninf, 0, 0, ninf, 0, 0, 0}, l, l)
	rep := tensor.Zeros(n*h, l, l)
	for i := range n * h {
		for j := range l * l {
			rep.Data()[i*l*l+j] = mask.Data()[j]
		}
	}
	// the same sums in the same order: equal to rounding
	tol := cmpopts.EquateApprox(0, 1e-15)
	want := m.Attend(nil, x, x, x, autograd.Const(mask), nn.NonCausal).Value()
	got := m.Attend(nil, x, x, x, autograd.Const(rep), nn.NonCausal).Value()
	if d := tapegradtest.Diff(want, got, tol); d != "" {
		t.Errorf("(N·H, L, S) mask:\n%s", d)
	}
	want = m.Attend(nil, x, x, x, autograd.Const(causal), nn.NonCausal).Value()
	got = m.Attend(nil, x, x, x, autograd.Var{}, nn.Causal).Value()
	if d := tapegradtest.Diff(want, got, tol); d != "" {
		t.Errorf("causal:\n%s", d)
	}
}
