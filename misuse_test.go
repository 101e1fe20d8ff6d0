package tapegrad_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/checkpoint"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// tape returns a fresh tape and constants of the given shapes (zeros).
func tape(shapes ...[]int) (*autograd.Tape, []autograd.Var) {
	tp := autograd.NewTape()
	vs := make([]autograd.Var, len(shapes))
	for i, s := range shapes {
		vs[i] = tp.Const(tensor.Zeros(s...))
	}
	return tp, vs
}

func mlp() *nn.Sequential {
	return nn.NewMLP(rand.New(rand.NewPCG(1, 2)), []int{4, 8, 3}, nn.ReLU(), nil)
}

// stFile returns a safetensors file with the given JSON header and data.
func stFile(hdr string, data []byte) []byte {
	return append(append(binary.LittleEndian.AppendUint64(nil, uint64(len(hdr))), hdr...), data...)
}

// loadBytes writes b to a temporary file and loads it into a fresh MLP,
// checking that the failed load left the model's weights untouched.
func loadBytes(t *testing.T, b []byte, opts ...checkpoint.Option) error {
	p := filepath.Join(t.TempDir(), "f.safetensors")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	m := mlp()
	before := fmt.Sprint(nn.Params(m)[0].Value().Data())
	err := checkpoint.Load(p, m, opts...)
	if after := fmt.Sprint(nn.Params(m)[0].Value().Data()); err != nil && after != before {
		t.Errorf("a failed load changed layers.0.weight")
	}
	return err
}

// TestMisuse feeds every package bad shapes, bad data and bad settings. Each
// row must give an error (returned, or a panic turned into one) wrapping the
// row's sentinel, whose message names the op and the shapes or values
// involved (the want pieces); none may return a wrong number silently.
// Panics of the tape and tensor sentinels go through autograd.Maybe, the
// others (nn.ErrArg, optim.ErrConfig, data.ErrArgument) through
// tapegradtest.Catch.
func TestMisuse(t *testing.T) {
	maybe := autograd.Maybe
	tests := []struct {
		name string
		run  func(t *testing.T) error
		is   error
		want []string
	}{
		// Shape mismatches in every op family.
		{"elementwise add", func(*testing.T) error {
			tp, v := tape([]int{2, 3}, []int{4})
			return maybe(func() { tp.Add(v[0], v[1]) })
		}, tensor.ErrShape, []string{"add", "[2 3]", "[4]"}},
		{"elementwise mul", func(*testing.T) error {
			tp, v := tape([]int{3, 2}, []int{3})
			return maybe(func() { tp.Mul(v[0], v[1]) })
		}, tensor.ErrShape, []string{"mul", "[3 2]", "[3]"}},
		{"where", func(*testing.T) error {
			tp, v := tape([]int{2}, []int{3}, []int{2})
			return maybe(func() { tp.Where(v[0], v[1], v[2]) })
		}, tensor.ErrShape, []string{"[2]", "[3]"}},
		{"matmul inner sizes", func(*testing.T) error {
			tp, v := tape([]int{2, 3}, []int{4, 5})
			return maybe(func() { tp.MatMul(v[0], v[1]) })
		}, tensor.ErrShape, []string{"MatMul", "[2 3]", "[4 5]"}},
		{"matmul of a vector, inner sizes", func(*testing.T) error {
			tp, v := tape([]int{4}, []int{3, 2})
			return maybe(func() { tp.MatMul(v[0], v[1]) })
		}, tensor.ErrShape, []string{"MatMul", "[4]", "[3 2]", "4 vs 3"}},
		{"matmul of a 0-d", func(*testing.T) error {
			tp, v := tape([]int{}, []int{3})
			return maybe(func() { tp.MatMul(v[0], v[1]) })
		}, tensor.ErrShape, []string{"MatMul", "[]", "[3]", "rank"}},
		{"matmulT of a vector", func(*testing.T) error {
			tp, v := tape([]int{3}, []int{3, 2})
			return maybe(func() { tp.MatMulT(v[0], v[1], tensor.NoTrans, tensor.NoTrans) })
		}, tensor.ErrShape, []string{"MatMulT", "[3]", "use MatMul"}},
		{"reduce axis out of range", func(*testing.T) error {
			tp, v := tape([]int{2, 3})
			return maybe(func() { tp.Sum(v[0], 2) })
		}, tensor.ErrShape, []string{"sum", "axis 2", "[2 3]"}},
		{"reshape element count", func(*testing.T) error {
			tp, v := tape([]int{2, 3})
			return maybe(func() { tp.Reshape(v[0], 4, 2) })
		}, tensor.ErrShape, []string{"reshape", "[2 3]", "[4 2]"}},
		{"transpose bad permutation", func(*testing.T) error {
			tp, v := tape([]int{2, 3})
			return maybe(func() { tp.Transpose(v[0], 0, 0) })
		}, tensor.ErrShape, []string{"Transpose", "[2 3]"}},
		{"slice out of range", func(*testing.T) error {
			tp, v := tape([]int{2, 3})
			return maybe(func() { tp.Slice(v[0], 1, 2, 7) })
		}, tensor.ErrShape, []string{"Slice", "[2 3]"}},
		{"concat mismatched", func(*testing.T) error {
			tp, v := tape([]int{2, 3}, []int{2, 4})
			return maybe(func() { tp.Concat(0, v[0], v[1]) })
		}, tensor.ErrShape, []string{"Concat", "[2 3]", "[2 4]"}},
		{"gather index out of range", func(*testing.T) error {
			tp, v := tape([]int{2, 3})
			return maybe(func() { tp.Gather(v[0], 1, []int{0, 3}) })
		}, tensor.ErrIndex, []string{"Gather", "[2 3]"}},
		{"softmax axis out of range", func(*testing.T) error {
			tp, v := tape([]int{2, 3})
			return maybe(func() { tp.Softmax(v[0], 2) })
		}, tensor.ErrShape, []string{"[2 3]"}},
		{"causal softmax of a vector", func(*testing.T) error {
			tp, v := tape([]int{3})
			return maybe(func() { tp.CausalSoftmax(v[0]) })
		}, tensor.ErrShape, []string{"CausalSoftmax", "[3]"}},
		{"negative size", func(*testing.T) error {
			return maybe(func() { tensor.Zeros(2, -1) })
		}, tensor.ErrShape, []string{"Zeros", "-1"}},
		{"data and shape disagree", func(*testing.T) error {
			return maybe(func() { tensor.New([]float64{1, 2, 3}, 2, 2) })
		}, tensor.ErrShape, []string{"New", "[2 2]"}},
		// Layers.
		{"linear wrong width", func(*testing.T) error {
			tp, v := tape([]int{5, 3})
			return maybe(func() { mlp().Forward(tp, v[0]) })
		}, tensor.ErrShape, []string{"nn.Linear", "[5 3]", "[4 8]"}},
		{"linear of a scalar", func(*testing.T) error { // (…, in) takes any leading axes, but needs the last
			tp, v := tape([]int{})
			return maybe(func() { mlp().Forward(tp, v[0]) })
		}, tensor.ErrShape, []string{"nn.Linear", "[4 8]", "(…, 4)"}},
		{"layer of negative size", func(*testing.T) error {
			return tapegradtest.Catch(func() { nn.NewLinear(rand.New(rand.NewPCG(1, 1)), -3, 2, nil) })
		}, nn.ErrArg, []string{"nn.NewLinear", "-3"}},
		{"mlp of one width", func(*testing.T) error {
			return tapegradtest.Catch(func() { nn.NewMLP(rand.New(rand.NewPCG(1, 1)), []int{3}, nil, nil) })
		}, nn.ErrArg, []string{"nn.NewMLP", "[3]"}},
		{"dropout probability", func(*testing.T) error {
			return tapegradtest.Catch(func() { nn.NewDropout(rand.New(rand.NewPCG(1, 1)), 1.5) })
		}, nn.ErrArg, []string{"nn.NewDropout", "1.5"}},
		// Costs.
		{"label out of range", func(*testing.T) error {
			tp, v := tape([]int{2, 3})
			return maybe(func() { nn.CrossEntropy(tp, v[0], []int{0, 3}) })
		}, tensor.ErrIndex, []string{"CrossEntropy", "3"}},
		{"negative label", func(*testing.T) error {
			tp, v := tape([]int{2, 3})
			return maybe(func() { nn.CrossEntropy(tp, v[0], []int{-1, 0}) })
		}, tensor.ErrIndex, []string{"CrossEntropy", "-1"}},
		{"labels and logits of different batch", func(*testing.T) error {
			tp, v := tape([]int{2, 3})
			return maybe(func() { nn.CrossEntropy(tp, v[0], []int{0, 1, 2}) })
		}, tensor.ErrShape, []string{"CrossEntropy", "[2 3]"}},
		{"output (n,1) against target (n)", func(*testing.T) error {
			tp, v := tape([]int{4, 1}, []int{4})
			return maybe(func() { nn.Quadratic(tp, v[0], v[1]) })
		}, tensor.ErrShape, []string{"Quadratic", "[4 1]", "[4]"}},
		{"empty batch", func(*testing.T) error {
			tp, v := tape([]int{0, 3})
			return maybe(func() { nn.CrossEntropy(tp, v[0], []int{}) })
		}, tensor.ErrShape, []string{"CrossEntropy", "[0 3]"}},
		// Anomaly mode flags the first op that turns finite values into a
		// NaN or Inf; a NaN already in the input propagates to the cost
		// (visibly NaN) and the loaders refuse it (see "csv NaN").
		{"overflowing data (anomaly mode)", func(*testing.T) error {
			tp := autograd.NewTape()
			tp.SetAnomaly(true)
			x := tensor.Full(1e308, 2, 4)
			return maybe(func() { mlp().Forward(tp, tp.Const(x)) })
		}, autograd.ErrAnomaly, []string{"matmul", "forward", "[2 8]"}},
		{"NaN in data reaches the cost as NaN", func(*testing.T) error {
			tp := autograd.NewTape()
			x := tensor.New([]float64{1, math.NaN(), 0, 0, 0, 0, 0, 0}, 2, 4)
			model := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), []int{4, 8, 3}, nn.Tanh(), nil)
			c := nn.CrossEntropy(tp, model.Forward(tp, tp.Const(x)), []int{0, 1})
			if !math.IsNaN(c.Item()) {
				return fmt.Errorf("cost %v is a number", c.Item())
			}
			return fmt.Errorf("%w: cost is NaN", autograd.ErrAnomaly)
		}, autograd.ErrAnomaly, []string{"NaN"}},
		// Tape misuse.
		{"backward of a non-scalar", func(*testing.T) error {
			tp := autograd.NewTape()
			y := mlp().Forward(tp, tp.Const(tensor.Zeros(2, 4)))
			return maybe(func() { tp.Backward(y) })
		}, tensor.ErrShape, []string{"Backward", "[2 3]", "BackwardWith"}},
		{"var of a reset tape", func(*testing.T) error {
			tp, v := tape([]int{2})
			tp.Reset()
			return maybe(func() { tp.Exp(v[0]) })
		}, autograd.ErrTape, []string{"Reset"}},
		{"vars of two tapes", func(*testing.T) error {
			tp, v := tape([]int{2})
			_, w := tape([]int{2})
			return maybe(func() { tp.Add(v[0], w[0]) })
		}, autograd.ErrTape, []string{"another tape"}},
		{"zero Var", func(*testing.T) error {
			tp := autograd.NewTape()
			return maybe(func() { tp.Exp(autograd.Var{}) })
		}, autograd.ErrTape, []string{"zero Var"}},
		// Bad safetensors files.
		{"safetensors truncated", func(t *testing.T) error {
			var b bytes.Buffer
			checkpoint.Write(&b, mlp())
			return loadBytes(t, b.Bytes()[:b.Len()-5])
		}, checkpoint.ErrFormat, []string{"run past the data buffer", "truncated"}},
		{"safetensors huge header length", func(t *testing.T) error {
			return loadBytes(t, binary.LittleEndian.AppendUint64(nil, math.MaxUint64))
		}, checkpoint.ErrFormat, []string{"header length 18446744073709551615"}},
		{"safetensors lying sizes", func(t *testing.T) error {
			return loadBytes(t, stFile(`{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}`, make([]byte, 8)))
		}, checkpoint.ErrFormat, []string{`"w"`, "F32 [4] needs 16"}},
		{"safetensors wrong shapes", func(t *testing.T) error {
			var b bytes.Buffer
			checkpoint.Write(&b, nn.NewMLP(rand.New(rand.NewPCG(1, 2)), []int{4, 9, 3}, nn.ReLU(), nil))
			return loadBytes(t, b.Bytes())
		}, checkpoint.ErrMismatch, []string{`"layers.0.weight" has shape [4 9]`, "needs [4 8]"}},
		{"safetensors wrong names", func(t *testing.T) error {
			var b bytes.Buffer
			checkpoint.WriteTensors(&b, map[string]*tensor.Tensor{"fc1.weight": tensor.Zeros(4, 8)}, nil, checkpoint.F64)
			return loadBytes(t, b.Bytes())
		}, checkpoint.ErrMismatch, []string{`lacks "layers.0.weight"`}},
		// Bad optimiser settings.
		{"adam negative LR", func(*testing.T) error {
			return tapegradtest.Catch(func() { optim.NewAdam(nn.Params(mlp()), optim.AdamConfig{LR: -1}) })
		}, optim.ErrConfig, []string{"optim.NewAdam", "LR = -1"}},
		{"adam beta 1", func(*testing.T) error {
			return tapegradtest.Catch(func() { optim.NewAdam(nn.Params(mlp()), optim.AdamConfig{Beta1: 1}) })
		}, optim.ErrConfig, []string{"Beta1 = 1"}},
		{"sgd NaN LR", func(*testing.T) error {
			return tapegradtest.Catch(func() { optim.NewSGD(nn.Params(mlp()), optim.SGDConfig{LR: math.NaN()}) })
		}, optim.ErrConfig, []string{"optim.NewSGD", "LR = NaN"}},
		{"nesterov without momentum", func(*testing.T) error {
			return tapegradtest.Catch(func() { optim.NewSGD(nn.Params(mlp()), optim.SGDConfig{Nesterov: true}) })
		}, optim.ErrConfig, []string{"Nesterov", "Momentum > 0"}},
		{"optimiser of no parameters", func(*testing.T) error {
			return tapegradtest.Catch(func() { optim.NewRMSprop(nil, optim.RMSpropConfig{}) })
		}, optim.ErrConfig, []string{"optim.NewRMSprop", "empty parameter list"}},
		{"optimiser state of another model", func(*testing.T) error {
			a := optim.NewAdam(nn.Params(mlp()), optim.AdamDefaults())
			b := optim.NewAdam(nn.Params(nn.NewMLP(rand.New(rand.NewPCG(1, 2)), []int{4, 3}, nil, nil)), optim.AdamDefaults())
			return b.LoadStateTensors(a.StateTensors())
		}, optim.ErrState, []string{"0.exp_avg", "[4 8]", "[4 3]"}},
		// Bad loader input.
		{"csv ragged row", func(*testing.T) error {
			_, err := data.ParseMatrix(strings.NewReader("1,2,3\n4,5\n"), ',', 0)
			return err
		}, data.ErrFormat, []string{"line 2"}},
		{"csv NaN", func(*testing.T) error {
			_, err := data.ParseMatrix(strings.NewReader("1,NaN\n"), ',', 0)
			return err
		}, data.ErrFormat, []string{"NaN", "not a finite number"}},
		{"idx bad magic", func(*testing.T) error {
			_, err := data.ReadIDXImages(bytes.NewReader([]byte{0, 0, 9, 9, 0, 0, 0, 1}))
			return err
		}, data.ErrFormat, []string{"magic"}},
		{"batch size 0", func(*testing.T) error {
			return tapegradtest.Catch(func() { data.Batches(10, 0, nil) })
		}, data.ErrArgument, []string{"data.Batches", "batch size 0"}},
		{"split fraction", func(*testing.T) error {
			ds := &data.Dataset{X: tensor.Zeros(4, 2), Labels: []int{0, 1, 0, 1}}
			return tapegradtest.Catch(func() { data.TrainTestSplit(ds, 1.5, nil) })
		}, data.ErrArgument, []string{"1.5"}},
	}
	if len(tests) < 30 {
		t.Fatalf("%d cases, the issue asks for at least 30", len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run(t)
			if !errors.Is(err, tc.is) {
				t.Fatalf("got error %v, want one wrapping %v", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

// TestReLUPropagatesNaN: ReLU keeps NaN, as PyTorch's relu does, so a NaN
// in the input of a ReLU network cannot turn into a finite, wrong cost.
func TestReLUPropagatesNaN(t *testing.T) {
	y := autograd.NewTape().ReLU(autograd.Const(tensor.New([]float64{math.NaN()}, 1)))
	if got := y.Value().Data()[0]; !math.IsNaN(got) {
		t.Errorf("ReLU(NaN) = %v, want NaN as in PyTorch", got)
	}
}
