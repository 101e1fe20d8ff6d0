package main

import (
	"io"
	"testing"
)

// TestIrisLossFalls trains five epochs and checks the cost falls.
func TestIrisLossFalls(t *testing.T) {
	cfg := defaults()
	cfg.Epochs, cfg.Quiet = 5, true
	res, err := run(io.Discard, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !(res.TestLoss < res.InitialLoss) || !(res.TrainLoss[4] < res.TrainLoss[0]) {
		t.Errorf("cost did not fall: test %.4f → %.4f, train %.4f", res.InitialLoss, res.TestLoss, res.TrainLoss)
	}
}

// TestIrisDefault runs `go run ./examples/iris` (a fraction of a second) and
// checks softmax regression's usual test accuracy: at least 93% (42 of the
// 45 test flowers). The seeds 1…20 give 93.3% to 100%.
func TestIrisDefault(t *testing.T) {
	cfg := defaults()
	cfg.Quiet = true
	res, err := run(io.Discard, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accuracy < 0.93 {
		t.Errorf("test accuracy %.4f, want ≥ 0.93", res.Accuracy)
	}
}
