package tensor

import "fmt"

// Average pooling, fixed and adaptive, and their backward passes (the
// adjoints): max pooling and the configurations live in pool.go.

// AvgPool2d returns the mean over each window of x (C, H, W) or (N, C, H,
// W), PyTorch's avg_pool2d: the sum of the window's input elements (the
// zero padding adds nothing) divided by c.DivisorOverride if set, else
// by the window's size clipped to the padded input (count_include_pad)
// or by its count of input elements. A window with no input element
// gives 0. Float32 windows are summed in float64 and rounded once.
// It panics with ErrShape on a rank other than 3 or 4, an empty plane or
// a bad configuration (see AvgPool2dConfig.OutSize).
func AvgPool2d(x *Tensor, c AvgPool2dConfig) *Tensor {
	const op = "tensor.AvgPool2d"
	check(op, "x", x)
	_, h, w := planesOf(op, x)
	oh, ow := c.outSize(op, h, w)
	return AvgPool2dTo(zerosOf(op, x.dtype, pooledShape(x, oh, ow)), x, c)
}

// AvgPool2dTo writes AvgPool2d(x, c) into dst and returns it; it does
// not allocate. It panics like AvgPool2d, with ErrShape on a dst of the
// wrong shape and with ErrDType if dst's type is not x's.
func AvgPool2dTo(dst, x *Tensor, c AvgPool2dConfig) *Tensor {
	const op = "tensor.AvgPool2d"
	check(op, "dst", dst)
	check(op, "x", x)
	g := avgGeom(op, x, c)
	checkPooled(op, dst, x, g.oh, g.ow)
	if x.dtype == Float32 {
		avgPoolK(dst.data32, x.data32, &g, c, false)
	} else {
		avgPoolK(dst.data, x.data, &g, c, false)
	}
	return dst
}

// AvgPool2dBackward returns the gradient of AvgPool2d(x, c) with respect
// to x, whose planes are h×w, given the gradient g of its output: each
// g[o] divided by its window's divisor and added to the window's input
// elements. It is the adjoint of AvgPool2d (which is linear). It panics
// like AvgPool2d, and with ErrShape if g's planes are not the pooled
// size of h×w.
func AvgPool2dBackward(g *Tensor, h, w int, c AvgPool2dConfig) *Tensor {
	const op = "tensor.AvgPool2dBackward"
	check(op, "g", g)
	planesOf(op, g)
	if h < 1 || w < 1 {
		shapePanic(op, fmt.Sprintf("input planes of %d×%d", h, w), g.shape)
	}
	return AvgPool2dBackwardTo(zerosOf(op, g.dtype, pooledShape(g, h, w)), g, c)
}

// AvgPool2dBackwardTo writes AvgPool2dBackward(g, H, W, c) into dst (the
// input's shape, (…, H, W)) and returns it; it does not allocate.
func AvgPool2dBackwardTo(dst, g *Tensor, c AvgPool2dConfig) *Tensor {
	const op = "tensor.AvgPool2dBackward"
	check(op, "dst", dst)
	check(op, "g", g)
	geo := avgGeom(op, dst, c)
	checkPooled(op, g, dst, geo.oh, geo.ow)
	if g.dtype == Float32 {
		avgPoolK(g.data32, dst.data32, &geo, c, true)
	} else {
		avgPoolK(g.data, dst.data, &geo, c, true)
	}
	return dst
}

// avgGeom checks x and c and returns their geometry.
func avgGeom(op string, x *Tensor, c AvgPool2dConfig) poolGeom {
	planes, h, w := planesOf(op, x)
	oh, ow := c.outSize(op, h, w)
	return poolGeom{planes, h, w, oh, ow, c.Kernel[0], c.Kernel[1], c.Stride[0], c.Stride[1],
		c.Padding[0], c.Padding[1], 1, 1}
}

// avgPoolK is average pooling's kernel, PyTorch's CPU loop: per output,
// the window clipped to the padded input gives count_include_pad's
// divisor, then clipped to the input the elements summed. Forward, y is
// the output and x the input; backward (back set), y is the output's
// gradient, read, and x the input's gradient, set to zero and then given
// each y[o]/divisor over o's window.
func avgPoolK[T float](y, x []T, g *poolGeom, c AvgPool2dConfig, back bool) {
	hw, ohw := g.h*g.w, g.oh*g.ow
	if back {
		clear(x)
	}
	for p := 0; p < g.planes; p++ {
		xp, yp := x[p*hw:(p+1)*hw], y[p*ohw:(p+1)*ohw]
		for i := 0; i < g.oh; i++ {
			h0 := i*g.sh - g.ph
			h1 := min(h0+g.kh, g.h+g.ph)
			for j := 0; j < g.ow; j++ {
				w0 := j*g.sw - g.pw
				w1 := min(w0+g.kw, g.w+g.pw)
				size := (h1 - h0) * (w1 - w0)
				a0, a1, b0, b1 := max(h0, 0), min(h1, g.h), max(w0, 0), min(w1, g.w)
				o := i*g.ow + j
				if a0 >= a1 || b0 >= b1 {
					if !back {
						yp[o] = 0
					}
					continue
				}
				div := size
				switch {
				case c.DivisorOverride != 0:
					div = c.DivisorOverride
				case !c.CountIncludePad:
					div = (a1 - a0) * (b1 - b0)
				}
				if back {
					d := T(float64(yp[o]) / float64(div))
					for a := a0; a < a1; a++ {
						row := xp[a*g.w+b0 : a*g.w+b1]
						for b := range row {
							row[b] += d
						}
					}
					continue
				}
				s := 0.0
				for a := a0; a < a1; a++ {
					for _, v := range xp[a*g.w+b0 : a*g.w+b1] {
						s += float64(v)
					}
				}
				yp[o] = T(s / float64(div))
			}
		}
	}
}

// AdaptiveAvgPool2d returns x (C, H, W) or (N, C, H, W) averaged to
// planes of oh×ow, PyTorch's adaptive_avg_pool2d: output (i, j) is the
// mean of rows ⌊i·H/oh⌋ … ⌈(i+1)·H/oh⌉ − 1 and columns likewise (windows
// overlap when a size does not divide). Float32 windows are summed in
// float64. It panics with ErrShape on a rank other than 3 or 4, an
// empty plane or a negative output size.
func AdaptiveAvgPool2d(x *Tensor, oh, ow int) *Tensor {
	const op = "tensor.AdaptiveAvgPool2d"
	check(op, "x", x)
	planesOf(op, x)
	if oh < 0 || ow < 0 {
		shapePanic(op, fmt.Sprintf("output size %d×%d", oh, ow), x.shape)
	}
	return AdaptiveAvgPool2dTo(zerosOf(op, x.dtype, pooledShape(x, oh, ow)), x)
}

// AdaptiveAvgPool2dTo writes AdaptiveAvgPool2d(x, oH, oW) into dst (…,
// oH, oW) and returns it; it does not allocate.
func AdaptiveAvgPool2dTo(dst, x *Tensor) *Tensor {
	const op = "tensor.AdaptiveAvgPool2d"
	check(op, "dst", dst)
	check(op, "x", x)
	g := adaptiveGeom(op, x, dst)
	if x.dtype == Float32 {
		adaptiveK(dst.data32, x.data32, &g, false)
	} else {
		adaptiveK(dst.data, x.data, &g, false)
	}
	return dst
}

// AdaptiveAvgPool2dBackward returns the gradient of AdaptiveAvgPool2d
// with respect to its input, planes of h×w, given the output's gradient
// g: each g[o] divided by its window's size and added over the window
// (the adjoint of AdaptiveAvgPool2d). It panics like AdaptiveAvgPool2d.
func AdaptiveAvgPool2dBackward(g *Tensor, h, w int) *Tensor {
	const op = "tensor.AdaptiveAvgPool2dBackward"
	check(op, "g", g)
	if r := len(g.shape); r != 3 && r != 4 {
		shapePanic(op, fmt.Sprintf("gradient of rank %d: want (C, H, W) or (N, C, H, W)", r), g.shape)
	}
	if h < 1 || w < 1 {
		shapePanic(op, fmt.Sprintf("input planes of %d×%d", h, w), g.shape)
	}
	return AdaptiveAvgPool2dBackwardTo(zerosOf(op, g.dtype, pooledShape(g, h, w)), g)
}

// AdaptiveAvgPool2dBackwardTo writes AdaptiveAvgPool2dBackward(g, H, W)
// into dst (the input's shape, (…, H, W)) and returns it; it does not
// allocate.
func AdaptiveAvgPool2dBackwardTo(dst, g *Tensor) *Tensor {
	const op = "tensor.AdaptiveAvgPool2dBackward"
	check(op, "dst", dst)
	check(op, "g", g)
	geo := adaptiveGeom(op, dst, g)
	if g.dtype == Float32 {
		adaptiveK(g.data32, dst.data32, &geo, true)
	} else {
		adaptiveK(g.data, dst.data, &geo, true)
	}
	return dst
}

// adaptiveGeom checks the input x and the pooled y of an adaptive
// pooling and returns their geometry.
func adaptiveGeom(op string, x, y *Tensor) poolGeom {
	planes, h, w := planesOf(op, x)
	r := len(x.shape)
	if len(y.shape) != r {
		shapePanic(op, "input and pooled tensors of different ranks", x.shape, y.shape)
	}
	oh, ow := y.shape[r-2], y.shape[r-1]
	checkPooled(op, y, x, oh, ow)
	return poolGeom{planes: planes, h: h, w: w, oh: oh, ow: ow}
}

// adaptiveK is adaptive average pooling's kernel, PyTorch's CPU loop
// (the sum divided by the window's height, then by its width). Forward,
// y is the output and x the input; backward, y is the output's gradient
// and x the input's, set to zero and then given y[o]/kh/kw over o's
// window.
func adaptiveK[T float](y, x []T, g *poolGeom, back bool) {
	hw, ohw := g.h*g.w, g.oh*g.ow
	if back {
		clear(x)
	}
	for p := 0; p < g.planes; p++ {
		xp, yp := x[p*hw:(p+1)*hw], y[p*ohw:(p+1)*ohw]
		for i := 0; i < g.oh; i++ {
			a0, a1 := i*g.h/g.oh, ((i+1)*g.h+g.oh-1)/g.oh
			for j := 0; j < g.ow; j++ {
				b0, b1 := j*g.w/g.ow, ((j+1)*g.w+g.ow-1)/g.ow
				kh, kw := float64(a1-a0), float64(b1-b0)
				o := i*g.ow + j
				if back {
					d := T(float64(yp[o]) / kh / kw)
					for a := a0; a < a1; a++ {
						row := xp[a*g.w+b0 : a*g.w+b1]
						for b := range row {
							row[b] += d
						}
					}
					continue
				}
				s := 0.0
				for a := a0; a < a1; a++ {
					for _, v := range xp[a*g.w+b0 : a*g.w+b1] {
						s += float64(v)
					}
				}
				yp[o] = T(s / kh / kw)
			}
		}
	}
}
