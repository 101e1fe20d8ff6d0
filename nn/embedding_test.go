package nn_test

import (
	"fmt"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

func TestEmbeddingMatchesTorch(t *testing.T) {
	cases := ntLoad(t, "testdata/embedding_torch.json")
	for _, name := range []string{"plain", "padded", "padded_negative"} {
		t.Run(name, func(t *testing.T) {
			c := cases[name]
			w := ntTensorOf(t, c, "weight")
			var pad int
			if err := jsonInt(c["padding_idx"], &pad); err != nil {
				t.Fatal(err)
			}
			rng := tapegradtest.NewRNG()
			e := nn.NewEmbedding(rng, w.Dim(0), w.Dim(1))
			if pad >= 0 {
				e = nn.NewEmbeddingPadded(rng, w.Dim(0), w.Dim(1), pad)
			}
			e.Weight.SetValue(w)
			tp := autograd.NewTape()
			y := e.Forward(tp, tp.Const(ntTensorOf(t, c, "ids"))) // ids as whole floats
			tp.BackwardWith(y, ntTensorOf(t, c, "g"))
			ntCheck(t, c, "y", y.Value())
			ntCheck(t, c, "dweight", e.Weight.Grad())
		})
	}
}

func jsonInt(raw []byte, v *int) error {
	_, err := fmt.Sscan(string(raw), v)
	return err
}

func TestEmbeddingLayer(t *testing.T) {
	rng := tapegradtest.NewRNG()
	e := nn.NewEmbeddingPadded(rng, 5, 3, -2)
	if e.PaddingIdx != 3 || !e.Padded {
		t.Errorf("got padding %v at %d, want row 3 (−2 of 5)", e.Padded, e.PaddingIdx)
	}
	if got, want := e.String(), "Embedding(5, 3, padding_idx=3)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := nn.NewEmbedding(rng, 7, 2).String(), "Embedding(7, 2)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for j := range 3 {
		if v := e.Weight.Value().At(3, j); v != 0 {
			t.Errorf("padding row [3, %d] = %v, want 0", j, v)
		}
	}
	if nps := e.NamedParams(); len(nps) != 1 || nps[0].Name != "weight" || nps[0].Buffer {
		t.Errorf("got NamedParams %v, want one parameter \"weight\"", nps)
	}
	// Lookup with a shape; the padding row gets no gradient, a repeated row
	// gets the sum of its gradients.
	tp := autograd.NewTape()
	y := e.Lookup(tp, []int{3, 1, 1, 0}, 2, 2)
	if got, want := y.Shape(), []int{2, 2, 3}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got shape %v, want %v", got, want)
	}
	tp.Backward(tp.Sum(y))
	want := tensor.New([]float64{1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 5, 3)
	if d := tapegradtest.Diff(want, e.Weight.Grad()); d != "" {
		t.Errorf("gradient (-want +got):\n%s", d)
	}
}

func TestEmbeddingPanics(t *testing.T) {
	rng := tapegradtest.NewRNG()
	e := nn.NewEmbedding(rng, 4, 2)
	tests := []struct {
		name string
		f    func()
		want error
	}{
		{"nil rng", func() { nn.NewEmbedding(nil, 4, 2) }, nn.ErrArg},
		{"zero size", func() { nn.NewEmbedding(rng, 0, 2) }, nn.ErrArg},
		{"padding out of range", func() { nn.NewEmbeddingPadded(rng, 4, 2, 4) }, nn.ErrArg},
		{"id out of range", func() { e.Lookup(nil, []int{4}) }, tensor.ErrIndex},
		{"negative id", func() { e.Lookup(nil, []int{-1}) }, tensor.ErrIndex},
		{"shape of the wrong size", func() { e.Lookup(nil, []int{1, 2, 3}, 2, 2) }, tensor.ErrShape},
		{"fractional id", func() { e.Forward(nil, autograd.Const(tensor.New([]float64{0.5}, 1))) }, tensor.ErrIndex},
		{"zero value", func() { new(nn.Embedding).Lookup(nil, []int{0}) }, nn.ErrArg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tc.f, tc.want) })
	}
}

func init() {
	var tp *autograd.Tape
	var zero autograd.Var
	moreNilRows["NewEmbedding"] = []func(){func() { nn.NewEmbedding(nil, 0, 0) }}
	moreNilRows["NewEmbeddingPadded"] = []func(){func() { nn.NewEmbeddingPadded(nil, 0, 0, 0) }}
	moreNilRows["Embedding.Forward"] = []func(){
		func() { new(nn.Embedding).Forward(tp, zero) },
		func() { new(nn.Embedding).Forward(tp, autograd.Const(tensor.Zeros(1))) },
	}
	moreNilRows["Embedding.Lookup"] = []func(){
		func() { new(nn.Embedding).Lookup(tp, nil) },
		func() { nn.NewEmbedding(tapegradtest.NewRNG(), 1, 1).Lookup(tp, nil) },
	}
	moreNilRows["Embedding.NamedParams"] = []func(){func() { _ = new(nn.Embedding).NamedParams() }}
	moreNilRows["Embedding.String"] = []func(){func() { _ = new(nn.Embedding).String() }}
}

// Look up token ids (2 sequences of 3) in a table of 4 vectors of 2
// numbers; id 0 is padding, a zero row that is never trained.
func ExampleEmbedding() {
	e := nn.NewEmbeddingPadded(tapegradtest.NewRNG(), 4, 2, 0)
	e.Weight.SetValue(tensor.New([]float64{0, 0, 1, 1, 2, 2, 3, 3}, 4, 2))
	tp := autograd.NewTape()
	y := e.Lookup(tp, []int{1, 2, 0, 3, 3, 0}, 2, 3)
	fmt.Println(y.Shape(), y.Value().Data())
	tp.Backward(tp.Sum(y))
	fmt.Println(e.Weight.Grad().Data())
	// Output:
	// [2 3 2] [1 1 2 2 0 0 3 3 3 3 0 0]
	// [0 0 1 1 1 1 2 2]
}
