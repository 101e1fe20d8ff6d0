package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
)

// specials32 are specials (relu_test.go) for float32: both zeros and
// infinities, NaNs of both signs with and without payloads (0xFFC00000 is
// the x86 default NaN), the extreme subnormals and normals, and ordinary
// values of both signs.
var specials32 = []uint32{
	0x00000000, // +0
	0x80000000, // −0
	0x7F800000, // +Inf
	0xFF800000, // −Inf
	0x7FC00000, // quiet NaN
	0xFFC00000, // x86 default NaN: negative, quiet
	0x7FC0BEEF, // quiet NaN with a payload
	0xFFE0CAFE, // negative quiet NaN with a payload
	0x7F800001, // signalling NaN
	0xFF800001, // negative signalling NaN
	0x7FFFFFFF, // largest positive NaN
	0xFFFFFFFF, // largest negative NaN
	0x00000001, // smallest subnormal
	0x80000001, // −smallest subnormal
	0x007FFFFF, // largest subnormal
	0x807FFFFF, // −largest subnormal
	0x00800000, // smallest normal
	0x80800000, // −smallest normal
	0x7F7FFFFF, // MaxFloat32
	0xFF7FFFFF, // −MaxFloat32
	0x3F800000, // 1
	0xBF800000, // −1
	0x3F000000, // 0.5
	0xBF000000, // −0.5
}

// reluRef32 and reluBackwardRef32 are the float32 kernels as documented.
func reluRef32(x float32) float32 {
	if x > 0 || x != x {
		return x
	}
	return 0
}

func reluBackwardRef32(y, g float32) float32 {
	if y > 0 {
		return g
	}
	return 0
}

// hex32 is a float32's bits, shown in hexadecimal in diffs.
type hex32 uint32

func (h hex32) String() string { return fmt.Sprintf("%#08x", uint32(h)) }

func bitsOf32(xs []float32) []hex32 {
	out := make([]hex32, len(xs))
	for i, x := range xs {
		out[i] = hex32(math.Float32bits(x))
	}
	return out
}

// diffBits32 is diffBits for float32.
func diffBits32(want, got []float32) string {
	w, g := bitsOf32(want), bitsOf32(got)
	if slices.Equal(w, g) {
		return ""
	}
	return cmp.Diff(w, g)
}

// randValues32 is randValues for float32: half specials32, half normal
// deviates rounded.
func randValues32(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		if rng.IntN(2) == 0 {
			x[i] = math.Float32frombits(specials32[rng.IntN(len(specials32))])
		} else {
			x[i] = float32(rng.NormFloat64())
		}
	}
	return x
}

// testLengths32 are every length through up to four iterations of the
// 32-wide loop with every remainder of the 8-wide loop and the tail
// (0…135), and some large ones.
func testLengths32() []int {
	var ns []int
	for n := range 136 {
		ns = append(ns, n)
	}
	return append(ns, 1000, 4099, 16384)
}

// guard32 fills the slots around a kernel's output (a signalling NaN no
// kernel produces from these inputs unless it writes out of bounds).
const guard32 = 0x7FA0BEEF

// window32 is window for float32.
func window32(off, n int) (all, w []float32) {
	all = make([]float32, off+n+8)
	for i := range all {
		all[i] = math.Float32frombits(guard32)
	}
	return all, all[off : off+n]
}

func checkGuards32(t *testing.T, all []float32, off, n int) {
	t.Helper()
	for i, v := range all {
		if (i < off || i >= off+n) && math.Float32bits(v) != guard32 {
			t.Errorf("wrote %#x at %d, outside the window [%d, %d)", math.Float32bits(v), i, off, off+n)
		}
	}
}

type kernel32 struct {
	name string
	relu func(dst, x []float32)
	back func(dst, y, g []float32)
}

// kernels32 returns the Go loops and, where in use, the assembly.
func kernels32(t testing.TB) []kernel32 {
	ks := []kernel32{{"go", reluGo32, reluBackwardGo32}}
	if useAsm {
		ks = append(ks, kernel32{"asm", relu32, reluBackward32})
	} else {
		t.Log("no assembly kernels on this CPU or build: testing the Go kernels only")
	}
	return ks
}

// offsets32 cover every alignment of a 32-byte vector relative to a
// float32 slice's start in steps of one element.
var offsets32 = []int{0, 1, 3, 7}

func TestReLU32(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, k := range kernels32(t) {
		t.Run(k.name, func(t *testing.T) {
			for _, n := range testLengths32() {
				for _, o := range offsets32 {
					xo, do := o, (o+3)%8
					x := randValues32(rng, xo+n)[xo:]
					x0 := slices.Clone(x)
					want := make([]float32, n)
					for i, v := range x {
						want[i] = reluRef32(v)
					}
					all, dst := window32(do, n)
					k.relu(dst, x)
					if d := diffBits32(want, dst); d != "" {
						t.Fatalf("n=%d x offset %d dst offset %d (-want +got):\n%s", n, xo, do, d)
					}
					checkGuards32(t, all, do, n)
					if d := diffBits32(x0, x); d != "" {
						t.Fatalf("n=%d: x changed (-before +after):\n%s", n, d)
					}
					k.relu(x, x) // in place
					if d := diffBits32(want, x); d != "" {
						t.Fatalf("n=%d in place (-want +got):\n%s", n, d)
					}
				}
			}
		})
	}
}

func TestReLUBackward32(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, k := range kernels32(t) {
		t.Run(k.name, func(t *testing.T) {
			for _, n := range testLengths32() {
				for _, o := range offsets32 {
					yo, gOff, do := o, (o+1)%8, (o+2)%8
					y := randValues32(rng, yo+n)[yo:]
					g := randValues32(rng, gOff+n)[gOff:]
					y0, g0 := slices.Clone(y), slices.Clone(g)
					want := make([]float32, n)
					for i := range want {
						want[i] = reluBackwardRef32(y[i], g[i])
					}
					all, dst := window32(do, n)
					k.back(dst, y, g)
					if d := diffBits32(want, dst); d != "" {
						t.Fatalf("n=%d offsets y %d g %d dst %d (-want +got):\n%s", n, yo, gOff, do, d)
					}
					checkGuards32(t, all, do, n)
					if diffBits32(y0, y) != "" || diffBits32(g0, g) != "" {
						t.Fatalf("n=%d: an input changed", n)
					}
					gIn := slices.Clone(g)
					k.back(gIn, y, gIn)
					if d := diffBits32(want, gIn); d != "" {
						t.Fatalf("n=%d dst = g (-want +got):\n%s", n, d)
					}
					yIn := slices.Clone(y)
					k.back(yIn, yIn, g)
					if d := diffBits32(want, yIn); d != "" {
						t.Fatalf("n=%d dst = y (-want +got):\n%s", n, d)
					}
				}
			}
		})
	}
}

// TestSpecials32 pins each special's result, written out by hand, in every
// lane of the 8-wide vectors and in the tail: with a prefix of 0…7
// ordinary values the 24 specials land in every lane position.
func TestSpecials32(t *testing.T) {
	// relu[i] is ReLU32(specials32[i]); keeps[i] says whether y =
	// specials32[i] passes g through (y > 0).
	relu := []uint32{
		0, 0, 0x7F800000, 0,
		0x7FC00000, 0xFFC00000, 0x7FC0BEEF, 0xFFE0CAFE,
		0x7F800001, 0xFF800001, 0x7FFFFFFF, 0xFFFFFFFF,
		0x00000001, 0, 0x007FFFFF, 0,
		0x00800000, 0, 0x7F7FFFFF, 0,
		0x3F800000, 0, 0x3F000000, 0,
	}
	keeps := []bool{
		false, false, true, false,
		false, false, false, false,
		false, false, false, false,
		true, false, true, false,
		true, false, true, false,
		true, false, true, false,
	}
	const gBits = 0xFF80BEEF // a negative signalling NaN: kept bit for bit
	for pre := range 8 {
		x := make([]float32, pre)
		for i := range x {
			x[i] = -2
		}
		wantRelu := make([]hex32, pre)
		wantBack := make([]hex32, pre)
		for i, b := range specials32 {
			x = append(x, math.Float32frombits(b))
			wantRelu = append(wantRelu, hex32(relu[i]))
			w := hex32(0)
			if keeps[i] {
				w = gBits
			}
			wantBack = append(wantBack, w)
		}
		g := make([]float32, len(x))
		for i := range g {
			g[i] = math.Float32frombits(gBits)
		}
		for _, k := range kernels32(t) {
			dst := make([]float32, len(x))
			k.relu(dst, x)
			if d := cmp.Diff(wantRelu, bitsOf32(dst)); d != "" {
				t.Errorf("%s ReLU32, prefix %d (-want +got):\n%s", k.name, pre, d)
			}
			k.back(dst, x, g)
			if d := cmp.Diff(wantBack, bitsOf32(dst)); d != "" {
				t.Errorf("%s ReLUBackward32, prefix %d (-want +got):\n%s", k.name, pre, d)
			}
		}
	}
}

// TestLengths32 checks the exported float32 functions' length rules, as
// TestLengths does the float64 ones'.
func TestLengths32(t *testing.T) {
	x := []float32{-1, 2, -3}
	dst := []float32{9, 9, 9, 9, 9}
	ReLU32(dst, x)
	if d := cmp.Diff([]float32{0, 2, 0, 9, 9}, dst); d != "" {
		t.Errorf("ReLU32 with a longer dst (-want +got):\n%s", d)
	}
	dst = []float32{9, 9, 9, 9, 9}
	ReLUBackward32(dst, x, []float32{5, 6, 7, 8})
	if d := cmp.Diff([]float32{0, 6, 0, 9, 9}, dst); d != "" {
		t.Errorf("ReLUBackward32 with longer dst and g (-want +got):\n%s", d)
	}
	tests := []struct {
		name string
		f    func()
		msg  string
	}{
		{"ReLU32 dst", func() { ReLU32(make([]float32, 2), x) }, "vec.ReLU32: vec: slice too short: len(dst) = 2 < len(x) = 3"},
		{"ReLUBackward32 dst", func() { ReLUBackward32(make([]float32, 2), x, x) }, "len(dst) = 2, len(g) = 3, want ≥ len(y) = 3"},
		{"ReLUBackward32 g", func() { ReLUBackward32(x, x, make([]float32, 1)) }, "len(g) = 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tc.f, ErrLength, tc.msg) })
	}
}

func BenchmarkReLU32(b *testing.B) {
	for _, k := range kernels32(b) {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", k.name, n), func(b *testing.B) {
				x64, dst := benchData(n, 1), make([]float32, n)
				x := make([]float32, n)
				for i, v := range x64 {
					x[i] = float32(v)
				}
				runBench(b, n, 8, func() { k.relu(dst, x) })
			})
		}
	}
}
