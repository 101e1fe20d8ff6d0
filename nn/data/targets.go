package data

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// BinaryTargets returns the float targets of binary labels for
// nn.BinaryCrossEntropy and nn.BCEWithLogits: the (n, 1) tensor with
// element i equal to labels[i], 0 or 1, for n = len(labels) (an empty slice
// gives shape (0, 1)). It is PyTorch's labels.float().unsqueeze(1), the
// shape of a one-output network's predictions. For the (n, k) one-hot floats
// of k classes use tensor.OneHot; for several labels per sample, MultiHot.
// It panics with an error wrapping ErrArgument, naming the sample, if a
// label is neither 0 nor 1.
func BinaryTargets(labels []int) *tensor.Tensor {
	y := tensor.Zeros(len(labels), 1)
	d := y.Data()
	for i, l := range labels {
		if l != 0 && l != 1 {
			argPanic("data.BinaryTargets", "label %d of sample %d is neither 0 nor 1", l, i)
		}
		d[i] = float64(l)
	}
	return y
}

// MultiHot returns the multi-label targets of k classes for
// nn.BCEWithLogits: the (len(labels), k) tensor with a 1 at (i, c) for each
// class c in labels[i] and 0 elsewhere (scikit-learn's MultiLabelBinarizer;
// a sample without labels gives a row of zeros, a repeated class one 1).
// It panics with an error wrapping tensor.ErrIndex, naming the sample, if a
// class is outside [0, k), and with one wrapping ErrArgument if k < 0.
func MultiHot(labels [][]int, k int) *tensor.Tensor {
	const op = "data.MultiHot"
	if k < 0 {
		argPanic(op, "%d classes", k)
	}
	y := tensor.Zeros(len(labels), k)
	d := y.Data()
	for i, cs := range labels {
		for _, c := range cs {
			if c < 0 || c >= k {
				panic(fmt.Errorf("%s: class %d of sample %d is outside [0, %d): %w", op, c, i, k, tensor.ErrIndex))
			}
			d[i*k+c] = 1
		}
	}
	return y
}
