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
// through a layer, it suits sigmoid and tanh units (gain 1). It panics with
// ErrArg if fanIn + fanOut ≤ 0.
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
// For ReLU units use gain √2 (a ReLU zeroes half its inputs, halving the
// variance); for LeakyReLU with slope s, √(2/(1+s²)). It panics with ErrArg
// if fanIn ≤ 0.
func HeUniform(gain float64) Init {
	return func(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor {
		checkRNG("nn.HeUniform", rng)
		a := gain * math.Sqrt(3/float64(checkFan("nn.HeUniform", fanIn)))
		return tensor.RandU(rng, -a, a, shape...)
	}
}

// HeNormal returns He et al.'s normal initialiser in fan-in mode, PyTorch's
// kaiming_normal_: N(0, σ²) with σ = gain/√fanIn (gain √2 for ReLU: σ =
// √(2/fanIn)). It panics with ErrArg if fanIn ≤ 0.
func HeNormal(gain float64) Init {
	return func(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor {
		checkRNG("nn.HeNormal", rng)
		s := gain / math.Sqrt(float64(checkFan("nn.HeNormal", fanIn)))
		return Normal(0, s)(rng, fanIn, fanOut, shape...)
	}
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
