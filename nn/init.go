package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/tensor"
)

// Init makes the initial value of a parameter of the given shape, drawing
// from rng. fanIn and fanOut are the number of inputs feeding each unit and
// of units each input feeds: for a Linear weight of shape (in, out) they are
// in and out, whatever the layout. Initialisers that do not scale by the
// fans ignore them. The same seed gives the same tensor. The initialisers of
// this package that draw panic with ErrArg if rng is nil.
type Init func(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor

// Zeros is the initialiser that returns zeros: the default for biases.
// (Zero weights would keep every unit of a layer identical.)
func Zeros(_ *rand.Rand, _, _ int, shape ...int) *tensor.Tensor { return tensor.Zeros(shape...) }

// Uniform returns the initialiser drawing from the uniform distribution on
// [lo, hi). It panics with ErrArg if hi < lo.
func Uniform(lo, hi float64) Init {
	if !(hi >= lo) {
		panic(fmt.Errorf("%w: nn.Uniform: hi %g < lo %g", ErrArg, hi, lo))
	}
	return func(rng *rand.Rand, _, _ int, shape ...int) *tensor.Tensor {
		checkRNG("nn.Uniform", rng)
		return tensor.RandU(rng, lo, hi, shape...)
	}
}

// Normal returns the initialiser drawing from the normal distribution
// N(mean, std²). It panics with ErrArg if std < 0.
func Normal(mean, std float64) Init {
	if !(std >= 0) {
		panic(fmt.Errorf("%w: nn.Normal: std %g < 0", ErrArg, std))
	}
	return func(rng *rand.Rand, _, _ int, shape ...int) *tensor.Tensor {
		checkRNG("nn.Normal", rng)
		t := tensor.RandN(rng, shape...)
		d := t.Data()
		for i := range d {
			d[i] = mean + std*d[i]
		}
		return t
	}
}

// XavierUniform returns Glorot and Bengio's (2010) uniform initialiser,
// PyTorch's xavier_uniform_: U[−a, a] with
//
//	a = gain·√(6 / (fanIn + fanOut)),   so Var(w) = gain²·2/(fanIn + fanOut).
//
// Keeping the variance of the signal about constant forward and backward
// through a layer, it suits sigmoid units (GainSigmoid, 1) and tanh units
// (PyTorch recommends GainTanh, 5/3). It panics with ErrArg if
// fanIn + fanOut ≤ 0.
func XavierUniform(gain float64) Init {
	return func(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor {
		checkRNG("nn.XavierUniform", rng)
		a := gain * math.Sqrt(6/float64(checkFan("nn.XavierUniform", fanIn+fanOut)))
		return tensor.RandU(rng, -a, a, shape...)
	}
}

// XavierNormal returns Glorot's normal initialiser, PyTorch's
// xavier_normal_: N(0, σ²) with σ = gain·√(2 / (fanIn + fanOut)).
// It panics with ErrArg if fanIn + fanOut ≤ 0.
func XavierNormal(gain float64) Init {
	return func(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor {
		checkRNG("nn.XavierNormal", rng)
		s := gain * math.Sqrt(2/float64(checkFan("nn.XavierNormal", fanIn+fanOut)))
		return Normal(0, s)(rng, fanIn, fanOut, shape...)
	}
}

// HeUniform returns He et al.'s (2015) uniform initialiser in fan-in mode,
// PyTorch's kaiming_uniform_: U[−a, a] with
//
//	a = gain·√(3 / fanIn),   so Var(w) = gain²/fanIn.
//
// Pass the gain of the nonlinearity that follows the layer: GainReLU (√2: a
// ReLU zeroes half its inputs, halving the variance), GainLeakyReLU(slope),
// and so on (see GainLinear). HeUniform(GainReLU) is PyTorch's
// kaiming_uniform_(w, nonlinearity="relu"). It panics with ErrArg if
// fanIn ≤ 0.
func HeUniform(gain float64) Init {
	return func(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor {
		checkRNG("nn.HeUniform", rng)
		a := gain * math.Sqrt(3/float64(checkFan("nn.HeUniform", fanIn)))
		return tensor.RandU(rng, -a, a, shape...)
	}
}

// HeNormal returns He et al.'s normal initialiser in fan-in mode, PyTorch's
// kaiming_normal_: N(0, σ²) with σ = gain/√fanIn. With GainReLU,
// HeNormal(GainReLU) draws σ = √(2/fanIn), PyTorch's
// kaiming_normal_(w, nonlinearity="relu"); see GainLinear for the other
// gains. It panics with ErrArg if fanIn ≤ 0.
func HeNormal(gain float64) Init {
	return func(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor {
		checkRNG("nn.HeNormal", rng)
		s := gain / math.Sqrt(float64(checkFan("nn.HeNormal", fanIn)))
		return Normal(0, s)(rng, fanIn, fanOut, shape...)
	}
}

// The recommended gains of the initialisers for the nonlinearity that
// follows a layer: PyTorch's torch.nn.init.calculate_gain. A gain g scales
// the initial weights so that the layer and its nonlinearity together keep
// the variance of the signal about constant from layer to layer.
const (
	// GainLinear is 1: no nonlinearity (a linear output, logits).
	GainLinear = 1.0
	// GainSigmoid is 1.
	GainSigmoid = 1.0
	// GainTanh is 5/3.
	GainTanh = 5.0 / 3
	// GainReLU is √2: a ReLU zeroes half its inputs, halving the variance.
	GainReLU = math.Sqrt2
	// GainSELU is 3/4, PyTorch's gain for SELU (for self-normalising
	// networks use GainLinear instead, as the SELU paper does).
	GainSELU = 3.0 / 4
)

// GainLeakyReLU returns the recommended gain for a LeakyReLU of the given
// negative slope, √(2 / (1 + slope²)): GainReLU for slope 0, 1 for slope 1
// (PyTorch's calculate_gain("leaky_relu", slope); PyTorch's default slope
// is 0.01). It panics with ErrArg if slope is NaN or infinite.
func GainLeakyReLU(slope float64) float64 {
	if math.IsNaN(slope) || math.IsInf(slope, 0) {
		panic(fmt.Errorf("%w: nn.GainLeakyReLU: slope %g is not finite", ErrArg, slope))
	}
	return math.Sqrt(2 / (1 + slope*slope))
}

// checkRNG panics with ErrArg naming op if rng is nil.
func checkRNG(op string, rng *rand.Rand) {
	if rng == nil {
		argPanic(op, "nil rng")
	}
}

// checkFan returns fan, panicking with ErrArg unless it is positive.
func checkFan(op string, fan int) int {
	if fan <= 0 {
		panic(fmt.Errorf("%w: %s: fan %d must be positive", ErrArg, op, fan))
	}
	return fan
}
