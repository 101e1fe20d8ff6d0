package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestCharLMLearns trains each architecture briefly (two epochs of 15
// batches of 8 windows) and checks that the validation bits per character
// fall below the untrained model's (about 6.5) and the sample has the
// length asked for and starts with the prompt.
func TestCharLMLearns(t *testing.T) {
	for _, arch := range []string{"transformer", "lstm"} {
		t.Run(arch, func(t *testing.T) {
			cfg := defaults()
			cfg.Arch, cfg.Epochs, cfg.Steps, cfg.Batch, cfg.Sample, cfg.Quiet = arch, 2, 15, 8, 20, true
			var out bytes.Buffer
			res, err := run(&out, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !(res.ValBits[len(res.ValBits)-1] < res.Initial) {
				t.Errorf("validation bits/char did not fall: %.3f → %v", res.Initial, res.ValBits)
			}
			if !strings.HasPrefix(res.Sample, "func ") || len(res.Sample) != len("func ")+20 {
				t.Errorf("sample %q: want \"func \" and 20 characters", res.Sample)
			}
			if !strings.Contains(out.String(), "validation") {
				t.Errorf("no per-epoch line in the output:\n%s", out.String())
			}
		})
	}
}

// TestArchUnknown: a bad -arch is an error, not a panic.
func TestArchUnknown(t *testing.T) {
	cfg := defaults()
	cfg.Arch = "rnn"
	if _, err := run(&bytes.Buffer{}, cfg); err == nil || !strings.Contains(err.Error(), "rnn") {
		t.Errorf("run with -arch rnn: %v, want an error naming it", err)
	}
}
