package train

import (
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decayingHistory is 40 epochs of a typical run: the train loss falls from
// 2 to about 0.005, the test loss levels off near 0.05, and the accuracy
// rises to 0.98.
func decayingHistory() *History {
	h := NewHistory(Epochs)
	for i := range 40 {
		tr := 2 * math.Exp(-0.15*float64(i))
		h.Add(TrainLoss, tr)
		h.Add(TestLoss, tr+0.05)
		h.Add("test accuracy", 0.98-0.5*math.Exp(-0.3*float64(i)))
	}
	return h
}

func TestHistoryAddLast(t *testing.T) {
	h := NewHistory(Steps)
	if !math.IsNaN(h.Last(TrainLoss)) {
		t.Errorf("Last of an empty series is %v, want NaN", h.Last(TrainLoss))
	}
	h.Add(TrainLoss, 3)
	h.Add("acc", 0.5)
	h.Add(TrainLoss, 2)
	if d := cmp.Diff([]float64{3, 2}, h.Series(TrainLoss)); d != "" {
		t.Errorf("series (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{TrainLoss, "acc"}, h.Names()); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	if got := h.Len(); got != 2 {
		t.Errorf("Len %d, want 2", got)
	}
	if got := h.Last(TrainLoss); got != 2 {
		t.Errorf("Last %v, want 2", got)
	}
}

// TestHistoryChart: the axis is named by X, missing series are skipped, the
// first series is solid and the rest dashed, and the scale is as asked
// (AutoScale: log when the values span a decade).
func TestHistoryChart(t *testing.T) {
	h := decayingHistory()
	tests := []struct {
		name   string
		plot   Plot
		series int
		logY   bool
		ylabel string
	}{
		{"loss auto", LossPlot("l"), 2, true, "loss"},
		{"loss linear", Plot{Names: []string{TrainLoss, TestLoss}, Scale: Linear}, 2, false, ""},
		{"accuracy auto", Plot{YLabel: "accuracy", Names: []string{"test accuracy", "missing"}}, 1, false, "accuracy"},
		{"accuracy log", Plot{Names: []string{"test accuracy"}, Scale: Log}, 1, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := h.Chart(tc.plot)
			if c.XLabel != Epochs || c.YLabel != tc.ylabel || c.LogY != tc.logY || len(c.Series) != tc.series {
				t.Errorf("got x %q y %q logY %t %d series, want %q %q %t %d", c.XLabel, c.YLabel, c.LogY, len(c.Series), Epochs, tc.ylabel, tc.logY, tc.series)
			}
			for i, s := range c.Series {
				if s.Dashed != (i > 0) {
					t.Errorf("series %d dashed %t", i, s.Dashed)
				}
			}
		})
	}
	if !spansDecade([]float64{2, 0.05}) || spansDecade([]float64{1, 2}) || spansDecade([]float64{0, 100}) {
		t.Errorf("spansDecade chose the wrong scale")
	}
}

// TestWritePlot writes the loss and the accuracy plots atomically (no
// temporary file left), 720×440, with both loss series drawn in their
// palette colours inside the data area. TAPEGRAD_PLOT_DIR keeps the files
// for a person to look at.
func TestWritePlot(t *testing.T) {
	dir := os.Getenv("TAPEGRAD_PLOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	h := decayingHistory()
	loss, acc := filepath.Join(dir, "loss.png"), filepath.Join(dir, "accuracy.png")
	if err := h.WritePlot(loss, LossPlot("demo: cross-entropy")); err != nil {
		t.Fatal(err)
	}
	if err := h.WritePlot(acc, Plot{Title: "demo: accuracy", YLabel: "accuracy", Names: []string{"test accuracy"}}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".png" {
			t.Errorf("left %s beside the plots", e.Name())
		}
	}
	f, err := os.Open(loss)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(image.Pt(chartW, chartH), img.Bounds().Size()); d != "" {
		t.Fatalf("size (-want +got):\n%s", d)
	}
	count := map[[3]uint32]int{}
	for y := marginT; y <= marginT+plotH; y++ {
		for x := marginL + 1; x <= marginL+plotW; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			count[[3]uint32{r >> 8, g >> 8, b >> 8}]++
		}
	}
	for i := range 2 {
		p := Palette[i]
		if n := count[[3]uint32{uint32(p.R), uint32(p.G), uint32(p.B)}]; n < 50 {
			t.Errorf("series %d drew %d pixels in the data area, want a curve", i, n)
		}
	}
}

func TestWritePlotError(t *testing.T) {
	if err := decayingHistory().WritePlot(filepath.Join(t.TempDir(), "no", "such", "dir.png"), LossPlot("x")); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}
