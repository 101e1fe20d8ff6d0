package tensor

// The float32 side of the element-wise binary kernels: the generic loops
// (float64 runs gonum's vectorised ones) and the broadcasting walk.

// widened returns the kernel of f whose float32 form applies f to the
// operands widened to float64 (exactly) and rounds the result to float32:
// exact for comparisons, correctly rounded nearly always for Pow and Hypot.
func widened(name string, f func(x, y float64) float64) binaryKernel {
	return binaryKernel{name: name, f: f, f32: func(x, y float32) float32 { return float32(f(float64(x), float64(y))) }}
}

// addLoop and the three below are dst = s op t for slices of one length,
// the float32 counterparts of gonum's floats.AddTo, SubTo, MulTo and DivTo.
func addLoop[T float](dst, s, t []T) {
	s, t = s[:len(dst)], t[:len(dst)]
	for i := range dst {
		dst[i] = s[i] + t[i]
	}
}

func subLoop[T float](dst, s, t []T) {
	s, t = s[:len(dst)], t[:len(dst)]
	for i := range dst {
		dst[i] = s[i] - t[i]
	}
}

func mulLoop[T float](dst, s, t []T) {
	s, t = s[:len(dst)], t[:len(dst)]
	for i := range dst {
		dst[i] = s[i] * t[i]
	}
}

func divLoop[T float](dst, s, t []T) {
	s, t = s[:len(dst)], t[:len(dst)]
	for i := range dst {
		dst[i] = s[i] / t[i]
	}
}

// maxNaNT is maxNaN for either element type.
func maxNaNT[T float](x, y T) T {
	if x >= y || x != x {
		return x
	}
	return y
}

// minNaNT is minNaN for either element type.
func minNaNT[T float](x, y T) T {
	if x <= y || x != x {
		return x
	}
	return y
}

// apply32 is apply for Float32 tensors (dst, a and b not all Float64): it
// panics with ErrDType unless all three are Float32, then runs binaryLoop
// with the float32 kernels.
func (k *binaryKernel) apply32(dst, a, b *Tensor) {
	sameDType(k.name, a, b)
	sameDType(k.name, dst, a)
	if len(a.data32) == 1 && len(b.data32) == 1 && len(dst.data32) == 1 &&
		len(a.shape) == len(dst.shape) && len(b.shape) == len(dst.shape) && len(dst.shape) < 2 {
		dst.data32[0] = k.f32(a.data32[0], b.data32[0]) // as in apply
		return
	}
	var buf [8]int
	out, ok := broadcastInto(buf[:0], a.shape, b.shape)
	if !ok {
		shapePanic(k.name, "shapes do not broadcast (trailing dimensions must be equal or 1)", a.shape, b.shape)
	}
	checkDst(k.name, dst, out)
	binaryLoop(k.f32, k.vec32, k.sv32, dst.data32, a.data32, b.data32, a.shape, b.shape, out)
}

// binaryLoop computes d = f(x, y) with broadcasting, x of shape as and y of
// shape bs broadcast to out, d's shape; vec, if not nil, is f over slices
// of one length. It has apply's fast paths: equal lengths, a one-element
// operand, y a row repeated along x's leading axes (a bias), y constant
// over runs of x (a channel bias, planes), and the general walk.
func binaryLoop[T float](f func(x, y T) T, vec func(d, x, y []T), sv func(d, x []T, v T), d, x, y []T, as, bs, out []int) {
	switch {
	case len(x) == len(d) && len(y) == len(d):
		if vec != nil {
			vec(d, x, y)
			return
		}
		for i := range d {
			d[i] = f(x[i], y[i])
		}
	case len(y) == 1 && len(x) == len(d):
		v := y[0]
		for i := range d {
			d[i] = f(x[i], v)
		}
	case len(x) == 1 && len(y) == len(d):
		v := x[0]
		for i := range d {
			d[i] = f(v, y[i])
		}
	case len(x) == len(d) && len(y) > 0 && isSuffix(bs, as):
		n := len(y)
		for o := 0; o < len(d); o += n {
			if vec != nil {
				vec(d[o:o+n], x[o:o+n], y)
				continue
			}
			for i := 0; i < n; i++ {
				d[o+i] = f(x[o+i], y[i])
			}
		}
	case len(x) == len(d) && len(y) > 0 && planes(bs, out) > 1:
		planeLoop(f, sv, d, x, y, planes(bs, out))
	default:
		eachBroadcast(out, bstrides(as, out), bstrides(bs, out), func(o, ia, ib, n, sa, sb int) {
			for i := 0; i < n; i++ {
				d[o+i] = f(x[ia+i*sa], y[ib+i*sb])
			}
		})
	}
}

// addScaled32 is dst += alpha·x for float32 slices of one length, each
// element computed in float64 and rounded once to float32.
func addScaled32(dst []float32, alpha float32, x []float32) {
	x = x[:len(dst)]
	a := float64(alpha)
	for i, v := range x {
		dst[i] = float32(float64(dst[i]) + a*float64(v))
	}
}

// addScalarLoop and the three below are dst = s op v for a scalar v, the
// arithmetic kernels' sv forms: a loop without a call per element.
func addScalarLoop[T float](dst, s []T, v T) {
	s = s[:len(dst)]
	for i := range dst {
		dst[i] = s[i] + v
	}
}

func subScalarLoop[T float](dst, s []T, v T) {
	s = s[:len(dst)]
	for i := range dst {
		dst[i] = s[i] - v
	}
}

func mulScalarLoop[T float](dst, s []T, v T) {
	s = s[:len(dst)]
	for i := range dst {
		dst[i] = s[i] * v
	}
}

func divScalarLoop[T float](dst, s []T, v T) {
	s = s[:len(dst)]
	for i := range dst {
		dst[i] = s[i] / v
	}
}

// planes returns the length of the runs of out's elements over which y,
// of shape bs broadcast to out, is constant, when y varies along one block
// of axes and is broadcast along every axis after it (a channel bias
// (1, C, 1, 1) of NCHW images: runs of H·W); 0 otherwise (y broadcast along
// a leading axis alone is isSuffix's case, y varying in the last axis is
// not constant over runs).
func planes(bs, out []int) int {
	off := len(out) - len(bs) // bs aligned to out's trailing axes
	if off < 0 {
		return 0
	}
	hi := len(bs) - 1 // y's last axis of size > 1
	for hi >= 0 && bs[hi] == 1 {
		hi--
	}
	if hi < 0 || hi == len(bs)-1 {
		return 0
	}
	lo := hi // y's block of axes [lo, hi], each out's size
	for lo > 0 && bs[lo-1] != 1 {
		lo--
	}
	for i := range bs {
		if i >= lo && i <= hi && bs[i] != out[i+off] || (i < lo || i > hi) && bs[i] != 1 {
			return 0
		}
	}
	inner := 1
	for _, n := range out[hi+off+1:] {
		inner *= n
	}
	return inner
}

// planeLoop computes d = f(x, y) where y is constant over runs of inner
// elements, y[j] over run j modulo len(y): with sv, a loop without a call
// per element per run.
func planeLoop[T float](f func(x, y T) T, sv func(d, x []T, v T), d, x, y []T, inner int) {
	m := len(y)
	for base := 0; base < len(d); base += m * inner {
		for c, v := range y {
			o := base + c*inner
			if sv != nil {
				sv(d[o:o+inner], x[o:o+inner], v)
				continue
			}
			for i := o; i < o+inner; i++ {
				d[i] = f(x[i], v)
			}
		}
	}
}
