package main

import (
	"io"
	"math"
	"testing"
)

// TestDiabetesLossFalls trains five epochs and checks the cost falls.
func TestDiabetesLossFalls(t *testing.T) {
	for _, hidden := range []int{0, 8} { // the linear model and an MLP
		cfg := defaults()
		cfg.Hidden, cfg.Epochs, cfg.Quiet = hidden, 5, true
		res, err := run(io.Discard, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !(res.TestLoss < res.InitialLoss) {
			t.Errorf("hidden %d: test cost did not fall: %.4f → %.4f", hidden, res.InitialLoss, res.TestLoss)
		}
	}
}

// TestDiabetesDefault runs `go run ./examples/diabetes` (under a second) and
// checks that gradient descent reaches the closed-form least-squares fit:
// test R² within 0.01 of it (0.495 against 0.497 with seed 1; Adam's last
// steps still jitter a little), and at least the known 0.45.
func TestDiabetesDefault(t *testing.T) {
	cfg := defaults()
	cfg.Quiet = true
	res, err := run(io.Discard, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.R2-res.LeastSqR2) > 0.01 || res.R2 < 0.45 {
		t.Errorf("test R² %.4f, want ≥ 0.45 and within 0.01 of least squares' %.4f", res.R2, res.LeastSqR2)
	}
}
