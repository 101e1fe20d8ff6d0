package checkpoint

import (
	"math"
)

// halfToFloat converts IEEE 754 binary16 bits to float64 exactly.
func halfToFloat(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0: // zero or subnormal: frac·2⁻²⁴
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	}
	return sign * math.Ldexp(1024+frac, exp-25)
}

// floatToHalf rounds v to the nearest binary16 (ties to even) via float32
// bits; out-of-range values become ±Inf.
func floatToHalf(v float64) uint16 {
	f := math.Float32bits(float32(v))
	sign := uint16(f>>16) & 0x8000
	exp := int(f>>23) & 0xff
	man := f & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp-127 > 15:
		return sign | 0x7c00
	case exp-127 >= -14: // normal
		e := uint32(exp-127+15) << 10
		m := man >> 13
		r := man & 0x1fff
		h := e | m
		if r > 0x1000 || (r == 0x1000 && h&1 == 1) {
			h++ // may carry into the exponent, which is correct rounding
		}
		return sign | uint16(h)
	case exp-127 >= -25: // subnormal
		man |= 0x800000
		shift := uint32(-(exp - 127) - 14 + 13)
		m := man >> shift
		r := man & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if r > half || (r == half && m&1 == 1) {
			m++
		}
		return sign | uint16(m)
	}
	return sign
}

// floatToBF16 rounds v to the nearest bfloat16 (ties to even) via float32.
func floatToBF16(v float64) uint16 {
	f := math.Float32bits(float32(v))
	if f&0x7fffffff > 0x7f800000 { // NaN: keep it quiet
		return uint16(f>>16) | 0x40
	}
	f += 0x7fff + (f>>16)&1
	return uint16(f >> 16)
}
