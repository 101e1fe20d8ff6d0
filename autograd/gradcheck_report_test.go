package autograd_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// reportTol compares the central differences in reports: for the
// quadratics and cubics below a central difference with step 1e-6 is exact
// but for rounding, about 1e-16·|f|/1e-6 ≈ 1e-9 at these magnitudes; 1e-6
// leaves room and is far below every deliberate error (≥ 1).
var reportTol = cmpopts.EquateApprox(0, 1e-6)

// squareOff is x² element-wise with a rule that is off by off: its
// derivative reads 2x + off, wrong exactly where off ≠ 0. The rule is in
// tape ops.
func squareOff(off *tensor.Tensor) *autograd.CustomOp {
	return &autograd.CustomOp{
		Name:    "squareoff",
		Forward: func(in []*tensor.Tensor) *tensor.Tensor { return tensor.Square(in[0]) },
		Backward: func(tp *autograd.Tape, in []autograd.Var, out, g autograd.Var) []autograd.Var {
			return []autograd.Var{tp.Mul(g, tp.Add(tp.Scale(in[0], 2), tp.Const(off)))}
		},
	}
}

// TestCheckReportFailures: a rule wrong on some elements only is counted
// element by element, and the failing elements are listed worst first
// (relative to tolerance, at most 5), in multi-index notation for both the
// input and the output element.
func TestCheckReportFailures(t *testing.T) {
	for _, tc := range []struct {
		name         string
		f            autograd.Func
		in           []*tensor.Tensor
		wantElements int
		wantFailed   int
		want         []autograd.CheckElement
	}{
		{
			// y = (x²)ᵀ, shape (3, 2): the output index is y's, not x's.
			// Wrong at x[0,1] = 1 (7 for 2) and x[1,2] = 3 (7 for 6); the
			// first is worse: 5/(1e-5 + 1e-3·2) ≫ 1/(1e-5 + 1e-3·6).
			name: "two of six wrong, transposed output",
			f: func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
				return tp.T(tp.Apply(squareOff(tensor.New([]float64{0, 5, 0, 0, 0, 1}, 2, 3)), x[0]))
			},
			in:           []*tensor.Tensor{tensor.New([]float64{0.5, 1, 1.5, 2, 2.5, 3}, 2, 3)},
			wantElements: 36, // a 6×6 Jacobian
			wantFailed:   2,
			want: []autograd.CheckElement{
				{Input: 0, Element: []int{0, 1}, Output: []int{1, 0}, Analytic: 7, Numeric: 2, AbsErr: 5},
				{Input: 0, Element: []int{1, 2}, Output: []int{2, 1}, Analytic: 7, Numeric: 6, AbsErr: 1},
			},
		},
		{
			// y = Σx0 + Σ x1², a scalar (y[]). x1 = 1 everywhere, so the
			// order is the offsets' order: 7, 6, 5, 4, 3 listed; 2 and 1
			// counted only; x1[0,1] (offset 0) and all of x0 pass.
			name: "seven of eight wrong, second input, scalar output",
			f: func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
				off := tensor.New([]float64{3, 0, 7, 1, 6, 2, 5, 4}, 2, 4)
				return tp.Add(tp.Sum(x[0]), tp.Sum(tp.Apply(squareOff(off), x[1])))
			},
			in:           []*tensor.Tensor{tensor.New([]float64{1, 2, 3}, 3), tensor.Ones(2, 4)},
			wantElements: 11, // 1 output × (3 + 8) input elements
			wantFailed:   7,
			want: []autograd.CheckElement{
				{Input: 1, Element: []int{0, 2}, Output: []int{}, Analytic: 9, Numeric: 2, AbsErr: 7},
				{Input: 1, Element: []int{1, 0}, Output: []int{}, Analytic: 8, Numeric: 2, AbsErr: 6},
				{Input: 1, Element: []int{1, 2}, Output: []int{}, Analytic: 7, Numeric: 2, AbsErr: 5},
				{Input: 1, Element: []int{1, 3}, Output: []int{}, Analytic: 6, Numeric: 2, AbsErr: 4},
				{Input: 1, Element: []int{0, 0}, Output: []int{}, Analytic: 5, Numeric: 2, AbsErr: 3},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := autograd.Check(tc.f, tc.in, nil)
			if !errors.Is(err, autograd.ErrGradCheck) {
				t.Fatalf("Check error = %v, want ErrGradCheck", err)
			}
			if rep.OK || rep.Order != 1 || rep.Elements != tc.wantElements || rep.Failed != tc.wantFailed {
				t.Errorf("OK, Order, Elements, Failed = %v, %d, %d, %d, want false, 1, %d, %d",
					rep.OK, rep.Order, rep.Elements, rep.Failed, tc.wantElements, tc.wantFailed)
			}
			if diff := cmp.Diff(tc.want, rep.Failures, reportTol); diff != "" {
				t.Errorf("Failures (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want[0], rep.CheckElement, reportTol); diff != "" {
				t.Errorf("worst element (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), rep.String()) {
				t.Errorf("error %q does not contain the report %q", err, rep)
			}
		})
	}
}

// TestCheckReportPasses: a passing report counts its elements, has no
// failures and still names its worst element in the output's shape.
func TestCheckReportPasses(t *testing.T) {
	f := func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
		return tp.T(tp.Apply(squareOff(tensor.Zeros(2, 3)), x[0]))
	}
	rep, err := autograd.Check(f, []*tensor.Tensor{tensor.New([]float64{0.5, 1, 1.5, 2, 2.5, 3}, 2, 3)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Order != 1 || rep.Elements != 36 || rep.Failed != 0 || rep.Failures != nil || rep.Hint != "" {
		t.Errorf("report %+v, want OK, order 1, 36 elements, none failed or listed, no hint", rep)
	}
	if len(rep.Output) != 2 || len(rep.Element) != 2 {
		t.Errorf("worst element ∂y%v/∂x%v, want 2-D indices for both", rep.Output, rep.Element)
	}
	if s := rep.String(); !strings.HasPrefix(s, "gradcheck ok: 0 of 36 elements of ∂y/∂x outside tolerance; ") || !strings.Contains(s, "; worst relative to tolerance ∂y[") {
		t.Errorf("String() = %q", s)
	}
}

// TestCheckReportString pins the report's text: one notation for input and
// output elements (x1[0,2], y[1,0], y[] for a scalar, g0[2] for a
// gradient), the count, the worst-first list and the hint.
func TestCheckReportString(t *testing.T) {
	for _, tc := range []struct {
		name string
		rep  autograd.CheckReport
		want string
	}{
		{
			name: "ok, scalar output",
			rep: autograd.CheckReport{OK: true, Order: 1, Elements: 6, MaxAbsErr: 2e-9, MaxRelErr: 1e-9,
				CheckElement: autograd.CheckElement{Input: 1, Element: []int{2}, Output: []int{}, Analytic: 1.5, Numeric: 1.500000002, AbsErr: 2e-9}},
			want: "gradcheck ok: 0 of 6 elements of ∂y/∂x outside tolerance; max abs err 2e-09, max rel err 1e-09; " +
				"worst relative to tolerance ∂y[]/∂x1[2]: analytic 1.5, numeric 1.500000002 (abs err 2e-09)",
		},
		{
			name: "failed, two listed, one more",
			rep: autograd.CheckReport{Order: 1, Elements: 36, Failed: 3, MaxAbsErr: 5, MaxRelErr: 2.5,
				CheckElement: autograd.CheckElement{Input: 0, Element: []int{0, 1}, Output: []int{1, 0}, Analytic: 7, Numeric: 2, AbsErr: 5},
				Failures: []autograd.CheckElement{
					{Input: 0, Element: []int{0, 1}, Output: []int{1, 0}, Analytic: 7, Numeric: 2, AbsErr: 5},
					{Input: 1, Element: []int{1, 2, 0}, Output: []int{2, 1}, Analytic: 7, Numeric: 6, AbsErr: 1},
				}},
			want: "gradcheck FAILED: 3 of 36 elements of ∂y/∂x outside tolerance; max abs err 5, max rel err 2.5; " +
				"worst first, relative to tolerance: ∂y[1,0]/∂x0[0,1]: analytic 7, numeric 2 (abs err 5); ∂y[2,1]/∂x1[1,2,0]: analytic 7, numeric 6 (abs err 1); and 1 more",
		},
		{
			name: "second order, with hint",
			rep: autograd.CheckReport{Order: 2, Elements: 4, Failed: 1, MaxAbsErr: 12, MaxRelErr: 1,
				CheckElement: autograd.CheckElement{Input: 1, Element: []int{0, 1}, Output: []int{2}, Grad: 0, Numeric: 12, AbsErr: 12},
				Failures:     []autograd.CheckElement{{Input: 1, Element: []int{0, 1}, Output: []int{2}, Grad: 0, Numeric: 12, AbsErr: 12}},
				Hint:         "look here"},
			want: "gradcheck second order FAILED: 1 of 4 elements of ∂g/∂x outside tolerance, g = ∇s the gradient recorded by GradGraph " +
				"(s = f, or Σ r⊙f with a fixed random r for a non-scalar f) differentiated numerically: second derivatives, not the gradient itself " +
				"(Check checks that, and ran first); max abs err 12, max rel err 1; worst first, relative to tolerance: ∂g0[2]/∂x1[0,1]: analytic 0, numeric 12 (abs err 12); hint: look here",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.rep.String()); diff != "" {
				t.Errorf("String() (-want +got):\n%s", diff)
			}
		})
	}
}

// cubeRule is x³ element-wise with the derivative rule d(x)·g, for CheckSecond.
func cubeRule(d func(tp *autograd.Tape, x autograd.Var) autograd.Var) *autograd.CustomOp {
	return &autograd.CustomOp{
		Name:    "cube",
		Forward: func(in []*tensor.Tensor) *tensor.Tensor { return tensor.PowScalar(in[0], 3) },
		Backward: func(tp *autograd.Tape, in []autograd.Var, out, g autograd.Var) []autograd.Var {
			return []autograd.Var{tp.Mul(g, d(tp, in[0]))}
		},
	}
}

// TestCheckSecondReport: CheckSecond checks f's first derivatives before
// its second, says which order failed and what it checked, and hints at a
// rule written with tensor values when the analytic second derivatives are
// all zero.
func TestCheckSecondReport(t *testing.T) {
	x4 := tensor.New([]float64{0.5, -1, 1.5, 2}, 2, 2)
	for _, tc := range []struct {
		name          string
		d             func(tp *autograd.Tape, x autograd.Var) autograd.Var // the rule's d(x), for x³ (right: 3x²)
		scalar        bool                                                 // check Σ x³ rather than x³
		wantOrder     int
		wantFailed    int // 0: CheckSecond passes
		want          []autograd.CheckElement
		wantText      []string // in the error (or the String of a passing report)
		wantHint      bool
		wantElements  int
		wantNotInText []string
	}{
		{
			name:         "right rule",
			d:            func(tp *autograd.Tape, x autograd.Var) autograd.Var { return tp.Scale(tp.Square(x), 3) },
			wantOrder:    2,
			wantElements: 16, // ∂g/∂x for 4 elements
			wantText:     []string{"gradcheck second order ok: 0 of 16 elements of ∂g/∂x", "second derivatives, not the gradient itself"},
		},
		{
			// 2x² is differentiable and its derivative 4x is recorded
			// correctly: only the first-order check can catch it.
			name:         "wrong first derivative 2x²",
			d:            func(tp *autograd.Tape, x autograd.Var) autograd.Var { return tp.Scale(tp.Square(x), 2) },
			wantOrder:    1,
			wantElements: 16, // ∂y/∂x, y = x³ of 4 elements
			wantFailed:   4,
			wantText: []string{"CheckSecond: the first derivatives of f are wrong, so its second derivatives were not checked",
				"gradcheck FAILED: 4 of 16 elements of ∂y/∂x", "∂y[1,1]/∂x0[1,1]: analytic 8, numeric 12"},
			wantNotInText: []string{"second order"},
		},
		{
			// 3x² + c⊙(x² − x²|const): the value 3x², the derivative
			// 6x + 2cx, wrong where c ≠ 0: at [0,1] (−8 for −6) and [1,1]
			// (24 for 12, the worse: 12/(1e-5 + 1e-3·12) ≫ 2/(1e-5 + 1e-3·6)).
			name: "wrong second derivative on two elements",
			d: func(tp *autograd.Tape, x autograd.Var) autograd.Var {
				c := tp.Const(tensor.New([]float64{0, 1, 0, 3}, 2, 2))
				lag := tp.Sub(tp.Square(x), tp.Const(tensor.Square(x.Value())))
				return tp.Add(tp.Scale(tp.Square(x), 3), tp.Mul(c, lag))
			},
			scalar:       true,
			wantOrder:    2,
			wantElements: 16,
			wantFailed:   2,
			want: []autograd.CheckElement{
				{Input: 0, Element: []int{1, 1}, Output: []int{1, 1}, Analytic: 24, Numeric: 12, AbsErr: 12},
				{Input: 0, Element: []int{0, 1}, Output: []int{0, 1}, Analytic: -8, Numeric: -6, AbsErr: 2},
			},
			wantText: []string{"gradcheck second order FAILED: 2 of 16 elements of ∂g/∂x", "second derivatives, not the gradient itself",
				"worst first, relative to tolerance: ∂g0[1,1]/∂x0[1,1]: analytic 24, numeric "},
			wantNotInText: []string{"hint:"},
		},
		{
			// 3x² computed from the tensor value and wrapped in Const:
			// right to first order, invisible to GradGraph.
			name: "rule in tensor values",
			d: func(tp *autograd.Tape, x autograd.Var) autograd.Var {
				return tp.Const(tensor.Scale(tensor.Square(x.Value()), 3))
			},
			wantOrder:    2,
			wantElements: 16,
			wantFailed:   4, // the diagonal: ∂²s/∂x² = 6x·r ≠ 0, analytic 0
			wantText:     []string{"gradcheck second order FAILED: 4 of 16", "hint: the analytic second derivatives are exactly zero everywhere", "tape ops", "GradGraph"},
			wantHint:     true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := cubeRule(tc.d)
			f := func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
				y := tp.Apply(op, x[0])
				if tc.scalar {
					y = tp.Sum(y)
				}
				return y
			}
			rep, err := autograd.CheckSecond(f, []*tensor.Tensor{x4}, nil)
			if got, want := err != nil, tc.wantFailed > 0; got != want {
				t.Fatalf("CheckSecond error = %v, want error %v", err, want)
			}
			text := rep.String()
			if err != nil {
				if !errors.Is(err, autograd.ErrGradCheck) {
					t.Errorf("error %v does not wrap ErrGradCheck", err)
				}
				text = err.Error()
			}
			if rep.Order != tc.wantOrder || rep.Elements != tc.wantElements || rep.Failed != tc.wantFailed {
				t.Errorf("Order, Elements, Failed = %d, %d, %d, want %d, %d, %d",
					rep.Order, rep.Elements, rep.Failed, tc.wantOrder, tc.wantElements, tc.wantFailed)
			}
			if tc.want != nil {
				if diff := cmp.Diff(tc.want, rep.Failures, reportTol); diff != "" {
					t.Errorf("Failures (-want +got):\n%s", diff)
				}
			}
			if got := rep.Hint != ""; got != tc.wantHint {
				t.Errorf("Hint = %q, want a hint %v", rep.Hint, tc.wantHint)
			}
			for _, s := range tc.wantText {
				if !strings.Contains(text, s) {
					t.Errorf("text %q lacks %q", text, s)
				}
			}
			for _, s := range tc.wantNotInText {
				if strings.Contains(text, s) {
					t.Errorf("text %q contains %q", text, s)
				}
			}
		})
	}
}
