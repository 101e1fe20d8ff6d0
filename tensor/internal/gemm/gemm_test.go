package gemm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// problem is one Dgemm call: op(A) m×k, op(B) k×n, padded leading dims.
type problem struct {
	transA, transB bool
	m, n, k        int
	pad            int // extra elements per row in A, B and C
	alpha, beta    float64
}

func (p problem) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,pad=%d,α=%g,β=%g", p.transA, p.transB, p.m, p.n, p.k, p.pad, p.alpha, p.beta)
}

// operands returns random A, B, C for p with their leading dimensions.
func (p problem) operands(rng *rand.Rand) (a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	ar, ac := p.m, p.k
	if p.transA {
		ar, ac = p.k, p.m
	}
	br, bc := p.k, p.n
	if p.transB {
		br, bc = p.n, p.k
	}
	lda, ldb, ldc = max(1, ac+p.pad), max(1, bc+p.pad), max(1, p.n+p.pad)
	fill := func(rows, ld int) []float64 {
		x := make([]float64, rows*ld)
		for i := range x {
			x[i] = rng.Float64()*2 - 1
		}
		return x
	}
	return fill(ar, lda), lda, fill(br, ldb), ldb, fill(p.m, ldc), ldc
}

// naive returns the triple-loop product and, element-wise, the bound
// |alpha|·Σ_p |op(A)[i,p]|·|op(B)[p,j]| + |beta·C[i,j]| used for the
// tolerance.
func naive(p problem, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) (want, mag []float64) {
	want = append([]float64(nil), c...)
	mag = make([]float64, len(c))
	for i := range p.m {
		for j := range p.n {
			var s, abs float64
			for q := range p.k {
				var x, y float64
				if p.transA {
					x = a[q*lda+i]
				} else {
					x = a[i*lda+q]
				}
				if p.transB {
					y = b[j*ldb+q]
				} else {
					y = b[q*ldb+j]
				}
				s += x * y
				abs += math.Abs(x * y)
			}
			old := c[i*ldc+j]
			if p.beta == 0 {
				old = 0
			}
			want[i*ldc+j] = p.alpha*s + p.beta*old
			mag[i*ldc+j] = math.Abs(p.alpha)*abs + math.Abs(p.beta*old)
		}
	}
	return want, mag
}

// check runs Dgemm or Sgemm (through run) on p and compares with naive,
// computed in float64 on the same (for float32, rounded) operands. Any
// summation order of k products in a format with unit roundoff u has
// error at most γ_k·Σ|a||b| with γ_k = k·u/(1-k·u) (Higham, Accuracy and
// Stability, §3.1); the scaling by alpha and beta and the final rounding
// add up to three roundings. For float64 both the reference and Dgemm are
// within that of the exact value, so they differ by at most twice it:
// tol = 2·(k+2)·u·mag, rounded up to (k+3)·ε with ε = 2u = 2⁻⁵². For
// float32 the float64 reference is exact to within k·2⁻⁵³·mag, negligible
// beside Sgemm's own error, so the same (k+3)·ε·mag with ε₃₂ = 2⁻²³
// covers it with room to spare: this is the k·ε₃₂·Σ|a||b| bound. An
// absolute (k+3)·2⁻¹⁴⁹ (2⁻¹⁰⁷⁴ for float64) covers roundings of results
// in the subnormal range, where the relative bound does not hold.
// Elements outside the m×n window (the padding) must be untouched.
func check[T elem](t *testing.T, p problem, seed uint64, nanC bool, run func(a []T, lda int, b []T, ldb int, c []T, ldc int)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	a64, lda, b64, ldb, c64, ldc := p.operands(rng)
	if nanC {
		for i := range c64 {
			c64[i] = math.NaN()
		}
	}
	a, b, c := conv[T](a64), conv[T](b64), conv[T](c64)
	a64, b64, c64 = conv[float64](a), conv[float64](b), conv[float64](c)
	p.alpha, p.beta = float64(T(p.alpha)), float64(T(p.beta))
	want, mag := naive(p, a64, lda, b64, ldb, c64, ldc)
	got := append([]T(nil), c...)
	run(a, lda, b, ldb, got, ldc)
	eps, tiny := 0x1p-52, 0x1p-1074
	if isF32[T]() {
		eps, tiny = 0x1p-23, 0x1p-149
	}
	bad := 0
	for i := range p.m {
		for j := range ldc {
			x := i*ldc + j
			if j >= p.n {
				if math.Float64bits(float64(got[x])) != math.Float64bits(float64(c[x])) {
					t.Fatalf("%v: padding C[%d,%d] = %v, was %v", p, i, j, got[x], c[x])
				}
				continue
			}
			tol := float64(p.k+3) * (eps*mag[x] + tiny)
			if !(math.Abs(float64(got[x])-want[x]) <= tol) {
				if bad++; bad <= 3 {
					t.Errorf("%v: C[%d,%d] = %v, want %v (tol %g)", p, i, j, got[x], want[x], tol)
				}
			}
		}
	}
}

// conv converts x's elements to T.
func conv[T, U elem](x []U) []T {
	y := make([]T, len(x))
	for i, v := range x {
		y[i] = T(v)
	}
	return y
}

// runner makes the call of Dgemm or Sgemm for a problem.
type runner[T elem] func(p problem) func(a []T, lda int, b []T, ldb int, c []T, ldc int)

func dgemmRun(p problem) func(a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	return func(a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
		Dgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, a, lda, b, ldb, p.beta, c, ldc)
	}
}

func sgemmRun(p problem) func(a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	return func(a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
		Sgemm(p.transA, p.transB, p.m, p.n, p.k, float32(p.alpha), a, lda, b, ldb, float32(p.beta), c, ldc)
	}
}

// The sizes cross every path: 1–3 (direct loop), 7, 13, 17 (partial
// micro-tiles of 6×8 and 6×16), 65, 129, 257 (several KC and MC blocks,
// parallel split).
var sizes = []int{1, 2, 3, 7, 13, 17, 65, 129, 257}

func TestDgemmSquare(t *testing.T) { testSquare(t, dgemmRun) }
func TestSgemmSquare(t *testing.T) { testSquare(t, sgemmRun) }

func testSquare[T elem](t *testing.T, run runner[T]) {
	for _, s := range sizes {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			p := problem{transA: tr[0], transB: tr[1], m: s, n: s, k: s, alpha: 1, beta: 0}
			t.Run(p.String(), func(t *testing.T) { check(t, p, uint64(s), false, run(p)) })
		}
	}
}

func TestDgemmMixed(t *testing.T) { testMixed(t, dgemmRun) }
func TestSgemmMixed(t *testing.T) { testMixed(t, sgemmRun) }

func testMixed[T elem](t *testing.T, run runner[T]) {
	shapes := [][3]int{ // m, n, k
		{1, 257, 13}, {257, 1, 13}, {13, 17, 257}, {65, 7, 129}, {7, 129, 65},
		{129, 65, 300}, {300, 131, 70}, {4, 16, 2}, {4, 16, 16}, {64, 256, 784},
		{784, 256, 64}, {64, 784, 256}, {2, 1000, 3}, {1000, 2, 3},
	}
	for _, sh := range shapes {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, ab := range [][2]float64{{1, 0}, {-0.7, 1}, {2.5, 0.5}} {
				for _, pad := range []int{0, 3} {
					p := problem{transA: tr[0], transB: tr[1], m: sh[0], n: sh[1], k: sh[2], pad: pad, alpha: ab[0], beta: ab[1]}
					t.Run(p.String(), func(t *testing.T) { check(t, p, uint64(sh[0]*sh[1]), false, run(p)) })
				}
			}
		}
	}
}

// TestDgemmBetaZeroNaN checks that beta = 0 overwrites C, NaN included,
// on every path (direct, packed full and partial tiles, parallel).
func TestDgemmBetaZeroNaN(t *testing.T) { testBetaZeroNaN(t, dgemmRun) }
func TestSgemmBetaZeroNaN(t *testing.T) { testBetaZeroNaN(t, sgemmRun) }

func testBetaZeroNaN[T elem](t *testing.T, run runner[T]) {
	for _, s := range []int{3, 17, 65, 257} {
		for _, tr := range [][2]bool{{false, false}, {true, true}} {
			p := problem{transA: tr[0], transB: tr[1], m: s, n: s + 1, k: s + 2, pad: 2, alpha: 1.5, beta: 0}
			t.Run(p.String(), func(t *testing.T) { check(t, p, 7, true, run(p)) })
		}
	}
}

// TestDgemmDegenerate covers k = 0 and alpha = 0 (C = beta·C, A and B not
// read) and m or n = 0 (nothing touched).
func TestDgemmDegenerate(t *testing.T) {
	testDegenerate(t, dgemmRun)
	// alpha = 0 must not read A: NaN in A stays out of C.
	a := []float64{math.NaN()}
	c := []float64{2}
	Dgemm(false, false, 1, 1, 1, 0, a, 1, []float64{1}, 1, 0.5, c, 1)
	if c[0] != 1 {
		t.Errorf("alpha=0: C = %v, want 1", c[0])
	}
}

func TestSgemmDegenerate(t *testing.T) {
	testDegenerate(t, sgemmRun)
	a := []float32{float32(math.NaN())}
	c := []float32{2}
	Sgemm(false, false, 1, 1, 1, 0, a, 1, []float32{1}, 1, 0.5, c, 1)
	if c[0] != 1 {
		t.Errorf("alpha=0: C = %v, want 1", c[0])
	}
}

func testDegenerate[T elem](t *testing.T, run runner[T]) {
	for _, p := range []problem{
		{m: 5, n: 4, k: 0, alpha: 1, beta: 0},
		{m: 5, n: 4, k: 0, alpha: 1, beta: 0.5, pad: 2},
		{m: 5, n: 4, k: 0, alpha: 1, beta: 1, transA: true},
		{m: 50, n: 40, k: 30, alpha: 0, beta: 0.5},
		{m: 0, n: 4, k: 3, alpha: 1, beta: 0},
		{m: 4, n: 0, k: 3, alpha: 1, beta: 0},
		{m: 0, n: 0, k: 0, alpha: 1, beta: 0},
	} {
		t.Run(p.String(), func(t *testing.T) { check(t, p, 3, false, run(p)) })
	}
}

// TestSerialSmallBlocks runs the packed path with tiny cache blocks, so
// that small matrices cross many MC, KC and NC boundaries and every
// packing case.
func TestSerialSmallBlocks(t *testing.T) {
	testSmallBlocks[float64](t, []blocking{{mc: 6, kc: 1, nc: 8}, {mc: 12, kc: 5, nc: 16}, {mc: 18, kc: 7, nc: 24}})
}

func TestSerialSmallBlocks32(t *testing.T) {
	testSmallBlocks[float32](t, []blocking{{mc: 6, kc: 1, nc: 16}, {mc: 12, kc: 5, nc: 32}, {mc: 18, kc: 7, nc: 48}})
}

func testSmallBlocks[T elem](t *testing.T, blks []blocking) {
	for _, blk := range blks {
		for _, sh := range [][3]int{{13, 17, 19}, {6, 8, 1}, {6, 16, 2}, {25, 9, 33}, {13, 37, 11}} {
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				p := problem{transA: tr[0], transB: tr[1], m: sh[0], n: sh[1], k: sh[2], pad: 1, alpha: 0.75, beta: 0.5}
				t.Run(fmt.Sprintf("%v/%v", blk, p), func(t *testing.T) {
					check(t, p, 11, false, func(a []T, lda int, b []T, ldb int, c []T, ldc int) {
						parallel(3, blk, p.transA, p.transB, p.m, p.n, p.k, T(p.alpha), a, lda, b, ldb, T(p.beta), c, ldc)
					})
				})
			}
		}
	}
}

// TestKernelsAgree checks the assembly micro-kernel against the pure-Go
// one. Both sum in order of p, but only the assembly fuses multiply and
// add, so they agree to the tolerance of check, not bit for bit.
func TestKernelsAgree(t *testing.T) { testKernelsAgree[float64](t, 0x1p-52) }

// TestKernelsAgree32 is TestKernelsAgree for the float32 kernel, with
// float32's ε = 2⁻²³.
func TestKernelsAgree32(t *testing.T) { testKernelsAgree[float32](t, 0x1p-23) }

func testKernelsAgree[T elem](t *testing.T, eps float64) {
	if !useAsm {
		t.Skip("no assembly kernel on this CPU or build")
	}
	nr := nrOf[T]()
	ldc := nr + 3
	rng := rand.New(rand.NewPCG(5, 5))
	for _, k := range []int{1, 2, 3, 4, 5, 8, 257} {
		a := make([]T, k*mr)
		b := make([]T, k*nr)
		for i := range a {
			a[i] = T(rng.Float64()*2 - 1)
		}
		for i := range b {
			b[i] = T(rng.Float64()*2 - 1)
		}
		for _, beta := range []T{0, 1, -0.5} {
			c0 := make([]T, mr*ldc)
			for i := range c0 {
				c0[i] = T(rng.Float64())
			}
			got := append([]T(nil), c0...)
			want := append([]T(nil), c0...)
			kernelOf[T]()(k, a, b, got, ldc, 1.25, beta)
			kernelGo(k, a, b, want, ldc, 1.25, beta)
			for i := range got {
				if i%ldc >= nr {
					if got[i] != c0[i] {
						t.Fatalf("k=%d β=%g: asm kernel wrote C[%d] outside its tile", k, beta, i)
					}
					continue
				}
				if d := math.Abs(float64(got[i] - want[i])); d > float64(k+3)*eps*4*float64(k) {
					t.Errorf("k=%d β=%g: C[%d] asm %v, Go %v", k, beta, i, got[i], want[i])
				}
			}
		}
	}
}

// TestDeterministicAcrossGOMAXPROCS checks bit-identical results with one
// and two threads, on shapes split along m and along n.
func TestDeterministicAcrossGOMAXPROCS(t *testing.T) { testDeterministic(t, dgemmRun) }
func TestSgemmDeterministicAcrossGOMAXPROCS(t *testing.T) {
	testDeterministic(t, sgemmRun)
}

func testDeterministic[T elem](t *testing.T, run runner[T]) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, p := range []problem{
		{m: 257, n: 129, k: 300, alpha: 1.5, beta: 0.5},
		{m: 129, n: 263, k: 65, transA: true, transB: true, alpha: 1, beta: 0},
		{m: 64, n: 256, k: 784, alpha: 1, beta: 1, pad: 1},
		{m: 300, n: 517, k: 1100, transA: true, alpha: 0.5, beta: 0.5, pad: 2},
	} {
		rng := rand.New(rand.NewPCG(9, 9))
		a64, lda, b64, ldb, c64, ldc := p.operands(rng)
		a, b, c := conv[T](a64), conv[T](b64), conv[T](c64)
		var got [2][]T
		for i, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			got[i] = append([]T(nil), c...)
			run(p)(a, lda, b, ldb, got[i], ldc)
		}
		for i := range got[0] {
			if math.Float64bits(float64(got[0][i])) != math.Float64bits(float64(got[1][i])) {
				t.Fatalf("%v: C[%d] = %v with GOMAXPROCS=1, %v with 2", p, i, got[0][i], got[1][i])
			}
		}
	}
}

// TestConcurrentProductsShareHelpers runs parallel products from several
// goroutines at once, sometimes after an idle spell longer than spinWait
// (so helpers have blocked and wake late, holding jobs the callers have
// finished), and checks every result bit for bit against a single-threaded
// run. Under -race (in CI) it also checks the hand-off of jobs and
// workspaces between callers and helpers.
//
// Its float64 and float32 halves run at the same time, so that jobs and
// workspaces also pass between products of the two types.
func TestConcurrentProductsShareHelpers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	t.Run("float64", func(t *testing.T) { t.Parallel(); testConcurrent(t, dgemmRun) })
	t.Run("float32", func(t *testing.T) { t.Parallel(); testConcurrent(t, sgemmRun) })
}

func testConcurrent[T elem](t *testing.T, run runner[T]) {
	probs := []problem{
		{m: 64, n: 256, k: 100, alpha: 1, beta: 0},
		{m: 200, n: 48, k: 120, transA: true, alpha: 0.5, beta: 1},
		{m: 96, n: 96, k: 96, transB: true, alpha: 1, beta: 0.5, pad: 3},
	}
	type operands struct{ a, b, c, want []T }
	ops := make([]operands, len(probs))
	for i, p := range probs {
		a64, lda, b64, ldb, c64, ldc := p.operands(rand.New(rand.NewPCG(uint64(i), 5)))
		a, b, c := conv[T](a64), conv[T](b64), conv[T](c64)
		want := append([]T(nil), c...)
		w := new(workspace)
		serial(w, blockingOf[T](), p.transA, p.transB, p.m, p.n, p.k, T(p.alpha), a, lda, b, ldb, T(p.beta), want, ldc)
		ops[i] = operands{a, b, c, want}
	}
	rounds := 12
	if testing.Short() {
		rounds = 4
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for r := range rounds {
				if (g+r)%5 == 0 {
					time.Sleep(3 * spinWait) // let the helpers block
				}
				i := (g + r) % len(probs)
				p, o := probs[i], ops[i]
				_, lda, _, ldb, _, ldc := p.operands(rand.New(rand.NewPCG(0, 0)))
				c := append([]T(nil), o.c...)
				run(p)(o.a, lda, o.b, ldb, c, ldc)
				for e := range c {
					if math.Float64bits(float64(c[e])) != math.Float64bits(float64(o.want[e])) {
						errs <- fmt.Errorf("goroutine %d round %d, %v: C[%d] = %v, want %v", g, r, p, e, c[e], o.want[e])
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestGemmPanics: bad sizes and leading dimensions panic with ErrShape, for
// both element types.
func TestGemmPanics(t *testing.T) {
	x, y := make([]float64, 12), make([]float32, 12)
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"negative m", func() { Dgemm(false, false, -1, 2, 2, 1, x, 2, x, 2, 0, x, 2) }},
		{"lda < k", func() { Dgemm(false, false, 2, 2, 3, 1, x, 2, x, 3, 0, x, 2) }},
		{"lda < m when transA", func() { Dgemm(true, false, 3, 2, 2, 1, x, 2, x, 2, 0, x, 2) }},
		{"ldc < n", func() { Dgemm(false, false, 2, 3, 2, 1, x, 2, x, 3, 0, x, 2) }},
		{"short B", func() { Dgemm(false, false, 2, 4, 4, 1, x, 4, x, 4, 0, x, 4) }},
		{"float32 negative k", func() { Sgemm(false, false, 2, 2, -1, 1, y, 2, y, 2, 0, y, 2) }},
		{"float32 ldb < n", func() { Sgemm(false, false, 2, 3, 2, 1, y, 2, y, 2, 0, y, 3) }},
		{"float32 ldb < k when transB", func() { Sgemm(false, true, 2, 2, 3, 1, y, 3, y, 2, 0, y, 2) }},
		{"float32 short C", func() { Sgemm(false, false, 4, 4, 2, 1, y, 2, y, 4, 0, y, 4) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, ErrShape) {
					t.Errorf("recovered %v, want an error wrapping ErrShape", err)
				}
			}()
			tc.f()
		})
	}
}

func FuzzDgemm(f *testing.F) {
	// Seeds from the table cases: W2's 4×2·2×16, partial tiles, a KC crossing.
	f.Add(uint8(4), uint8(16), uint8(2), uint8(0), uint8(0), false, false, 1.0, 0.0)
	f.Add(uint8(13), uint8(17), uint8(7), uint8(1), uint8(3), true, false, 0.5, 1.0)
	f.Add(uint8(65), uint8(33), uint8(255), uint8(2), uint8(1), false, true, -2.0, 0.5)
	f.Add(uint8(7), uint8(129), uint8(0), uint8(0), uint8(0), true, true, 1.0, 0.5)
	f.Fuzz(func(t *testing.T, m, n, k, pad, seed uint8, transA, transB bool, alpha, beta float64) {
		if math.IsNaN(alpha) || math.IsInf(alpha, 0) || math.Abs(alpha) > 1e100 ||
			math.IsNaN(beta) || math.IsInf(beta, 0) || math.Abs(beta) > 1e100 {
			t.Skip()
		}
		p := problem{transA: transA, transB: transB, m: int(m), n: int(n), k: int(k), pad: int(pad % 4), alpha: alpha, beta: beta}
		check(t, p, uint64(seed), false, dgemmRun(p))
	})
}

// FuzzSgemm is FuzzDgemm for Sgemm, with the same seeds; alpha and beta
// are rounded to float32 and kept below 1e30 so that no product overflows.
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(4), uint8(16), uint8(2), uint8(0), uint8(0), false, false, 1.0, 0.0)
	f.Add(uint8(13), uint8(17), uint8(7), uint8(1), uint8(3), true, false, 0.5, 1.0)
	f.Add(uint8(65), uint8(33), uint8(255), uint8(2), uint8(1), false, true, -2.0, 0.5)
	f.Add(uint8(7), uint8(129), uint8(0), uint8(0), uint8(0), true, true, 1.0, 0.5)
	f.Fuzz(func(t *testing.T, m, n, k, pad, seed uint8, transA, transB bool, alpha, beta float64) {
		if math.IsNaN(alpha) || math.Abs(alpha) > 1e30 || math.IsNaN(beta) || math.Abs(beta) > 1e30 {
			t.Skip()
		}
		p := problem{transA: transA, transB: transB, m: int(m), n: int(n), k: int(k), pad: int(pad % 4), alpha: alpha, beta: beta}
		check(t, p, uint64(seed), false, sgemmRun(p))
	})
}
