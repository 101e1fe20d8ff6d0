package main

import (
	"math"
	"testing"
)

// TestRDP compares the RDP of 50 steps of the sampled Gaussian mechanism
// (q = 0.01, σ = 2.5) at integer orders with the values of Google's
// dp_accounting (rdp_privacy_accountant_test.py,
// test_compute_rdp_poisson_sampled_gaussian), which it checks against
// multi-precision integration; its tolerance there is rtol 1e-4.
func TestRDP(t *testing.T) {
	for _, c := range []struct {
		alpha int
		want  float64
	}{{5, 2.18075656e-03}, {50, 2.38460375e-02}, {100, 1.67416308e02}} {
		if got := rdp(0.01, 2.5, 50, c.alpha); math.Abs(got-c.want) > 1e-4*c.want {
			t.Errorf("RDP at order %d = %.8g, want %.8g", c.alpha, got, c.want)
		}
	}
}

// TestConvert: a constant RDP of 1.1 at orders 2…32 (pure 1.1-DP) gives
// ε = 1.32783806176 at δ = 1e-5, attained at order 32, as in
// dp_accounting's test_compute_epsilon_delta_pure_dp.
func TestConvert(t *testing.T) {
	eps, order := convert(func(int) float64 { return 1.1 }, 32, 1e-5)
	if math.Abs(eps-1.32783806176) > 1e-9 || order != 32 {
		t.Errorf("ε = %.11f at order %d, want 1.32783806176 at 32", eps, order)
	}
}

// TestEpsilonMonotone: more noise gives a smaller ε, more steps a larger
// one, no noise an infinite one, and no sampling none.
func TestEpsilonMonotone(t *testing.T) {
	e1, _ := epsilon(0.05, 1.0, 500, 1e-5)
	e2, _ := epsilon(0.05, 2.0, 500, 1e-5)
	e3, _ := epsilon(0.05, 1.0, 1000, 1e-5)
	if !(e2 < e1 && e1 < e3) {
		t.Errorf("ε(σ=1, 500 steps) = %.3f, ε(σ=2) = %.3f, ε(1000 steps) = %.3f: want ε(σ=2) < ε(σ=1) < ε(1000 steps)", e1, e2, e3)
	}
	if e, _ := epsilon(0.05, 0, 10, 1e-5); !math.IsInf(e, 1) {
		t.Errorf("ε without noise = %v, want +Inf", e)
	}
	if e, _ := epsilon(0, 1, 10, 1e-5); e != 0 {
		t.Errorf("ε without sampling = %v, want 0", e)
	}
}

// TestEpsilonOpacus: Opacus's accountants_test.py finds ε = 7.32911117143
// for σ = 1.5, q = 0.04, 2250 steps, δ = 1e-5, minimising over fractional
// and integer orders; over integer orders only, ε can only be as large or
// slightly larger.
func TestEpsilonOpacus(t *testing.T) {
	eps, order := epsilon(0.04, 1.5, 2250, 1e-5)
	if eps < 7.32911117143-1e-9 || eps > 7.4 {
		t.Errorf("ε = %.6f (order %d), want in [7.3291, 7.4]", eps, order)
	}
}
