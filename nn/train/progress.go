package train

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress shows a training run to a person while it happens. Each period
// (an epoch, or several) is opened by Start and closed by Finish, and each
// optimiser step reports its loss through Step. On a terminal Progress draws
// a bar with the period's running mean loss and its speed (samples/s when
// steps report samples, steps/s otherwise), redrawn at most every 0.1 s and
// cleared by Finish; elsewhere (a log file, CI) it draws nothing while the
// period runs and Finish writes one plain line:
//
//	epoch 3/40: 42 steps, loss 0.12345, 4410 samples/s (0.3s)
//
// A nil *Progress does nothing, so a quiet run passes nil.
type Progress struct {
	// Clock returns the current time; NewProgress sets it to time.Now, and
	// tests replace it with a fake clock.
	Clock func() time.Time

	w        io.Writer
	terminal bool
	bar      *progressbar.ProgressBar

	desc           string
	total          int
	steps, samples int
	sum            float64 // Σ loss·weight over the period
	weight         float64 // Σ weight: samples, or steps when none reported
	start, drawn   time.Time
}

// redraw is the least time between two descriptions of the bar.
const redraw = 100 * time.Millisecond

// NewProgress returns a Progress writing to w (usually os.Stderr, keeping
// stdout for results): a bar if w is a terminal, plain lines otherwise.
func NewProgress(w io.Writer) *Progress {
	f, ok := w.(*os.File)
	return &Progress{Clock: time.Now, w: w, terminal: ok && IsTerminal(f)}
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Start opens a period of total steps described by desc ("epoch 3/40").
func (p *Progress) Start(desc string, total int) {
	if p == nil || p.w == nil { // nil, or a zero Progress (not made by NewProgress): no display
		return
	}
	p.desc, p.total = desc, total
	p.steps, p.samples, p.sum, p.weight = 0, 0, 0, 0
	p.start = p.Clock()
	p.drawn = p.start
	if p.terminal {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(redraw),
		)
	}
}

// Step records one step's loss over samples data points (0 if the step has
// no meaningful sample count; the mean is then over steps). It allocates
// nothing except when it redraws the bar's description.
func (p *Progress) Step(loss float64, samples int) {
	if p == nil {
		return
	}
	p.steps++
	p.samples += samples
	wt := float64(samples)
	if samples == 0 {
		wt = 1
	}
	p.sum += loss * wt
	p.weight += wt
	if p.bar == nil {
		return
	}
	if now := p.Clock(); now.Sub(p.drawn) >= redraw {
		p.drawn = now
		p.bar.Describe(p.desc + "  " + p.summary(now))
	}
	_ = p.bar.Add(1)
}

// Mean returns the period's running mean loss (weighted by samples when
// steps report them), NaN before the first step.
func (p *Progress) Mean() float64 {
	if p == nil || p.weight == 0 {
		return nan
	}
	return p.sum / p.weight
}

// summary is the running loss and the speed at time now.
func (p *Progress) summary(now time.Time) string {
	sec := now.Sub(p.start).Seconds()
	n, unit := p.steps, "steps"
	if p.samples > 0 {
		n, unit = p.samples, "samples"
	}
	speed := "-"
	if sec > 0 {
		speed = fmt.Sprintf("%.0f", float64(n)/sec)
	}
	return fmt.Sprintf("loss %.5f, %s %s/s", p.Mean(), speed, unit)
}

// Finish closes the period: it clears the bar, or writes the period's plain
// line when not on a terminal.
func (p *Progress) Finish() {
	if p == nil || p.w == nil { // nil, or a zero Progress: no display
		return
	}
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
		return
	}
	if p.terminal {
		return
	}
	now := p.Clock()
	fmt.Fprintf(p.w, "%s: %d steps, %s (%.1fs)\n", p.desc, p.steps, p.summary(now), now.Sub(p.start).Seconds())
}
