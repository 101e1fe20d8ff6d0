package nn_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

type (
	T = *autograd.Tape
	V = autograd.Var
)

// Hand-worked inputs. The expected numbers below come from the formulas in
// the doc comments, evaluated with Python's math module (log, exp, log1p).
var (
	// two datapoints, two output units
	qa = tensor.New([]float64{0.5, 0.2, 0.1, 0.9}, 2, 2)
	qy = tensor.New([]float64{1, 0, 0, 1}, 2, 2)
	// logits for 3 classes: ln(1+e⁻¹+e⁻²) = 0.40760596444438013 at label 2,
	// ln 3 = 1.0986122886681098 for equal logits
	ceZ      = tensor.New([]float64{1, 2, 3, 1, 1, 1}, 2, 3)
	ceLabels = []int{2, 0}
)

func TestLossValues(t *testing.T) {
	c := func(t *tensor.Tensor) V { return autograd.Const(t) }
	vec := func(x ...float64) *tensor.Tensor { return tensor.New(x, len(x)) }
	sc := tensor.Scalar
	w := tensor.New([]float64{1, 2, 3}, 3)
	logp := tensor.New([]float64{math.Log(0.2), math.Log(0.5), math.Log(0.3)}, 1, 3)
	tests := []struct {
		name string
		f    func(tp T) V
		want *tensor.Tensor
	}{
		// per datapoint: 0.5²+0.2² = 0.29 and 0.1²+0.1² = 0.02
		{"quadratic/none", func(tp T) V { return nn.Quadratic(tp, c(qa), c(qy), nn.ReduceNone) }, vec(0.29, 0.02)},
		{"quadratic/mean", func(tp T) V { return nn.Quadratic(tp, c(qa), c(qy)) }, sc(0.155)},
		{"quadratic/sum", func(tp T) V { return nn.Quadratic(tp, c(qa), c(qy), nn.ReduceSum) }, sc(0.31)},
		// rank 1: one unit per datapoint, (0.25 + 0.04 + 0.01)/3
		{"quadratic/rank 1", func(tp T) V { return nn.Quadratic(tp, c(vec(0.5, 0.8, 0.1)), c(vec(1, 1, 0))) }, sc(0.1)},
		// MSE = Quadratic / 2 units
		{"mse/none", func(tp T) V { return nn.MSE(tp, c(qa), c(qy), nn.ReduceNone) }, vec(0.145, 0.01)},
		{"mse/mean", func(tp T) V { return nn.MSE(tp, c(qa), c(qy)) }, sc(0.0775)},
		{"mse/sum", func(tp T) V { return nn.MSE(tp, c(qa), c(qy), nn.ReduceSum) }, sc(0.155)},
		// −ln 0.8, −ln 0.7
		{"bce/none", func(tp T) V {
			return nn.BinaryCrossEntropy(tp, c(tensor.New([]float64{0.8, 0.3}, 2, 1)), c(tensor.New([]float64{1, 0}, 2, 1)), nn.ReduceNone)
		}, vec(0.2231435513142097, 0.35667494393873245)},
		{"bce/mean", func(tp T) V {
			return nn.BinaryCrossEntropy(tp, c(tensor.New([]float64{0.8, 0.3}, 2, 1)), c(tensor.New([]float64{1, 0}, 2, 1)))
		}, sc(0.2899092476264711)},
		// summed over units: −ln 0.8 − ln 0.6
		{"bce/two units", func(tp T) V {
			return nn.BinaryCrossEntropy(tp, c(tensor.New([]float64{0.8, 0.4}, 1, 2)), c(tensor.New([]float64{1, 0}, 1, 2)))
		}, sc(0.7339691750802004)},
		// the log floor: ln 0 → −100, as PyTorch's BCELoss
		{"bce/p at 0 and 1", func(tp T) V {
			return nn.BinaryCrossEntropy(tp, c(vec(0, 1, 0, 1)), c(vec(1, 1, 0, 0)), nn.ReduceNone)
		}, vec(100, 0, 0, 100)},
		// softplus(2) − 2 = ln(1+e⁻²), softplus(−1) = ln(1+e⁻¹)
		{"bce logits/none", func(tp T) V {
			return nn.BCEWithLogits(tp, c(tensor.New([]float64{2, -1}, 2, 1)), c(tensor.New([]float64{1, 0}, 2, 1)), nn.ReduceNone)
		}, vec(0.1269280110429727, 0.31326168751822286)},
		{"bce logits/mean", func(tp T) V {
			return nn.BCEWithLogits(tp, c(tensor.New([]float64{2, -1}, 2, 1)), c(tensor.New([]float64{1, 0}, 2, 1)))
		}, sc(0.22009484928059778)},
		{"bce logits/±1000", func(tp T) V {
			return nn.BCEWithLogits(tp, c(vec(1000, -1000, 1000, -1000)), c(vec(1, 1, 0, 0)), nn.ReduceNone)
		}, vec(0, 1000, 1000, 0)},
		{"cross entropy/none", func(tp T) V { return nn.CrossEntropy(tp, c(ceZ), ceLabels, nn.ReduceNone) }, vec(0.40760596444438013, 1.0986122886681098)},
		{"cross entropy/mean", func(tp T) V { return nn.CrossEntropy(tp, c(ceZ), ceLabels) }, sc(0.753109126556245)},
		{"cross entropy/sum", func(tp T) V { return nn.CrossEntropy(tp, c(ceZ), ceLabels, nn.ReduceSum) }, sc(1.5062182531124901)},
		// weights w[2] = 3, w[0] = 1: mean = (3·0.4076… + 1.0986…)/(3+1)
		{"cross entropy/weighted none", func(tp T) V {
			return nn.CrossEntropy(tp, c(ceZ), ceLabels, nn.ClassWeights(w), nn.ReduceNone)
		}, vec(1.2228178933331404, 1.0986122886681098)},
		{"cross entropy/weighted mean", func(tp T) V { return nn.CrossEntropy(tp, c(ceZ), ceLabels, nn.ClassWeights(w)) }, sc(0.5803575455003125)},
		{"cross entropy/weighted sum", func(tp T) V {
			return nn.CrossEntropy(tp, c(ceZ), ceLabels, nn.ClassWeights(w), nn.ReduceSum)
		}, sc(2.32143018200125)},
		{"cross entropy/±1000 right", func(tp T) V { return nn.CrossEntropy(tp, c(tensor.New([]float64{1000, -1000}, 1, 2)), []int{0}) }, sc(0)},
		{"cross entropy/±1000 wrong", func(tp T) V { return nn.CrossEntropy(tp, c(tensor.New([]float64{1000, -1000}, 1, 2)), []int{1}) }, sc(2000)},
		// −ln 0.5
		{"nll", func(tp T) V { return nn.NLLLoss(tp, c(logp), []int{1}) }, sc(0.6931471805599453)},
		{"nll/weighted mean is unweighted for one datapoint", func(tp T) V { return nn.NLLLoss(tp, c(logp), []int{1}, nn.ClassWeights(w)) }, sc(0.6931471805599453)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Recorded and nil-tape (inference) evaluations must agree.
			for _, tp := range []T{autograd.NewTape(), nil} {
				got := tt.f(tp).Value()
				if d := tapegradtest.Diff(tt.want, got, approx); d != "" {
					t.Errorf("tape %v: (-want +got):\n%s", tp != nil, d)
				}
			}
		})
	}
}

// TestLossRelations checks the documented identities between the costs on
// random inputs: Quadratic = k·MSE for k units, Quadratic with ReduceSum is
// PyTorch's MSELoss sum (Σ over all elements), BCEWithLogits(z) =
// BinaryCrossEntropy(σ(z)), CrossEntropy = NLLLoss(LogSoftmax), and the
// course's log-likelihood NLLLoss(Log(Softmax)) = CrossEntropy.
func TestLossRelations(t *testing.T) {
	rng := tapegradtest.NewRNG()
	const n, k = 5, 3
	a, y := tensor.RandU(rng, -1, 1, n, k), tensor.RandU(rng, 0, 1, n, k)
	z := tensor.RandN(rng, n, k)
	labels := []int{0, 2, 1, 1, 2}
	c := autograd.Const
	tests := []struct {
		name      string
		got, want func(tp T) V
	}{
		{"quadratic = k·mse", func(tp T) V { return nn.Quadratic(tp, c(a), c(y)) }, func(tp T) V { return tp.Scale(nn.MSE(tp, c(a), c(y)), k) }},
		{"quadratic sum = Σ all squares", func(tp T) V { return nn.Quadratic(tp, c(a), c(y), nn.ReduceSum) }, func(tp T) V {
			return tp.Sum(tp.Square(tp.Sub(c(a), c(y))))
		}},
		{"mse = mean of all squares", func(tp T) V { return nn.MSE(tp, c(a), c(y)) }, func(tp T) V {
			return tp.Mean(tp.Square(tp.Sub(c(a), c(y))))
		}},
		{"bce logits = bce of sigmoid", func(tp T) V { return nn.BCEWithLogits(tp, c(z), c(y), nn.ReduceNone) }, func(tp T) V {
			return nn.BinaryCrossEntropy(tp, tp.Sigmoid(c(z)), c(y), nn.ReduceNone)
		}},
		{"cross entropy = nll of log softmax", func(tp T) V { return nn.CrossEntropy(tp, c(z), labels, nn.ReduceNone) }, func(tp T) V {
			return nn.NLLLoss(tp, tp.LogSoftmax(c(z), 1), labels, nn.ReduceNone)
		}},
		{"cross entropy = log-likelihood of softmax", func(tp T) V { return nn.CrossEntropy(tp, c(z), labels) }, func(tp T) V {
			return nn.NLLLoss(tp, tp.Log(tp.Softmax(c(z), 1)), labels)
		}},
		{"weights all 1 change nothing", func(tp T) V { return nn.CrossEntropy(tp, c(z), labels, nn.ClassWeights(tensor.Ones(k))) }, func(tp T) V {
			return nn.CrossEntropy(tp, c(z), labels)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := autograd.NewTape()
			// 1e-12 relative: the two sides differ only in rounding (the
			// softmax/log route loses a few more ulps than LogSoftmax).
			if d := tapegradtest.Diff(tt.want(tp).Value(), tt.got(tp).Value(), cmpopts.EquateApprox(1e-12, 1e-14)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestLossGradients compares ∂C/∂input with the hand-derived formulas,
// including logits of ±1000 where a naive softmax or log(1+eᶻ) overflows.
func TestLossGradients(t *testing.T) {
	tests := []struct {
		name string
		x    *tensor.Tensor
		f    func(tp T, x V) V
		want *tensor.Tensor
	}{
		// ∂/∂z = (softmax(z) − onehot)/n; n = 2 rows
		{"cross entropy ±1000", tensor.New([]float64{1000, -1000, 1000, -1000}, 2, 2),
			func(tp T, x V) V { return nn.CrossEntropy(tp, x, []int{0, 1}) },
			tensor.New([]float64{0, 0, 0.5, -0.5}, 2, 2)},
		{"cross entropy ±1000 one row right", tensor.New([]float64{1000, -1000}, 1, 2),
			func(tp T, x V) V { return nn.CrossEntropy(tp, x, []int{0}) },
			tensor.New([]float64{0, 0}, 1, 2)},
		{"cross entropy ±1000 one row wrong", tensor.New([]float64{1000, -1000}, 1, 2),
			func(tp T, x V) V { return nn.CrossEntropy(tp, x, []int{1}) },
			tensor.New([]float64{1, -1}, 1, 2)},
		// ∂/∂z = (σ(z) − y)/n, n = 4
		{"bce logits ±1000", tensor.New([]float64{1000, -1000, 1000, -1000}, 4),
			func(tp T, x V) V { return nn.BCEWithLogits(tp, x, tp.Const(tensor.New([]float64{1, 1, 0, 0}, 4))) },
			tensor.New([]float64{0, -0.25, 0.25, 0}, 4)},
		// ∂/∂a = 2(a − y)/n with a − y = [[−.5, .2], [.1, −.1]], n = 2
		{"quadratic", qa, func(tp T, x V) V { return nn.Quadratic(tp, x, tp.Const(qy)) },
			tensor.New([]float64{-0.5, 0.2, 0.1, -0.1}, 2, 2)},
		// MSE: 2(a − y)/(n·k), k = 2
		{"mse", qa, func(tp T, x V) V { return nn.MSE(tp, x, tp.Const(qy)) },
			tensor.New([]float64{-0.25, 0.1, 0.05, -0.05}, 2, 2)},
		// ∂/∂p = (p − y)/(p(1 − p))/n: (0.8−1)/(0.16)/2, 0.3/0.21/2
		{"bce", tensor.New([]float64{0.8, 0.3}, 2), func(tp T, x V) V { return nn.BinaryCrossEntropy(tp, x, tp.Const(tensor.New([]float64{1, 0}, 2))) },
			tensor.New([]float64{-0.625, 0.7142857142857143}, 2)},
		// p = 0 with y = 1 and p = 1 with y = 0 sit on the floor: gradient 0,
		// not Inf or NaN. p = 1 with y = 1 (and p = 0 with y = 0) are not
		// floored and get the true one-sided derivative −1/p (1/(1 − p)),
		// over n = 4; PyTorch's fused BCE backward reports 0 there instead.
		{"bce at p = 0 and 1", tensor.New([]float64{0, 1, 0, 1}, 4),
			func(tp T, x V) V { return nn.BinaryCrossEntropy(tp, x, tp.Const(tensor.New([]float64{1, 1, 0, 0}, 4))) },
			tensor.New([]float64{0, -0.25, 0.25, 0}, 4)},
		// weighted: ∂/∂logp[x, yₓ] = −w[yₓ]/Σw[y] = −3/4, −1/4
		{"nll weighted", tensor.New([]float64{-1, -2, -3, -1, -1, -1}, 2, 3),
			func(tp T, x V) V {
				return nn.NLLLoss(tp, x, ceLabels, nn.ClassWeights(tensor.New([]float64{1, 2, 3}, 3)))
			},
			tensor.New([]float64{0, 0, -0.75, -0.25, 0, 0}, 2, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := autograd.NewTape()
			x := tp.Var(tt.x)
			loss := tt.f(tp, x)
			if v := loss.Item(); math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("loss = %g, want finite", v)
			}
			tp.Backward(loss)
			if d := tapegradtest.Diff(tt.want, x.Grad(), approx); d != "" {
				t.Errorf("gradient (-want +got):\n%s", d)
			}
		})
	}
}

// TestLossGradCheck checks every cost and reduction against central
// differences, first order (autograd.Check) and second order (CheckSecond:
// the recorded backward pass differentiated again), with the checker's
// default tolerances (PyTorch gradcheck's: atol 1e-5, rtol 1e-3, step 1e-6).
// Inputs are drawn away from kinks: probabilities in [0.1, 0.9], so the BCE
// floor and clamps are never reached.
func TestLossGradCheck(t *testing.T) {
	rng := tapegradtest.NewRNG()
	u := func(lo, hi float64, shape ...int) *tensor.Tensor { return tensor.RandU(rng, lo, hi, shape...) }
	labels := []int{1, 0, 2, 2}
	w := tensor.New([]float64{0.5, 1, 2}, 3)
	tests := []struct {
		name   string
		inputs []*tensor.Tensor
		f      func(tp T, x []V, r nn.Reduction) V
	}{
		{"quadratic", []*tensor.Tensor{u(-1, 1, 4, 2), u(-1, 1, 4, 2)}, func(tp T, x []V, r nn.Reduction) V { return nn.Quadratic(tp, x[0], x[1], r) }},
		{"quadratic rank 3", []*tensor.Tensor{u(-1, 1, 2, 2, 3), u(-1, 1, 2, 2, 3)}, func(tp T, x []V, r nn.Reduction) V { return nn.Quadratic(tp, x[0], x[1], r) }},
		{"mse", []*tensor.Tensor{u(-1, 1, 4, 2), u(-1, 1, 4, 2)}, func(tp T, x []V, r nn.Reduction) V { return nn.MSE(tp, x[0], x[1], r) }},
		{"bce", []*tensor.Tensor{u(0.1, 0.9, 4, 2), u(0, 1, 4, 2)}, func(tp T, x []V, r nn.Reduction) V { return nn.BinaryCrossEntropy(tp, x[0], x[1], r) }},
		{"bce logits", []*tensor.Tensor{u(-3, 3, 4, 2), u(0, 1, 4, 2)}, func(tp T, x []V, r nn.Reduction) V { return nn.BCEWithLogits(tp, x[0], x[1], r) }},
		{"cross entropy", []*tensor.Tensor{u(-2, 2, 4, 3)}, func(tp T, x []V, r nn.Reduction) V { return nn.CrossEntropy(tp, x[0], labels, r) }},
		{"cross entropy weighted", []*tensor.Tensor{u(-2, 2, 4, 3)}, func(tp T, x []V, r nn.Reduction) V {
			return nn.CrossEntropy(tp, x[0], labels, r, nn.ClassWeights(w))
		}},
		{"nll of log softmax", []*tensor.Tensor{u(-2, 2, 4, 3)}, func(tp T, x []V, r nn.Reduction) V {
			return nn.NLLLoss(tp, tp.LogSoftmax(x[0], 1), labels, r, nn.ClassWeights(w))
		}},
	}
	for _, tt := range tests {
		for _, r := range []nn.Reduction{nn.ReduceMean, nn.ReduceSum, nn.ReduceNone} {
			f := func(tp T, x []V) V { return tt.f(tp, x, r) }
			t.Run(fmt.Sprintf("%s/%v", tt.name, r), func(t *testing.T) {
				if rep, err := autograd.Check(f, tt.inputs, nil); err != nil {
					t.Errorf("first order: %v", rep)
				}
				if rep, err := autograd.CheckSecond(f, tt.inputs, nil); err != nil {
					t.Errorf("second order: %v", rep)
				}
			})
		}
	}
}

func TestLossShapes(t *testing.T) {
	tp := autograd.NewTape()
	z := tp.Const(ceZ)
	tests := []struct {
		name string
		got  V
		want []int
	}{
		{"mean is 0-d", nn.CrossEntropy(tp, z, ceLabels), []int{}},
		{"sum is 0-d", nn.Quadratic(tp, tp.Const(qa), tp.Const(qy), nn.ReduceSum), []int{}},
		{"none is (n)", nn.MSE(tp, tp.Const(qa), tp.Const(qy), nn.ReduceNone), []int{2}},
		{"none of rank 3 is (n)", nn.BCEWithLogits(tp, tp.Const(tensor.Zeros(4, 2, 3)), tp.Const(tensor.Zeros(4, 2, 3)), nn.ReduceNone), []int{4}},
		{"last option wins", nn.CrossEntropy(tp, z, ceLabels, nn.ReduceNone, nn.ReduceMean), []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, tt.got.Shape(), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("shape (-want +got):\n%s", d)
			}
		})
	}
}

func TestReductionString(t *testing.T) {
	got := fmt.Sprint(nn.ReduceMean, nn.ReduceSum, nn.ReduceNone, nn.Reduction(9))
	if want := "mean sum none Reduction(9)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLossPanics(t *testing.T) {
	c := autograd.Const
	z := c(ceZ) // (2, 3)
	runPanics(t, []panicRow{
		{"cross entropy label too big", func() { nn.CrossEntropy(nil, z, []int{0, 3}) }, tensor.ErrIndex, []string{"nn.CrossEntropy", "[2 3]", "label 3 of datapoint 1", "[0, 3)"}},
		{"cross entropy negative label", func() { nn.CrossEntropy(nil, z, []int{-1, 0}) }, tensor.ErrIndex, []string{"nn.CrossEntropy", "label -1"}},
		{"cross entropy batch sizes", func() { nn.CrossEntropy(nil, z, []int{0, 1, 2}) }, tensor.ErrShape, []string{"nn.CrossEntropy", "[2 3] and [3]", "3 labels for 2 datapoints"}},
		{"cross entropy rank 1", func() { nn.CrossEntropy(nil, c(tensor.Zeros(3)), []int{0}) }, tensor.ErrShape, []string{"nn.CrossEntropy", "[3]", "(n, classes)"}},
		{"cross entropy empty", func() { nn.CrossEntropy(nil, c(tensor.Zeros(0, 3)), nil) }, tensor.ErrShape, []string{"nn.CrossEntropy", "no datapoints"}},
		{"cross entropy weight shape", func() { nn.CrossEntropy(nil, z, ceLabels, nn.ClassWeights(tensor.Ones(2))) }, tensor.ErrShape, []string{"nn.CrossEntropy", "[2 3] and [2]"}},
		{"nll label", func() { nn.NLLLoss(nil, z, []int{5, 0}) }, tensor.ErrIndex, []string{"nn.NLLLoss", "label 5"}},
		{"quadratic (n,1) vs (n)", func() { nn.Quadratic(nil, c(tensor.Zeros(4, 1)), c(tensor.Zeros(4))) }, tensor.ErrShape, []string{"nn.Quadratic", "[4 1] and [4]"}},
		{"quadratic scalar", func() { nn.Quadratic(nil, c(tensor.Scalar(1)), c(tensor.Scalar(1))) }, tensor.ErrShape, []string{"nn.Quadratic", "datapoints"}},
		{"mse shapes", func() { nn.MSE(nil, c(tensor.Zeros(2, 3)), c(tensor.Zeros(3, 2))) }, tensor.ErrShape, []string{"nn.MSE", "[2 3] and [3 2]"}},
		{"mse empty", func() { nn.MSE(nil, c(tensor.Zeros(0)), c(tensor.Zeros(0))) }, tensor.ErrShape, []string{"nn.MSE"}},
		{"bce shapes", func() { nn.BinaryCrossEntropy(nil, c(tensor.Zeros(2)), c(tensor.Zeros(3))) }, tensor.ErrShape, []string{"nn.BinaryCrossEntropy", "[2] and [3]"}},
		{"bce logits shapes", func() { nn.BCEWithLogits(nil, c(tensor.Zeros(2, 1)), c(tensor.Zeros(2))) }, tensor.ErrShape, []string{"nn.BCEWithLogits", "[2 1] and [2]"}},
		{"bce probability > 1", func() { nn.BinaryCrossEntropy(nil, c(tensor.New([]float64{0.5, 1.5}, 2)), c(tensor.Zeros(2))) }, nn.ErrArg, []string{"nn.BinaryCrossEntropy", "1.5", "BCEWithLogits"}},
		{"bce probability NaN", func() { nn.BinaryCrossEntropy(nil, c(tensor.New([]float64{math.NaN()}, 1)), c(tensor.Zeros(1))) }, nn.ErrArg, []string{"NaN"}},
		{"class weights on quadratic", func() { nn.Quadratic(nil, c(qa), c(qy), nn.ClassWeights(tensor.Ones(2))) }, nn.ErrArg, []string{"nn.Quadratic", "ClassWeights"}},
		{"unknown reduction", func() { nn.MSE(nil, c(qa), c(qy), nn.Reduction(7)) }, nn.ErrArg, []string{"nn.MSE", "Reduction(7)"}},
	})
}

// TestCrossEntropyPositiveZero: a perfect prediction costs +0 (printed "0."),
// not −0 as −log softmax would give.
func TestCrossEntropyPositiveZero(t *testing.T) {
	z := autograd.Const(tensor.New([]float64{1000, -1000}, 1, 2))
	for _, r := range []nn.Reduction{nn.ReduceMean, nn.ReduceSum, nn.ReduceNone} {
		if v := nn.CrossEntropy(nil, z, []int{0}, r).Value().Data()[0]; v != 0 || math.Signbit(v) {
			t.Errorf("%v: cost %g (signbit %t), want +0", r, v, math.Signbit(v))
		}
	}
}
