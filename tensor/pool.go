package tensor

import (
	"fmt"
	"math"
)

// Pooling over the last two axes of a (C, H, W) or (N, C, H, W) tensor
// (PyTorch's NCHW layout; every leading axis is a batch of H×W planes),
// with PyTorch 1.13's semantics: torch.nn.functional.max_pool2d,
// avg_pool2d and adaptive_avg_pool2d and their backward passes.
//
// Output sizes follow PyTorch: along one axis of size n, with kernel k,
// stride s, padding p and dilation d,
//
//	out = ⌊(n + 2p − d(k−1) − 1 + (ceil ? s−1 : 0)) / s⌋ + 1,
//
// less one in ceil mode when the last window would start beyond the input
// and its left padding ((out−1)·s ≥ n + p), so every window starts inside
// the padded input.

// MaxPool2dConfig is the geometry of a 2-D max pooling, PyTorch's
// max_pool2d arguments as (height, width) pairs. Zero values mean zero:
// make one with MaxPool2dDefaults, which sets PyTorch's defaults (stride
// = kernel, padding 0, dilation 1, ceil_mode off), and change fields.
type MaxPool2dConfig struct {
	Kernel   [2]int // kernel_size (kH, kW), ≥ 1
	Stride   [2]int // stride, ≥ 1
	Padding  [2]int // implicit −Inf padding on both sides, 0 ≤ p ≤ k/2
	Dilation [2]int // spacing between window elements, ≥ 1
	CeilMode bool   // round the output size up instead of down
}

// MaxPool2dDefaults returns the configuration of torch.nn.MaxPool2d((kH,
// kW)): stride = kernel, no padding, dilation 1, floor mode.
func MaxPool2dDefaults(kH, kW int) MaxPool2dConfig {
	return MaxPool2dConfig{Kernel: [2]int{kH, kW}, Stride: [2]int{kH, kW}, Dilation: [2]int{1, 1}}
}

// OutSize returns the output plane size (oH, oW) for input planes of h×w.
// It panics with ErrShape if a kernel, stride or dilation is below 1, a
// padding is negative or above half its kernel (PyTorch's limit), or the
// output would be empty (a kernel larger than the padded input).
func (c MaxPool2dConfig) OutSize(h, w int) (oh, ow int) {
	return c.outSize("tensor.MaxPool2d", h, w)
}

func (c MaxPool2dConfig) outSize(op string, h, w int) (oh, ow int) {
	oh = poolOut(op, h, c.Kernel[0], c.Stride[0], c.Padding[0], c.Dilation[0], c.CeilMode)
	ow = poolOut(op, w, c.Kernel[1], c.Stride[1], c.Padding[1], c.Dilation[1], c.CeilMode)
	return oh, ow
}

// AvgPool2dConfig is the geometry of a 2-D average pooling, PyTorch's
// avg_pool2d arguments. Zero values mean zero: make one with
// AvgPool2dDefaults, which sets PyTorch's defaults (stride = kernel,
// padding 0, ceil_mode off, count_include_pad on, no divisor_override).
type AvgPool2dConfig struct {
	Kernel  [2]int // kernel_size (kH, kW), ≥ 1
	Stride  [2]int // stride, ≥ 1
	Padding [2]int // implicit zero padding on both sides, 0 ≤ p ≤ k/2
	// CeilMode rounds the output size up instead of down.
	CeilMode bool
	// CountIncludePad divides by the window's size including padded
	// positions (but not the part of a ceil-mode window beyond the
	// padding); off, by the count of input elements in the window.
	CountIncludePad bool
	// DivisorOverride, when not 0, is the divisor of every window.
	// PyTorch refuses a zero divisor_override, so 0 stands for its None.
	DivisorOverride int
}

// AvgPool2dDefaults returns the configuration of torch.nn.AvgPool2d((kH,
// kW)): stride = kernel, no padding, floor mode, count_include_pad=True,
// divisor_override=None.
func AvgPool2dDefaults(kH, kW int) AvgPool2dConfig {
	return AvgPool2dConfig{Kernel: [2]int{kH, kW}, Stride: [2]int{kH, kW}, CountIncludePad: true}
}

// OutSize returns the output plane size (oH, oW) for input planes of h×w.
// It panics with ErrShape like MaxPool2dConfig.OutSize.
func (c AvgPool2dConfig) OutSize(h, w int) (oh, ow int) { return c.outSize("tensor.AvgPool2d", h, w) }

func (c AvgPool2dConfig) outSize(op string, h, w int) (oh, ow int) {
	oh = poolOut(op, h, c.Kernel[0], c.Stride[0], c.Padding[0], 1, c.CeilMode)
	ow = poolOut(op, w, c.Kernel[1], c.Stride[1], c.Padding[1], 1, c.CeilMode)
	return oh, ow
}

// poolOut is PyTorch's pooling_output_shape along one axis, after its
// checks (pool2d_shape_check).
func poolOut(op string, n, k, s, p, d int, ceil bool) int {
	switch {
	case k < 1 || s < 1 || d < 1:
		shapePanic(op, fmt.Sprintf("kernel %d, stride %d and dilation %d must be at least 1", k, s, d))
	case p < 0 || p > k/2:
		shapePanic(op, fmt.Sprintf("padding %d must be between 0 and half the kernel size %d", p, k))
	}
	num := n + 2*p - d*(k-1) - 1
	if ceil {
		num += s - 1
	}
	out := floorDiv(num, s) + 1
	if ceil && (out-1)*s >= n+p {
		out--
	}
	if out < 1 {
		shapePanic(op, fmt.Sprintf("input size %d with kernel %d, stride %d, padding %d and dilation %d gives output size %d: too small",
			n, k, s, p, d, out))
	}
	return out
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// poolGeom is the geometry of one pooling call: planes of h×w pooled to
// oh×ow by windows of kh×kw with strides, paddings and dilations.
type poolGeom struct {
	planes, h, w, oh, ow           int
	kh, kw, sh, sw, ph, pw, dh, dw int
}

// planesOf checks x is (C, H, W) or (N, C, H, W) with non-empty planes and
// returns its number of planes and their size.
func planesOf(op string, x *Tensor) (planes, h, w int) {
	r := len(x.shape)
	if r != 3 && r != 4 {
		shapePanic(op, fmt.Sprintf("input of rank %d: want (C, H, W) or (N, C, H, W)", r), x.shape)
	}
	h, w = x.shape[r-2], x.shape[r-1]
	if h < 1 || w < 1 {
		shapePanic(op, "empty input planes", x.shape)
	}
	return numel(x.shape[:r-2]), h, w
}

// pooledShape is x's shape with its last two axes oh, ow.
func pooledShape(x *Tensor, oh, ow int) []int {
	r := len(x.shape)
	s := append(make([]int, 0, r), x.shape[:r-2]...)
	return append(s, oh, ow)
}

// checkPooled panics naming op unless dst has x's rank, leading axes and
// type, and planes of oh×ow.
func checkPooled(op string, dst, x *Tensor, oh, ow int) {
	r := len(x.shape)
	if len(dst.shape) != r || dst.shape[r-2] != oh || dst.shape[r-1] != ow {
		shapePanic(op, fmt.Sprintf("destination %v for input %v: want planes of %d×%d", dst.shape, x.shape, oh, ow), dst.shape, x.shape)
	}
	for i := 0; i < r-2; i++ {
		if dst.shape[i] != x.shape[i] {
			shapePanic(op, "destination and input differ in their leading axes", dst.shape, x.shape)
		}
	}
	sameDType(op, dst, x)
}

// MaxPool2d returns the maximum over each window of x (C, H, W) or (N, C,
// H, W), PyTorch's max_pool2d with padding filled with −Inf, and the
// argmax indices backward needs: idx[o] is the position, within its H×W
// input plane (h·W + w), of the element output o took, as PyTorch's
// return_indices=True gives it. Ties go to the first maximal element in
// window order (row by row), as PyTorch's CPU kernel; a NaN wins over
// any number. A window holding no input element (possible with a large
// dilation) gives −Inf and index −1, which backward skips.
//
// One difference from PyTorch: with 2×2 windows of stride 2 tiling the
// planes, a fast loop takes the IEEE maximum, so a zero maximum held as
// both −0 and +0 is +0 where PyTorch keeps the first one's sign (the
// index, and so the gradient, is PyTorch's).
// It panics with ErrShape on a rank other than 3 or 4, an empty plane or
// a bad configuration (see MaxPool2dConfig.OutSize).
func MaxPool2d(x *Tensor, c MaxPool2dConfig) (*Tensor, []int) {
	const op = "tensor.MaxPool2d"
	check(op, "x", x)
	_, h, w := planesOf(op, x)
	oh, ow := c.outSize(op, h, w)
	y := zerosOf(op, x.dtype, pooledShape(x, oh, ow))
	idx := make([]int, y.Len())
	return MaxPool2dTo(y, idx, x, c), idx
}

// MaxPool2dTo writes MaxPool2d(x, c) into dst and, unless idx is nil, the
// argmax indices into idx (of dst's length), and returns dst; it does not
// allocate. It panics like MaxPool2d, with ErrShape on a dst or idx of
// the wrong size and with ErrDType if dst's type is not x's.
func MaxPool2dTo(dst *Tensor, idx []int, x *Tensor, c MaxPool2dConfig) *Tensor {
	const op = "tensor.MaxPool2d"
	check(op, "dst", dst)
	check(op, "x", x)
	planes, h, w := planesOf(op, x)
	oh, ow := c.outSize(op, h, w)
	checkPooled(op, dst, x, oh, ow)
	if idx != nil && len(idx) != planes*oh*ow {
		shapePanic(op, fmt.Sprintf("index slice of %d for %d outputs", len(idx), planes*oh*ow), dst.shape)
	}
	g := poolGeom{planes, h, w, oh, ow, c.Kernel[0], c.Kernel[1], c.Stride[0], c.Stride[1],
		c.Padding[0], c.Padding[1], c.Dilation[0], c.Dilation[1]}
	if x.dtype == Float32 {
		maxPoolK(dst.data32, idx, x.data32, &g)
	} else {
		maxPoolK(dst.data, idx, x.data, &g)
	}
	return dst
}

// maxPoolK is max pooling's kernel: per plane, per output row and column,
// the maximum of the window's elements and its index. Planes pooled by
// 2×2 windows of stride 2 that tile them (CNNs' usual pooling) have a
// loop of their own, maxTiled2x2.
func maxPoolK[T float](y []T, idx []int, x []T, g *poolGeom) {
	hw, ohw := g.h*g.w, g.oh*g.ow
	tiled := g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 &&
		g.dh == 1 && g.dw == 1 && g.h%2 == 0 && g.oh == g.h/2 && g.ow == g.w/2
	if tiled && maxTiled2x2(y, idx, x, g.h, g.w) {
		return
	}
	for p := 0; p < g.planes; p++ {
		xp, yp := x[p*hw:(p+1)*hw], y[p*ohw:(p+1)*ohw]
		var ip []int
		if idx != nil {
			ip = idx[p*ohw : (p+1)*ohw]
		}
		maxPlane(yp, ip, xp, g)
	}
}

// maxPlane is max pooling of one plane, PyTorch's CPU loop: for each
// output, the window clipped to the input, scanned row by row, keeping the
// first maximal element (v > m) or a NaN (v != v).
func maxPlane[T float](yp []T, ip []int, xp []T, g *poolGeom) {
	ninf := T(math.Inf(-1))
	for i := 0; i < g.oh; i++ {
		h0 := i*g.sh - g.ph
		h1 := min(h0+(g.kh-1)*g.dh+1, g.h)
		for h0 < 0 {
			h0 += g.dh
		}
		for j := 0; j < g.ow; j++ {
			w0 := j*g.sw - g.pw
			w1 := min(w0+(g.kw-1)*g.dw+1, g.w)
			for w0 < 0 {
				w0 += g.dw
			}
			m, k := ninf, -1
			if h0 < h1 && w0 < w1 {
				k = h0*g.w + w0
			}
			for a := h0; a < h1; a += g.dh {
				row := xp[a*g.w : (a+1)*g.w]
				for b := w0; b < w1; b += g.dw {
					if v := row[b]; v > m || v != v {
						m, k = v, a*g.w+b
					}
				}
			}
			yp[i*g.ow+j] = m
			if ip != nil {
				ip[i*g.ow+j] = k
			}
		}
	}
}

// maxTiled2x2 is max pooling of planes h×w (h even; an odd w leaves its
// last column out, as floor mode does) by 2×2 windows of stride 2 into y
// and, when idx is not nil, the indices within each plane. The planes are contiguous and of even height, so their pairs of input
// rows follow one another: one loop runs over every output row of every
// plane (no per-plane overhead for small planes). It compares pairwise,
// keeping the first maximal element in window order on ties, in a form
// the compiler turns into conditional moves rather than branches (random
// data defeats a branch predictor: a branchy loop runs 4–6 times
// slower). It reports false, having written garbage, if x holds a NaN
// (or infinities of both signs): the caller redoes it with maxPlane.
func maxTiled2x2[T float](y []T, idx []int, x []T, h, w int) bool {
	ow, oh := w/2, h/2
	var s T
	for r := 0; r*ow < len(y); r++ { // output row r: input rows 2r, 2r+1
		r0, r1 := x[2*r*w:2*r*w+2*ow], x[(2*r+1)*w:(2*r+1)*w+2*ow]
		yr := y[r*ow : (r+1)*ow]
		base := 2 * (r % oh) * w // row 2r's first index within its plane
		for j := range yr {
			a, b, c, d := r0[2*j], r0[2*j+1], r1[2*j], r1[2*j+1]
			s += (a + b) + (c + d)
			kt := 2 * j
			if b > a {
				kt = 2*j + 1
			}
			kb := w + 2*j
			if d > c {
				kb = w + 2*j + 1
			}
			mt, mb := max(a, b), max(c, d)
			if mb > mt {
				kt = kb
			}
			yr[j] = max(mt, mb) // the value at kt, but for the sign of a zero (see MaxPool2d)
			if idx != nil {
				idx[r*ow+j] = base + kt
			}
		}
	}
	return s == s
}

// MaxPool2dBackward returns the gradient of max pooling with respect to
// its input, planes of h×w: zeros with each element of g (the gradient of
// the output) added at its window's argmax idx (MaxPool2d's indices; −1
// adds nothing). It panics with ErrShape if g is not of rank 3 or 4, idx
// is not of g's length or h, w are below 1, and with ErrIndex on an index
// outside its plane.
func MaxPool2dBackward(g *Tensor, idx []int, h, w int) *Tensor {
	const op = "tensor.MaxPool2dBackward"
	check(op, "g", g)
	planesOf(op, g)
	if h < 1 || w < 1 {
		shapePanic(op, fmt.Sprintf("input planes of %d×%d", h, w), g.shape)
	}
	return MaxPool2dBackwardTo(zerosOf(op, g.dtype, pooledShape(g, h, w)), g, idx)
}

// MaxPool2dBackwardTo writes MaxPool2dBackward(g, idx, H, W) into dst
// (the input's shape, (…, H, W)) and returns it; it does not allocate. It
// panics like MaxPool2dBackward, with ErrShape if dst and g differ in
// their leading axes and with ErrDType if their types differ.
func MaxPool2dBackwardTo(dst, g *Tensor, idx []int) *Tensor {
	const op = "tensor.MaxPool2dBackward"
	check(op, "dst", dst)
	check(op, "g", g)
	planes, h, w := planesOf(op, dst)
	_, oh, ow := planesOf(op, g)
	checkPooled(op, g, dst, oh, ow)
	if len(idx) != g.Len() {
		shapePanic(op, fmt.Sprintf("index slice of %d for %d gradients", len(idx), g.Len()), g.shape)
	}
	var bad int
	if g.dtype == Float32 {
		bad = scatterPlanes(dst.data32, g.data32, idx, planes, h*w, oh*ow)
	} else {
		bad = scatterPlanes(dst.data, g.data, idx, planes, h*w, oh*ow)
	}
	if bad >= 0 {
		indexPanic(op, fmt.Sprintf("index %d outside a plane of %d×%d", idx[bad], h, w), g.shape)
	}
	return dst
}

// scatterPlanes sets dst to zero and adds g[o] at idx[o] of o's plane,
// skipping −1. It returns the position of a bad index, or −1.
func scatterPlanes[T float](dst, g []T, idx []int, planes, hw, ohw int) int {
	clear(dst)
	for p := 0; p < planes; p++ {
		dp, gp, ip := dst[p*hw:(p+1)*hw], g[p*ohw:(p+1)*ohw], idx[p*ohw:(p+1)*ohw]
		for o, k := range ip {
			if uint(k) < uint(len(dp)) {
				dp[k] += gp[o]
			} else if k != -1 {
				return p*ohw + o
			}
		}
	}
	return -1
}

// MaxPool2dGather returns the elements of x (…, H, W) at the argmax
// indices idx of a max pooling to planes of oh×ow: the adjoint of
// MaxPool2dBackward, max pooling of a tangent with the windows' choices
// fixed (0 at index −1). It panics like MaxPool2dBackward.
func MaxPool2dGather(x *Tensor, idx []int, oh, ow int) *Tensor {
	const op = "tensor.MaxPool2dGather"
	check(op, "x", x)
	planesOf(op, x)
	if oh < 1 || ow < 1 {
		shapePanic(op, fmt.Sprintf("output planes of %d×%d", oh, ow), x.shape)
	}
	return MaxPool2dGatherTo(zerosOf(op, x.dtype, pooledShape(x, oh, ow)), x, idx)
}

// MaxPool2dGatherTo writes MaxPool2dGather(x, idx, oH, oW) into dst (…,
// oH, oW) and returns it; it does not allocate.
func MaxPool2dGatherTo(dst, x *Tensor, idx []int) *Tensor {
	const op = "tensor.MaxPool2dGather"
	check(op, "dst", dst)
	check(op, "x", x)
	planes, h, w := planesOf(op, x)
	_, oh, ow := planesOf(op, dst)
	checkPooled(op, dst, x, oh, ow)
	if len(idx) != dst.Len() {
		shapePanic(op, fmt.Sprintf("index slice of %d for %d outputs", len(idx), dst.Len()), dst.shape)
	}
	var bad int
	if x.dtype == Float32 {
		bad = gatherPlanes(dst.data32, x.data32, idx, planes, h*w, oh*ow)
	} else {
		bad = gatherPlanes(dst.data, x.data, idx, planes, h*w, oh*ow)
	}
	if bad >= 0 {
		indexPanic(op, fmt.Sprintf("index %d outside a plane of %d×%d", idx[bad], h, w), x.shape)
	}
	return dst
}

// gatherPlanes sets dst[o] to x at idx[o] of o's plane (0 for −1). It
// returns the position of a bad index, or −1.
func gatherPlanes[T float](dst, x []T, idx []int, planes, hw, ohw int) int {
	for p := 0; p < planes; p++ {
		xp, dp, ip := x[p*hw:(p+1)*hw], dst[p*ohw:(p+1)*ohw], idx[p*ohw:(p+1)*ohw]
		for o, k := range ip {
			if uint(k) < uint(len(xp)) {
				dp[o] = xp[k]
			} else if k == -1 {
				dp[o] = 0
			} else {
				return p*ohw + o
			}
		}
	}
	return -1
}
