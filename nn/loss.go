package nn

import (
	"fmt"
	"math"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// Reduction says how a cost combines its per-datapoint costs cₓ (a vector
// of shape (n), one per datapoint: the first axis of the inputs).
type Reduction int

const (
	// ReduceMean returns C = 1/n Σₓ cₓ, a 0-d scalar: the course's rule and
	// the default.
	ReduceMean Reduction = iota
	// ReduceSum returns C = Σₓ cₓ, a 0-d scalar.
	ReduceSum
	// ReduceNone returns the per-datapoint costs cₓ themselves, shape (n).
	ReduceNone
)

// String returns "mean", "sum" or "none", PyTorch's reduction names.
func (r Reduction) String() string {
	switch r {
	case ReduceMean:
		return "mean"
	case ReduceSum:
		return "sum"
	case ReduceNone:
		return "none"
	}
	return fmt.Sprintf("Reduction(%d)", int(r))
}

// LossOption configures a cost: a Reduction or ClassWeights. (Its method is
// unexported, so these are the only options; config switches on their
// types, which keeps the configuration off the heap.)
type LossOption interface {
	apply(c *lossConfig)
}

type lossConfig struct {
	reduction Reduction
	weights   *tensor.Tensor
}

func (r Reduction) apply(c *lossConfig) { c.reduction = r }

type classWeights struct{ w *tensor.Tensor }

func (o classWeights) apply(c *lossConfig) { c.weights = o.w }

// ClassWeights weights each datapoint's cost by w[label], PyTorch's weight
// argument of CrossEntropyLoss and NLLLoss: w has one entry per class. With
// ReduceMean the weighted costs are divided by the sum of the weights of the
// datapoints' labels, C = Σₓ w[yₓ]·cₓ / Σₓ w[yₓ] (NaN if that sum is 0), so
// weights all 1 change nothing. Only CrossEntropy and NLLLoss take it.
func ClassWeights(w *tensor.Tensor) LossOption { return classWeights{w} }

// config applies opts, panicking with ErrArg on an unknown reduction or on
// class weights given to a loss without classes.
func config(op string, classes bool, opts []LossOption) lossConfig {
	var c lossConfig
	for _, o := range opts {
		switch o := o.(type) { // a type switch, not o.apply(&c), keeps c on the stack
		case nil:
		case Reduction:
			c.reduction = o
		case classWeights:
			c.weights = o.w
		}
	}
	if c.reduction < ReduceMean || c.reduction > ReduceNone {
		panic(fmt.Errorf("%w: %s: unknown %v", ErrArg, op, c.reduction))
	}
	if c.weights != nil && !classes {
		panic(fmt.Errorf("%w: %s: ClassWeights applies only to CrossEntropy and NLLLoss", ErrArg, op))
	}
	return c
}

// reduce combines the per-datapoint costs per (n) as c says.
func reduce(tp *autograd.Tape, per autograd.Var, c lossConfig) autograd.Var {
	switch c.reduction {
	case ReduceSum:
		return tp.Sum(per)
	case ReduceNone:
		return per
	}
	return tp.Mean(per)
}

// checkPair panics with tensor.ErrShape unless the output a and the target
// y have the same shape with a first (datapoint) axis of positive length.
// The shapes must match exactly: broadcasting (n, 1) against (n) would
// silently compare every output with every target.
// The zero Var as either panics with ErrArg.
func checkPair(op string, a, y autograd.Var) {
	checkVar(op, "output", a)
	checkVar(op, "target", y)
	as, ys := a.Shape(), y.Shape()
	if !slices.Equal(as, ys) {
		shapePanic(op, "output and target shapes differ (no broadcasting: reshape one of them)", as, ys)
	}
	if len(as) == 0 || as[0] == 0 {
		shapePanic(op, "need a first axis of datapoints with at least one datapoint", as)
	}
}

// unitAxes returns the axes 1 … rank−1 of x, the output units of each
// datapoint, in buf when they fit (so a training step allocates nothing).
func unitAxes(x autograd.Var, buf *[8]int) []int {
	n := len(x.Shape()) - 1
	axes := buf[:0]
	if n > len(buf) {
		axes = make([]int, 0, n)
	}
	for i := range n {
		axes = append(axes, i+1)
	}
	return axes
}

// sumUnits sums the element-wise costs e of shape (n, …) over each
// datapoint's units, giving shape (n).
func sumUnits(tp *autograd.Tape, e autograd.Var) autograd.Var {
	if len(e.Shape()) == 1 {
		return e
	}
	var buf [8]int
	return tp.Sum(e, unitAxes(e, &buf)...)
}

// Quadratic is the course's quadratic cost (mean squared error summed over
// the output units):
//
//	C = 1/n Σₓ ‖y(x) − aᴸ(x)‖²,   cₓ = Σⱼ (yⱼ − aⱼ)²,
//
// for outputs a and targets y of equal shape (n) or (n, units…), one
// datapoint per row. (Some texts put ½ in front, which only halves the
// gradient.) It is MSE times the number of output units k = elements per
// datapoint; with ReduceSum it equals PyTorch's MSELoss(reduction="sum").
// ∂C/∂a = 2(a − y)/n. It panics with tensor.ErrShape if the shapes differ or
// there is no datapoint, and with ErrArg if a or y is the zero Var.
func Quadratic(tp *autograd.Tape, a, y autograd.Var, opts ...LossOption) autograd.Var {
	const op = "nn.Quadratic"
	c := config(op, false, opts)
	checkPair(op, a, y)
	return reduce(tp, sumUnits(tp, tp.Square(tp.Sub(y, a))), c)
}

// MSE is PyTorch's MSELoss: the mean of (y − a)² over all elements, that is
// the per-datapoint cost is the mean over the k output units,
//
//	C = 1/n Σₓ cₓ,   cₓ = 1/k Σⱼ (yⱼ − aⱼ)²,
//
// so MSE = Quadratic / k (equal for one output unit). ReduceMean matches
// PyTorch; ReduceNone returns cₓ of shape (n) (PyTorch returns the
// element-wise squares) and ReduceSum Σₓ cₓ (PyTorch's sum is Quadratic's).
// It panics with tensor.ErrShape if the shapes differ or there is no
// datapoint, and with ErrArg if a or y is the zero Var.
func MSE(tp *autograd.Tape, a, y autograd.Var, opts ...LossOption) autograd.Var {
	const op = "nn.MSE"
	c := config(op, false, opts)
	checkPair(op, a, y)
	e := tp.Square(tp.Sub(y, a))
	if len(e.Shape()) > 1 {
		var buf [8]int
		e = tp.Mean(e, unitAxes(e, &buf)...)
	}
	return reduce(tp, e, c)
}

// logFloor is the floor PyTorch's BCELoss puts under its logarithms, so a
// probability of exactly 0 or 1 gives a finite cost.
const logFloor = -100

// BinaryCrossEntropy is the course's cross-entropy cost for sigmoid outputs
// (probabilities) p and targets y in [0, 1] of equal shape (n) or (n, units…):
//
//	C = −1/n Σₓ Σⱼ [yⱼ ln pⱼ + (1 − yⱼ) ln(1 − pⱼ)],
//
// summed over the output units of a datapoint and averaged over datapoints.
// Like PyTorch's BCELoss each logarithm is floored at −100 (ln p is computed
// as ln max(p, e⁻¹⁰⁰)), so p = 0 or 1 gives a finite cost; the gradient is
// zero where the floor applies and the exact derivative elsewhere (so −1/n
// at p = 1 with y = 1, where PyTorch's fused backward reports 0). For one
// output unit it equals BCELoss; for k
// units BCELoss (a mean over all elements) is C/k. For a sigmoid output,
// prefer BCEWithLogits on the logits z (p = σ(z)): it is exact for |z| up to
// 1000 where 1 − p rounds to 0. It panics with tensor.ErrShape if the shapes
// differ or there is no datapoint, and with ErrArg if a p is outside [0, 1]
// or p or y is the zero Var.
func BinaryCrossEntropy(tp *autograd.Tape, p, y autograd.Var, opts ...LossOption) autograd.Var {
	const op = "nn.BinaryCrossEntropy"
	c := config(op, false, opts)
	checkPair(op, p, y)
	for i, v := range p.Value().Float64s() {
		if !(v >= 0 && v <= 1) {
			panic(fmt.Errorf("%w: %s: probability %g (element %d) is outside [0, 1]; pass logits to BCEWithLogits", ErrArg, op, v, i))
		}
	}
	floor, inf := math.Exp(logFloor), math.Inf(1)
	logP := tp.Log(tp.Clamp(p, floor, inf))
	log1mP := tp.Log(tp.Clamp(tp.AddScalar(tp.Neg(p), 1), floor, inf))
	e := tp.Add(tp.Mul(y, logP), tp.Mul(tp.AddScalar(tp.Neg(y), 1), log1mP))
	return reduce(tp, tp.Neg(sumUnits(tp, e)), c)
}

// BCEWithLogits is BinaryCrossEntropy of p = σ(z) computed from the logits z,
// PyTorch's BCEWithLogitsLoss (summed over output units, like
// BinaryCrossEntropy). Each element's cost is written in the stable form
//
//	−[y ln σ(z) + (1 − y) ln(1 − σ(z))] = max(z, 0) − z·y + ln(1 + e^(−|z|))
//	                                    = softplus(z) − z·y,
//
// which neither overflows nor loses the answer for |z| up to 1000 or more;
// its derivative is σ(z) − y. z and y have equal shape (n) or (n, units…).
// It panics with tensor.ErrShape if the shapes differ or there is no
// datapoint, and with ErrArg if z or y is the zero Var.
func BCEWithLogits(tp *autograd.Tape, z, y autograd.Var, opts ...LossOption) autograd.Var {
	const op = "nn.BCEWithLogits"
	c := config(op, false, opts)
	checkPair(op, z, y)
	e := tp.Sub(tp.Softplus(z), tp.Mul(z, y))
	return reduce(tp, sumUnits(tp, e), c)
}

// CrossEntropy is the cross-entropy of the softmax of logits z of shape
// (n, classes) against integer labels (one per datapoint, in [0, classes)),
// PyTorch's CrossEntropyLoss:
//
//	cₓ = −ln softmax(z)[yₓ] = −z[yₓ] + log Σⱼ e^(zⱼ),
//
// computed stably as LogSumExp(z) − Gather(z) (exact for logits of ±1000,
// and a perfect prediction costs +0, not −0), with
// ∂cₓ/∂z = softmax(z) − onehot(yₓ). It is the course's softmax output
// layer with the log-likelihood cost, fused. With ClassWeights each cₓ is
// weighted by w[yₓ] (and the mean divides by Σₓ w[yₓ]).
// It panics with tensor.ErrShape if z is not (n, classes) with n ≥ 1 or
// len(labels) ≠ n, with tensor.ErrIndex if a label is out of range, and
// with ErrArg if z is the zero Var.
func CrossEntropy(tp *autograd.Tape, z autograd.Var, labels []int, opts ...LossOption) autograd.Var {
	const op = "nn.CrossEntropy"
	c := config(op, true, opts)
	checkLabels(op, z, labels, c.weights)
	per := tp.Sub(tp.LogSumExp(z, 1), tp.Gather(z, 1, labels))
	return weighted(tp, per, labels, c)
}

// CrossEntropyProbs is CrossEntropy with class probabilities p (n,
// classes) as targets instead of labels, PyTorch's F.cross_entropy with a
// probability target:
//
//	cₓ = −Σ_c p[x, c]·log softmax(z[x])_c,
//
// averaged over the datapoints (or as the Reduction option says). A
// one-hot p gives CrossEntropy's cost; unlike labels, p is a Var, so a
// batch of targets can be mapped (PerSampleGrads, autograd.Vmap) or be
// soft (label smoothing, distillation). ∂cₓ/∂z = softmax(z[x])·Σ_c p[x, c]
// − p[x]. ClassWeights do not apply.
// It panics with tensor.ErrShape if z and p differ in shape or are not
// (n, classes) with n ≥ 1, and with ErrArg if either is the zero Var or
// ClassWeights is given.
func CrossEntropyProbs(tp *autograd.Tape, z, p autograd.Var, opts ...LossOption) autograd.Var {
	const op = "nn.CrossEntropyProbs"
	c := config(op, false, opts)
	checkPair(op, z, p)
	if len(z.Shape()) != 2 {
		shapePanic(op, "logits and targets must be (n, classes)", z.Shape())
	}
	per := tp.Neg(tp.Sum(tp.Mul(p, tp.LogSoftmax(z, 1)), 1))
	return reduce(tp, per, c)
}

// NLLLoss is the negative log-likelihood of log-probabilities logp of shape
// (n, classes) (a LogSoftmax output) at integer labels, PyTorch's NLLLoss:
//
//	cₓ = −logp[x, yₓ].
//
// The course's log-likelihood cost −ln aᴸ_y of a softmax output a is
// NLLLoss(tp, tp.Log(a), labels); CrossEntropy on the logits is the stabler
// equivalent. ClassWeights weight the costs as in CrossEntropy.
// It panics like CrossEntropy.
func NLLLoss(tp *autograd.Tape, logp autograd.Var, labels []int, opts ...LossOption) autograd.Var {
	const op = "nn.NLLLoss"
	c := config(op, true, opts)
	checkLabels(op, logp, labels, c.weights)
	return weighted(tp, tp.Neg(tp.Gather(logp, 1, labels)), labels, c)
}

// weighted reduces the per-datapoint costs per as c says, weighting cₓ by
// w[yₓ] if c has class weights.
func weighted(tp *autograd.Tape, per autograd.Var, labels []int, c lossConfig) autograd.Var {
	if c.weights == nil {
		return reduce(tp, per, c)
	}
	wy := tensor.Zeros(len(labels))
	total := 0.0
	for i, l := range labels {
		wy.Data()[i] = c.weights.At(l) // weights of either type
		total += wy.Data()[i]
	}
	per = tp.Mul(per, tp.Const(wy.To(per.Value().DType())))
	if c.reduction == ReduceMean {
		return tp.Scale(tp.Sum(per), 1/total)
	}
	return reduce(tp, per, c)
}

// checkLabels panics with tensor.ErrShape unless z is (n, classes) with
// n ≥ 1, labels has n entries and weights (if any) has shape (classes), and
// with tensor.ErrIndex if a label is outside [0, classes).
// The zero Var as z panics with ErrArg.
func checkLabels(op string, z autograd.Var, labels []int, weights *tensor.Tensor) {
	checkVar(op, "input", z)
	zs := z.Shape()
	if len(zs) != 2 {
		shapePanic(op, "input must have shape (n, classes); reshape a single datapoint to (1, classes)", zs)
	}
	n, k := zs[0], zs[1]
	if n == 0 {
		shapePanic(op, "no datapoints", zs)
	}
	if len(labels) != n {
		shapePanic(op, fmt.Sprintf("%d labels for %d datapoints", len(labels), n), zs, []int{len(labels)})
	}
	if weights != nil && (weights.Rank() != 1 || weights.Dim(0) != k) {
		shapePanic(op, fmt.Sprintf("class weights must have shape (%d), one per class", k), zs, weights.Shape())
	}
	for i, l := range labels {
		if l < 0 || l >= k {
			indexPanic(op, fmt.Sprintf("label %d of datapoint %d is outside [0, %d)", l, i, k), zs, []int{len(labels)})
		}
	}
}

// checkVar panics with ErrArg naming op and the argument what if v is the
// zero Var.
func checkVar(op, what string, v autograd.Var) {
	if !v.Valid() {
		argPanic(op, "%s is the zero Var", what)
	}
}
