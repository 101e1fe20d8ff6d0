package autograd_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference data, testdata/torch_ops.json, is written by
// testdata/torch_ops.py with PyTorch in float64 (see its header): for each
// case an op on fixed inputs, its output, and the gradient of sum(out ⊙ w)
// for a fixed w (the VJP with w).

// torchTensor is a tensor as the script writes it; null stands for +Inf
// (JSON has no infinities).
type torchTensor struct {
	Shape []int
	Data  []*float64
}

func (t torchTensor) tensor() *tensor.Tensor {
	data := make([]float64, len(t.Data))
	for i, v := range t.Data {
		data[i] = math.Inf(1)
		if v != nil {
			data[i] = *v
		}
	}
	if len(t.Shape) == 0 { // a 0-d tensor (tensor.New without a shape is 1-d)
		return tensor.Scalar(data[0])
	}
	return tensor.New(data, t.Shape...)
}

type torchCase struct {
	Name, Op   string
	Axes       []int
	Keepdim    bool
	Correction int
	Inputs     []torchTensor
	W          torchTensor
	Out        torchTensor
	Grads      []torchTensor
	// Exact, when present, holds mpmath's values where PyTorch's formula
	// loses accuracy, and why.
	Exact *struct {
		Why   string
		Out   torchTensor
		Grads []torchTensor
	}
}

// apply records the case's op on tp.
func (c torchCase) apply(t *testing.T, tp *autograd.Tape, x []autograd.Var) autograd.Var {
	unary := map[string]func(autograd.Var) autograd.Var{
		"sin": tp.Sin, "cos": tp.Cos, "tan": tp.Tan, "atan": tp.Atan, "asinh": tp.Asinh,
		"log1p": tp.Log1p, "expm1": tp.Expm1, "erf": tp.Erf, "erfc": tp.Erfc, "gelu": tp.GELU,
		"gelu_tanh": tp.GELUTanh, "silu": tp.SiLU, "softsign": tp.Softsign,
	}
	corr := tensor.Correction(c.Correction)
	switch c.Op {
	case "hypot":
		return tp.Hypot(x[0], x[1])
	case "mean":
		if c.Keepdim {
			return tp.MeanKeepDims(x[0], c.Axes...)
		}
		return tp.Mean(x[0], c.Axes...)
	case "variance":
		if c.Keepdim {
			return tp.VarianceKeepDims(x[0], corr, c.Axes...)
		}
		return tp.Variance(x[0], corr, c.Axes...)
	case "std":
		if c.Keepdim {
			return tp.StdKeepDims(x[0], corr, c.Axes...)
		}
		return tp.Std(x[0], corr, c.Axes...)
	case "norm":
		if c.Keepdim {
			return tp.NormKeepDims(x[0], c.Axes...)
		}
		return tp.Norm(x[0], c.Axes...)
	case "frobenius_norm":
		return tp.FrobeniusNorm(x[0])
	case "cumsum":
		return tp.CumSum(x[0], c.Axes[0])
	case "logcumsumexp":
		return tp.LogCumSumExp(x[0], c.Axes[0])
	case "flip":
		// always with explicit axes: with none, Flip flips every axis
		// (NumPy's flip) while torch.flip(x, []) copies
		return tp.Flip(x[0], c.Axes...)
	}
	if f, ok := unary[c.Op]; ok {
		return f(x[0])
	}
	t.Fatalf("case %s: unknown op %q", c.Name, c.Op)
	return autograd.Var{}
}

// torchApprox is the tolerance against PyTorch (or mpmath), relative.
// Both sides evaluate the same mathematics in float64, with different libms
// (Go's math against glibc's and SLEEF's, each within an ulp or two),
// summation orders and formulas, so they differ by a few ulps: at most
// 4e-15 relative in this data, except where PyTorch's formula cancels
// (gelu, gelu_tanh for x < 0: up to 2e-14), in gelu's left tail against
// mpmath (1.2e-13: erfc(z) has relative condition number 2z² ≈ 900 at
// x = −30, which magnifies the rounding of z = −x/√2) and in logcumsumexp's
// gradient at ±1000 against mpmath (8e-14: exp(xᵢ − yⱼ) with y rounded to
// an ulp of 1000). -v prints the largest difference. 1e-12 leaves room for other platforms and still
// catches a slip: changing the sixth digit of GELUTanh's 0.044715 is 3e-8
// away. No absolute margin: exact zeros (a zero norm's gradient, erf′ at
// ±30) must be zeros on both sides.
var torchApprox = cmpopts.EquateApprox(1e-12, 0)

func loadTorchCases(t *testing.T) (string, []torchCase) {
	t.Helper()
	b, err := os.ReadFile("testdata/torch_ops.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		TorchVersion string `json:"torch_version"`
		Cases        []torchCase
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref.TorchVersion, ref.Cases
}

// maxRel is the largest |a − b| / |b| over the elements (0 for equal ones).
func maxRel(a, b []float64) float64 {
	var m float64
	for i := range a {
		if d := math.Abs(a[i] - b[i]); d > 0 {
			m = math.Max(m, d/math.Abs(b[i]))
		}
	}
	return m
}

// TestTorchOps compares the outputs and gradients of the ops added with the
// op table (and their stability cases) with PyTorch's, or with mpmath's
// where PyTorch's formula loses accuracy (the case says why).
func TestTorchOps(t *testing.T) {
	version, cases := loadTorchCases(t)
	t.Logf("reference: torch %s, %d cases", version, len(cases))
	var worst float64
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			tp := autograd.NewTape()
			xs := make([]autograd.Var, len(c.Inputs))
			for i, in := range c.Inputs {
				xs[i] = tp.Var(in.tensor())
			}
			y := c.apply(t, tp, xs)
			gs := tp.VJP(y, tp.Const(c.W.tensor()), xs...)

			wantOut, wantGrads, ref := c.Out, c.Grads, "torch"
			if c.Exact != nil {
				t.Logf("against mpmath: %s", c.Exact.Why)
				wantOut, wantGrads, ref = c.Exact.Out, c.Exact.Grads, "mpmath"
			}
			if diff := cmp.Diff(wantOut.Shape, y.Shape(), cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("output shape (-%s +tapegrad):\n%s", ref, diff)
			}
			if diff := cmp.Diff(wantOut.tensor().Data(), y.Value().Data(), torchApprox); diff != "" {
				t.Errorf("output (-%s +tapegrad):\n%s", ref, diff)
			}
			worst = math.Max(worst, maxRel(y.Value().Data(), wantOut.tensor().Data()))
			for i, g := range gs {
				if diff := cmp.Diff(wantGrads[i].tensor().Data(), g.Value().Data(), torchApprox); diff != "" {
					t.Errorf("gradient of input %d (-%s +tapegrad):\n%s", i, ref, diff)
				}
				worst = math.Max(worst, maxRel(g.Value().Data(), wantGrads[i].tensor().Data()))
			}
		})
	}
	t.Logf("largest relative difference: %.3g", worst)
}
