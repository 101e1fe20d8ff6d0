// Package report holds what tapegrad's example programs share for showing a
// training run to a person: a progress bar over the steps of a long loop,
// per-epoch lines, and an optional loss-curve PNG (plot.go draws it).
package report

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/schollz/progressbar/v3"
)

// Bar is a progress bar over n steps written to stderr (so the program's
// stdout stays readable by scripts). Quiet bars draw nothing.
type Bar struct{ b *progressbar.ProgressBar }

// NewBar returns a bar over n steps described by desc; quiet disables it,
// and so does a stderr that is not a terminal (a log file, CI), where the
// bar's frames would only be noise.
func NewBar(n int, desc string, quiet bool) *Bar {
	if quiet || !IsTerminal(os.Stderr) {
		return &Bar{}
	}
	return &Bar{progressbar.NewOptions(n,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100_000_000), // redraw at most every 0.1 s
	)}
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Add advances the bar by one step. A nil *Bar does nothing.
func (b *Bar) Add() {
	if b != nil && b.b != nil {
		_ = b.b.Add(1)
	}
}

// Finish clears the bar. A nil *Bar does nothing.
func (b *Bar) Finish() {
	if b != nil && b.b != nil {
		_ = b.b.Finish()
	}
}

// Curve records loss values per epoch (or per step) for printing and
// plotting.
type Curve struct {
	Train, Test []float64
	// XLabel names the x axis of the plot; "" means "epoch".
	XLabel string
}

// Add appends one epoch's train and test loss (NaN test loss to omit it).
func (c *Curve) Add(train, test float64) {
	c.Train = append(c.Train, train)
	c.Test = append(c.Test, test)
}

// Epoch prints one line for an epoch to w.
func Epoch(w io.Writer, epoch, epochs int, loss float64, extra string) {
	fmt.Fprintf(w, "epoch %*d/%d  loss %.5f%s\n", len(fmt.Sprint(epochs)), epoch, epochs, loss, extra)
}

// Plot writes the loss curve to a PNG file: train solid, test dashed,
// over epochs (or whatever XLabel says), with a log-scale y axis when the
// losses span more than a factor of ten (so late training stays visible).
// The write is atomic: the image goes to a temporary file beside path (mode
// 0644), which is renamed over path only once it is complete.
func (c *Curve) Plot(path, title string) error {
	xlabel := c.XLabel
	if xlabel == "" {
		xlabel = "epoch"
	}
	ch := &Chart{Title: title, XLabel: xlabel, YLabel: "loss", LogY: spansDecade(c.Train, c.Test),
		Series: []Series{{Name: "train", Y: c.Train}, {Name: "test", Y: c.Test, Dashed: true}}}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing loss plot: %w", err)
	}
	if err = f.Chmod(0o644); err == nil { // CreateTemp makes it 0600
		err = ch.WritePNG(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing loss plot: %w", err)
	}
	return nil
}

// spansDecade reports whether the positive values of the series span more
// than a factor of ten, and none is ≤ 0 (a log scale would drop it).
func spansDecade(series ...[]float64) bool {
	lo, hi := math.Inf(1), 0.0
	for _, s := range series {
		for _, y := range s {
			switch {
			case math.IsNaN(y):
			case y <= 0:
				return false
			default:
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
	}
	return hi > 10*lo
}
