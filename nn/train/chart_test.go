package train

import (
	"bytes"
	"image/png"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestChartDraws renders a chart and checks the image: its size, white
// background, the black axes, and each series' colour present in the data
// area (a curve that was not drawn fails).
func TestChartDraws(t *testing.T) {
	train := make([]float64, 40)
	test := make([]float64, 40)
	for i := range train {
		train[i] = 2 * math.Exp(-0.15*float64(i))
		test[i] = train[i] + 0.05
	}
	for _, logY := range []bool{false, true} {
		c := &Chart{Title: "loss", XLabel: "epoch", YLabel: "loss", LogY: logY,
			Series: []Series{{Name: "train", Y: train}, {Name: "test", Y: test, Dashed: true}}}
		var buf bytes.Buffer
		if err := c.WritePNG(&buf); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([2]int{chartW, chartH}, [2]int{img.Bounds().Dx(), img.Bounds().Dy()}); d != "" {
			t.Fatalf("size (-want +got):\n%s", d)
		}
		count := map[[3]uint32]int{}
		for y := marginT; y <= marginT+plotH; y++ {
			for x := marginL + 1; x <= marginL+plotW; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				count[[3]uint32{r >> 8, g >> 8, b >> 8}]++
			}
		}
		for i := range c.Series {
			p := Palette[i]
			if n := count[[3]uint32{uint32(p.R), uint32(p.G), uint32(p.B)}]; n < 50 {
				t.Errorf("logY=%t: series %d drew %d pixels in the data area, want a curve", logY, i, n)
			}
		}
		if r, g, b, _ := img.At(1, 1).RGBA(); r>>8 != 255 || g>>8 != 255 || b>>8 != 255 {
			t.Errorf("background (%d,%d,%d), want white", r>>8, g>>8, b>>8)
		}
		if r, _, _, _ := img.At(marginL, marginT+plotH/2).RGBA(); r != 0 {
			t.Errorf("no y axis at x = %d", marginL)
		}
	}
}

// TestTicks: nice steps (1, 2, 5 × 10ᵏ) within the range, integer ticks for
// epochs, powers of ten on a log axis.
func TestTicks(t *testing.T) {
	if d := cmp.Diff([]float64{0, 0.5, 1, 1.5, 2}, ticks(0, 2, 5, false)); d != "" {
		t.Errorf("ticks(0, 2) (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]float64{5, 10, 15, 20, 25, 30, 35, 40}, ticks(1, 40, 10, true)); d != "" {
		t.Errorf("epoch ticks (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]float64{0.001, 0.01, 0.1, 1}, logTicks(-3.2, 0.3), cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12*b })); d != "" {
		t.Errorf("log ticks (-want +got):\n%s", d)
	}
}

// TestChartWidensForLegend: a legend label longer than the right margin
// holds widens the image instead of being cut off.
func TestChartWidensForLegend(t *testing.T) {
	c := &Chart{Series: []Series{{Name: "a rather long metric name", Y: []float64{1, 2}}}}
	var buf bytes.Buffer
	if err := c.WritePNG(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w <= chartW {
		t.Errorf("width %d, want more than %d for the legend", w, chartW)
	}
}
