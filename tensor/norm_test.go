package tensor

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
)

// naiveLayerNorm is the definition, row by row, in float64.
func naiveLayerNorm(x, w, b []float64, n int, eps float64) []float64 {
	out := make([]float64, len(x))
	for r := 0; r < len(x); r += n {
		mean, ss := 0.0, 0.0
		for _, v := range x[r : r+n] {
			mean += v
		}
		mean /= float64(n)
		for _, v := range x[r : r+n] {
			ss += (v - mean) * (v - mean)
		}
		rstd := 1 / math.Sqrt(ss/float64(n)+eps)
		for i, v := range x[r : r+n] {
			y := (v - mean) * rstd
			if w != nil {
				y *= w[i]
			}
			if b != nil {
				y += b[i]
			}
			out[r+i] = y
		}
	}
	return out
}

func TestLayerNormTo(t *testing.T) {
	rng := tapegradtest.NewRNG()
	// a large offset: the shifted one-pass variance must stay accurate
	x := AddScalar(RandN(rng, 6, 7), 1e4)
	w, b := RandN(rng, 7), RandN(rng, 7)
	for _, tc := range []struct {
		name string
		w, b *Tensor
	}{{"affine", w, b}, {"gain", w, nil}, {"bias", nil, b}, {"plain", nil, nil}} {
		for _, dt := range []DType{Float64, Float32} {
			t.Run(tc.name+"/"+dt.String(), func(t *testing.T) {
				var wd, bd []float64
				var wt, bt *Tensor
				if tc.w != nil {
					wt = tc.w.To(dt)
					wd = wt.To(Float64).Data()
				}
				if tc.b != nil {
					bt = tc.b.To(dt)
					bd = bt.To(Float64).Data()
				}
				xt := x.To(dt)
				want := New(naiveLayerNorm(xt.To(Float64).Data(), wd, bd, 7, 1e-5), 6, 7)
				stats := Zeros(6, 2)
				got := LayerNormTo(xt.DType().Zeros(6, 7), stats, xt, wt, bt, 7, 1e-5)
				// float64: the one-pass variance loses at most a factor n
				// (rowStats), and r·v + k cancels 1e4 to 1: 1e4·ε·few,
				// within 1e-11. float32: the same cancellation in float32,
				// 1e4·2⁻²⁴·few ≈ 2e-3 — the input's own quantisation
				// (ulp(1e4) ≈ 1e-3) relative to σ = 1, as in PyTorch's
				// float32 kernel.
				tol := 1e-11
				if dt == Float32 {
					tol = 3e-3
				}
				if d := tapegradtest.Diff(want, got.To(Float64), cmpopts.EquateApprox(0, tol)); d != "" {
					t.Error(d)
				}
				// the backward kernel gives the same with and without the kept statistics
				g := RandN(rng, 6, 7).To(dt)
				var dx [2]*Tensor
				for i, st := range []*Tensor{stats, nil} {
					dx[i] = xt.DType().Zeros(6, 7)
					LayerNormBackwardTo(dx[i], nil, nil, xt, wt, g, st, 7, 1e-5)
				}
				if d := tapegradtest.Diff(dx[1], dx[0], cmpopts.EquateApprox(0, tol)); d != "" {
					t.Errorf("∂x with and without kept statistics:\n%s", d)
				}
			})
		}
	}
}

func TestLayerNormPanics(t *testing.T) {
	x := Zeros(2, 3)
	tests := []struct {
		name string
		f    func()
		want error
	}{
		{"row length", func() { LayerNormTo(Zeros(2, 3), nil, x, nil, nil, 4, 1e-5) }, ErrShape},
		{"zero row length", func() { LayerNormTo(Zeros(2, 3), nil, x, nil, nil, 0, 1e-5) }, ErrShape},
		{"dst shape", func() { LayerNormTo(Zeros(3), nil, x, nil, nil, 3, 1e-5) }, ErrShape},
		{"gain length", func() { LayerNormTo(Zeros(2, 3), nil, x, Zeros(2), nil, 3, 1e-5) }, ErrShape},
		{"bias type", func() { LayerNormTo(Zeros(2, 3), nil, x, nil, Float32.Zeros(3), 3, 1e-5) }, ErrDType},
		{"dst type", func() { LayerNormTo(Float32.Zeros(2, 3), nil, x, nil, nil, 3, 1e-5) }, ErrDType},
		{"stats length", func() { LayerNormTo(Zeros(2, 3), Zeros(2), x, nil, nil, 3, 1e-5) }, ErrShape},
		{"stats type", func() { LayerNormTo(Zeros(2, 3), Float32.Zeros(2, 2), x, nil, nil, 3, 1e-5) }, ErrShape},
		{"backward g shape", func() { LayerNormBackwardTo(nil, nil, nil, x, nil, Zeros(3), nil, 3, 1e-5) }, ErrShape},
		{"backward dw length", func() { LayerNormBackwardTo(nil, Zeros(2), nil, x, nil, Zeros(2, 3), nil, 3, 1e-5) }, ErrShape},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tc.f, tc.want) })
	}
}

func init() {
	ln := func(dst, stats, x, w, b *Tensor) { LayerNormTo(dst, stats, x, w, b, 3, 1e-5) }
	moreNilArgRows["LayerNormTo"] = append(withBad(
		func(b *Tensor) { ln(b, nil, vx(), nil, nil) },
		func(b *Tensor) { ln(vx(), nil, b, nil, nil) }),
		fails("zero-value stats", ErrArg, func() { ln(vx(), &Tensor{}, vx(), nil, nil) }),
		fails("zero-value gain", ErrArg, func() { ln(vx(), nil, vx(), &Tensor{}, nil) }),
		ok("nil stats, gain and bias", func() { ln(vx(), nil, vx(), nil, nil) }))
	bw := func(dx, x, g *Tensor) { LayerNormBackwardTo(dx, nil, nil, x, nil, g, nil, 3, 1e-5) }
	moreNilArgRows["LayerNormBackwardTo"] = append(withBad(
		func(b *Tensor) { bw(vx(), b, vx()) },
		func(b *Tensor) { bw(vx(), vx(), b) }),
		fails("zero-value dx", ErrArg, func() { bw(&Tensor{}, vx(), vx()) }),
		ok("nil dx, dw and db", func() { bw(nil, vx(), vx()) }))
}

func BenchmarkLayerNormTo(b *testing.B) {
	rng := tapegradtest.NewRNG()
	x := RandN(rng, 1024, 64)
	w, bias, dst, stats := Ones(64), Zeros(64), Zeros(1024, 64), Zeros(1024, 2)
	b.ReportAllocs()
	for range b.N {
		LayerNormTo(dst, stats, x, w, bias, 64, 1e-5)
	}
}
