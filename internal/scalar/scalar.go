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

// ExpForFloat32 sets x[i] = e^x[i] to about 2⁻³⁶ relative (float32's
// rounding unit is 2⁻²⁴), for kernels that compute in float64 and round
// their results to float32, at about a third of math.Exp's cost: with
// k = round(x/ln 2) and r = x − k·ln 2 (|r| ≤ ln 2/2), eˣ = 2ᵏ·Σ_{i≤9} rⁱ/i!,
// the Taylor tail below 0.35¹⁰/10! < 2⁻³⁷. The loop has no call and no
// branch but one, so consecutive elements overlap in the FPU. Outside
// (−700, 700), and for NaN, it is math.Exp.
func ExpForFloat32(x []float64) {
	// adding 1.5·2⁵² rounds x/ln 2 to an integer k, held in the low bits
	const shifter = 0x1.8p52
	for i, v := range x {
		if !(v > -700 && v < 700) {
			x[i] = math.Exp(v)
			continue
		}
		kf := v*math.Log2E + shifter
		bits := math.Float64bits(kf)
		kf -= shifter
		r := v - kf*math.Ln2
		// Estrin's scheme: four levels of products rather than Horner's
		// nine, so the next elements' work fits beside this one's
		r2 := r * r
		r4 := r2 * r2
		q0 := (1 + r) + r2*(1./2+r*(1./6))
		q1 := (1./24 + r*(1./120)) + r2*(1./720+r*(1./5040))
		p := (q0 + r4*q1) + r4*r4*(1./40320+r*(1./362880))
		x[i] = p * math.Float64frombits((bits+1023)<<52)
	}
}
