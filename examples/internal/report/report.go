// Package report holds what tapegrad's example programs share for showing a
// training run to a person: a progress bar over the steps of a long loop,
// per-epoch lines, and an optional loss-curve PNG drawn with gonum/plot.
package report

import (
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Bar is a progress bar over n steps written to stderr (so the program's
// stdout stays readable by scripts). Quiet bars draw nothing.
type Bar struct{ b *progressbar.ProgressBar }

// NewBar returns a bar over n steps described by desc; quiet disables it.
func NewBar(n int, desc string, quiet bool) *Bar {
	if quiet {
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

// Add advances the bar by one step.
func (b *Bar) Add() {
	if b.b != nil {
		_ = b.b.Add(1)
	}
}

// Finish clears the bar.
func (b *Bar) Finish() {
	if b.b != nil {
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
// goes to a temporary file beside path, which is renamed over path only once
// it is complete.
func (c *Curve) Plot(path, title string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "loss"
	add := func(name string, ys []float64) error {
		pts := plotter.XYs{}
		for i, y := range ys {
			if y == y { // skip NaN
				pts = append(pts, plotter.XY{X: float64(i + 1), Y: y})
			}
		}
		if len(pts) == 0 {
			return nil
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		if name == "test" {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		p.Legend.Add(name, l)
		return nil
	}
	if err := add("train", c.Train); err != nil {
		return err
	}
	if err := add("test", c.Test); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := p.Save(6*vg.Inch, 4*vg.Inch, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing loss plot: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing loss plot: %w", err)
	}
	return nil
}
