package tensor

import (
	"fmt"
	"sync"

	"github.com/tapegrad/tapegrad/tensor/internal/gemm"
)

// Conv2dConfig holds the hyper-parameters of a 2-D convolution, as the
// keyword arguments of PyTorch's F.conv2d and F.conv_transpose2d: index 0
// is the height axis, index 1 the width axis. Zero values mean zero (a
// zero Stride is refused); start from Conv2dDefaults for PyTorch's
// defaults (stride 1, padding 0, dilation 1, groups 1, output padding 0).
type Conv2dConfig struct {
	Stride   [2]int // step between two applications of the kernel, ≥ 1
	Padding  [2]int // zeros added on each side of the input (both sides), ≥ 0
	Dilation [2]int // spacing between kernel taps, ≥ 1
	Groups   int    // channels split in Groups independent convolutions, ≥ 1
	// OutputPadding is added to one side (bottom, right) of a transposed
	// convolution's output, to pick among the input sizes a strided
	// convolution maps to one output size. It must be 0 for Conv2d and
	// smaller than Stride for ConvTranspose2d (PyTorch also allows
	// values below Dilation; tapegrad does not, so that every transposed
	// convolution is the exact adjoint of a convolution).
	OutputPadding [2]int
}

// Conv2dDefaults returns PyTorch's defaults: stride 1, no padding,
// dilation 1, one group, no output padding.
func Conv2dDefaults() Conv2dConfig {
	return Conv2dConfig{Stride: [2]int{1, 1}, Dilation: [2]int{1, 1}, Groups: 1}
}

// ConvOutputSize returns the output length of a convolution along one axis
// (PyTorch's formula): ⌊(in + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.
// It is 0 when the dilated kernel exceeds the padded input. It panics
// with ErrArg if stride < 1.
func ConvOutputSize(in, kernel, stride, padding, dilation int) int {
	if stride < 1 {
		argPanic("tensor.ConvOutputSize", fmt.Sprintf("stride %d must be ≥ 1", stride))
	}
	v := in + 2*padding - dilation*(kernel-1) - 1
	if v < 0 {
		return 0
	}
	return v/stride + 1
}

// ConvTransposeOutputSize returns the output length of a transposed
// convolution along one axis (PyTorch's formula):
// (in − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1.
func ConvTransposeOutputSize(in, kernel, stride, padding, dilation, outputPadding int) int {
	return (in-1)*stride - 2*padding + dilation*(kernel-1) + outputPadding + 1
}

// convGeom is one convolution's sizes, in the convolution's own direction:
// the image side (n, c, h, w) and the feature side (n, o, oh, ow), the
// weight (o, c/g, kh, kw). A transposed convolution uses the geometry of
// the convolution it is the adjoint of.
type convGeom struct {
	n, c, h, w     int
	o, kh, kw      int
	oh, ow         int
	sh, sw, ph, pw int
	dh, dw, g      int
}

// kg is the length of one column of im2col: (c/g)·kh·kw.
func (q *convGeom) kg() int { return q.c / q.g * q.kh * q.kw }

// checkConfig panics unless cfg's values are in range; transposed allows
// an output padding.
func checkConfig(op string, cfg Conv2dConfig, transposed bool) {
	msg := ""
	for i := range 2 {
		switch {
		case cfg.Stride[i] < 1:
			msg = "stride must be ≥ 1"
		case cfg.Dilation[i] < 1:
			msg = "dilation must be ≥ 1"
		case cfg.Padding[i] < 0:
			msg = "padding must be ≥ 0"
		case cfg.OutputPadding[i] < 0:
			msg = "output padding must be ≥ 0"
		case !transposed && cfg.OutputPadding[i] != 0:
			msg = "output padding is for transposed convolutions only"
		case transposed && cfg.OutputPadding[i] >= cfg.Stride[i]:
			msg = "output padding must be smaller than the stride"
		}
	}
	if cfg.Groups < 1 {
		msg = "groups must be ≥ 1"
	}
	if msg != "" {
		configPanic(op, msg, cfg)
	}
}

// configPanic is checkConfig's panic, out of line so that cfg is boxed
// only on the way to a panic.
func configPanic(op, msg string, cfg Conv2dConfig) {
	argPanic(op, fmt.Sprintf("%s (config %+v; start from Conv2dDefaults)", msg, cfg))
}

// convGeometry checks a convolution of image (n, c, h, w) by weight
// (o, c/g, kh, kw) and returns its geometry.
func convGeometry(op string, xs, ws []int, cfg Conv2dConfig) convGeom {
	if len(xs) != 4 || len(ws) != 4 {
		shapePanic(op, "want input (N, C, H, W) and weight (O, C/groups, kH, kW)", xs, ws)
	}
	g := cfg.Groups
	q := convGeom{n: xs[0], c: xs[1], h: xs[2], w: xs[3], o: ws[0], kh: ws[2], kw: ws[3],
		sh: cfg.Stride[0], sw: cfg.Stride[1], ph: cfg.Padding[0], pw: cfg.Padding[1],
		dh: cfg.Dilation[0], dw: cfg.Dilation[1], g: g}
	switch {
	case q.c%g != 0 || q.o%g != 0:
		shapePanic(op, fmt.Sprintf("channels %d and %d must be divisible by groups %d", q.c, q.o, g), xs, ws)
	case ws[1]*g != q.c:
		shapePanic(op, fmt.Sprintf("weight has %d input channels per group, want %d/%d", ws[1], q.c, g), xs, ws)
	case q.kh < 1 || q.kw < 1:
		shapePanic(op, "kernel must be at least 1×1", xs, ws)
	}
	eh := q.h + 2*q.ph - q.dh*(q.kh-1)
	ew := q.w + 2*q.pw - q.dw*(q.kw-1)
	if eh < 1 || ew < 1 {
		shapePanic(op, fmt.Sprintf("dilated kernel %d×%d is larger than the padded input %d×%d",
			q.dh*(q.kh-1)+1, q.dw*(q.kw-1)+1, q.h+2*q.ph, q.w+2*q.pw), xs, ws)
	}
	q.oh, q.ow = (eh-1)/q.sh+1, (ew-1)/q.sw+1
	return q
}

// Conv2d returns the 2-D convolution of x (N, C, H, W) by w (O, C/groups,
// kH, kW), PyTorch's F.conv2d without bias (a cross-correlation: the
// kernel is not flipped):
//
//	y[n, o, i, j] = Σ_c Σ_u Σ_v w[o, c, u, v] · x[n, g·C/groups + c, i·sh − ph + u·dh, j·sw − pw + v·dw]
//
// where g = o / (O/groups) is o's group and x is 0 outside the image. y has
// shape (N, O, Hout, Wout), Hout = ConvOutputSize(H, kH, sh, ph, dh).
// It runs as im2col and one packed matrix product per group: 2·N·O·(C/groups)·kH·kW·Hout·Wout flops.
// It panics with ErrArg for a bad config (see Conv2dConfig) and with
// ErrShape for operands not of rank 4, channels not divisible by groups,
// a weight with other than C/groups input channels, or a dilated kernel
// larger than the padded input; with ErrDType for mixed element types.
func Conv2d(x, w *Tensor, cfg Conv2dConfig) *Tensor {
	const op = "tensor.Conv2d"
	check(op, "x", x)
	check(op, "w", w)
	checkConfig(op, cfg, false)
	q := convGeometry(op, x.shape, w.shape, cfg)
	return Conv2dTo(zerosLike(op, x, []int{q.n, q.o, q.oh, q.ow}), x, w, cfg)
}

// Conv2dTo is Conv2d writing into dst, of shape (N, O, Hout, Wout), and
// returning it. It allocates nothing once its scratch buffers (pooled)
// have grown to the size of the problem. dst must not alias x or w.
// It panics as Conv2d does, and with ErrShape if dst has another shape.
func Conv2dTo(dst, x, w *Tensor, cfg Conv2dConfig) *Tensor {
	const op = "tensor.Conv2d"
	check(op, "dst", dst)
	check(op, "x", x)
	check(op, "w", w)
	checkConfig(op, cfg, false)
	q := convGeometry(op, x.shape, w.shape, cfg)
	checkDst(op, dst, []int{q.n, q.o, q.oh, q.ow})
	sameDType(op, x, w)
	sameDType(op, dst, x)
	if x.dtype == Float32 {
		conv2dForward(&q, dst.data32, x.data32, w.data32, gemm.Sgemm, &scratch32)
	} else {
		conv2dForward(&q, dst.data, x.data, w.data, gemm.Dgemm, &scratch64)
	}
	return dst
}

// ConvTranspose2d returns the transposed convolution of x (N, Cin, H, W) by
// w (Cin, Cout/groups, kH, kW), PyTorch's F.conv_transpose2d without bias:
// the adjoint of Conv2d with respect to its input (the gradient of a
// convolution, also called a fractionally strided convolution), so that
// ⟨ConvTranspose2d(x, w), z⟩ = ⟨x, Conv2d(z, w)⟩ for the same config with
// output padding 0. y has shape (N, Cout, Hout, Wout) with
// Hout = ConvTransposeOutputSize(H, kH, sh, ph, dh, oph).
// It runs as one matrix product per group and col2im.
// It panics with ErrArg for a bad config (OutputPadding must be below
// Stride), with ErrShape for operands not of rank 4, Cin or Cout not
// divisible by groups, w's first axis not Cin or an output size below 1,
// and with ErrDType for mixed element types.
func ConvTranspose2d(x, w *Tensor, cfg Conv2dConfig) *Tensor {
	const op = "tensor.ConvTranspose2d"
	check(op, "x", x)
	check(op, "w", w)
	checkConfig(op, cfg, true)
	q := transposeGeometry(op, x.shape, w.shape, cfg)
	return ConvTranspose2dTo(zerosLike(op, x, []int{q.n, q.c, q.h, q.w}), x, w, cfg)
}

// transposeGeometry checks a transposed convolution of x (n, cin, h, w) by
// w (cin, cout/g, kh, kw) and returns the geometry of the convolution it is
// the adjoint of: image (n, cout, hout, wout), features x.
func transposeGeometry(op string, xs, ws []int, cfg Conv2dConfig) convGeom {
	if len(xs) != 4 || len(ws) != 4 {
		shapePanic(op, "want input (N, Cin, H, W) and weight (Cin, Cout/groups, kH, kW)", xs, ws)
	}
	g := cfg.Groups
	switch {
	case ws[0] != xs[1]:
		shapePanic(op, fmt.Sprintf("weight has %d input channels, input has %d", ws[0], xs[1]), xs, ws)
	case xs[1]%g != 0:
		shapePanic(op, fmt.Sprintf("input channels %d not divisible by groups %d", xs[1], g), xs, ws)
	case ws[2] < 1 || ws[3] < 1:
		shapePanic(op, "kernel must be at least 1×1", xs, ws)
	}
	hout := ConvTransposeOutputSize(xs[2], ws[2], cfg.Stride[0], cfg.Padding[0], cfg.Dilation[0], cfg.OutputPadding[0])
	wout := ConvTransposeOutputSize(xs[3], ws[3], cfg.Stride[1], cfg.Padding[1], cfg.Dilation[1], cfg.OutputPadding[1])
	if hout < 1 || wout < 1 {
		shapePanic(op, fmt.Sprintf("output size %d×%d is below 1×1", hout, wout), xs, ws)
	}
	q := convGeometry(op, []int{xs[0], ws[1] * g, hout, wout}, []int{xs[1], ws[1], ws[2], ws[3]}, Conv2dConfig{
		Stride: cfg.Stride, Padding: cfg.Padding, Dilation: cfg.Dilation, Groups: g})
	if q.oh != xs[2] || q.ow != xs[3] { // cannot happen with OutputPadding < Stride
		shapePanic(op, "output size does not invert", xs, ws)
	}
	return q
}

// ConvTranspose2dTo is ConvTranspose2d writing into dst, of shape (N, Cout,
// Hout, Wout), and returning it; it allocates nothing once its pooled
// scratch has grown. dst must not alias x or w. It panics as
// ConvTranspose2d does, and with ErrShape if dst has another shape.
func ConvTranspose2dTo(dst, x, w *Tensor, cfg Conv2dConfig) *Tensor {
	const op = "tensor.ConvTranspose2d"
	check(op, "dst", dst)
	check(op, "x", x)
	check(op, "w", w)
	checkConfig(op, cfg, true)
	q := transposeGeometry(op, x.shape, w.shape, cfg)
	checkDst(op, dst, []int{q.n, q.c, q.h, q.w})
	sameDType(op, x, w)
	sameDType(op, dst, x)
	if x.dtype == Float32 {
		conv2dAdjoint(&q, dst.data32, x.data32, w.data32, gemm.Sgemm, &scratch32)
	} else {
		conv2dAdjoint(&q, dst.data, x.data, w.data, gemm.Dgemm, &scratch64)
	}
	return dst
}

// Conv2dWeightGrad returns the gradient of Σ g ⊙ Conv2d(x, w) with respect
// to w (which it does not need): for x (N, C, H, W) and g (N, O, Hout,
// Wout), the (O, C/groups, kH, kW) tensor
//
//	∂w[o, c, u, v] = Σ_n Σ_i Σ_j g[n, o, i, j] · x[n, g·C/groups + c, i·sh − ph + u·dh, j·sw − pw + v·dw].
//
// kernel is (kH, kW), which x and g do not determine when the stride
// exceeds 1. It panics as Conv2d does, and with ErrShape if g is not the
// shape of the convolution's output.
func Conv2dWeightGrad(x, g *Tensor, kernel [2]int, cfg Conv2dConfig) *Tensor {
	const op = "tensor.Conv2dWeightGrad"
	check(op, "x", x)
	check(op, "g", g)
	checkConfig(op, cfg, false)
	if len(x.shape) != 4 || len(g.shape) != 4 || cfg.Groups > 0 && x.shape[1]%cfg.Groups != 0 {
		shapePanic(op, "want input (N, C, H, W) and gradient (N, O, Hout, Wout), C divisible by groups", x.shape, g.shape)
	}
	ws := []int{g.shape[1], x.shape[1] / cfg.Groups, kernel[0], kernel[1]}
	return Conv2dWeightGradTo(zerosLike(op, x, ws), x, g, cfg)
}

// Conv2dWeightGradTo is Conv2dWeightGrad writing into dst, of shape (O,
// C/groups, kH, kW) (which gives the kernel size), and returning it; it
// allocates nothing once its pooled scratch has grown.
func Conv2dWeightGradTo(dst, x, g *Tensor, cfg Conv2dConfig) *Tensor {
	const op = "tensor.Conv2dWeightGrad"
	check(op, "dst", dst)
	check(op, "x", x)
	check(op, "g", g)
	checkConfig(op, cfg, false)
	q := convGeometry(op, x.shape, dst.shape, cfg)
	checkDst(op, g, []int{q.n, q.o, q.oh, q.ow})
	sameDType(op, x, g)
	sameDType(op, dst, x)
	if x.dtype == Float32 {
		conv2dWeight(&q, dst.data32, x.data32, g.data32, gemm.Sgemm, &scratch32)
	} else {
		conv2dWeight(&q, dst.data, x.data, g.data, gemm.Dgemm, &scratch64)
	}
	return dst
}

// gemmFunc is gemm.Dgemm or gemm.Sgemm.
type gemmFunc[T float] func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// scratch is a free list of growing buffers for im2col columns and
// reordered feature maps, one per element type. Unlike a sync.Pool it is
// not emptied by the garbage collector, so a steady loop of convolutions
// allocates nothing; it holds at most one buffer pair per goroutine that
// convolved at once, each about convChunk elements (more only for an
// image whose columns alone exceed it).
type scratch[T float] struct {
	mu   sync.Mutex
	free []*[]T
}

var (
	scratch64 scratch[float64]
	scratch32 scratch[float32]
)

// get returns a buffer of length n (contents undefined).
func (s *scratch[T]) get(n int) *[]T {
	var b *[]T
	s.mu.Lock()
	if k := len(s.free); k > 0 {
		b = s.free[k-1]
		s.free = s.free[:k-1]
	}
	s.mu.Unlock()
	if b == nil {
		b = new([]T)
	}
	if cap(*b) < n {
		*b = make([]T, n)
	}
	*b = (*b)[:n]
	return b
}

// put returns b to the free list.
func (s *scratch[T]) put(b *[]T) {
	s.mu.Lock()
	s.free = append(s.free, b)
	s.mu.Unlock()
}

// convChunk is the number of column elements (Kg × images·L) im2col
// builds at a time: the images of a batch are processed in chunks whose
// columns stay in the L2 cache while the product reads them, instead of
// one pass over a batch-sized matrix in main memory.
var convChunk = 262144

// chunks returns the number of images per chunk for geometry q.
func (q *convGeom) chunk() int {
	per := q.kg() * q.oh * q.ow
	return max(1, min(q.n, convChunk/max(per, 1)))
}

// conv2dForward computes y = conv(x, w) for geometry q: per chunk of
// images and per group, the im2col matrix cols (Kg × nb·L, L = oh·ow) and
// one product Y′ (Og × nb·L) = W_g (Og × Kg) · cols, reordered into y's
// (N, O, L).
func conv2dForward[T float](q *convGeom, y, x, w []T, mm gemmFunc[T], s *scratch[T]) {
	l := q.oh * q.ow
	kg, og, nb := q.kg(), q.o/q.g, q.chunk()
	if q.n*l == 0 || og == 0 {
		return
	}
	cb, yb := s.get(kg*nb*l), s.get(og*nb*l)
	for n0 := 0; n0 < q.n; n0 += nb {
		c := *q
		c.n = min(nb, q.n-n0)
		cols, yt := (*cb)[:kg*c.n*l], (*yb)[:og*c.n*l]
		xc, yc := x[n0*q.c*q.h*q.w:], y[n0*q.o*l:]
		for gi := range q.g {
			im2col(&c, cols, xc, gi)
			mm(false, false, og, c.n*l, kg, 1, w[gi*og*kg:], kg, cols, c.n*l, 0, yt, c.n*l)
			unfeature(&c, yc, yt, gi)
		}
	}
	s.put(cb)
	s.put(yb)
}

// conv2dAdjoint computes the image-side x = convᵀ(y, w) (the transposed
// convolution) for geometry q: per chunk and group, cols (Kg × nb·L) =
// W_gᵀ · Y′ and col2im adds the columns back into the images.
func conv2dAdjoint[T float](q *convGeom, x, y, w []T, mm gemmFunc[T], s *scratch[T]) {
	clear(x)
	l := q.oh * q.ow
	kg, og, nb := q.kg(), q.o/q.g, q.chunk()
	if q.n*l == 0 || kg == 0 {
		return
	}
	cb, yb := s.get(kg*nb*l), s.get(og*nb*l)
	for n0 := 0; n0 < q.n; n0 += nb {
		c := *q
		c.n = min(nb, q.n-n0)
		cols, yt := (*cb)[:kg*c.n*l], (*yb)[:og*c.n*l]
		xc, yc := x[n0*q.c*q.h*q.w:], y[n0*q.o*l:]
		for gi := range q.g {
			feature(&c, yt, yc, gi)
			mm(true, false, kg, c.n*l, og, 1, w[gi*og*kg:], kg, yt, c.n*l, 0, cols, c.n*l)
			col2im(&c, xc, cols, gi)
		}
	}
	s.put(cb)
	s.put(yb)
}

// conv2dWeight computes dw = Σ_n g ⋆ x for geometry q: per chunk and
// group, ∂W_g (Og × Kg) += G′ (Og × nb·L) · colsᵀ.
func conv2dWeight[T float](q *convGeom, dw, x, g []T, mm gemmFunc[T], s *scratch[T]) {
	l := q.oh * q.ow
	kg, og, nb := q.kg(), q.o/q.g, q.chunk()
	clear(dw)
	if q.n*l == 0 || kg == 0 || og == 0 {
		return
	}
	cb, yb := s.get(kg*nb*l), s.get(og*nb*l)
	for n0 := 0; n0 < q.n; n0 += nb {
		c := *q
		c.n = min(nb, q.n-n0)
		cols, gt := (*cb)[:kg*c.n*l], (*yb)[:og*c.n*l]
		xc, gc := x[n0*q.c*q.h*q.w:], g[n0*q.o*l:]
		for gi := range q.g {
			im2col(&c, cols, xc, gi)
			feature(&c, gt, gc, gi)
			mm(false, true, og, kg, c.n*l, 1, gt, c.n*l, cols, c.n*l, 1, dw[gi*og*kg:], kg)
		}
	}
	s.put(cb)
	s.put(yb)
}

// feature copies group gi's channels of the feature map y (N, O, L) into
// yt (Og × N·L): row o holds the N images' maps of channel gi·Og + o.
func feature[T float](q *convGeom, yt, y []T, gi int) {
	l, og := q.oh*q.ow, q.o/q.g
	for o := range og {
		for n := range q.n {
			copy(yt[(o*q.n+n)*l:(o*q.n+n+1)*l], y[(n*q.o+gi*og+o)*l:])
		}
	}
}

// unfeature is feature's inverse: yt (Og × N·L) into group gi of y.
func unfeature[T float](q *convGeom, y, yt []T, gi int) {
	l, og := q.oh*q.ow, q.o/q.g
	for o := range og {
		for n := range q.n {
			copy(y[(n*q.o+gi*og+o)*l:(n*q.o+gi*og+o+1)*l], yt[(o*q.n+n)*l:])
		}
	}
}

// span returns the output positions [lo, hi) of one axis whose input
// position i·stride + off falls inside [0, size).
func span(off, stride, size, out int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	hi = 0
	if last := size - 1 - off; last >= 0 {
		hi = last/stride + 1
	}
	hi = min(hi, out)
	lo = min(lo, hi)
	return lo, hi
}

// im2col writes group gi's columns of x into cols (Kg × N·L): row
// (c, u, v), column (n, i, j) holds x[n, gi·Cg + c, i·sh − ph + u·dh,
// j·sw − pw + v·dw], 0 outside the image. Rows are filled by contiguous
// runs (a copy when the stride is 1).
func im2col[T float](q *convGeom, cols, x []T, gi int) {
	cg, l, hw := q.c/q.g, q.oh*q.ow, q.h*q.w
	nl := q.n * l
	r := 0
	for c := range cg {
		for u := range q.kh {
			offH := u*q.dh - q.ph
			ilo, ihi := span(offH, q.sh, q.h, q.oh)
			for v := range q.kw {
				offW := v*q.dw - q.pw
				jlo, jhi := span(offW, q.sw, q.w, q.ow)
				row := cols[r*nl : (r+1)*nl]
				r++
				for n := range q.n {
					img := x[(n*q.c+gi*cg+c)*hw : (n*q.c+gi*cg+c+1)*hw]
					d := row[n*l : (n+1)*l]
					if ilo > 0 || ihi < q.oh {
						clear(d[:ilo*q.ow])
						clear(d[ihi*q.ow:])
					}
					for i := ilo; i < ihi; i++ {
						di := d[i*q.ow : (i+1)*q.ow]
						src := img[(i*q.sh+offH)*q.w:]
						for j := range jlo {
							di[j] = 0
						}
						for j := jhi; j < len(di); j++ {
							di[j] = 0
						}
						if q.sw == 1 {
							copyShort(di[jlo:jhi], src[jlo+offW:jhi+offW])
						} else {
							for j := jlo; j < jhi; j++ {
								di[j] = src[j*q.sw+offW]
							}
						}
					}
				}
			}
		}
	}
}

// col2im is im2col's adjoint: it adds each element of cols (Kg × N·L) to
// the position of group gi of x it was read from (x must be zeroed first;
// taps outside the image are dropped).
func col2im[T float](q *convGeom, x, cols []T, gi int) {
	cg, l, hw := q.c/q.g, q.oh*q.ow, q.h*q.w
	nl := q.n * l
	r := 0
	for c := range cg {
		for u := range q.kh {
			offH := u*q.dh - q.ph
			ilo, ihi := span(offH, q.sh, q.h, q.oh)
			for v := range q.kw {
				offW := v*q.dw - q.pw
				jlo, jhi := span(offW, q.sw, q.w, q.ow)
				row := cols[r*nl : (r+1)*nl]
				r++
				if jlo >= jhi {
					continue
				}
				for n := range q.n {
					img := x[(n*q.c+gi*cg+c)*hw : (n*q.c+gi*cg+c+1)*hw]
					d := row[n*l : (n+1)*l]
					for i := ilo; i < ihi; i++ {
						di := d[i*q.ow+jlo : i*q.ow+jhi]
						base := (i*q.sh+offH)*q.w + offW
						if q.sw == 1 {
							addShort(img[base+jlo:base+jhi], di)
						} else {
							for j, e := range di {
								img[base+(j+jlo)*q.sw] += e
							}
						}
					}
				}
			}
		}
	}
}

// copyShort is copy for the short runs of im2col (an output row, often
// ten or so elements), where moving four elements at a time as one array
// beats both a call of memmove and a loop of single elements.
func copyShort[T float](dst, src []T) {
	n := len(dst)
	if n > 64 {
		copy(dst, src)
		return
	}
	src = src[:n]
	k := 0
	for ; k+4 <= n; k += 4 {
		*(*[4]T)(dst[k:]) = *(*[4]T)(src[k:])
	}
	for ; k < n; k++ {
		dst[k] = src[k]
	}
}

// addShort adds src into dst element-wise (equal lengths), four at a time.
func addShort[T float](dst, src []T) {
	n := len(dst)
	src = src[:n]
	k := 0
	for ; k+4 <= n; k += 4 {
		d, s := (*[4]T)(dst[k:]), (*[4]T)(src[k:])
		d[0] += s[0]
		d[1] += s[1]
		d[2] += s[2]
		d[3] += s[3]
	}
	for ; k < n; k++ {
		dst[k] += src[k]
	}
}

// Conv1dConfig holds the hyper-parameters of a 1-D convolution, as the
// keyword arguments of PyTorch's F.conv1d. Zero values mean zero (a zero
// Stride is refused); start from Conv1dDefaults.
type Conv1dConfig struct {
	Stride   int // step between two applications of the kernel, ≥ 1
	Padding  int // zeros added on each side of the input, ≥ 0
	Dilation int // spacing between kernel taps, ≥ 1
	Groups   int // channels split in Groups independent convolutions, ≥ 1
}

// Conv1dDefaults returns PyTorch's defaults: stride 1, no padding,
// dilation 1, one group.
func Conv1dDefaults() Conv1dConfig { return Conv1dConfig{Stride: 1, Dilation: 1, Groups: 1} }

// Conv2d returns the 2-D configuration of the same convolution over images
// of height 1: a 1-D convolution of (N, C, L) is the 2-D convolution of
// (N, C, 1, L) by a (O, C/groups, 1, K) kernel with stride (1, Stride),
// padding (0, Padding) and dilation (1, Dilation).
func (c Conv1dConfig) Conv2d() Conv2dConfig {
	return Conv2dConfig{Stride: [2]int{1, c.Stride}, Padding: [2]int{0, c.Padding},
		Dilation: [2]int{1, c.Dilation}, Groups: c.Groups}
}
