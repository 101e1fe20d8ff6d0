package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// moments returns the sample mean and standard deviation of t.
func moments(t *tensor.Tensor) (mean, std float64) {
	d := t.Data()
	for _, v := range d {
		mean += v
	}
	mean /= float64(len(d))
	for _, v := range d {
		std += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(std / float64(len(d)))
}

// TestInitDistributions draws a (200, 100) weight (20 000 samples) from each
// initialiser and compares the sample moments with the formulas in the doc
// comments. Tolerances: the standard error of the sample mean is σ/√N ≈
// 0.007σ and of the sample standard deviation at most σ·√((κ−1)/4N) ≈
// 0.005σ (kurtosis κ = 3 for a normal, 1.8 for a uniform); we allow 0.04σ
// for the mean and a relative 3% for σ, over 5 standard errors, so the
// seeded test is far from flaky yet catches a wrong factor such as √2 or 3.
// Uniform initialisers must also stay within their bound a.
func TestInitDistributions(t *testing.T) {
	const fanIn, fanOut = 200, 100
	tests := []struct {
		name      string
		init      nn.Init
		mean, std float64
		lo, hi    float64 // support; both 0 for unbounded
	}{
		{"uniform", nn.Uniform(-1, 3), 1, 4 / math.Sqrt(12), -1, 3},
		{"normal", nn.Normal(2, 0.5), 2, 0.5, 0, 0},
		// a = √(6/300), σ = a/√3 = √(2/300)
		{"xavier uniform", nn.XavierUniform(1), 0, math.Sqrt(2.0 / 300), -math.Sqrt(6.0 / 300), math.Sqrt(6.0 / 300)},
		{"xavier uniform gain 2", nn.XavierUniform(2), 0, 2 * math.Sqrt(2.0/300), -2 * math.Sqrt(6.0/300), 2 * math.Sqrt(6.0/300)},
		{"xavier normal", nn.XavierNormal(1), 0, math.Sqrt(2.0 / 300), 0, 0},
		// ReLU gain √2: a = √(6/200), σ = √(2/200)
		{"he uniform", nn.HeUniform(nn.GainReLU), 0, math.Sqrt(2.0 / 200), -math.Sqrt(6.0 / 200), math.Sqrt(6.0 / 200)},
		{"he normal", nn.HeNormal(nn.GainReLU), 0, math.Sqrt(2.0 / 200), 0, 0},
		// LeakyReLU slope 0.5: gain √(2/1.25) = √1.6, σ = √(1.6/200)
		{"he normal leaky", nn.HeNormal(nn.GainLeakyReLU(0.5)), 0, math.Sqrt(1.6 / 200), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.init(tapegradtest.NewRNG(), fanIn, fanOut, fanIn, fanOut)
			if d := cmp.Diff([]int{fanIn, fanOut}, w.Shape()); d != "" {
				t.Fatalf("shape (-want +got):\n%s", d)
			}
			mean, std := moments(w)
			if math.Abs(mean-tt.mean) > 0.04*tt.std {
				t.Errorf("mean %g, want %g ± %g", mean, tt.mean, 0.04*tt.std)
			}
			if d := cmp.Diff(tt.std, std, cmpopts.EquateApprox(0.03, 0)); d != "" {
				t.Errorf("std (-want +got):\n%s", d)
			}
			if tt.lo == 0 && tt.hi == 0 {
				return
			}
			for _, v := range w.Data() {
				if v < tt.lo || v > tt.hi {
					t.Fatalf("sample %g outside [%g, %g]", v, tt.lo, tt.hi)
				}
			}
		})
	}
}

func TestInitDeterministic(t *testing.T) {
	for name, init := range map[string]nn.Init{
		"uniform": nn.Uniform(0, 1), "normal": nn.Normal(0, 1),
		"xavier uniform": nn.XavierUniform(1), "xavier normal": nn.XavierNormal(1),
		"he uniform": nn.HeUniform(math.Sqrt2), "he normal": nn.HeNormal(math.Sqrt2),
	} {
		a, b := init(tapegradtest.NewRNG(), 3, 4, 3, 4), init(tapegradtest.NewRNG(), 3, 4, 3, 4)
		if d := tapegradtest.Diff(a, b); d != "" {
			t.Errorf("%s: same seed, different draws (-first +second):\n%s", name, d)
		}
	}
	if d := tapegradtest.Diff(tensor.Zeros(2, 3), nn.Zeros(tapegradtest.NewRNG(), 2, 3, 2, 3)); d != "" {
		t.Errorf("Zeros (-want +got):\n%s", d)
	}
}

func TestInitPanics(t *testing.T) {
	runPanics(t, []panicRow{
		{"uniform hi < lo", func() { nn.Uniform(1, 0) }, nn.ErrArg, []string{"nn.Uniform"}},
		{"normal std < 0", func() { nn.Normal(0, -1) }, nn.ErrArg, []string{"nn.Normal"}},
		{"he fan in 0", func() { nn.HeNormal(1)(tapegradtest.NewRNG(), 0, 3, 0, 3) }, nn.ErrArg, []string{"nn.HeNormal", "fan 0"}},
		{"he uniform fan in 0", func() { nn.HeUniform(1)(tapegradtest.NewRNG(), 0, 3, 0, 3) }, nn.ErrArg, []string{"nn.HeUniform"}},
		{"leaky gain NaN slope", func() { nn.GainLeakyReLU(math.NaN()) }, nn.ErrArg, []string{"nn.GainLeakyReLU", "not finite"}},
		{"leaky gain Inf slope", func() { nn.GainLeakyReLU(math.Inf(-1)) }, nn.ErrArg, []string{"nn.GainLeakyReLU"}},
		{"xavier fans 0", func() { nn.XavierUniform(1)(tapegradtest.NewRNG(), 0, 0) }, nn.ErrArg, []string{"nn.XavierUniform"}},
		{"xavier normal fans 0", func() { nn.XavierNormal(1)(tapegradtest.NewRNG(), 0, 0) }, nn.ErrArg, []string{"nn.XavierNormal"}},
	})
}

// TestGains compares the gains with PyTorch's torch.nn.init.calculate_gain,
// the wants printed by Debian's python3-torch 1.13.0a0
// (calculate_gain("leaky_relu", 0.01) and so on); 1e-15 relative allows the
// last bit of a square root computed in another order.
func TestGains(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
	}{
		{"linear", nn.GainLinear, 1},
		{"sigmoid", nn.GainSigmoid, 1},
		{"tanh", nn.GainTanh, 1.6666666666666667},
		{"relu", nn.GainReLU, 1.4142135623730951},
		{"selu", nn.GainSELU, 0.75},
		{"leaky_relu 0.01 (PyTorch default)", nn.GainLeakyReLU(0.01), 1.4141428569978354},
		{"leaky_relu 0.5", nn.GainLeakyReLU(0.5), 1.2649110640673518},
		{"leaky_relu 0", nn.GainLeakyReLU(0), 1.4142135623730951},
		{"leaky_relu 1", nn.GainLeakyReLU(1), 1},
		{"leaky_relu -0.2", nn.GainLeakyReLU(-0.2), 1.3867504905630728},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, tt.got, cmpopts.EquateApprox(1e-15, 0)); d != "" {
				t.Errorf("gain (-want +got):\n%s", d)
			}
		})
	}
}

// ExampleHeNormal initialises a weight feeding ReLU units as PyTorch's
// kaiming_normal_(w, nonlinearity="relu") does: σ = √2/√fanIn.
func ExampleHeNormal() {
	rng := rand.New(rand.NewPCG(1, 2))
	init := nn.HeNormal(nn.GainReLU) // nn.GainLeakyReLU(0.01) before a LeakyReLU
	w := init(rng, 512, 10, 512, 10) // fanIn 512, fanOut 10, shape (512, 10)
	fmt.Println(w.Shape())
	fmt.Printf("σ = %.4f\n", nn.GainReLU/math.Sqrt(512))
	// Output:
	// [512 10]
	// σ = 0.0625
}
