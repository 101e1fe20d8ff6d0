package nn

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// Accuracy returns the fraction of datapoints whose largest logit (or
// probability: softmax keeps the order) is at their label: for logits of
// shape (n, classes), 1/n Σₓ [argmaxⱼ logits[x, j] = yₓ], the first index
// winning ties. It panics with tensor.ErrShape unless logits is (n, classes)
// with n ≥ 1 and classes ≥ 2 (use BinaryAccuracy for one output unit) and
// labels has n entries, with tensor.ErrIndex if a label is out of range, and
// with ErrArg if logits is nil.
func Accuracy(logits *tensor.Tensor, labels []int) float64 {
	const op = "nn.Accuracy"
	if logits == nil {
		argPanic(op, "nil logits")
	}
	s := logits.Shape()
	if len(s) != 2 || s[0] == 0 || s[1] < 2 {
		shapePanic(op, "logits must have shape (n, classes) with n ≥ 1 and classes ≥ 2; for one output unit use BinaryAccuracy", s)
	}
	n, k := s[0], s[1]
	if len(labels) != n {
		shapePanic(op, fmt.Sprintf("%d labels for %d datapoints", len(labels), n), s, []int{len(labels)})
	}
	pred := tensor.ArgMax(logits, 1).Float64s()
	hits := 0
	for i, l := range labels {
		if l < 0 || l >= k {
			indexPanic(op, fmt.Sprintf("label %d of datapoint %d is outside [0, %d)", l, i, k), s, []int{len(labels)})
		}
		if int(pred[i]) == l {
			hits++
		}
	}
	return float64(hits) / float64(n)
}

// BinaryAccuracy returns the fraction of datapoints whose single output,
// thresholded (class 1 where out > threshold, else 0), equals their label in
// {0, 1}: threshold 0.5 for sigmoid probabilities, 0 for logits. out has
// shape (n) or (n, 1). It panics with tensor.ErrShape on another shape or
// len(labels) ≠ n, with tensor.ErrIndex if a label is not 0 or 1, and with
// ErrArg if out is nil.
func BinaryAccuracy(out *tensor.Tensor, labels []int, threshold float64) float64 {
	const op = "nn.BinaryAccuracy"
	if out == nil {
		argPanic(op, "nil outputs")
	}
	s := out.Shape()
	if len(s) == 0 || len(s) > 2 || s[0] == 0 || (len(s) == 2 && s[1] != 1) {
		shapePanic(op, "outputs must have shape (n) or (n, 1) with n ≥ 1", s)
	}
	if len(labels) != s[0] {
		shapePanic(op, fmt.Sprintf("%d labels for %d datapoints", len(labels), s[0]), s, []int{len(labels)})
	}
	hits := 0
	for i, v := range out.Float64s() {
		l := labels[i]
		if l != 0 && l != 1 {
			indexPanic(op, fmt.Sprintf("label %d of datapoint %d is not 0 or 1", l, i), s, []int{len(labels)})
		}
		if (v > threshold) == (l == 1) {
			hits++
		}
	}
	return float64(hits) / float64(len(labels))
}
