package vec

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
)

// specials are the inputs where a ReLU kernel can go wrong: both zeros,
// both infinities, NaNs of both signs (quiet and signalling, with and
// without payloads, the x86 default NaN 0xFFF8… among them), the extreme
// subnormals and normals, and ordinary values of both signs.
var specials = []uint64{
	0x0000000000000000, // +0
	0x8000000000000000, // −0
	0x7FF0000000000000, // +Inf
	0xFFF0000000000000, // −Inf
	0x7FF8000000000000, // quiet NaN (Go's math.NaN is 0x7FF8…01)
	0xFFF8000000000000, // x86 default NaN: negative, quiet
	0x7FF800000000BEEF, // quiet NaN with a payload
	0xFFFC00000000CAFE, // negative quiet NaN with a payload
	0x7FF0000000000001, // signalling NaN
	0xFFF0000000000001, // negative signalling NaN
	0x7FFFFFFFFFFFFFFF, // largest positive NaN
	0xFFFFFFFFFFFFFFFF, // largest negative NaN
	0x0000000000000001, // smallest subnormal
	0x8000000000000001, // −smallest subnormal
	0x000FFFFFFFFFFFFF, // largest subnormal
	0x800FFFFFFFFFFFFF, // −largest subnormal
	0x0010000000000000, // smallest normal
	0x8010000000000000, // −smallest normal
	0x7FEFFFFFFFFFFFFF, // MaxFloat64
	0xFFEFFFFFFFFFFFFF, // −MaxFloat64
	0x3FF0000000000000, // 1
	0xBFF0000000000000, // −1
	0x3FE0000000000000, // 0.5
	0xBFE0000000000000, // −0.5
}

// reluRef is ReLU as documented: x where x > 0 or x is NaN, else +0.
func reluRef(x float64) float64 {
	if x > 0 || x != x {
		return x
	}
	return 0
}

// reluBackwardRef is ReLUBackward as documented: g where y > 0, else +0.
func reluBackwardRef(y, g float64) float64 {
	if y > 0 {
		return g
	}
	return 0
}

// autogradRef is the loop autograd's relu_grad used before this package
// (autograd/unary.go), kept here verbatim as the reference ReLUBackward
// must reproduce on the outputs ReLU can produce (y ≥ 0 or NaN).
func autogradRef(d, ys, gs []float64) {
	for i, y := range ys {
		b := math.Float64bits(y)
		keep := -((b | -b) >> 63)
		d[i] = math.Float64frombits(math.Float64bits(gs[i]) & keep)
		if y != y {
			d[i] = 0
		}
	}
}

// hex is a float64's bits, compared and printed in hexadecimal so that a
// NaN payload or a zero's sign shows in a diff.
type hex uint64

func (h hex) String() string { return fmt.Sprintf("%#016x", uint64(h)) }

// diffBits is cmp.Diff of want's and got's bits: "" if they are equal bit
// for bit (checked first without reflection, which is slow on long
// slices), else the differing elements.
func diffBits(want, got []float64) string {
	w, g := bitsOf(want), bitsOf(got)
	if slices.Equal(w, g) {
		return ""
	}
	return cmp.Diff(w, g)
}

func bitsOf(xs []float64) []hex {
	out := make([]hex, len(xs))
	for i, x := range xs {
		out[i] = hex(math.Float64bits(x))
	}
	return out
}

// randValues returns n values, half drawn from specials and half normal
// deviates (of random sign), shuffled together.
func randValues(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		if rng.IntN(2) == 0 {
			x[i] = math.Float64frombits(specials[rng.IntN(len(specials))])
		} else {
			x[i] = rng.NormFloat64()
		}
	}
	return x
}

// testLengths are every length through the 16-wide loop, the 4-wide loop
// and the scalar tail (0…67 covers 0–4 iterations of the first with every
// remainder), and some large ones: 1000, 4099 (= 16·256 + 3) and 16384.
func testLengths() []int {
	var ns []int
	for n := range 68 {
		ns = append(ns, n)
	}
	return append(ns, 1000, 4099, 16384)
}

// guard fills the slots around a kernel's output, which it must not touch.
const guard = 0x7FF4DEADBEEF0000

// window returns a slice of length off+n+8 filled with guard, and its
// window [off, off+n): a kernel called on the window that writes past its
// end, or before it, changes a guard.
func window(off, n int) (all, w []float64) {
	all = make([]float64, off+n+8)
	for i := range all {
		all[i] = math.Float64frombits(guard)
	}
	return all, all[off : off+n]
}

// checkGuards reports any guard slot of all outside [off, off+n) that changed.
func checkGuards(t *testing.T, all []float64, off, n int) {
	t.Helper()
	for i, v := range all {
		if (i < off || i >= off+n) && math.Float64bits(v) != guard {
			t.Errorf("wrote %#x at %d, outside the window [%d, %d)", math.Float64bits(v), i, off, off+n)
		}
	}
}

type reluKernel struct {
	name string
	f    func(dst, x []float64)
}

type backKernel struct {
	name string
	f    func(dst, y, g []float64)
}

// kernels returns the kernels to test: the Go loops and, where the CPU
// and build allow, the assembly (through the run-time dispatch).
func kernels(t testing.TB) ([]reluKernel, []backKernel) {
	r := []reluKernel{{"go", reluGo}}
	b := []backKernel{{"go", reluBackwardGo}}
	if useAsm {
		r = append(r, reluKernel{"asm", relu})
		b = append(b, backKernel{"asm", reluBackward})
	} else {
		t.Log("no assembly kernels on this CPU or build: testing the Go kernels only")
	}
	return r, b
}

// offsets are the starting offsets of the input and output windows, so
// that the kernels see every alignment of a 32-byte vector relative to
// each slice (offset 0 is 8-, 16- or 32-byte aligned as the allocator
// chooses).
var offsets = []int{0, 1, 2, 3}

func TestReLU(t *testing.T) {
	rk, _ := kernels(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range rk {
		t.Run(k.name, func(t *testing.T) {
			for _, n := range testLengths() {
				for _, xo := range offsets {
					for _, do := range offsets {
						xAll := randValues(rng, xo+n)
						x := xAll[xo:]
						x0 := append([]float64(nil), x...)
						want := make([]float64, n)
						for i, v := range x {
							want[i] = reluRef(v)
						}
						all, dst := window(do, n)
						k.f(dst, x)
						if d := diffBits(want, dst); d != "" {
							t.Fatalf("n=%d x offset %d dst offset %d (-want +got):\n%s", n, xo, do, d)
						}
						checkGuards(t, all, do, n)
						if d := diffBits(x0, x); d != "" {
							t.Fatalf("n=%d: x changed (-before +after):\n%s", n, d)
						}
					}
					// In place, at each offset.
					all, x := window(xo, n)
					copy(x, randValues(rng, n))
					want := make([]float64, n)
					for i, v := range x {
						want[i] = reluRef(v)
					}
					k.f(x, x)
					if d := diffBits(want, x); d != "" {
						t.Fatalf("n=%d offset %d in place (-want +got):\n%s", n, xo, d)
					}
					checkGuards(t, all, xo, n)
				}
			}
		})
	}
}

func TestReLUBackward(t *testing.T) {
	_, bk := kernels(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range bk {
		t.Run(k.name, func(t *testing.T) {
			for _, n := range testLengths() {
				for _, o := range offsets {
					// y, g and dst at different offsets: o, o+1 and o+2 mod 4.
					yo, gOff, do := o, (o+1)%4, (o+2)%4
					y := randValues(rng, yo+n)[yo:]
					g := randValues(rng, gOff+n)[gOff:]
					y0, g0 := append([]float64(nil), y...), append([]float64(nil), g...)
					want := make([]float64, n)
					for i := range want {
						want[i] = reluBackwardRef(y[i], g[i])
					}
					all, dst := window(do, n)
					k.f(dst, y, g)
					if d := diffBits(want, dst); d != "" {
						t.Fatalf("n=%d offsets y %d g %d dst %d (-want +got):\n%s", n, yo, gOff, do, d)
					}
					checkGuards(t, all, do, n)
					if d := diffBits(y0, y); d != "" {
						t.Fatalf("n=%d: y changed (-before +after):\n%s", n, d)
					}
					if d := diffBits(g0, g); d != "" {
						t.Fatalf("n=%d: g changed (-before +after):\n%s", n, d)
					}
					// In place, over g and over y.
					gIn := append([]float64(nil), g...)
					k.f(gIn, y, gIn)
					if d := diffBits(want, gIn); d != "" {
						t.Fatalf("n=%d offset %d dst = g (-want +got):\n%s", n, o, d)
					}
					yIn := append([]float64(nil), y...)
					k.f(yIn, yIn, g)
					if d := diffBits(want, yIn); d != "" {
						t.Fatalf("n=%d offset %d dst = y (-want +got):\n%s", n, o, d)
					}
				}
			}
		})
	}
}

// TestSpecials pins each special value's result, written out by hand
// rather than computed by a reference, in every lane position of a vector
// and of the scalar tail: the 24 specials fill 6 vectors, and with a
// prefix of 0…3 ordinary values every special lands in every lane of the
// 16-wide and 4-wide loops and in the tail.
func TestSpecials(t *testing.T) {
	// relu[i] is ReLU(specials[i]); keeps[i] says whether y = specials[i]
	// passes g through (y > 0).
	relu := []uint64{
		0, 0, 0x7FF0000000000000, 0,
		0x7FF8000000000000, 0xFFF8000000000000, 0x7FF800000000BEEF, 0xFFFC00000000CAFE,
		0x7FF0000000000001, 0xFFF0000000000001, 0x7FFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF,
		0x0000000000000001, 0, 0x000FFFFFFFFFFFFF, 0,
		0x0010000000000000, 0, 0x7FEFFFFFFFFFFFFF, 0,
		0x3FF0000000000000, 0, 0x3FE0000000000000, 0,
	}
	keeps := []bool{
		false, false, true, false,
		false, false, false, false,
		false, false, false, false,
		true, false, true, false,
		true, false, true, false,
		true, false, true, false,
	}
	rk, bk := kernels(t)
	// g is a negative NaN with a payload: a kept g must keep all its bits.
	const gBits = 0xFFF00000DEADBEEF
	for pre := range 4 {
		x := make([]float64, pre, pre+len(specials)+3)
		for i := range x {
			x[i] = -2
		}
		wantRelu := make([]hex, pre, pre+len(specials)+3)
		wantBack := make([]hex, pre, pre+len(specials)+3)
		for i, b := range specials {
			x = append(x, math.Float64frombits(b))
			wantRelu = append(wantRelu, hex(relu[i]))
			w := hex(0)
			if keeps[i] {
				w = gBits
			}
			wantBack = append(wantBack, w)
		}
		g := make([]float64, len(x))
		for i := range g {
			g[i] = math.Float64frombits(gBits)
		}
		for _, k := range rk {
			dst := make([]float64, len(x))
			k.f(dst, x)
			if d := cmp.Diff(wantRelu, bitsOf(dst)); d != "" {
				t.Errorf("%s ReLU, prefix %d (-want +got):\n%s", k.name, pre, d)
			}
		}
		for _, k := range bk {
			dst := make([]float64, len(x))
			k.f(dst, x, g)
			if d := cmp.Diff(wantBack, bitsOf(dst)); d != "" {
				t.Errorf("%s ReLUBackward, prefix %d (-want +got):\n%s", k.name, pre, d)
			}
		}
	}
}

// TestReLUIsGoMax checks that ReLU is Go's max(x, 0) on every special and
// on random values. NaN results are compared as NaNs only: the bits of
// max's NaN depend on the platform (on amd64 it clears a NaN's sign bit),
// while ReLU passes a NaN through unchanged.
func TestReLUIsGoMax(t *testing.T) {
	x := randValues(rand.New(rand.NewPCG(5, 6)), 4099)
	for _, b := range specials {
		x = append(x, math.Float64frombits(b))
	}
	got := make([]float64, len(x))
	ReLU(got, x)
	for i, v := range x {
		want := max(v, 0)
		if math.IsNaN(want) != math.IsNaN(got[i]) ||
			!math.IsNaN(want) && math.Float64bits(want) != math.Float64bits(got[i]) {
			t.Errorf("ReLU(%v = %#x) = %#x, max(x, 0) = %#x", v, math.Float64bits(v), math.Float64bits(got[i]), math.Float64bits(want))
		}
	}
}

// TestReLUBackwardIsAutogradLoop checks ReLUBackward against autograd's
// former relu_grad loop on what ReLU outputs: +0, positives and NaNs of
// either sign. (That loop keeps g for y = −0 and for negative y, where
// ReLUBackward gives 0; ReLU never outputs those.)
func TestReLUBackwardIsAutogradLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	y := randValues(rng, 4099)
	ReLU(y, y)
	g := randValues(rng, len(y))
	want := make([]float64, len(y))
	autogradRef(want, y, g)
	got := make([]float64, len(y))
	ReLUBackward(got, y, g)
	if d := diffBits(want, got); d != "" {
		t.Errorf("ReLUBackward vs autograd's loop (-want +got):\n%s", d)
	}
}

// TestLengths checks the exported functions' length rules: a longer dst
// or g is fine and only len(x) or len(y) elements are written; a shorter
// one panics with ErrLength.
func TestLengths(t *testing.T) {
	x := []float64{-1, 2, -3}
	dst := []float64{9, 9, 9, 9, 9}
	ReLU(dst, x)
	if d := cmp.Diff([]float64{0, 2, 0, 9, 9}, dst); d != "" {
		t.Errorf("ReLU with a longer dst (-want +got):\n%s", d)
	}
	dst = []float64{9, 9, 9, 9, 9}
	ReLUBackward(dst, x, []float64{5, 6, 7, 8})
	if d := cmp.Diff([]float64{0, 6, 0, 9, 9}, dst); d != "" {
		t.Errorf("ReLUBackward with longer dst and g (-want +got):\n%s", d)
	}
	tests := []struct {
		name string
		f    func()
		msg  string
	}{
		{"ReLU dst", func() { ReLU(make([]float64, 2), x) }, "vec.ReLU: vec: slice too short: len(dst) = 2 < len(x) = 3"},
		{"ReLUBackward dst", func() { ReLUBackward(make([]float64, 2), x, x) }, "vec.ReLUBackward: vec: slice too short: len(dst) = 2, len(g) = 3, want ≥ len(y) = 3"},
		{"ReLUBackward g", func() { ReLUBackward(x, x, make([]float64, 1)) }, "len(g) = 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tc.f, ErrLength, tc.msg) })
	}
}

// FuzzReLU checks both kernels (the assembly where in use) against the
// documented definitions on arbitrary bit patterns: the input bytes are
// read as little-endian float64 bits for x and y, g is y rotated by one,
// and off shifts the windows by 0…3 elements. Seeds: the specials table,
// a vector-plus-tail length, and all-NaN and all-negative runs.
func FuzzReLU(f *testing.F) {
	pack := func(bits ...uint64) []byte {
		b := make([]byte, 8*len(bits))
		for i, v := range bits {
			binary.LittleEndian.PutUint64(b[8*i:], v)
		}
		return b
	}
	f.Add(pack(specials...), uint8(0))
	f.Add(pack(specials[:19]...), uint8(3))
	f.Add(pack(0xFFF8000000000000, 0xFFF8000000000000, 0xFFF8000000000000, 0xFFF8000000000000, 0x8000000000000000), uint8(1))
	f.Add(pack(0xBFF0000000000000, 0xC000000000000000, 0x8000000000000001, 0xFFF0000000000000), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		o := int(off % 4)
		n := len(data) / 8
		x := make([]float64, o+n)[o:]
		for i := range x {
			x[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
		g := make([]float64, n)
		for i := range g {
			g[i] = x[(i+1)%n]
		}
		want := make([]float64, n)
		for i, v := range x {
			want[i] = reluRef(v)
		}
		all, dst := window(3-o, n)
		ReLU(dst, x)
		if d := diffBits(want, dst); d != "" {
			t.Errorf("ReLU (-want +got):\n%s", d)
		}
		checkGuards(t, all, 3-o, n)
		reluGo(dst, x)
		if d := diffBits(want, dst); d != "" {
			t.Errorf("reluGo (-want +got):\n%s", d)
		}
		for i, v := range x {
			want[i] = reluBackwardRef(v, g[i])
		}
		all, dst = window(3-o, n)
		ReLUBackward(dst, x, g)
		if d := diffBits(want, dst); d != "" {
			t.Errorf("ReLUBackward (-want +got):\n%s", d)
		}
		checkGuards(t, all, 3-o, n)
		reluBackwardGo(dst, x, g)
		if d := diffBits(want, dst); d != "" {
			t.Errorf("reluBackwardGo (-want +got):\n%s", d)
		}
	})
}
