package main

import "math"

// The privacy accountant: Rényi differential privacy (RDP) of the Poisson
// sampled Gaussian mechanism, as in TensorFlow Privacy, Opacus and
// Google's dp_accounting, restricted to integer orders, where the RDP has
// a closed form.
//
// One DP-SGD step includes each example independently with probability q
// (Poisson sampling), clips each example's gradient to norm C and adds
// N(0, σ²C²) noise to the sum. Under add-or-remove-one adjacency, its RDP
// at integer order α ≥ 2 is (Mironov, Talwar, Zhang, "Rényi Differential
// Privacy of the Sampled Gaussian Mechanism", 2019, section 3.3)
//
//	RDP(α) = log(A_α) / (α − 1),
//	A_α    = Σ_{k=0…α} C(α, k) (1 − q)^(α−k) q^k exp((k² − k) / (2σ²)),
//
// T steps compose to T·RDP(α) (RDP adds up), and an RDP guarantee at order
// α gives (ε, δ)-DP with (Balle et al., "Hypothesis Testing Interpretations
// and Renyi Differential Privacy", 2020, Theorem 21; dp_accounting's
// compute_epsilon)
//
//	ε = T·RDP(α) + log((α − 1)/α) − (log δ + log α) / (α − 1),
//
// minimised over the orders α = 2 … maxOrder.

// maxOrder is the largest Rényi order tried; the optimum for the settings
// of this program lies between 5 and 40.
const maxOrder = 256

// logA returns log A_α for integer α ≥ 2, summing the α+1 terms in log
// space (log-sum-exp) so that exp((k² − k)/(2σ²)) cannot overflow.
func logA(q, sigma float64, alpha int) float64 {
	terms := make([]float64, alpha+1)
	hi := math.Inf(-1)
	for k := 0; k <= alpha; k++ {
		t := logBinomial(alpha, k) + float64(k*k-k)/(2*sigma*sigma)
		if k > 0 {
			t += float64(k) * math.Log(q)
		}
		if k < alpha {
			t += float64(alpha-k) * math.Log1p(-q)
		}
		terms[k] = t
		hi = math.Max(hi, t)
	}
	sum := 0.0
	for _, t := range terms {
		sum += math.Exp(t - hi)
	}
	return hi + math.Log(sum)
}

// logBinomial is log C(n, k).
func logBinomial(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// rdp returns the RDP at integer order α ≥ 2 of steps steps of the
// sampled Gaussian mechanism with sampling rate q and noise multiplier σ.
func rdp(q, sigma float64, steps, alpha int) float64 {
	switch {
	case q == 0 || steps == 0:
		return 0
	case sigma == 0:
		return math.Inf(1)
	}
	return float64(steps) * logA(q, sigma, alpha) / float64(alpha-1)
}

// epsilon returns the ε of (ε, δ)-DP after steps steps of DP-SGD with
// sampling rate q and noise multiplier σ, and the order that attains it:
// +Inf without noise, 0 (order 0) without steps or sampling.
func epsilon(q, sigma float64, steps int, delta float64) (eps float64, order int) {
	if q == 0 || steps == 0 {
		return 0, 0 // nothing was released
	}
	return convert(func(alpha int) float64 { return rdp(q, sigma, steps, alpha) }, maxOrder, delta)
}

// convert returns the least ε of (ε, δ)-DP implied by the RDP guarantees
// rdpAt(α) at the orders α = 2 … top, and the order that attains it.
func convert(rdpAt func(alpha int) float64, top int, delta float64) (eps float64, order int) {
	eps = math.Inf(1)
	for alpha := 2; alpha <= top; alpha++ {
		a := float64(alpha)
		e := rdpAt(alpha) + math.Log((a-1)/a) - (math.Log(delta)+math.Log(a))/(a-1)
		if e < eps {
			eps, order = e, alpha
		}
	}
	return math.Max(eps, 0), order
}
