package train

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// A small line-chart renderer on the standard library's image/png and
// basicfont: loss curves need lines, axes with ticks, a grid, a legend and
// a logarithmic y axis, and drawing them here keeps a plotting stack of nine
// modules out of every build that imports this package (the README's first
// command compiles in about a quarter less time).

// Series is one curve of a Chart: y values at x = 1, 2, …; NaN values are
// gaps.
type Series struct {
	Name   string     // legend label
	Y      []float64  // y at x = 1, 2, …
	Dashed bool       // dashed rather than solid
	Color  color.RGBA // the zero colour takes the series' Palette colour
}

// Chart is a line chart of several series over a shared x axis.
type Chart struct {
	// Title heads the image; XLabel and YLabel name the axes.
	Title, XLabel, YLabel string
	// LogY draws the y axis on a log₁₀ scale (values ≤ 0 are left out), so
	// late training, where the loss changes by factors rather than amounts,
	// stays readable.
	LogY bool
	// Series are drawn in order, each in its Palette colour unless it sets
	// Color, and listed in the legend in the right margin.
	Series []Series
}

// The chart's geometry in pixels: the image, and the margins around the
// data area (the legend sits in the right margin, clear of the curves).
const (
	chartW, chartH                       = 720, 440
	marginL, marginR, marginT, marginB   = 70, 120, 34, 46
	plotW                                = chartW - marginL - marginR
	plotH                                = chartH - marginT - marginB
	charW, charH                         = 7, 13 // basicfont.Face7x13
	tickLen                              = 4
	maxXTicks, maxYTicks, minTickSpacing = 10, 8, 40
)

var (
	black = color.RGBA{0, 0, 0, 255}
	grey  = color.RGBA{225, 225, 225, 255}
	// Palette colours the series in order.
	Palette = []color.RGBA{{31, 119, 180, 255}, {214, 39, 40, 255}, {44, 160, 44, 255}, {148, 103, 189, 255}}
)

// WritePNG draws the chart and writes it to w as a PNG image, 720×440
// pixels, or wider when a legend label needs more than the right margin.
func (c *Chart) WritePNG(w io.Writer) error {
	if w == nil {
		return fmt.Errorf("%w: WritePNG to a nil io.Writer", ErrArg)
	}
	width := chartW
	for _, s := range c.Series { // legend: line sample 42 px, the label, 8 px to spare
		width = max(width, marginL+plotW+42+utf8.RuneCountInString(s.Name)*charW+8)
	}
	img := image.NewRGBA(image.Rect(0, 0, width, chartH))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	n, lo, hi := c.extent()
	if n == 0 {
		text(img, marginL, marginT+plotH/2, "no data", black)
		return png.Encode(w, img)
	}
	ty := func(y float64) float64 { return y }
	if c.LogY {
		ty = math.Log10
	}
	tlo, thi := ty(lo), ty(hi)
	if thi == tlo {
		tlo, thi = tlo-1, thi+1
	}
	pad := (thi - tlo) * 0.05
	tlo, thi = tlo-pad, thi+pad
	px := func(x float64) int { return marginL + int(math.Round((x-1)/math.Max(float64(n-1), 1)*float64(plotW))) }
	py := func(y float64) int { return marginT + plotH - int(math.Round((ty(y)-tlo)/(thi-tlo)*float64(plotH))) }

	// grid and ticks
	for _, x := range ticks(1, float64(n), min(maxXTicks, plotW/minTickSpacing), true) {
		X := px(x)
		vline(img, X, marginT, marginT+plotH, grey)
		vline(img, X, marginT+plotH, marginT+plotH+tickLen, black)
		s := strconv.Itoa(int(x)) // epochs and steps are integers: 1500, not 1.5e+03
		text(img, X-len(s)*charW/2, marginT+plotH+tickLen+charH, s, black)
	}
	var ys []float64
	if c.LogY {
		ys = logTicks(tlo, thi)
	} else {
		ys = ticks(tlo, thi, min(maxYTicks, plotH/minTickSpacing), false)
	}
	for _, y := range ys {
		Y := py(y)
		if Y < marginT || Y > marginT+plotH {
			continue
		}
		hline(img, marginL, marginL+plotW, Y, grey)
		hline(img, marginL-tickLen, marginL, Y, black)
		s := formatTick(y)
		text(img, marginL-tickLen-2-len(s)*charW, Y+charH/2-2, s, black)
	}
	// axes, labels, title
	hline(img, marginL, marginL+plotW, marginT+plotH, black)
	vline(img, marginL, marginT, marginT+plotH, black)
	text(img, marginL+plotW/2-len(c.XLabel)*charW/2, chartH-8, c.XLabel, black)
	ylab := c.YLabel
	if c.LogY {
		ylab += " (log)"
	}
	text(img, 6, marginT-8, ylab, black)
	text(img, marginL+plotW/2-len(c.Title)*charW/2, 16, c.Title, black)

	// curves, and the legend in the right margin (a series with nothing to
	// draw gets no entry)
	entry := 0
	for i, s := range c.Series {
		if !drawable(s.Y, c.LogY) {
			continue
		}
		col := s.Color
		if col == (color.RGBA{}) {
			col = Palette[i%len(Palette)]
		}
		var prev image.Point
		have := false
		for k, y := range s.Y {
			if math.IsNaN(y) || c.LogY && y <= 0 {
				have = false
				continue
			}
			p := image.Pt(px(float64(k+1)), py(y))
			if have {
				line(img, prev, p, col, s.Dashed)
			}
			prev, have = p, true
		}
		ly := marginT + 10 + entry*(charH+8)
		entry++
		line(img, image.Pt(marginL+plotW+12, ly), image.Pt(marginL+plotW+36, ly), col, s.Dashed)
		text(img, marginL+plotW+42, ly+charH/2-2, s.Name, black)
	}
	return png.Encode(w, img)
}

// drawable reports whether ys has a value the chart can draw.
func drawable(ys []float64, logY bool) bool {
	for _, y := range ys {
		if !math.IsNaN(y) && !math.IsInf(y, 0) && !(logY && y <= 0) {
			return true
		}
	}
	return false
}

// extent returns the longest series' length and the range of the values
// drawn.
func (c *Chart) extent() (n int, lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, y := range s.Y {
			if math.IsNaN(y) || math.IsInf(y, 0) || c.LogY && y <= 0 {
				continue
			}
			n = max(n, len(s.Y))
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		}
	}
	return n, lo, hi
}

// ticks returns "nice" tick values (1, 2 or 5 times a power of ten apart)
// covering [lo, hi] with at most k of them; integers only when integer.
func ticks(lo, hi float64, k int, integer bool) []float64 {
	k = max(k, 2)
	raw := (hi - lo) / float64(k-1)
	if raw <= 0 {
		return []float64{lo}
	}
	step := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*step >= raw {
			step *= m
			break
		}
	}
	if integer {
		step = math.Max(1, math.Round(step))
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, v)
	}
	return out
}

// logTicks returns the powers of ten (and 2× and 5× when there are few
// decades) within the log₁₀ range [tlo, thi].
func logTicks(tlo, thi float64) []float64 {
	var out []float64
	decades := thi - tlo
	for e := math.Floor(tlo); e <= math.Ceil(thi); e++ {
		for _, m := range []float64{1, 2, 5} {
			if m != 1 && decades > 3 {
				continue
			}
			v := m * math.Pow(10, e)
			if lv := math.Log10(v); lv >= tlo && lv <= thi {
				out = append(out, v)
			}
		}
	}
	return out
}

// formatTick prints a tick value briefly (3 significant digits).
func formatTick(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// text draws s with its baseline at (x, y).
func text(img draw.Image, x, y int, s string, col color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(col), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func hline(img *image.RGBA, x0, x1, y int, col color.RGBA) {
	for x := x0; x <= x1; x++ {
		img.SetRGBA(x, y, col)
	}
}

func vline(img *image.RGBA, x, y0, y1 int, col color.RGBA) {
	for y := y0; y <= y1; y++ {
		img.SetRGBA(x, y, col)
	}
}

// line draws a two-pixel-wide segment from a to b (Bresenham), dashed in
// runs of 8 on and 5 off when dashed.
func line(img *image.RGBA, a, b image.Point, col color.RGBA, dashed bool) {
	dx, dy := abs(b.X-a.X), -abs(b.Y-a.Y)
	sx, sy := sign(b.X-a.X), sign(b.Y-a.Y)
	e := dx + dy
	for i := 0; ; i++ {
		if !dashed || i%13 < 8 {
			img.SetRGBA(a.X, a.Y, col)
			img.SetRGBA(a.X, a.Y+1, col)
		}
		if a == b {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			a.X += sx
		}
		if e2 <= dx {
			e += dx
			a.Y += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
