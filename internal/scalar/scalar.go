// Package scalar holds the float64 → float64 kernels of tapegrad's
// element-wise ops that both tensor and autograd apply element by element.
// Users reach them through tensor.Sigmoid, tensor.ReLU, … and the tape's ops.
package scalar

import "math"

// Sigmoid is the logistic function 1/(1+e^(−x)), computed without overflow
// for large |x|.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// Softplus is log(1+e^x), computed stably as max(x,0) + log1p(e^(−|x|)).
func Softplus(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

// ReLU is max(x, 0); NaN stays NaN, as in PyTorch.
func ReLU(x float64) float64 {
	if x > 0 || x != x {
		return x
	}
	return 0
}

// Step is the Heaviside step: 1 for x > 0, else 0 (NaN gives 0).
func Step(x float64) float64 {
	if x > 0 {
		return 1
	}
	return 0
}

// Sign is −1, 0 or 1 by the sign of x (NaN stays NaN).
func Sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return x
}
