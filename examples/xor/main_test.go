package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestXORLossFalls runs 200 steps and checks the cost falls.
func TestXORLossFalls(t *testing.T) {
	cfg := defaults()
	cfg.Epochs, cfg.Quiet = 200, true
	res, err := run(io.Discard, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !(res.Loss < res.InitialLoss) {
		t.Errorf("cost did not fall: %.5f → %.5f", res.InitialLoss, res.Loss)
	}
}

// TestXORDefault runs `go run ./examples/xor` (well under a second) and
// checks that all four outputs are on the right side of 0.5.
func TestXORDefault(t *testing.T) {
	cfg := defaults()
	cfg.Quiet = true
	res, err := run(io.Discard, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range res.Pred {
		if (a > 0.5) != (labels[i] == 1) {
			t.Errorf("%v XOR %v: got a = %.4f, on the wrong side of 0.5 for target %d", inputs.At(i, 0), inputs.At(i, 1), a, labels[i])
		}
	}
	if res.Accuracy != 1 {
		t.Errorf("accuracy %v, want 1", res.Accuracy)
	}
}

// TestXORWritesDOTAndPlot checks the -dot and -plot outputs exist and the
// DOT file names the network's ops.
func TestXORWritesDOTAndPlot(t *testing.T) {
	dir := t.TempDir()
	cfg := defaults()
	cfg.Epochs, cfg.Quiet = 20, true
	cfg.Dot, cfg.Plot = filepath.Join(dir, "xor.dot"), filepath.Join(dir, "loss.png")
	if _, err := run(io.Discard, cfg); err != nil {
		t.Fatal(err)
	}
	dot, err := os.ReadFile(cfg.Dot)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"digraph", "matmul", "sigmoid"} {
		if !strings.Contains(string(dot), want) {
			t.Errorf("DOT output lacks %q", want)
		}
	}
	png, err := os.ReadFile(cfg.Plot)
	if err != nil || len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Errorf("loss plot missing or not a PNG (err %v)", err)
	}
}
