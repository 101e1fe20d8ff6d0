package tapegrad_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// Forward mode against reverse mode, for every gradient-check row.
//
// Tolerances:
//   - jvpExact (1e-9 relative) for identities that hold exactly in real
//     arithmetic and differ only by rounding: the forward rules and the
//     reverse rules sum the same O(1) terms (a few dozen at most) in
//     different orders, about 1e-15 apart; 1e-9 leaves a wide margin yet
//     catches any wrong coefficient.
//   - hvpExact (1e-8 relative) for forward-over-reverse against
//     reverse-over-reverse, one more level of rules (same argument).
//   - Both take an absolute margin of 1e-12 for elements that are zero in
//     real arithmetic and come out as rounding noise (about 1e-16) on one side.
//   - jvpFD (rtol 1e-3, atol 1e-5, step 1e-6) are PyTorch gradcheck's defaults,
//     the ones Check uses: a central difference with ε = 1e-6 has truncation
//     error ε²·f‴/6 ≈ 1e-13 and rounding error about 1e-16/ε = 1e-10.
var (
	jvpExact = cmpopts.EquateApprox(1e-9, 1e-12)
	hvpExact = cmpopts.EquateApprox(1e-8, 1e-12)
	jvpFD    = cmpopts.EquateApprox(1e-3, 1e-5)
)

const fdStep = 1e-6 // the central difference's ε, gradcheck's default

// randLike returns seeded values in [−1, 1) of each shape of ts.
func randLike(seed, stream uint64, ts ...*tensor.Tensor) []*tensor.Tensor {
	rng := rand.New(rand.NewPCG(seed, stream))
	out := make([]*tensor.Tensor, len(ts))
	for i, t := range ts {
		out[i] = tensor.RandU(rng, -1, 1, t.Shape()...)
	}
	return out
}

// dot is Σᵢ ⟨aᵢ, bᵢ⟩ over flattened tensors.
func dot(a, b []*tensor.Tensor) float64 {
	var s float64
	for i := range a {
		for k, x := range a[i].Data() {
			s += x * b[i].Data()[k]
		}
	}
	return s
}

// eval returns f(xs) on a fresh tape.
func eval(f autograd.Func, xs []*tensor.Tensor) *tensor.Tensor {
	tp := autograd.NewTape()
	vs := make([]autograd.Var, len(xs))
	for i, x := range xs {
		vs[i] = tp.Var(x)
	}
	return f(tp, vs).Value().Copy()
}

// axpy returns xᵢ + c·vᵢ for each input.
func axpy(xs []*tensor.Tensor, c float64, vs []*tensor.Tensor) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(xs))
	for i := range xs {
		out[i] = tensor.Add(xs[i], tensor.Scale(vs[i], c))
	}
	return out
}

// jvpByDoubleVJP computes J·v in reverse mode only: the VJP uᵀJ is linear in
// the seed u, so J·v = ∂/∂u Σᵢ⟨(uᵀJ)ᵢ, vᵢ⟩, taken at u = 0 (as PyTorch's
// torch.autograd.functional.jvp does) with the VJP recorded (VJPGraph). At
// u = 0 every rule sees g = 0, so a rule that is not differentiable there
// fails this check: PyTorch's logcumsumexp rule, which takes log|g|, gives
// NaN.
func jvpByDoubleVJP(f autograd.Func, xs, v []*tensor.Tensor) *tensor.Tensor {
	tp := autograd.NewTape()
	xv := make([]autograd.Var, len(xs))
	for i, x := range xs {
		xv[i] = tp.Var(x)
	}
	y := f(tp, xv)
	seed := tp.Var(tensor.ZerosLike(y.Value()))
	var s autograd.Var
	for i, g := range tp.VJPGraph(y, seed, xv...) {
		term := tp.Sum(tp.Mul(g, tp.Const(v[i])))
		if i == 0 {
			s = term
		} else {
			s = tp.Add(s, term)
		}
	}
	return tp.Grad(s, seed)[0].Value().Copy()
}

// forwardReport holds cmp diffs ("" when they agree) of the forward-mode
// checks of one function at one point.
type forwardReport struct {
	value     string // JVP's value output against f(xs), exact
	doubleVJP string // JVP against the double-VJP construction
	fd        string // JVP against the central difference along v
	adjoint   string // ⟨J·v, u⟩ against Σᵢ⟨vᵢ, (Jᵀu)ᵢ⟩
}

// checkForward runs the forward-mode checks of f at xs with the tangents v
// and the cotangent u.
func checkForward(f autograd.Func, xs, v []*tensor.Tensor, u *tensor.Tensor) forwardReport {
	var r forwardReport
	y, jv := autograd.JVP(f, xs, v)
	r.value = cmp.Diff(eval(f, xs).Data(), y.Data())
	r.doubleVJP = cmp.Diff(jvpByDoubleVJP(f, xs, v).Data(), jv.Data(), jvpExact)
	plus, minus := eval(f, axpy(xs, fdStep, v)), eval(f, axpy(xs, -fdStep, v))
	fd := tensor.Scale(tensor.Sub(plus, minus), 1/(2*fdStep))
	r.fd = cmp.Diff(fd.Data(), jv.Data(), jvpFD)
	_, vjp := autograd.VJPFunc(f, xs, u)
	r.adjoint = cmp.Diff(dot(vjp, v), dot([]*tensor.Tensor{jv}, []*tensor.Tensor{u}), jvpExact)
	return r
}

// weighted returns s(x) = Σ(f(x) ⊙ r), a scalar function of the row.
func weighted(f autograd.Func, r *tensor.Tensor) autograd.Func {
	return func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
		return tp.Sum(tp.Mul(f(tp, x), tp.Const(r)))
	}
}

// hvpByDoubleReverse computes H·v of a scalar s reverse over reverse:
// ∇s recorded (GradGraph), then the gradient of Σᵢ⟨(∇s)ᵢ, vᵢ⟩.
func hvpByDoubleReverse(s autograd.Func, xs, v []*tensor.Tensor) []*tensor.Tensor {
	tp := autograd.NewTape()
	xv := make([]autograd.Var, len(xs))
	for i, x := range xs {
		xv[i] = tp.Var(x)
	}
	var gv autograd.Var
	for i, g := range tp.GradGraph(s(tp, xv), xv...) {
		term := tp.Sum(tp.Mul(g, tp.Const(v[i])))
		if i == 0 {
			gv = term
		} else {
			gv = tp.Add(gv, term)
		}
	}
	out := make([]*tensor.Tensor, len(xv))
	for i, h := range tp.Grad(gv, xv...) {
		out[i] = h.Value().Copy()
	}
	return out
}

// hvpByReverseOverForward computes H·v of s = Σ(f ⊙ w) reverse over
// forward: the inputs carry the tangents v, so f's tangent J·v is recorded
// with the forward rules' own ops, and the gradient of ⟨J·v, w⟩ is
// Σₖ wₖ·∇²fₖ·v = H·v. It checks that every forward rule is differentiable.
func hvpByReverseOverForward(f autograd.Func, w *tensor.Tensor, xs, v []*tensor.Tensor) []*tensor.Tensor {
	tp := autograd.NewTape()
	xv := make([]autograd.Var, len(xs))
	for i, x := range xs {
		xv[i] = tp.Var(x)
		tp.SetTangent(xv[i], tp.Const(v[i]))
	}
	jv := tp.Tangent(f(tp, xv))
	out := make([]*tensor.Tensor, len(xv))
	for i, h := range tp.Grad(tp.Sum(tp.Mul(jv, tp.Const(w))), xv...) {
		out[i] = h.Value().Copy()
	}
	return out
}

// TestJVP checks forward mode for every gradient-check row, at the row's
// point with seeded tangents v and cotangent u: (a) JVP against the
// double-VJP construction and against central differences, (b) the
// adjoint identity ⟨J·v, u⟩ = Σᵢ⟨vᵢ, (Jᵀu)ᵢ⟩ with VJPFunc, (c) for rows
// checked to second order, forward-over-reverse HVP of Σ(f ⊙ r) and
// reverse over forward (the gradient of ⟨J·v, r⟩) against reverse over
// reverse; and JacobianFwd against Jacobian.
func TestJVP(t *testing.T) {
	for i, row := range gradRows() {
		t.Run(row.name, func(t *testing.T) {
			seed := uint64(i + 1)
			xs := row.inputs(seed)
			v := randLike(seed, 1, xs...)
			y := eval(row.f, xs)
			u := randLike(seed, 2, y)[0]

			rep := checkForward(row.f, xs, v, u)
			if rep.value != "" {
				t.Errorf("row %s: JVP's value differs from f (-f +JVP):\n%s", row.name, rep.value)
			}
			if rep.doubleVJP != "" {
				t.Errorf("row %s: JVP differs from the double VJP (-double VJP +JVP):\n%s", row.name, rep.doubleVJP)
			}
			if rep.fd != "" {
				t.Errorf("row %s: JVP differs from central differences (-numeric +JVP):\n%s", row.name, rep.fd)
			}
			if rep.adjoint != "" {
				t.Errorf("row %s: ⟨J·v, u⟩ differs from ⟨v, Jᵀu⟩ (-⟨v, Jᵀu⟩ +⟨J·v, u⟩):\n%s", row.name, rep.adjoint)
			}

			jr, jf := autograd.Jacobian(row.f, xs), autograd.JacobianFwd(row.f, xs)
			for k := range jr {
				if diff := cmp.Diff(jr[k].Shape(), jf[k].Shape()); diff != "" {
					t.Errorf("row %s: JacobianFwd block %d shape (-Jacobian +JacobianFwd):\n%s", row.name, k, diff)
				} else if diff := cmp.Diff(jr[k].Data(), jf[k].Data(), jvpExact); diff != "" {
					t.Errorf("row %s: JacobianFwd block %d (-Jacobian +JacobianFwd):\n%s", row.name, k, diff)
				}
			}

			if row.firstOnly {
				return
			}
			// r in [0.5, 1.5), as CheckSecond's: no output weighted by 0
			r := tensor.RandU(rand.New(rand.NewPCG(seed, 3)), 0.5, 1.5, y.Shape()...)
			s := weighted(row.f, r)
			want, got := hvpByDoubleReverse(s, xs, v), autograd.HVP(s, xs, v)
			rof := hvpByReverseOverForward(row.f, r, xs, v)
			for k := range want {
				if diff := cmp.Diff(want[k].Data(), got[k].Data(), hvpExact); diff != "" {
					t.Errorf("row %s: HVP input %d, forward over reverse differs from reverse over reverse (-reverse +forward):\n%s", row.name, k, diff)
				}
				if diff := cmp.Diff(want[k].Data(), rof[k].Data(), hvpExact); diff != "" {
					t.Errorf("row %s: HVP input %d, reverse over forward differs from reverse over reverse (-reverse over reverse +reverse over forward):\n%s", row.name, k, diff)
				}
			}
		})
	}
}

// TestJVPCheckCatchesWrongRule proves the forward-mode checks can fail. A
// custom op computes x³ with a right reverse rule (3x²·g) and a forward
// rule that is right (3x²·ẋ) or wrong (2x²·ẋ); the wrong one must be
// caught by the double-VJP, finite-difference and adjoint checks.
func TestJVPCheckCatchesWrongRule(t *testing.T) {
	cube := func(jvpCoef float64) *autograd.CustomOp {
		return &autograd.CustomOp{
			Name:    "cube",
			Forward: func(in []*tensor.Tensor) *tensor.Tensor { return tensor.PowScalar(in[0], 3) },
			Backward: func(tp *autograd.Tape, in []autograd.Var, out, g autograd.Var) []autograd.Var {
				return []autograd.Var{tp.Mul(g, tp.Scale(tp.Square(in[0]), 3))}
			},
			JVP: func(tp *autograd.Tape, in []autograd.Var, out autograd.Var, t []autograd.Var) autograd.Var {
				return tp.Mul(t[0], tp.Scale(tp.Square(in[0]), jvpCoef))
			},
		}
	}
	xs := []*tensor.Tensor{tensor.New([]float64{0.5, -1.5, 2}, 3)}
	v := []*tensor.Tensor{tensor.New([]float64{1, -0.5, 0.25}, 3)}
	u := tensor.New([]float64{0.3, 0.7, -1.1}, 3)
	for _, tc := range []struct {
		name    string
		coef    float64
		wantBad bool
	}{
		{"right rule 3x²", 3, false},
		{"wrong rule 2x²", 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := cube(tc.coef)
			f := func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Apply(op, x[0]) }
			r := checkForward(f, xs, v, u)
			for _, c := range []struct{ check, diff string }{
				{"double VJP", r.doubleVJP}, {"finite differences", r.fd}, {"adjoint", r.adjoint},
			} {
				if got := c.diff != ""; got != tc.wantBad {
					t.Errorf("%s check reported a difference: %v, want %v (diff: %s)", c.check, got, tc.wantBad, c.diff)
				}
			}
			if r.value != "" {
				t.Errorf("JVP's value differs from f:\n%s", r.value)
			}
		})
	}
}
