package autograd_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference data, testdata/functorch_ref.json, is written by
// testdata/functorch_ref.py with functorch (PyTorch 1.13) in float64; its
// header describes a case: a function named in ftFuncs, a transform
// (vmap levels around f, grad(f), jvp or vjp; jacrev, jacfwd, hessian),
// the inputs and the outputs. The script checks functorch against plain
// autograd before writing (per-sample gradients averaged against the batch
// gradient, jacfwd against jacrev, vmap(jvp) and vmap(vjp) against the
// Jacobian), so a disagreement here is ours.

// ftApprox is the tolerance against functorch, relative and absolute.
// Both sides evaluate the same expressions in float64; they differ by the
// order of summation (a matrix product, a log-sum-exp, a batched product
// against a loop of vector ones) and by libm (Go's sin, tanh and exp
// against glibc's, each within an ulp or two), through at most about ten
// ops on values of order 1 to 10: a few ulps. A per-sample loop of these
// tape ops standing in for Vmap (Slice each sample, Stack the results)
// agrees to 4e-15 relative on every case. 1e-12 leaves room for other
// platforms and for batched kernels that sum in another order, while a
// wrong rule, a slipped axis or a wrong batch order is off by order 1e-1
// (that loop with out_dims ignored fails 4 cases, with the samples
// rotated 24 of 27). The absolute 1e-12 is for the
// entries that are exactly zero in exact arithmetic (the Jacobian's and
// Hessian's off-diagonal blocks of a separable term), which either side
// may compute as a rounding residue of order 1e-17.
var ftApprox = cmpopts.EquateApprox(1e-12, 1e-12)

// ftCase is one case of functorch_ref.json.
type ftCase struct {
	Name, Fn, Note string
	// Transform is "vmap", "jacrev", "jacfwd" or "hessian".
	Transform string
	// Inner wraps Fn before the vmap levels: "", "grad", "jvp" or "vjp".
	Inner   string
	Argnums []int // of "grad"
	// Vmap holds the vmap levels, outermost first.
	Vmap []struct {
		InDims  []*int `json:"in_dims"` // null: an unbatched input
		OutDims []int  `json:"out_dims"`
	}
	Inputs, Outputs []torchTensor
}

// one lifts a function of one result.
func one(f autograd.Func) autograd.MultiFunc {
	return func(tp *autograd.Tape, x []autograd.Var) []autograd.Var { return []autograd.Var{f(tp, x)} }
}

// ftFuncs are functorch_ref.py's FUNCS, by the same names, written with
// tape ops (per-sample shapes in the script).
var ftFuncs = map[string]autograd.MultiFunc{
	"sin_mul":   one(func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Mul(tp.Sin(x[0]), x[1]) }),
	"matvec":    one(func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.MatMul(x[0], x[1]) }),
	"sum_axis0": one(func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Sum(x[0], 0) }),
	"mean_all":  one(func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Mean(x[0]) }),
	"logsumexp_last": one(func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
		return tp.LogSumExp(x[0], -1)
	}),
	"softmax_last": one(func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Softmax(x[0], -1) }),
	"reshape_transpose": one(func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
		return tp.Transpose(tp.Reshape(x[0], 2, 6), 1, 0)
	}),
	"tanh_and_sum": func(tp *autograd.Tape, x []autograd.Var) []autograd.Var {
		return []autograd.Var{tp.Tanh(x[0]), tp.Sum(x[0], 0)}
	},
	"mul": one(func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Mul(x[0], x[1]) }),
	"pairdist": one(func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
		return tp.Sqrt(tp.Sum(tp.Square(tp.Sub(x[0], x[1]))))
	}),
	// −Σ t ⊙ log_softmax(W2 tanh(W1 x + b1) + b2), x = [W1, b1, W2, b2, x, t].
	"mlp_loss": one(func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
		h := tp.Tanh(tp.Add(tp.MatMul(x[0], x[4]), x[1]))
		logits := tp.Add(tp.MatMul(x[2], h), x[3])
		return tp.Neg(tp.Sum(tp.Mul(x[5], tp.LogSoftmax(logits, -1))))
	}),
	// [sin x ⊙ tanh y₀, y₁ Σ x²]
	"f2": one(func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
		y0, y1 := tp.Slice(x[1], 0, 0, 1), tp.Slice(x[1], 0, 1, 2)
		return tp.Concat(0, tp.Mul(tp.Sin(x[0]), tp.Tanh(y0)), tp.Mul(y1, tp.Sum(tp.Square(x[0]))))
	}),
	// Σ tanh(x) ⊙ x + (Σ x)²
	"h1": one(func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
		return tp.Add(tp.Sum(tp.Mul(tp.Tanh(x[0]), x[0])), tp.Square(tp.Sum(x[0])))
	}),
	// Σ sin x · Σ y² + Σ tanh x · Σ exp y
	"h2": one(func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
		a := tp.Mul(tp.Sum(tp.Sin(x[0])), tp.Sum(tp.Square(x[1])))
		return tp.Add(a, tp.Mul(tp.Sum(tp.Tanh(x[0])), tp.Sum(tp.Exp(x[1]))))
	}),
}

// scalar is the Func of m's first result (the functions given to GradOf,
// Jacobian and Hessian have one).
func scalar(m autograd.MultiFunc) autograd.Func {
	return func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return m(tp, x)[0] }
}

// jvpOf is functorch's (primals…, tangents…) ↦ jvp(f, primals,
// tangents)[1] for n primals: on the tape it is called with, each primal
// carries its tangent (SetTangent) and the result is the tangent of f.
func jvpOf(f autograd.Func, n int) autograd.MultiFunc {
	return func(tp *autograd.Tape, xs []autograd.Var) []autograd.Var {
		for i := range n {
			tp.SetTangent(xs[i], xs[n+i])
		}
		return []autograd.Var{tp.Tangent(f(tp, xs[:n]))}
	}
}

// vjpOf is functorch's (primals…, v) ↦ vjp(f, *primals)[1](v) for n
// primals: vᵀ·∂f/∂xᵢ is the gradient of Σ f ⊙ v with respect to xᵢ, so it
// is GradOf of that sum over the primals (and composes as GradOf does).
func vjpOf(f autograd.Func, n int) autograd.MultiFunc {
	dot := func(tp *autograd.Tape, xs []autograd.Var) autograd.Var {
		return tp.Sum(tp.Mul(f(tp, xs[:n]), xs[n]))
	}
	argnums := make([]int, n)
	for i := range argnums {
		argnums[i] = i
	}
	return autograd.GradOf(dot, argnums...)
}

// inAxes translates the script's in_dims (null: not mapped).
func inAxes(dims []*int) []int {
	axes := make([]int, len(dims))
	for i, d := range dims {
		axes[i] = autograd.Unbatched
		if d != nil {
			axes[i] = *d
		}
	}
	return axes
}

// run applies the case's transform to its inputs.
func (c ftCase) run(t *testing.T) []*tensor.Tensor {
	t.Helper()
	f, ok := ftFuncs[c.Fn]
	if !ok {
		t.Fatalf("case %s: function %q is not in ftFuncs", c.Name, c.Fn)
	}
	xs := make([]*tensor.Tensor, len(c.Inputs))
	for i, in := range c.Inputs {
		xs[i] = in.tensor()
	}
	switch c.Transform {
	case "jacrev":
		return autograd.Jacobian(scalar(f), xs)
	case "jacfwd":
		return autograd.JacobianFwd(scalar(f), xs)
	case "hessian": // the blocks row-major, as the script stores them
		var blocks []*tensor.Tensor
		for _, row := range autograd.Hessian(scalar(f), xs) {
			blocks = append(blocks, row...)
		}
		return blocks
	case "vmap":
	default:
		t.Fatalf("case %s: unknown transform %q", c.Name, c.Transform)
	}
	switch c.Inner {
	case "":
	case "grad":
		f = autograd.GradOf(scalar(f), c.Argnums...)
	case "jvp":
		f = jvpOf(scalar(f), len(xs)/2)
	case "vjp":
		f = vjpOf(scalar(f), len(xs)-1)
	default:
		t.Fatalf("case %s: unknown inner transform %q", c.Name, c.Inner)
	}
	for _, lv := range slices.Backward(c.Vmap) { // innermost first
		f = autograd.Vmap(f, inAxes(lv.InDims), lv.OutDims)
	}
	return autograd.Call(f, xs...)
}

func loadFunctorchCases(t *testing.T) (string, []ftCase) {
	t.Helper()
	b, err := os.ReadFile("testdata/functorch_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		TorchVersion string `json:"torch_version"`
		Cases        []ftCase
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref.TorchVersion, ref.Cases
}

// TestFunctorchRef compares Vmap (plain, nested, of GradOf, of forward and
// reverse products), Jacobian, JacobianFwd and Hessian with functorch's
// vmap, grad, jvp, vjp, jacrev, jacfwd and hessian.
func TestFunctorchRef(t *testing.T) {
	version, cases := loadFunctorchCases(t)
	t.Logf("reference: torch %s, %d cases", version, len(cases))
	used := map[string]bool{}
	for _, c := range cases {
		used[c.Fn] = true
		t.Run(c.Name, func(t *testing.T) {
			if c.Note != "" {
				t.Log(c.Note)
			}
			got := c.run(t)
			if len(got) != len(c.Outputs) {
				t.Fatalf("%d outputs, want %d", len(got), len(c.Outputs))
			}
			for k, want := range c.Outputs {
				if diff := tapegradtest.Diff(want.tensor(), got[k], ftApprox); diff != "" {
					t.Errorf("output %d (-functorch +tapegrad):\n%s", k, diff)
				}
			}
		})
	}
	// The table and the script's FUNCS stay in step: a function no case
	// uses is a stale row (or a case the script lost).
	for name := range ftFuncs {
		if !used[name] {
			t.Errorf("ftFuncs[%q] is used by no case of functorch_ref.json", name)
		}
	}
}
