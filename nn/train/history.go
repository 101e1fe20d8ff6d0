package train

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// Names of the metrics Fit records in a History.
const (
	TrainLoss = "train loss" // mean training loss over an epoch's batches
	TestLoss  = "test loss"  // loss on the test set after the epoch
)

// Names of the x axis of a History: what one recorded value stands for.
const (
	Epochs = "epoch" // one value per pass over the training set
	Steps  = "step"  // one value per optimiser step
)

// History holds named metrics, one value per epoch (or per step: X says
// which), in the order they were first added. The zero value is not ready;
// use NewHistory.
type History struct {
	// X names the x axis: Epochs, Steps or any other unit.
	X      string
	names  []string
	values map[string][]float64
}

// NewHistory returns an empty history over x (Epochs or Steps).
func NewHistory(x string) *History {
	return &History{X: x, values: map[string][]float64{}}
}

// Add appends v to the series called name, starting it if new. Series may
// differ in length; value i of each is plotted at x = i+1.
func (h *History) Add(name string, v float64) {
	if h.values == nil { // a zero History
		h.values = map[string][]float64{}
	}
	if _, ok := h.values[name]; !ok {
		h.names = append(h.names, name)
	}
	h.values[name] = append(h.values[name], v)
}

// Series returns the values of name (nil if none). The slice is the
// history's own: do not modify it.
func (h *History) Series(name string) []float64 { return h.values[name] }

// Last returns the latest value of name, or NaN if it has none.
func (h *History) Last(name string) float64 {
	s := h.values[name]
	if len(s) == 0 {
		return math.NaN()
	}
	return s[len(s)-1]
}

// Names returns the series' names in the order they were first added.
func (h *History) Names() []string { return append([]string(nil), h.names...) }

// Len returns the length of the longest series.
func (h *History) Len() int {
	n := 0
	for _, s := range h.values {
		n = max(n, len(s))
	}
	return n
}

// Scale is the y axis of a Plot.
type Scale int

const (
	// AutoScale is logarithmic when the plotted values are all positive and
	// span more than a factor of ten (so late training, where a loss falls by
	// factors, stays visible), linear otherwise.
	AutoScale Scale = iota
	Linear          // a linear y axis
	Log             // a log₁₀ y axis; values ≤ 0 are left out
)

// Plot says which series of a History a PNG shows and how.
type Plot struct {
	Title  string   // heads the image
	YLabel string   // names the y axis
	Names  []string // the series drawn: the first solid, the rest dashed
	Scale  Scale
}

// LossPlot is the plot of TrainLoss and TestLoss (where present) with an
// AutoScale y axis labelled "loss".
func LossPlot(title string) Plot {
	return Plot{Title: title, YLabel: "loss", Names: []string{TrainLoss, TestLoss}}
}

// Chart returns the line chart of p's series in h (series h lacks are
// skipped), its x axis labelled h.X.
func (h *History) Chart(p Plot) *Chart {
	c := &Chart{Title: p.Title, XLabel: h.X, YLabel: p.YLabel}
	var ys [][]float64
	for _, name := range p.Names {
		y, ok := h.values[name]
		if !ok {
			continue
		}
		c.Series = append(c.Series, Series{Name: name, Y: y, Dashed: len(c.Series) > 0})
		ys = append(ys, y)
	}
	switch p.Scale {
	case AutoScale:
		c.LogY = spansDecade(ys...)
	case Log:
		c.LogY = true
	}
	return c
}

// WritePlot draws p (see Chart) to a PNG file at path. The write is atomic:
// the image goes to a temporary file beside path (mode 0644), renamed over
// path only once complete, so a failure leaves any previous file.
func (h *History) WritePlot(path string, p Plot) error {
	return writePNGFile(path, h.Chart(p))
}

// writePNGFile writes c to path atomically.
func writePNGFile(path string, c *Chart) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("train: writing plot: %w", err)
	}
	if err = f.Chmod(0o644); err == nil { // CreateTemp makes it 0600
		err = c.WritePNG(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("train: writing plot: %w", err)
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

// nan is a quiet NaN, for "no value".
var nan = math.NaN()
