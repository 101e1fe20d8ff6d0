package tapegrad_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// gradRow is one differentiable op checked against central differences:
// the function, and its inputs as shapes filled with seeded values in
// [lo, hi) (chosen away from the op's kinks and singularities).
type gradRow struct {
	name   string
	shapes [][]int
	lo, hi float64
	f      autograd.Func
	// firstOnly skips the second-order check, for ops whose second
	// derivative is zero almost everywhere and whose first-order check covers
	// everything (none today; kept for ops like step).
	firstOnly bool
}

// like returns the constant of the given values and shape with x's
// element type, so that a row runs unchanged on float32 inputs.
func like(x autograd.Var, data []float64, shape ...int) autograd.Var {
	return autograd.Const(tensor.New(data, shape...).To(x.Value().DType()))
}

// inputs fills the row's shapes deterministically.
func (r gradRow) inputs(seed uint64) []*tensor.Tensor {
	rng := rand.New(rand.NewPCG(seed, 42))
	lo, hi := r.lo, r.hi
	if lo == 0 && hi == 0 {
		lo, hi = -1, 1
	}
	ts := make([]*tensor.Tensor, len(r.shapes))
	for i, s := range r.shapes {
		ts[i] = tensor.RandU(rng, lo, hi, s...)
	}
	return ts
}

// rowGroups holds the rows of ops defined in files of their own (the
// layers' convolution, pooling, normalisation …), each group added from an
// init function of a gradcheck_*_test.go file beside this one.
var rowGroups []func() []gradRow

// gradRows returns every row: the core ops' and the groups'.
func gradRows() []gradRow {
	rows := coreRows()
	for _, g := range rowGroups {
		rows = append(rows, g()...)
	}
	return rows
}

// coreRows are the rows of the element-wise, product, reduction, shape,
// softmax and scan ops.
func coreRows() []gradRow {
	type T = *autograd.Tape
	type V = []autograd.Var
	labels := []int{2, 0, 1, 2}
	return []gradRow{
		// element-wise binary, with broadcasting
		{name: "add/broadcast row", shapes: [][]int{{3, 4}, {4}}, f: func(tp T, x V) autograd.Var { return tp.Add(x[0], x[1]) }},
		{name: "add/broadcast middle", shapes: [][]int{{2, 1, 3}, {4, 1}}, f: func(tp T, x V) autograd.Var { return tp.Add(x[0], x[1]) }},
		{name: "sub/broadcast scalar", shapes: [][]int{{2, 3}, {}}, f: func(tp T, x V) autograd.Var { return tp.Sub(x[0], x[1]) }},
		{name: "mul/broadcast column", shapes: [][]int{{3, 4}, {3, 1}}, f: func(tp T, x V) autograd.Var { return tp.Mul(x[0], x[1]) }},
		{name: "mul/same input twice", shapes: [][]int{{2, 3}}, f: func(tp T, x V) autograd.Var { return tp.Mul(x[0], x[0]) }},
		{name: "div/broadcast", shapes: [][]int{{2, 3}, {3}}, lo: 0.5, hi: 2, f: func(tp T, x V) autograd.Var { return tp.Div(x[0], x[1]) }},
		{name: "pow/both operands", shapes: [][]int{{2, 3}, {2, 3}}, lo: 0.5, hi: 2, f: func(tp T, x V) autograd.Var { return tp.Pow(x[0], x[1]) }},
		{name: "maximum", shapes: [][]int{{3, 4}, {4}}, f: func(tp T, x V) autograd.Var { return tp.Maximum(x[0], x[1]) }},
		{name: "minimum", shapes: [][]int{{3, 4}, {3, 1}}, f: func(tp T, x V) autograd.Var { return tp.Minimum(x[0], x[1]) }},
		{name: "where", shapes: [][]int{{3, 4}, {3, 4}, {4}}, f: func(tp T, x V) autograd.Var {
			return tp.Where(tp.Greater(x[0], tp.ScalarOf(x[0].Value().DType(), 0)), x[1], x[2])
		}},
		// element-wise unary
		{name: "neg", shapes: [][]int{{2, 3}}, f: func(tp T, x V) autograd.Var { return tp.Neg(x[0]) }},
		{name: "exp", shapes: [][]int{{2, 3}}, f: func(tp T, x V) autograd.Var { return tp.Exp(x[0]) }},
		{name: "log", shapes: [][]int{{2, 3}}, lo: 0.5, hi: 2, f: func(tp T, x V) autograd.Var { return tp.Log(x[0]) }},
		{name: "sqrt", shapes: [][]int{{2, 3}}, lo: 0.5, hi: 2, f: func(tp T, x V) autograd.Var { return tp.Sqrt(x[0]) }},
		{name: "abs", shapes: [][]int{{2, 3}}, lo: 0.2, hi: 1, f: func(tp T, x V) autograd.Var { return tp.Abs(tp.Neg(x[0])) }},
		{name: "square", shapes: [][]int{{2, 3}}, f: func(tp T, x V) autograd.Var { return tp.Square(x[0]) }},
		{name: "tanh", shapes: [][]int{{2, 3}}, lo: -2, hi: 2, f: func(tp T, x V) autograd.Var { return tp.Tanh(x[0]) }},
		{name: "sigmoid", shapes: [][]int{{2, 3}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.Sigmoid(x[0]) }},
		{name: "relu", shapes: [][]int{{2, 3}}, lo: 0.1, hi: 1, f: func(tp T, x V) autograd.Var {
			return tp.ReLU(tp.Mul(x[0], like(x[0], []float64{1, -1, 1, -1, 1, -1}, 2, 3)))
		}},
		{name: "leaky_relu", shapes: [][]int{{2, 3}}, lo: 0.1, hi: 1, f: func(tp T, x V) autograd.Var {
			return tp.LeakyReLU(tp.Mul(x[0], like(x[0], []float64{1, -1, 1, -1, 1, -1}, 2, 3)), 0.1)
		}},
		{name: "softplus", shapes: [][]int{{2, 3}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.Softplus(x[0]) }},
		{name: "step (zero derivative)", shapes: [][]int{{2, 3}}, lo: 0.1, hi: 1, f: func(tp T, x V) autograd.Var {
			return tp.Add(tp.Step(x[0]), x[0])
		}},
		{name: "sign (zero derivative)", shapes: [][]int{{2, 3}}, lo: 0.1, hi: 1, f: func(tp T, x V) autograd.Var {
			return tp.Mul(tp.Sign(tp.Mul(x[0], like(x[0], []float64{1, -1, 1, -1, 1, -1}, 2, 3))), x[0])
		}},
		{name: "clamp", shapes: [][]int{{2, 3}}, lo: -2, hi: 2, f: func(tp T, x V) autograd.Var {
			return tp.Clamp(tp.Mul(x[0], like(x[0], []float64{0.1, 3, 0.2, -3, 0.3, 0.4}, 2, 3)), -1, 1)
		}},
		{name: "scale", shapes: [][]int{{2, 3}}, f: func(tp T, x V) autograd.Var { return tp.Scale(x[0], -2.5) }},
		{name: "add_scalar", shapes: [][]int{{2, 3}}, f: func(tp T, x V) autograd.Var { return tp.AddScalar(x[0], 3) }},
		{name: "pow_scalar", shapes: [][]int{{2, 3}}, lo: 0.5, hi: 2, f: func(tp T, x V) autograd.Var { return tp.PowScalar(x[0], 2.5) }},
		// matrix products
		{name: "matmul", shapes: [][]int{{3, 4}, {4, 2}}, f: func(tp T, x V) autograd.Var { return tp.MatMul(x[0], x[1]) }},
		{name: "matmul/transA", shapes: [][]int{{4, 3}, {4, 2}}, f: func(tp T, x V) autograd.Var { return tp.MatMulT(x[0], x[1], tensor.Trans, tensor.NoTrans) }},
		{name: "matmul/transB", shapes: [][]int{{3, 4}, {2, 4}}, f: func(tp T, x V) autograd.Var { return tp.MatMulT(x[0], x[1], tensor.NoTrans, tensor.Trans) }},
		{name: "matmul/transA transB", shapes: [][]int{{4, 3}, {2, 4}}, f: func(tp T, x V) autograd.Var { return tp.MatMulT(x[0], x[1], tensor.Trans, tensor.Trans) }},
		{name: "matmul/batched broadcast", shapes: [][]int{{2, 3, 4}, {4, 2}}, f: func(tp T, x V) autograd.Var { return tp.MatMul(x[0], x[1]) }},
		{name: "matmul/vector·matrix", shapes: [][]int{{3}, {3, 2}}, f: func(tp T, x V) autograd.Var { return tp.MatMul(x[0], x[1]) }},
		{name: "matmul/matrix·vector", shapes: [][]int{{2, 3}, {3}}, f: func(tp T, x V) autograd.Var { return tp.MatMul(x[0], x[1]) }},
		{name: "matmul/vector·vector", shapes: [][]int{{3}, {3}}, f: func(tp T, x V) autograd.Var { return tp.MatMul(x[0], x[1]) }},
		{name: "matmul/vector·batch", shapes: [][]int{{3}, {2, 3, 2}}, f: func(tp T, x V) autograd.Var { return tp.MatMul(x[0], x[1]) }},
		{name: "matmul/batched both", shapes: [][]int{{2, 1, 2, 3}, {3, 3, 2}}, f: func(tp T, x V) autograd.Var { return tp.MatMul(x[0], x[1]) }},
		// reductions
		{name: "sum/all", shapes: [][]int{{2, 3, 2}}, f: func(tp T, x V) autograd.Var { return tp.Sum(x[0]) }},
		{name: "sum/axis 0", shapes: [][]int{{2, 3, 2}}, f: func(tp T, x V) autograd.Var { return tp.Sum(x[0], 0) }},
		{name: "sum/axis 1 keepdims", shapes: [][]int{{2, 3, 2}}, f: func(tp T, x V) autograd.Var { return tp.SumKeepDims(x[0], 1) }},
		{name: "sum/axis -1", shapes: [][]int{{2, 3, 2}}, f: func(tp T, x V) autograd.Var { return tp.Sum(x[0], -1) }},
		{name: "sum/axes 0,2", shapes: [][]int{{2, 3, 2}}, f: func(tp T, x V) autograd.Var { return tp.Sum(x[0], 0, 2) }},
		{name: "mean/axis 0", shapes: [][]int{{3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Mean(x[0], 0) }},
		{name: "mean/axis 1 keepdims", shapes: [][]int{{3, 4}}, f: func(tp T, x V) autograd.Var { return tp.MeanKeepDims(x[0], 1) }},
		{name: "max/axis 0", shapes: [][]int{{3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Max(x[0], 0) }},
		{name: "max/axis 1", shapes: [][]int{{3, 4}}, f: func(tp T, x V) autograd.Var { return tp.MaxKeepDims(x[0], 1) }},
		{name: "min/all", shapes: [][]int{{3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Min(x[0]) }},
		{name: "logsumexp/axis 0", shapes: [][]int{{3, 4}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.LogSumExp(x[0], 0) }},
		{name: "logsumexp/axis 1", shapes: [][]int{{3, 4}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.LogSumExpKeepDims(x[0], 1) }},
		// softmax
		{name: "softmax/axis 1", shapes: [][]int{{3, 4}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.Softmax(x[0], 1) }},
		{name: "softmax/axis 0", shapes: [][]int{{3, 4}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.Softmax(x[0], 0) }},
		// a middle axis (softmax_grad's strided path) and a negative one
		{name: "softmax/axis 1 of 3-D", shapes: [][]int{{2, 3, 2}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.Softmax(x[0], 1) }},
		{name: "softmax/axis -1 of 3-D", shapes: [][]int{{2, 2, 5}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.Softmax(x[0], -1) }},
		// L < S, L = S with a batch axis, L > S
		{name: "causal_softmax/3x4", shapes: [][]int{{3, 4}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.CausalSoftmax(x[0]) }},
		{name: "causal_softmax/2x3x3", shapes: [][]int{{2, 3, 3}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.CausalSoftmax(x[0]) }},
		{name: "causal_softmax/4x2", shapes: [][]int{{4, 2}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.CausalSoftmax(x[0]) }},
		{name: "log_softmax/axis 1", shapes: [][]int{{3, 4}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.LogSoftmax(x[0], 1) }},
		{name: "log_softmax/axis 0", shapes: [][]int{{3, 4}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.LogSoftmax(x[0], 0) }},
		// shape ops
		{name: "reshape", shapes: [][]int{{2, 6}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.Reshape(x[0], 3, -1)) }},
		{name: "transpose/perm", shapes: [][]int{{2, 3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.Transpose(x[0], 2, 0, 1)) }},
		{name: "T", shapes: [][]int{{2, 3}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.T(x[0])) }},
		{name: "squeeze/unsqueeze", shapes: [][]int{{2, 1, 3}}, f: func(tp T, x V) autograd.Var {
			return tp.Square(tp.Unsqueeze(tp.Squeeze(x[0], 1), 0))
		}},
		{name: "broadcast_to", shapes: [][]int{{3, 1}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.BroadcastTo(x[0], 2, 3, 4)) }},
		{name: "sum_to", shapes: [][]int{{2, 3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.SumTo(x[0], 3, 1)) }},
		{name: "slice", shapes: [][]int{{3, 5}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.Slice(x[0], 1, 1, 4)) }},
		{name: "pad", shapes: [][]int{{3, 2}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.Pad(x[0], 0, 1, 2)) }},
		{name: "concat", shapes: [][]int{{2, 3}, {2, 1}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.Concat(1, x[0], x[1])) }},
		{name: "stack", shapes: [][]int{{2, 3}, {2, 3}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.Stack(1, x[0], x[1])) }},
		{name: "index_select", shapes: [][]int{{4, 3}}, f: func(tp T, x V) autograd.Var {
			return tp.Square(tp.IndexSelect(x[0], 0, []int{3, 0, 3}))
		}},
		{name: "index_add", shapes: [][]int{{3, 2}}, f: func(tp T, x V) autograd.Var {
			return tp.Square(tp.IndexAdd(x[0], 0, []int{1, 1, 3}, 4))
		}},
		{name: "gather", shapes: [][]int{{4, 3}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.Gather(x[0], 1, labels)) }},
		{name: "scatter", shapes: [][]int{{4}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.Scatter(x[0], 1, labels, 3)) }},
		// trigonometric, hyperbolic and special functions
		{name: "sin", shapes: [][]int{{2, 3}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.Sin(x[0]) }},
		{name: "cos", shapes: [][]int{{2, 3}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.Cos(x[0]) }},
		// |x| ≤ 1.2 keeps 0.37 from the poles ±π/2, where tan′ = 1 + tan² ≤ 7.6
		{name: "tan/away from the poles", shapes: [][]int{{2, 3}}, lo: -1.2, hi: 1.2, f: func(tp T, x V) autograd.Var { return tp.Tan(x[0]) }},
		{name: "atan", shapes: [][]int{{2, 3}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.Atan(x[0]) }},
		{name: "asinh", shapes: [][]int{{2, 3}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.Asinh(x[0]) }},
		// x ≥ −0.9 keeps 0.1 from the pole at −1 (log1p″ = −1/(1+x)² ≥ −100)
		{name: "log1p/x > −1", shapes: [][]int{{2, 3}}, lo: -0.9, hi: 3, f: func(tp T, x V) autograd.Var { return tp.Log1p(x[0]) }},
		{name: "expm1", shapes: [][]int{{2, 3}}, lo: -2, hi: 2, f: func(tp T, x V) autograd.Var { return tp.Expm1(x[0]) }},
		{name: "erf", shapes: [][]int{{2, 3}}, lo: -2.5, hi: 2.5, f: func(tp T, x V) autograd.Var { return tp.Erf(x[0]) }},
		{name: "erfc", shapes: [][]int{{2, 3}}, lo: -2.5, hi: 2.5, f: func(tp T, x V) autograd.Var { return tp.Erfc(x[0]) }},
		{name: "gelu", shapes: [][]int{{2, 3}}, lo: -4, hi: 4, f: func(tp T, x V) autograd.Var { return tp.GELU(x[0]) }},
		{name: "gelu_tanh", shapes: [][]int{{2, 3}}, lo: -4, hi: 4, f: func(tp T, x V) autograd.Var { return tp.GELUTanh(x[0]) }},
		{name: "silu", shapes: [][]int{{2, 3}}, lo: -4, hi: 4, f: func(tp T, x V) autograd.Var { return tp.SiLU(x[0]) }},
		// softsign″ jumps at 0 (the |x| in its rule): |x| ≥ 0.1, both signs
		{name: "softsign/away from 0", shapes: [][]int{{2, 3}}, lo: 0.1, hi: 3, f: func(tp T, x V) autograd.Var {
			return tp.Softsign(tp.Mul(x[0], like(x[0], []float64{1, -1, 1, -1, 1, -1}, 2, 3)))
		}},
		// hypot is smooth away from a = b = 0: |b| ≥ 0.3, a of both signs
		{name: "hypot/broadcast row", shapes: [][]int{{3, 4}, {4}}, lo: 0.3, hi: 2, f: func(tp T, x V) autograd.Var {
			return tp.Hypot(tp.Mul(x[0], like(x[0], []float64{1, -1, 1, -1}, 4)), x[1])
		}},
		{name: "hypot/broadcast both", shapes: [][]int{{2, 1, 3}, {4, 1}}, lo: 0.3, hi: 2, f: func(tp T, x V) autograd.Var {
			return tp.Hypot(x[0], tp.Neg(x[1]))
		}},
		// statistics (Std is Sqrt of Variance; Mean is Scale of Sum)
		{name: "mean/axes 0,2", shapes: [][]int{{2, 3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Mean(x[0], 0, 2) }},
		{name: "mean/axes 0,-1 keepdims", shapes: [][]int{{2, 3, 4}}, f: func(tp T, x V) autograd.Var { return tp.MeanKeepDims(x[0], 0, -1) }},
		{name: "variance/unbiased axis 1", shapes: [][]int{{3, 4}}, f: func(tp T, x V) autograd.Var {
			return tp.Variance(x[0], tensor.Unbiased, 1)
		}},
		{name: "variance/biased keepdims axes 0,2", shapes: [][]int{{2, 3, 4}}, f: func(tp T, x V) autograd.Var {
			return tp.VarianceKeepDims(x[0], tensor.Biased, 0, 2)
		}},
		{name: "variance/unbiased all", shapes: [][]int{{3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Variance(x[0], tensor.Unbiased) }},
		{name: "variance/correction 2 axis -1", shapes: [][]int{{2, 5}}, f: func(tp T, x V) autograd.Var {
			return tp.Variance(x[0], tensor.Correction(2), -1)
		}},
		{name: "std/unbiased axis 0", shapes: [][]int{{3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Std(x[0], tensor.Unbiased, 0) }},
		{name: "std/biased keepdims axes 1,2", shapes: [][]int{{2, 3, 4}}, f: func(tp T, x V) autograd.Var {
			return tp.StdKeepDims(x[0], tensor.Biased, 1, 2)
		}},
		// norms are smooth away from zero vectors; seeded values are far from them
		{name: "norm/axis 1", shapes: [][]int{{3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Norm(x[0], 1) }},
		{name: "norm/keepdims axes 0,2", shapes: [][]int{{2, 3, 4}}, f: func(tp T, x V) autograd.Var { return tp.NormKeepDims(x[0], 0, 2) }},
		{name: "norm/all", shapes: [][]int{{3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Norm(x[0]) }},
		{name: "norm/frobenius batched", shapes: [][]int{{2, 3, 4}}, f: func(tp T, x V) autograd.Var { return tp.FrobeniusNorm(x[0]) }},
		// scans and flips (linear ones squared, so their rules are checked to second order)
		{name: "cumsum/axis 0", shapes: [][]int{{3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.CumSum(x[0], 0)) }},
		{name: "cumsum/axis -1", shapes: [][]int{{2, 3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.CumSum(x[0], -1)) }},
		{name: "logcumsumexp/axis 0", shapes: [][]int{{3, 4}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var { return tp.LogCumSumExp(x[0], 0) }},
		{name: "logcumsumexp/axis -1", shapes: [][]int{{2, 3, 4}}, lo: -3, hi: 3, f: func(tp T, x V) autograd.Var {
			return tp.LogCumSumExp(x[0], -1)
		}},
		{name: "flip/axis 0", shapes: [][]int{{3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.Flip(x[0], 0)) }},
		{name: "flip/axes 0,-1", shapes: [][]int{{2, 3, 4}}, f: func(tp T, x V) autograd.Var { return tp.Square(tp.Flip(x[0], 0, -1)) }},
		// the course's pieces composed
		{name: "neuron sigmoid(xW+b)", shapes: [][]int{{4, 3}, {3, 2}, {2}}, f: func(tp T, x V) autograd.Var {
			return tp.Sigmoid(tp.Add(tp.MatMul(x[0], x[1]), x[2]))
		}},
	}
}

// TestGradCheck checks every differentiable op's first derivatives against
// central differences, then its second derivatives (the derivative rule
// differentiated again), with PyTorch gradcheck's default tolerances.
func TestGradCheck(t *testing.T) {
	for i, row := range gradRows() {
		t.Run(row.name, func(t *testing.T) {
			in := row.inputs(uint64(i + 1))
			if rep, err := autograd.Check(row.f, in, nil); err != nil {
				t.Errorf("first order: %v", err)
			} else if rep.Elements == 0 {
				t.Errorf("first order compared no elements")
			}
			if row.firstOnly {
				return
			}
			if _, err := autograd.CheckSecond(row.f, in, nil); err != nil {
				t.Errorf("second order: %v", err)
			}
		})
	}
}

// TestGradCheckCatchesWrongDerivative proves the checkers can fail. A custom
// op computes x³; its rule is right (3x²·g, written with tape ops), wrong
// (2x²·g: Check must fail, and so must CheckSecond, which runs Check first:
// the recorded derivative of 2x² is right, so its second-order step alone
// would pass), or right in value but detached (3x² computed as a constant,
// so the rule is not differentiable again: Check passes and CheckSecond
// must fail).
func TestGradCheckCatchesWrongDerivative(t *testing.T) {
	cube := func(coef float64, detached bool) *autograd.CustomOp {
		return &autograd.CustomOp{
			Name:    "cube",
			Forward: func(in []*tensor.Tensor) *tensor.Tensor { return tensor.PowScalar(in[0], 3) },
			Backward: func(tp *autograd.Tape, in []autograd.Var, out, g autograd.Var) []autograd.Var {
				d := tp.Scale(tp.Square(in[0]), coef)
				if detached {
					d = tp.Const(tensor.Scale(tensor.Square(in[0].Value()), coef))
				}
				return []autograd.Var{tp.Mul(g, d)}
			},
		}
	}
	in := []*tensor.Tensor{tensor.New([]float64{0.5, -1.5, 2}, 3)}
	for _, tc := range []struct {
		name            string
		coef            float64
		detached        bool
		wantErr, want2d bool
	}{
		{"right rule 3x²", 3, false, false, false},
		{"wrong rule 2x²", 2, false, true, true},
		{"detached rule", 3, true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := cube(tc.coef, tc.detached)
			f := func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Apply(op, x[0]) }
			rep, err := autograd.Check(f, in, nil)
			if got := err != nil; got != tc.wantErr {
				t.Fatalf("Check error = %v, want error %v (report %s)", err, tc.wantErr, rep)
			}
			if tc.wantErr {
				if !errors.Is(err, autograd.ErrGradCheck) {
					t.Errorf("error %v does not wrap ErrGradCheck", err)
				}
				// x = 2 is the element with the largest error: |2·4 − 3·4| = 4
				if rep.Input != 0 || len(rep.Element) != 1 || rep.Element[0] != 2 || len(rep.Output) != 1 || rep.Output[0] != 2 {
					t.Errorf("worst element = ∂y%v/∂x%d%v, want ∂y[2]/∂x0[2]", rep.Output, rep.Input, rep.Element)
				}
				if rep.Failed != 3 || rep.Elements != 9 {
					t.Errorf("%d of %d elements failed, want 3 of 9 (the diagonal)", rep.Failed, rep.Elements)
				}
				if rep.Analytic != 8 || rep.Numeric < 11.99 || rep.Numeric > 12.01 {
					t.Errorf("analytic, numeric = %v, %v, want 8, 12", rep.Analytic, rep.Numeric)
				}
			}
			_, err = autograd.CheckSecond(f, in, nil)
			if got := err != nil; got != tc.want2d {
				t.Errorf("CheckSecond error = %v, want error %v", err, tc.want2d)
			}
		})
	}
}
