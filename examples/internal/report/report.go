// Package report holds what tapegrad's example programs share for showing a
// training run to a person: a progress bar over the steps of a long loop,
// per-epoch lines, and an optional loss-curve PNG drawn with gonum/plot.
package report

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/schollz/progressbar/v3"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
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

// Curve records loss values per epoch for printing and plotting.
type Curve struct {
	Train, Test []float64
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

// Plot writes the loss curve to a PNG file. The write is atomic: the image
// goes to a temporary file beside path (mode 0644), which is renamed over
// path only once it is complete.
func (c *Curve) Plot(path, title string) error {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, "epoch", "loss"
	for _, s := range []struct {
		name string
		ys   []float64
	}{{"train", c.Train}, {"test", c.Test}} {
		var pts plotter.XYs
		for i, y := range s.ys {
			if !math.IsNaN(y) {
				pts = append(pts, plotter.XY{X: float64(i + 1), Y: y})
			}
		}
		if len(pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		if s.name == "test" {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	img, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("writing loss plot: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing loss plot: %w", err)
	}
	if err = f.Chmod(0o644); err == nil { // CreateTemp makes it 0600
		_, err = img.WriteTo(f)
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
