package autograd_test

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

type F = autograd.Func
type V = autograd.Var
type T = *tensor.Tensor

// quadA is a non-symmetric matrix, so that A + Aᵀ ≠ 2A catches a missed
// transpose.
var quadA = tensor.New([]float64{1, 2, 0, -1, 3, 4, 0.5, 0, 2}, 3, 3)

// quad is xᵀAx for x of shape (3, 1).
func quad(tp *autograd.Tape, x []V) V {
	return tp.Sum(tp.Mul(x[0], tp.MatMul(tp.Const(quadA), x[0])))
}

func lse(tp *autograd.Tape, x []V) V { return tp.LogSumExp(x[0]) }

func softplusSum(tp *autograd.Tape, x []V) V { return tp.Sum(tp.Softplus(x[0])) }

// vecFn is a vector function of two inputs: y = tanh(B·x) ⊙ σ(z), shape (2, 1).
func vecFn(tp *autograd.Tape, in []V) V {
	b := tp.Const(tensor.New([]float64{0.3, -1, 2, 1, 0.5, -0.2}, 2, 3))
	return tp.Mul(tp.Tanh(tp.MatMul(b, in[0])), tp.Sigmoid(in[1]))
}

// mixed is a scalar function of two inputs with cross terms:
// Σ x³·y + Σ x·y² (x, y of shape (2,)).
func mixed(tp *autograd.Tape, in []V) V {
	x, y := in[0], in[1]
	return tp.Add(tp.Sum(tp.Mul(tp.PowScalar(x, 3), y)), tp.Sum(tp.Mul(x, tp.Square(y))))
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// closeTo compares tensors' shapes and data; 1e-10 is far above float64
// rounding of these O(1) computations and far below any wrong derivative.
func closeTo(t *testing.T, what string, got, want T) {
	t.Helper()
	if d := cmp.Diff(want.Shape(), got.Shape()); d != "" {
		t.Errorf("%s shape (-want +got):\n%s", what, d)
		return
	}
	if d := cmp.Diff(want.Data(), got.Data(), cmpopts.EquateApprox(0, 1e-10)); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}

func TestGradHessianClosedForms(t *testing.T) {
	x3 := tensor.New([]float64{0.5, -1, 2}, 3, 1)
	// quadratic form: ∇ = (A + Aᵀ)x, H = A + Aᵀ
	s := tensor.Add(quadA, tensor.Transpose(quadA))
	quadGrad := tensor.MatMul(s, x3)
	quadHess := tensor.Reshape(s, 3, 1, 3, 1)

	// logsumexp: ∇ = p = softmax(x), H = diag(p) − ppᵀ
	xl := vec(0.1, -0.4, 1.2, 0.3)
	p := tensor.Softmax(xl, 0)
	lseHess := tensor.Zeros(4, 4)
	// softplus: ∇ = σ(x), H = diag(σ(1−σ))
	xs := vec(-1, 0.5, 2)
	spGrad, spHess := tensor.Zeros(3), tensor.Zeros(3, 3)
	for i := range 4 {
		for j := range 4 {
			h := -p.Data()[i] * p.Data()[j]
			if i == j {
				h += p.Data()[i]
			}
			lseHess.Data()[i*4+j] = h
		}
	}
	for i, v := range xs.Data() {
		s := sigmoid(v)
		spGrad.Data()[i] = s
		spHess.Data()[i*3+i] = s * (1 - s)
	}

	for _, c := range []struct {
		name       string
		f          F
		x          T
		grad, hess T
		value      float64
	}{
		{"quadratic", quad, x3, quadGrad, quadHess, tensor.MatMul(tensor.Transpose(x3), tensor.MatMul(quadA, x3)).Item()},
		{"logsumexp", lse, xl, p, lseHess, tensor.LogSumExp(xl).Item()},
		{"softplus", softplusSum, xs, spGrad, spHess, tensor.Sum(tensor.Softplus(xs)).Item()},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := []T{c.x}
			v, g := autograd.ValueAndGrad(c.f, in)
			if math.Abs(v-c.value) > 1e-12 {
				t.Errorf("value %v, want %v", v, c.value)
			}
			closeTo(t, "ValueAndGrad", g[0], c.grad)
			closeTo(t, "Grad", autograd.Grad(c.f, in)[0], c.grad)
			closeTo(t, "Hessian", autograd.Hessian(c.f, in)[0][0], c.hess)
		})
	}
}

func TestJacobianReverseEqualsForward(t *testing.T) {
	in := []T{tensor.New([]float64{0.2, -0.7, 1.1}, 3, 1), tensor.New([]float64{0.4, -1.3}, 2, 1)}
	rev := autograd.Jacobian(vecFn, in)
	fwd := autograd.JacobianFwd(vecFn, in)
	wantShapes := [][]int{{2, 1, 3, 1}, {2, 1, 2, 1}}
	for i := range in {
		if d := cmp.Diff(wantShapes[i], rev[i].Shape()); d != "" {
			t.Errorf("input %d: Jacobian shape (-want +got):\n%s", i, d)
		}
		closeTo(t, "JacobianFwd vs Jacobian", fwd[i], rev[i])
	}
	// VJPFunc is vᵀJ: check it against the reverse Jacobian.
	v := tensor.New([]float64{2, -1}, 2, 1)
	out, vjp := autograd.VJPFunc(vecFn, in, v)
	tp := autograd.NewTape()
	closeTo(t, "VJPFunc output", out, vecFn(tp, []V{tp.Const(in[0]), tp.Const(in[1])}).Value())
	for i := range in {
		n := in[i].Len()
		want := tensor.Zeros(in[i].Shape()...)
		for k := range 2 {
			for j := range n {
				want.Data()[j] += v.Data()[k] * rev[i].Data()[k*n+j]
			}
		}
		closeTo(t, "VJPFunc", vjp[i], want)
	}
}

func TestJVPFiniteDifferences(t *testing.T) {
	in := []T{tensor.New([]float64{0.2, -0.7, 1.1}, 3, 1), tensor.New([]float64{0.4, -1.3}, 2, 1)}
	tan := []T{tensor.New([]float64{1, 0.5, -2}, 3, 1), tensor.New([]float64{-0.3, 0.8}, 2, 1)}
	out, jvp := autograd.JVP(vecFn, in, tan)
	eval := func(s float64) T {
		tp := autograd.NewTape()
		x := make([]V, len(in))
		for i := range in {
			x[i] = tp.Const(tensor.Add(in[i], tensor.Scale(tan[i], s)))
		}
		return vecFn(tp, x).Value().Copy()
	}
	// central difference with step 1e-5: truncation error ~1e-10·f‴,
	// rounding ~1e-16/1e-5 = 1e-11; 1e-8 leaves a wide margin.
	const h = 1e-5
	fd := tensor.Scale(tensor.Sub(eval(h), eval(-h)), 1/(2*h))
	closeTo(t, "JVP output", out, eval(0))
	if d := cmp.Diff(fd.Data(), jvp.Data(), cmpopts.EquateApprox(0, 1e-8)); d != "" {
		t.Errorf("JVP vs central difference (-fd +jvp):\n%s", d)
	}
}

func TestHVPEqualsHessianTimesV(t *testing.T) {
	in := []T{vec(0.5, -1.5), vec(2, 0.3)}
	vs := []T{vec(1, -2), vec(0.5, 3)}
	h := autograd.Hessian(mixed, in)
	hv := autograd.HVP(mixed, in, vs)
	for i := range in {
		want := tensor.Zeros(2)
		for j := range in {
			want = tensor.Add(want, tensor.Reshape(tensor.MatMul(h[i][j], tensor.Reshape(vs[j], 2, 1)), 2))
		}
		closeTo(t, "HVP", hv[i], want)
	}
	// closed form of one block: ∂²/∂x∂y (x³y + xy²) = 3x² + 2y on the diagonal
	want := tensor.Zeros(2, 2)
	for k := range 2 {
		x, y := in[0].Data()[k], in[1].Data()[k]
		want.Data()[k*2+k] = 3*x*x + 2*y
	}
	closeTo(t, "Hessian xy block", h[0][1], want)
}

func TestFunctionalPanics(t *testing.T) {
	in := []T{tensor.New([]float64{0.2, -0.7, 1.1}, 3, 1), tensor.New([]float64{0.4, -1.3}, 2, 1)}
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Grad of a vector", func() { autograd.Grad(vecFn, in) }},
		{"HVP of a vector", func() { autograd.HVP(vecFn, in, in) }},
		{"JVP missing tangent", func() { autograd.JVP(vecFn, in, in[:1]) }},
		{"JVP tangent shape", func() { autograd.JVP(vecFn, in, []T{in[1], in[0]}) }},
		{"VJPFunc seed shape", func() { autograd.VJPFunc(vecFn, in, vec(1, 2)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, tensor.ErrShape) {
					t.Errorf("got panic %v, want one wrapping tensor.ErrShape", err)
				}
			}()
			c.f()
		})
	}
}
