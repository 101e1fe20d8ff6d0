package tensor_test

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// naiveConv2d is the definition of Conv2d, one multiply-add at a time.
func naiveConv2d(x, w *tensor.Tensor, cfg tensor.Conv2dConfig) *tensor.Tensor {
	xs, ws := x.Shape(), w.Shape()
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	o, cg, kh, kw := ws[0], ws[1], ws[2], ws[3]
	oh := tensor.ConvOutputSize(h, kh, cfg.Stride[0], cfg.Padding[0], cfg.Dilation[0])
	ow := tensor.ConvOutputSize(wd, kw, cfg.Stride[1], cfg.Padding[1], cfg.Dilation[1])
	y := tensor.Zeros(n, o, oh, ow)
	og := o / cfg.Groups
	for b := range n {
		for oc := range o {
			g := oc / og
			for i := range oh {
				for j := range ow {
					s := 0.0
					for ci := range cg {
						for u := range kh {
							for v := range kw {
								ii := i*cfg.Stride[0] - cfg.Padding[0] + u*cfg.Dilation[0]
								jj := j*cfg.Stride[1] - cfg.Padding[1] + v*cfg.Dilation[1]
								if ii < 0 || ii >= h || jj < 0 || jj >= wd {
									continue
								}
								_ = c
								s += w.At(oc, ci, u, v) * x.At(b, g*cg+ci, ii, jj)
							}
						}
					}
					y.Set(s, b, oc, i, j)
				}
			}
		}
	}
	return y
}

func cfgOf(s, p, d, g int) tensor.Conv2dConfig {
	cfg := tensor.Conv2dDefaults()
	cfg.Padding, cfg.Dilation, cfg.Groups = [2]int{p, p}, [2]int{d, d}, g
	cfg.Stride = [2]int{s, s}
	return cfg
}

// convCases are small convolutions covering each hyper-parameter.
var convCases = []struct {
	name   string
	x, w   []int
	cfg    tensor.Conv2dConfig
	outPad [2]int
}{
	{"plain", []int{2, 3, 6, 5}, []int{4, 3, 3, 2}, cfgOf(1, 0, 1, 1), [2]int{}},
	{"stride 2", []int{2, 2, 7, 6}, []int{3, 2, 3, 3}, cfgOf(2, 0, 1, 1), [2]int{0, 1}},
	{"padding", []int{1, 2, 5, 5}, []int{2, 2, 3, 3}, cfgOf(1, 2, 1, 1), [2]int{}},
	{"dilation 2", []int{2, 2, 8, 7}, []int{2, 2, 3, 2}, cfgOf(1, 1, 2, 1), [2]int{}},
	{"groups 2", []int{2, 4, 5, 6}, []int{6, 2, 3, 3}, cfgOf(1, 1, 1, 2), [2]int{}},
	{"all", []int{3, 6, 9, 8}, []int{9, 2, 3, 2}, tensor.Conv2dConfig{Stride: [2]int{2, 3}, Padding: [2]int{1, 2}, Dilation: [2]int{2, 1}, Groups: 3}, [2]int{0, 1}},
	{"1x1 kernel", []int{2, 3, 4, 4}, []int{5, 3, 1, 1}, cfgOf(1, 0, 1, 1), [2]int{}},
	// W6's layers on smaller images (an odd output height too) and a
	// mix, which take the paths that read patches straight from the
	// image (see im2col.go); TestConv2dThreads runs W6's own sizes.
	{"W6 conv1", []int{2, 1, 13, 14}, []int{8, 1, 5, 5}, cfgOf(1, 2, 1, 1), [2]int{}},
	{"W6 conv2", []int{3, 8, 9, 10}, []int{16, 8, 5, 5}, cfgOf(1, 0, 1, 1), [2]int{}},
	{"16 channels mixed", []int{2, 4, 9, 11}, []int{16, 2, 3, 3}, tensor.Conv2dConfig{Stride: [2]int{2, 1}, Padding: [2]int{1, 0}, Dilation: [2]int{1, 2}, Groups: 2}, [2]int{}},
	{"narrow", []int{2, 3, 7, 2}, []int{9, 3, 2, 2}, cfgOf(1, 1, 1, 1), [2]int{}},
}

// TestConv2d compares Conv2d with its definition, ConvTranspose2d with the
// adjoint identity ⟨T(y, w), z⟩ = ⟨y, C(z, w)⟩ and Conv2dWeightGrad with
// ⟨∂w(x, g), v⟩ = ⟨g, C(x, v)⟩, in both element types. Tolerances: float64
// sums of at most a few hundred products of O(1) values agree to 1e-12;
// float32 to 1e-4 relative (2⁻²⁴ per rounding times the sum's length).
func TestConv2d(t *testing.T) {
	rng := tapegradtest.NewRNG()
	for _, c := range convCases {
		t.Run(c.name, func(t *testing.T) {
			x, w := tensor.RandN(rng, c.x...), tensor.RandN(rng, c.w...)
			want := naiveConv2d(x, w, c.cfg)
			got := tensor.Conv2d(x, w, c.cfg)
			if d := cmp.Diff(want.Data(), got.Data(), cmpopts.EquateApprox(0, 1e-12)); d != "" {
				t.Errorf("Conv2d (-want +got):\n%s", d)
			}
			g := tensor.RandN(rng, got.Shape()...)
			// Transposed: the weight (O, C/g, …) is ConvTranspose2d's (Cin, Cout/g, …)
			// for input g of Cin = O channels; its output is x's shape when the
			// output padding is the remainder of x's size.
			tc := c.cfg
			tc.OutputPadding = c.outPad
			tx := tensor.ConvTranspose2d(g, w, tc)
			if !equalInts(tx.Shape(), x.Shape()) {
				t.Fatalf("ConvTranspose2d shape %v, want %v", tx.Shape(), x.Shape())
			}
			lhs, rhs := convDot(tx, x), convDot(g, got)
			if d := cmp.Diff(rhs, lhs, cmpopts.EquateApprox(1e-12, 0)); d != "" {
				t.Errorf("⟨T(g, w), x⟩ vs ⟨g, C(x, w)⟩ (-want +got):\n%s", d)
			}
			v := tensor.RandN(rng, c.w...)
			dw := tensor.Conv2dWeightGrad(x, g, [2]int{c.w[2], c.w[3]}, c.cfg)
			if d := cmp.Diff(convDot(g, naiveConv2d(x, v, c.cfg)), convDot(dw, v), cmpopts.EquateApprox(1e-12, 0)); d != "" {
				t.Errorf("⟨∂w, v⟩ vs ⟨g, C(x, v)⟩ (-want +got):\n%s", d)
			}
			// float32 agrees with float64.
			x32, w32, g32 := x.To(tensor.Float32), w.To(tensor.Float32), g.To(tensor.Float32)
			for _, p := range []struct {
				name      string
				got, want *tensor.Tensor
			}{
				{"Conv2d", tensor.Conv2d(x32, w32, c.cfg), got},
				{"ConvTranspose2d", tensor.ConvTranspose2d(g32, w32, tc), tx},
				{"Conv2dWeightGrad", tensor.Conv2dWeightGrad(x32, g32, [2]int{c.w[2], c.w[3]}, c.cfg), dw},
			} {
				if p.got.DType() != tensor.Float32 {
					t.Errorf("%s: dtype %v", p.name, p.got.DType())
				}
				if d := cmp.Diff(p.want.Data(), p.got.Float64s(), cmpopts.EquateApprox(1e-4, 1e-4)); d != "" {
					t.Errorf("%s float32 (-float64 +float32):\n%s", p.name, d)
				}
			}
		})
	}
}

func equalInts(a, b []int) bool { return cmp.Equal(a, b) }

func convDot(a, b *tensor.Tensor) float64 {
	s := 0.0
	for i, v := range a.Float64s() {
		s += v * b.Float64s()[i]
	}
	return s
}

// TestConvOutputSize checks PyTorch's formulas on values from its docs.
func TestConvOutputSize(t *testing.T) {
	for _, c := range []struct{ in, k, s, p, d, want int }{
		{28, 5, 1, 2, 1, 28}, {14, 5, 1, 0, 1, 10}, {7, 3, 2, 0, 1, 3}, {8, 3, 1, 1, 2, 6}, {2, 5, 1, 0, 1, 0},
	} {
		if got := tensor.ConvOutputSize(c.in, c.k, c.s, c.p, c.d); got != c.want {
			t.Errorf("ConvOutputSize%v = %d, want %d", c, got, c.want)
		}
	}
	if got := tensor.ConvTransposeOutputSize(3, 3, 2, 1, 1, 1); got != 6 {
		t.Errorf("ConvTransposeOutputSize = %d, want 6", got)
	}
}

// TestConv2dPanics checks that misuse panics with the documented sentinel.
func TestConv2dPanics(t *testing.T) {
	d := tensor.Conv2dDefaults()
	x, w := tensor.Zeros(1, 2, 5, 5), tensor.Zeros(3, 2, 3, 3)
	g2 := d
	g2.Groups = 2
	op := d
	op.OutputPadding = [2]int{1, 0}
	for _, c := range []struct {
		name string
		f    func()
		want error
	}{
		{"rank 3 input", func() { tensor.Conv2d(tensor.Zeros(2, 5, 5), w, d) }, tensor.ErrShape},
		{"channels", func() { tensor.Conv2d(x, tensor.Zeros(3, 1, 3, 3), d) }, tensor.ErrShape},
		{"groups divide", func() { tensor.Conv2d(x, tensor.Zeros(3, 1, 3, 3), g2) }, tensor.ErrShape},
		{"kernel too large", func() { tensor.Conv2d(x, tensor.Zeros(3, 2, 6, 3), d) }, tensor.ErrShape},
		{"zero config", func() { tensor.Conv2d(x, w, tensor.Conv2dConfig{}) }, tensor.ErrArg},
		{"output padding in Conv2d", func() { tensor.Conv2d(x, w, op) }, tensor.ErrArg},
		{"output padding ≥ stride", func() { tensor.ConvTranspose2d(x, tensor.Zeros(2, 3, 3, 3), op) }, tensor.ErrArg},
		{"transpose channels", func() { tensor.ConvTranspose2d(x, w, d) }, tensor.ErrShape},
		{"dst shape", func() { tensor.Conv2dTo(tensor.Zeros(1, 3, 3, 4), x, w, d) }, tensor.ErrShape},
		{"weight grad g shape", func() { tensor.Conv2dWeightGradTo(tensor.Zeros(3, 2, 3, 3), x, tensor.Zeros(1, 3, 2, 3), d) }, tensor.ErrShape},
		{"mixed types", func() { tensor.Conv2d(x, w.To(tensor.Float32), d) }, tensor.ErrDType},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := tapegradtest.Catch(c.f)
			if !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
}

// ExampleConv2d convolves a 3×3 image with a 2×2 kernel of ones: each
// output is the sum of a 2×2 window.
func ExampleConv2d() {
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3)
	w := tensor.Ones(1, 1, 2, 2)
	fmt.Println(tensor.Conv2d(x, w, tensor.Conv2dDefaults()).Data())
	// Output:
	// [12 16 24 28]
}

// W6's two convolutions (../shared/bench/WORKLOADS.md): batch 64, conv 5×5
// 1→8 padding 2 on 28×28, conv 5×5 8→16 on 14×14.
var w6Convs = []struct {
	name string
	x, w []int
	pad  int
}{
	{"conv1", []int{64, 1, 28, 28}, []int{8, 1, 5, 5}, 2},
	{"conv2", []int{64, 8, 14, 14}, []int{16, 8, 5, 5}, 0},
}

// threadCPU returns the CPU time the calling thread has used, in
// nanoseconds: on a shared machine it measures a single-threaded run
// (-cpu 1, where the convolution runs on the caller's locked thread)
// without the time other processes take.
func threadCPU() int64 {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_THREAD, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkConv2dW6 times the forward convolution, its input gradient
// (ConvTranspose2d) and its weight gradient for W6's shapes, reusing the
// destinations; it reports GFLOP/s (2 flops per multiply-add).
func BenchmarkConv2dW6(b *testing.B) {
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		for _, c := range w6Convs {
			cfg := tensor.Conv2dDefaults()
			cfg.Padding = [2]int{c.pad, c.pad}
			rng := tapegradtest.NewRNG()
			x, w := tensor.RandN(rng, c.x...).To(dt), tensor.RandN(rng, c.w...).To(dt)
			y := tensor.Conv2d(x, w, cfg)
			g := tensor.RandN(rng, y.Shape()...).To(dt)
			dx, dw := tensor.ZerosLike(x), tensor.ZerosLike(w)
			flops := 2 * float64(y.Len()*c.w[1]*c.w[2]*c.w[3])
			run := func(name string, f func()) {
				b.Run(fmt.Sprintf("%s/%s/%v", c.name, name, dt), func(b *testing.B) {
					b.ReportAllocs()
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					cpu0 := threadCPU()
					for b.Loop() {
						f()
					}
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
					b.ReportMetric(float64(threadCPU()-cpu0)/float64(b.N)/1e6, "thread-ms/op")
				})
			}
			run("forward", func() { tensor.Conv2dTo(y, x, w, cfg) })
			run("input-grad", func() { tensor.ConvTranspose2dTo(dx, g, w, cfg) })
			run("weight-grad", func() { tensor.Conv2dWeightGradTo(dw, x, g, cfg) })
		}
	}
}

// TestConv2dThreads checks that the convolution and both its gradients
// are bit-identical at every GOMAXPROCS (the images are shared out among
// threads, the weight gradient summed in fixed parts in a fixed order),
// for W6's shapes in both element types.
func TestConv2dThreads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		for _, c := range w6Convs {
			t.Run(fmt.Sprintf("%s/%v", c.name, dt), func(t *testing.T) {
				cfg := tensor.Conv2dDefaults()
				cfg.Padding = [2]int{c.pad, c.pad}
				rng := tapegradtest.NewRNG()
				x, w := tensor.RandN(rng, c.x...).To(dt), tensor.RandN(rng, c.w...).To(dt)
				var want []*tensor.Tensor
				for _, procs := range []int{1, 2, 3} {
					runtime.GOMAXPROCS(procs)
					y := tensor.Conv2d(x, w, cfg)
					got := []*tensor.Tensor{y, tensor.ConvTranspose2d(y, w, cfg), tensor.Conv2dWeightGrad(x, y, [2]int{c.w[2], c.w[3]}, cfg)}
					if want == nil {
						want = got
						continue
					}
					for i := range got {
						if !slices.Equal(got[i].Float64s(), want[i].Float64s()) {
							t.Errorf("result %d at GOMAXPROCS %d differs from GOMAXPROCS 1", i, procs)
						}
					}
				}
			})
		}
	}
}
