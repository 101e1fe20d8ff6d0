package train

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock returns a clock that advances by step on every reading.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(step); return t }
}

// TestProgressPlain: off a terminal, each period ends in one plain line
// with the mean loss (weighted by samples) and the speed. The fake clock
// advances 0.1 s per reading: Start, and Finish read it once each, so a
// period lasts 0.1 s.
func TestProgressPlain(t *testing.T) {
	var b strings.Builder
	p := NewProgress(&b)
	p.Clock = fakeClock(100 * time.Millisecond)
	p.Start("epoch 1/2", 2)
	p.Step(1, 30) // mean (1·30 + 4·10)/40 = 1.75
	p.Step(4, 10)
	p.Finish()
	p.Start("epoch 2/2", 3)
	p.Step(0.5, 0) // no sample counts: a mean over steps, speed in steps/s
	p.Step(1.5, 0)
	p.Step(1, 0)
	p.Finish()
	want := "epoch 1/2: 2 steps, loss 1.75000, 400 samples/s (0.1s)\n" +
		"epoch 2/2: 3 steps, loss 1.00000, 30 steps/s (0.1s)\n"
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("output (-want +got):\n%s", d)
	}
}

func TestProgressNil(t *testing.T) {
	var p *Progress // a quiet run
	p.Start("x", 1)
	p.Step(1, 1)
	p.Finish()
	if !math.IsNaN(p.Mean()) {
		t.Errorf("Mean of nil = %v, want NaN", p.Mean())
	}
}

// TestProgressStepAllocatesNothing: the step path of a plain Progress
// allocates nothing, so a training loop's steady state stays free of
// allocations.
func TestProgressStepAllocatesNothing(t *testing.T) {
	var b strings.Builder
	p := NewProgress(&b)
	p.Start("epoch", 1000)
	if n := testing.AllocsPerRun(100, func() { p.Step(0.5, 32) }); n != 0 {
		t.Errorf("Step allocates %v times, want 0", n)
	}
}

// TestProgressBar drives the terminal path into a buffer: the bar shows
// the period's description and Finish writes no plain line; the bar's
// description carries the running loss and the speed (the bar library
// throttles redraws in real time, so the text is checked through summary).
func TestProgressBar(t *testing.T) {
	var b strings.Builder
	p := NewProgress(&b)
	p.terminal = true // as if b were a terminal
	clock := fakeClock(200 * time.Millisecond)
	p.Clock = clock
	p.Start("epoch 1/1", 2)
	p.Step(1, 10)
	p.Step(3, 10)
	if got, want := p.summary(clock()), "loss 2.00000, 33 samples/s"; got != want {
		t.Errorf("summary %q, want %q (20 samples in 0.6 s: the clock is read by Start, each Step and here)", got, want)
	}
	p.Finish()
	if got := b.String(); !strings.Contains(got, "epoch 1/1") || strings.Contains(got, "steps,") {
		t.Errorf("bar output lacks the description, or has a plain line:\n%q", got)
	}
}
