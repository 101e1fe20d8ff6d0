package autograd_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// approx compares float slices; 1e-12 is far above float64 rounding for the
// O(1) values of these tests and far below any real derivative error.
var approx = cmpopts.EquateApprox(0, 1e-12)

func vec(v ...float64) *tensor.Tensor { return tensor.New(v, len(v)) }

func TestBackwardAccumulatesIntoParams(t *testing.T) {
	w := autograd.NewParam(vec(1, 2, 3))
	step := func() {
		tp := autograd.NewTape()
		// loss = Σ w² + Σ w (an expression of a parameter alone)
		loss := tp.Add(tp.Sum(tp.Square(w)), tp.Sum(w))
		tp.Backward(loss)
	}
	step()
	if d := cmp.Diff([]float64{3, 5, 7}, w.Grad().Data(), approx); d != "" {
		t.Fatalf("after one Backward (-want +got):\n%s", d)
	}
	step()
	if d := cmp.Diff([]float64{6, 10, 14}, w.Grad().Data(), approx); d != "" {
		t.Fatalf("gradients must accumulate across Backward calls (-want +got):\n%s", d)
	}
	w.ZeroGrad()
	if d := cmp.Diff([]float64{0, 0, 0}, w.Grad().Data()); d != "" {
		t.Fatalf("after ZeroGrad (-want +got):\n%s", d)
	}
}

// TestMulGradientsIntoParams: Backward adds a product's parameter gradients
// straight into storage (after ZeroGrad it overwrites); the result must
// equal Grad's, which goes through the tape, across two accumulating calls.
func TestMulGradientsIntoParams(t *testing.T) {
	w := autograd.NewParam(vec(1, -2, 3))
	x := vec(0.5, 4, -1)
	loss := func(tp *autograd.Tape) autograd.Var {
		u := tp.Mul(tp.Const(x), w)            // w on the right
		v := tp.Mul(w, tp.Tanh(u))             // and on the left, twice in all
		return tp.Sum(tp.Add(v, tp.Mul(w, w))) // and w·w
	}
	tp := autograd.NewTape()
	want := tp.Grad(loss(tp), w)[0].Value().Copy()
	for round := 1; round <= 2; round++ {
		tp.Reset()
		tp.Backward(loss(tp))
		got := w.Grad()
		if d := cmp.Diff(tensor.Scale(want, float64(round)).Data(), got.Data(), approx); d != "" {
			t.Fatalf("after %d Backward calls (-want +got):\n%s", round, d)
		}
	}
	w.ZeroGrad()
	tp.Reset()
	tp.Backward(loss(tp))
	if d := cmp.Diff(want.Data(), w.Grad().Data(), approx); d != "" {
		t.Errorf("after ZeroGrad and Backward (-want +got):\n%s", d)
	}
}

func TestSameVarTwiceSumsGradients(t *testing.T) {
	tp := autograd.NewTape()
	x := tp.Var(vec(3))
	y := tp.Add(x, x) // dy/dx = 2, the classic micrograd bug when gradients are assigned
	z := tp.Mul(y, x) // z = 2x², dz/dx = 4x = 12
	tp.Backward(tp.Sum(z))
	if got := x.Grad().Data()[0]; got != 12 {
		t.Errorf("d(2x·x)/dx at 3 = %v, want 12", got)
	}
}

func TestGradDoesNotTouchParams(t *testing.T) {
	w := autograd.NewParam(vec(2))
	u := autograd.NewParam(vec(5))
	tp := autograd.NewTape()
	y := tp.Sum(tp.Mul(w, w))
	g := tp.Grad(y, w, u)
	if got := g[0].Value().Data()[0]; got != 4 {
		t.Errorf("dy/dw = %v, want 4", got)
	}
	if got := g[1].Value().Data()[0]; got != 0 {
		t.Errorf("dy/du for an unused param = %v, want 0", got)
	}
	if w.Grad() != nil {
		t.Errorf("Grad stored into the parameter: %v", w.Grad())
	}
}

func TestBackwardWithIsVJP(t *testing.T) {
	tp := autograd.NewTape()
	A := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	x := tp.Var(vec(1, -1, 2))
	y := tp.Reshape(tp.MatMul(tp.Const(A), tp.Reshape(x, 3, 1)), 2) // y = A x
	tp.BackwardWith(y, vec(1, 10))                                  // gᵀA
	if d := cmp.Diff([]float64{41, 52, 63}, x.Grad().Data(), approx); d != "" {
		t.Errorf("VJP (-want +got):\n%s", d)
	}
}

func TestHessianVectorProduct(t *testing.T) {
	// f(x) = xᵀAx: ∇f = (A + Aᵀ)x, H = A + Aᵀ, so H·v = (A + Aᵀ)v.
	A := tensor.New([]float64{2, 1, 0, 3, 4, 1, 0, 2, 5}, 3, 3)
	x0, v := vec(1, 2, 3), vec(0.5, -1, 2)
	tp := autograd.NewTape()
	x := tp.Var(x0)
	xc := tp.Reshape(x, 3, 1)
	f := tp.Sum(tp.Mul(xc, tp.MatMul(tp.Const(A), xc)))
	g := tp.GradGraph(f, x)[0]
	hv := tp.Grad(tp.Sum(tp.Mul(g, tp.Const(v))), x)[0]
	H := tensor.Add(A, tensor.T(A))
	want := tensor.Reshape(tensor.MatMul(H, tensor.Reshape(v, 3, 1)), 3)
	if d := cmp.Diff(want.Data(), hv.Value().Data(), approx); d != "" {
		t.Errorf("Hv (-want +got):\n%s", d)
	}
}

func TestTanhFourDerivatives(t *testing.T) {
	// Closed forms with t = tanh x: t′ = 1−t², t″ = −2t(1−t²),
	// t‴ = (1−t²)(6t²−2), t⁗ = 8t(1−t²)(2−3t²).
	x0 := 0.7
	th := math.Tanh(x0)
	s := 1 - th*th
	want := []float64{s, -2 * th * s, s * (6*th*th - 2), 8 * th * s * (2 - 3*th*th)}
	tp := autograd.NewTape()
	x := tp.Var(tensor.Scalar(x0))
	y := tp.Tanh(x)
	var got []float64
	for range 4 {
		y = tp.GradGraph(y, x)[0]
		got = append(got, y.Item())
	}
	if d := cmp.Diff(want, got, approx); d != "" {
		t.Errorf("derivatives 1..4 of tanh at %v (-want +got):\n%s", x0, d)
	}
}

func TestSigmoidThreeDerivatives(t *testing.T) {
	// With s = σ(x): s′ = s(1−s), s″ = s(1−s)(1−2s), s‴ = s(1−s)(1−6s+6s²).
	// These exercise sigmoid_grad's own rule (second order) and its rule's
	// rule (third order).
	x0 := -0.4
	sg := 1 / (1 + math.Exp(-x0))
	d := sg * (1 - sg)
	want := []float64{d, d * (1 - 2*sg), d * (1 - 6*sg + 6*sg*sg)}
	tp := autograd.NewTape()
	x := tp.Var(tensor.Scalar(x0))
	y := tp.Sigmoid(x)
	var got []float64
	for range 3 {
		y = tp.GradGraph(y, x)[0]
		got = append(got, y.Item())
	}
	if d := cmp.Diff(want, got, approx); d != "" {
		t.Errorf("derivatives 1..3 of σ at %v (-want +got):\n%s", x0, d)
	}
}

// TestReLUGradOfSeed: the forward-mode product through ReLU (a VJP
// differentiated with respect to its seed, which runs relu_grad's own rule)
// is step(x) ⊙ t.
func TestReLUGradOfSeed(t *testing.T) {
	f := func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.ReLU(x[0]) }
	x := vec(-1.5, 0.5, 2, -0.25)
	tang := vec(1, 2, 3, 4)
	_, jvp := autograd.JVP(f, []*tensor.Tensor{x}, []*tensor.Tensor{tang})
	if d := cmp.Diff([]float64{0, 2, 3, 0}, jvp.Data()); d != "" {
		t.Errorf("JVP of ReLU (-want +got):\n%s", d)
	}
}

func TestNoGradAndNilTape(t *testing.T) {
	w := autograd.NewParam(vec(1, 2))
	tp := autograd.NewTape()
	var y autograd.Var
	tp.NoGrad(func() { y = tp.Sum(tp.Square(w)) })
	if y.RequiresGrad() {
		t.Errorf("a Var computed under NoGrad requires a gradient")
	}
	var nilTape *autograd.Tape
	z := nilTape.Sum(nilTape.Square(w))
	if got := z.Item(); got != 5 {
		t.Errorf("nil tape Σw² = %v, want 5", got)
	}
	if nilTape.Len() != 0 {
		t.Errorf("nil tape recorded %d nodes", nilTape.Len())
	}
}

func TestResetReusesBuffers(t *testing.T) {
	w := autograd.NewParam(tensor.Ones(64, 64))
	x := tensor.Ones(8, 64)
	tp := autograd.NewTape()
	step := func() {
		tp.Reset()
		loss := tp.Sum(tp.Tanh(tp.MatMul(tp.Const(x), w)))
		tp.Backward(loss)
	}
	step()
	step()
	allocs := testing.AllocsPerRun(10, step)
	// Without buffer reuse each step would make ~10 tensors of 512+ floats
	// (values and gradients), each at least two allocations.
	if allocs > 30 {
		t.Errorf("steady-state step allocates %v objects; buffers are not being reused", allocs)
	}
}

// TestPoolReplayAcrossChangingPasses: passes of different structures on one
// tape (other batch sizes, same element count in another shape, a shorter
// pass, a longer one) give exactly a fresh tape's values and gradients, and
// no two values of a pass share a buffer.
func TestPoolReplayAcrossChangingPasses(t *testing.T) {
	w := autograd.NewParam(tensor.RandN(rand.New(rand.NewPCG(7, 7)), 5, 3))
	pass := func(tp *autograd.Tape, rows, cols, depth int) (vals []*tensor.Tensor, loss float64, grad []float64) {
		x := tp.Const(tensor.RandN(rand.New(rand.NewPCG(uint64(rows), uint64(cols))), rows, cols))
		h := tp.MatMul(tp.Reshape(x, rows*cols/5, 5), w)
		vals = append(vals, x.Value(), h.Value())
		for range depth {
			h = tp.Tanh(tp.Add(h, tp.Scale(h, 0.5)))
			vals = append(vals, h.Value())
		}
		l := tp.Sum(tp.Square(h))
		w.ZeroGrad()
		tp.Backward(l)
		return append(vals, l.Value()), l.Item(), slices.Clone(w.Grad().Data())
	}
	tp := autograd.NewTape()
	for i, c := range []struct{ rows, cols, depth int }{
		{4, 5, 3}, {4, 5, 3}, {2, 10, 3}, {8, 5, 3}, {4, 5, 1}, {4, 5, 6}, {20, 1, 6}, {4, 5, 3}, {1, 5, 0}, {4, 5, 3},
	} {
		tp.Reset()
		vals, loss, grad := pass(tp, c.rows, c.cols, c.depth)
		_, wantLoss, wantGrad := pass(autograd.NewTape(), c.rows, c.cols, c.depth)
		if loss != wantLoss || !slices.Equal(grad, wantGrad) {
			t.Errorf("pass %d %+v: loss %v, grad %v; a fresh tape gives %v, %v", i, c, loss, grad, wantLoss, wantGrad)
		}
		seen := map[*float64]int{}
		for j, v := range vals {
			if k, ok := seen[&v.Data()[0]]; ok {
				t.Fatalf("pass %d %+v: values %d and %d share a buffer", i, c, k, j)
			}
			seen[&v.Data()[0]] = j
		}
	}
}

// mustPanic runs f and returns the error it panicked with.
func mustPanic(t *testing.T, f func()) error {
	t.Helper()
	err := tapegradtest.Catch(f)
	if err == nil {
		t.Fatalf("no panic")
	}
	return err
}

func TestMisusePanics(t *testing.T) {
	other := autograd.NewTape()
	foreign := other.Var(vec(1))
	old := autograd.NewTape()
	stale := old.Var(vec(1))
	old.Reset()
	for _, tc := range []struct {
		name     string
		f        func(tp *autograd.Tape)
		sentinel error
		want     string // a fragment the message must contain
	}{
		{"shape mismatch names op and shapes", func(tp *autograd.Tape) { tp.Add(tp.Var(tensor.Zeros(2, 3)), tp.Var(tensor.Zeros(4))) }, tensor.ErrShape, "autograd.add: [2 3] and [4]"},
		{"matmul inner dims", func(tp *autograd.Tape) { tp.MatMul(tp.Var(tensor.Zeros(2, 3)), tp.Var(tensor.Zeros(4, 5))) }, tensor.ErrShape, "inner dimensions"},
		{"backward of non-scalar", func(tp *autograd.Tape) { tp.Backward(tp.Var(tensor.Zeros(3))) }, tensor.ErrShape, "BackwardWith"},
		{"var of another tape", func(tp *autograd.Tape) { tp.Neg(foreign) }, autograd.ErrTape, "another tape"},
		{"var of a reset tape", func(tp *autograd.Tape) { old.Neg(stale) }, autograd.ErrTape, "Reset"},
		{"zero var", func(tp *autograd.Tape) { tp.Exp(autograd.Var{}) }, autograd.ErrTape, "zero Var"},
		{"seed of wrong shape", func(tp *autograd.Tape) { tp.BackwardWith(tp.Var(tensor.Zeros(3)), tensor.Zeros(2)) }, tensor.ErrShape, "seed"},
		{"gather label out of range", func(tp *autograd.Tape) { tp.Gather(tp.Var(tensor.Zeros(2, 3)), 1, []int{0, 3}) }, tensor.ErrIndex, "index 3"},
		{"bad reduction axis", func(tp *autograd.Tape) { tp.Sum(tp.Var(tensor.Zeros(2, 3)), 2) }, tensor.ErrShape, "axis 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := mustPanic(t, func() { tc.f(autograd.NewTape()) })
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("panic %v does not wrap %v", err, tc.sentinel)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("panic message %q lacks %q", err, tc.want)
			}
		})
	}
}

// TestShapeErrorNamesCallSite: a shape error escaping a tape op carries the
// user's file:line, here this test file.
func TestShapeErrorNamesCallSite(t *testing.T) {
	tp := autograd.NewTape()
	a, b := tp.Var(tensor.Zeros(2, 3)), tp.Var(tensor.Zeros(3, 2))
	err := mustPanic(t, func() { tp.Mean(tp.Mul(a, b)) })
	var se *tensor.ShapeError
	if !errors.As(err, &se) {
		t.Fatalf("panic %v is not a *tensor.ShapeError", err)
	}
	if !strings.Contains(se.Site, "tape_test.go:") || !strings.Contains(err.Error(), "(at ") {
		t.Errorf("site = %q, message %q: want this test file's line", se.Site, err)
	}
}

func TestHooksRunInOrderAndReplace(t *testing.T) {
	tp := autograd.NewTape()
	x := tp.Var(vec(1, 2))
	h := tp.Scale(x, 3)
	var seen []string
	tp.Hook(h, func(g autograd.Var) autograd.Var {
		seen = append(seen, fmt.Sprint("first ", g.Value().Data()))
		return tp.Neg(g) // gradient reversal
	})
	tp.Hook(h, func(g autograd.Var) autograd.Var {
		seen = append(seen, fmt.Sprint("second ", g.Value().Data()))
		return g
	})
	tp.Backward(tp.Sum(h))
	if d := cmp.Diff([]string{"first [1 1]", "second [-1 -1]"}, seen); d != "" {
		t.Errorf("hook order (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]float64{-3, -3}, x.Grad().Data()); d != "" {
		t.Errorf("gradient after reversal hook (-want +got):\n%s", d)
	}
}

func TestAnomalyModeNamesOpAndSite(t *testing.T) {
	tp := autograd.NewTape()
	tp.SetAnomaly(true)
	x := tp.Var(vec(1, 0))
	err := mustPanic(t, func() { tp.Log(x) })
	var ae *autograd.AnomalyError
	if !errors.As(err, &ae) || !errors.Is(err, autograd.ErrAnomaly) {
		t.Fatalf("panic %v is not an *AnomalyError", err)
	}
	if ae.Op != "log" || ae.Phase != "forward" || !strings.Contains(ae.Site, "tape_test.go:") {
		t.Errorf("anomaly = %+v, want op log, forward, a site in tape_test.go", ae)
	}
	// backward: sqrt at 0 is finite forward, its derivative 1/(2√0) is not
	tp2 := autograd.NewTape()
	tp2.SetAnomaly(true)
	y := tp2.Var(vec(0, 4))
	s := tp2.Sum(tp2.Sqrt(y))
	err = mustPanic(t, func() { tp2.Backward(s) })
	if !errors.As(err, &ae) || ae.Phase != "backward" || !strings.HasPrefix(ae.Op, "sqrt") {
		t.Errorf("backward anomaly = %v, want sqrt in the backward pass", err)
	}
}

func TestTwoTapesInParallel(t *testing.T) {
	// Run with -race: two goroutines, two tapes, two models.
	var wg sync.WaitGroup
	results := make([]float64, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := autograd.NewParam(vec(float64(i+1), 1))
			tp := autograd.NewTape()
			for range 50 {
				tp.Reset()
				w.ZeroGrad()
				loss := tp.Sum(tp.Square(w))
				tp.Backward(loss)
				tensor.AddScaledTo(w.Value(), -0.1, w.Grad())
			}
			results[i] = w.Value().Data()[0]
		}()
	}
	wg.Wait()
	// w ← 0.8 w each step, 50 steps
	want := []float64{math.Pow(0.8, 50), 2 * math.Pow(0.8, 50)}
	if d := cmp.Diff(want, results, approx); d != "" {
		t.Errorf("parallel training (-want +got):\n%s", d)
	}
}

func TestStringPrintsGraph(t *testing.T) {
	tp := autograd.NewTape()
	w := autograd.NewNamedParam("w", vec(1, 2))
	x := tp.Const(vec(3, 4))
	y := tp.Sigmoid(tp.Mul(x, w))
	got := tp.String()
	for _, want := range []string{"Tape(3 nodes)", "%0 = const [2]", "%1 = mul [2] ← %0 w", "%2 = sigmoid [2] ← %1"} {
		if !strings.Contains(got, want) {
			t.Errorf("Tape.String() = %q lacks %q", got, want)
		}
	}
	if s := y.String(); !strings.HasPrefix(s, "Var(%2 sigmoid [2] ← %1)") {
		t.Errorf("Var.String() = %q", s)
	}
}
