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

// check runs Dgemm (through run) on p and compares with naive. Any
// summation order of k products has error at most γ_k·Σ|a||b| with
// γ_k = k·u/(1-k·u) (Higham, Accuracy and Stability, §3.1), u = 2⁻⁵³; the
// scaling by alpha and beta adds two roundings. Both the reference and
// Dgemm are within that of the exact value, so they differ by at most
// twice it: tol = 2·(k+2)·u·mag, rounded up to (k+3)·eps with eps = 2u.
// Elements outside the m×n window (the padding) must be untouched.
func check(t *testing.T, p problem, seed uint64, nanC bool, run func(a []float64, lda int, b []float64, ldb int, c []float64, ldc int)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	a, lda, b, ldb, c, ldc := p.operands(rng)
	if nanC {
		for i := range c {
			c[i] = math.NaN()
		}
	}
	want, mag := naive(p, a, lda, b, ldb, c, ldc)
	got := append([]float64(nil), c...)
	run(a, lda, b, ldb, got, ldc)
	const eps = 0x1p-52
	bad := 0
	for i := range p.m {
		for j := range ldc {
			x := i*ldc + j
			if j >= p.n {
				if math.Float64bits(got[x]) != math.Float64bits(c[x]) {
					t.Fatalf("%v: padding C[%d,%d] = %v, was %v", p, i, j, got[x], c[x])
				}
				continue
			}
			tol := float64(p.k+3) * eps * mag[x]
			if !(math.Abs(got[x]-want[x]) <= tol) {
				if bad++; bad <= 3 {
					t.Errorf("%v: C[%d,%d] = %v, want %v (tol %g)", p, i, j, got[x], want[x], tol)
				}
			}
		}
	}
}

func dgemmRun(p problem) func(a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	return func(a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
		Dgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, a, lda, b, ldb, p.beta, c, ldc)
	}
}

// The sizes cross every path: 1–3 (direct loop), 7, 13, 17 (partial
// micro-tiles of 6×8), 65, 129, 257 (several KC and MC blocks, parallel
// split).
var sizes = []int{1, 2, 3, 7, 13, 17, 65, 129, 257}

func TestDgemmSquare(t *testing.T) {
	for _, s := range sizes {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			p := problem{transA: tr[0], transB: tr[1], m: s, n: s, k: s, alpha: 1, beta: 0}
			t.Run(p.String(), func(t *testing.T) { check(t, p, uint64(s), false, dgemmRun(p)) })
		}
	}
}

func TestDgemmMixed(t *testing.T) {
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
					t.Run(p.String(), func(t *testing.T) { check(t, p, uint64(sh[0]*sh[1]), false, dgemmRun(p)) })
				}
			}
		}
	}
}

// TestDgemmBetaZeroNaN checks that beta = 0 overwrites C, NaN included,
// on every path (direct, packed full and partial tiles, parallel).
func TestDgemmBetaZeroNaN(t *testing.T) {
	for _, s := range []int{3, 17, 65, 257} {
		for _, tr := range [][2]bool{{false, false}, {true, true}} {
			p := problem{transA: tr[0], transB: tr[1], m: s, n: s + 1, k: s + 2, pad: 2, alpha: 1.5, beta: 0}
			t.Run(p.String(), func(t *testing.T) { check(t, p, 7, true, dgemmRun(p)) })
		}
	}
}

// TestDgemmDegenerate covers k = 0 and alpha = 0 (C = beta·C, A and B not
// read) and m or n = 0 (nothing touched).
func TestDgemmDegenerate(t *testing.T) {
	for _, p := range []problem{
		{m: 5, n: 4, k: 0, alpha: 1, beta: 0},
		{m: 5, n: 4, k: 0, alpha: 1, beta: 0.5, pad: 2},
		{m: 5, n: 4, k: 0, alpha: 1, beta: 1, transA: true},
		{m: 50, n: 40, k: 30, alpha: 0, beta: 0.5},
		{m: 0, n: 4, k: 3, alpha: 1, beta: 0},
		{m: 4, n: 0, k: 3, alpha: 1, beta: 0},
		{m: 0, n: 0, k: 0, alpha: 1, beta: 0},
	} {
		t.Run(p.String(), func(t *testing.T) { check(t, p, 3, false, dgemmRun(p)) })
	}
	// alpha = 0 must not read A: NaN in A stays out of C.
	a := []float64{math.NaN()}
	c := []float64{2}
	Dgemm(false, false, 1, 1, 1, 0, a, 1, []float64{1}, 1, 0.5, c, 1)
	if c[0] != 1 {
		t.Errorf("alpha=0: C = %v, want 1", c[0])
	}
}

// TestSerialSmallBlocks runs the packed path with tiny cache blocks, so
// that small matrices cross many MC, KC and NC boundaries and every
// packing case.
func TestSerialSmallBlocks(t *testing.T) {
	for _, blk := range []blocking{{mc: 6, kc: 1, nc: 8}, {mc: 12, kc: 5, nc: 16}, {mc: 18, kc: 7, nc: 24}} {
		for _, sh := range [][3]int{{13, 17, 19}, {6, 8, 1}, {25, 9, 33}} {
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				p := problem{transA: tr[0], transB: tr[1], m: sh[0], n: sh[1], k: sh[2], pad: 1, alpha: 0.75, beta: 0.5}
				t.Run(fmt.Sprintf("%v/%v", blk, p), func(t *testing.T) {
					check(t, p, 11, false, func(a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
						parallel(3, blk, p.transA, p.transB, p.m, p.n, p.k, p.alpha, a, lda, b, ldb, p.beta, c, ldc)
					})
				})
			}
		}
	}
}

// TestKernelsAgree checks the assembly micro-kernel against the pure-Go
// one. Both sum in order of p, but only the assembly fuses multiply and
// add, so they agree to the tolerance of check, not bit for bit.
func TestKernelsAgree(t *testing.T) {
	if !useAsm {
		t.Skip("no assembly kernel on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for _, k := range []int{1, 2, 3, 4, 5, 8, 257} {
		a := make([]float64, k*mr)
		b := make([]float64, k*nr)
		for i := range a {
			a[i] = rng.Float64()*2 - 1
		}
		for i := range b {
			b[i] = rng.Float64()*2 - 1
		}
		for _, beta := range []float64{0, 1, -0.5} {
			c0 := make([]float64, mr*11)
			for i := range c0 {
				c0[i] = rng.Float64()
			}
			got := append([]float64(nil), c0...)
			want := append([]float64(nil), c0...)
			kernel(k, a, b, got, 11, 1.25, beta)
			kernelGo(k, a, b, want, 11, 1.25, beta)
			for i := range got {
				if d := math.Abs(got[i] - want[i]); d > float64(k+3)*0x1p-52*4*float64(k) {
					t.Errorf("k=%d β=%g: C[%d] asm %v, Go %v", k, beta, i, got[i], want[i])
				}
			}
		}
	}
}

// TestDeterministicAcrossGOMAXPROCS checks bit-identical results with one
// and two threads, on shapes split along m and along n.
func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, p := range []problem{
		{m: 257, n: 129, k: 300, alpha: 1.5, beta: 0.5},
		{m: 129, n: 263, k: 65, transA: true, transB: true, alpha: 1, beta: 0},
		{m: 64, n: 256, k: 784, alpha: 1, beta: 1, pad: 1},
	} {
		rng := rand.New(rand.NewPCG(9, 9))
		a, lda, b, ldb, c, ldc := p.operands(rng)
		var got [2][]float64
		for i, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			got[i] = append([]float64(nil), c...)
			Dgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, a, lda, b, ldb, p.beta, got[i], ldc)
		}
		for i := range got[0] {
			if math.Float64bits(got[0][i]) != math.Float64bits(got[1][i]) {
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
func TestConcurrentProductsShareHelpers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	probs := []problem{
		{m: 64, n: 256, k: 100, alpha: 1, beta: 0},
		{m: 200, n: 48, k: 120, transA: true, alpha: 0.5, beta: 1},
		{m: 96, n: 96, k: 96, transB: true, alpha: 1, beta: 0.5, pad: 3},
	}
	type operands struct{ a, b, c, want []float64 }
	ops := make([]operands, len(probs))
	for i, p := range probs {
		a, lda, b, ldb, c, ldc := p.operands(rand.New(rand.NewPCG(uint64(i), 5)))
		want := append([]float64(nil), c...)
		w := new(workspace)
		serial(w, defaultBlocking, p.transA, p.transB, p.m, p.n, p.k, p.alpha, a, lda, b, ldb, p.beta, want, ldc)
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
				c := append([]float64(nil), o.c...)
				Dgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, o.a, lda, o.b, ldb, p.beta, c, ldc)
				for e := range c {
					if math.Float64bits(c[e]) != math.Float64bits(o.want[e]) {
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

func TestDgemmPanics(t *testing.T) {
	x := make([]float64, 12)
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"negative m", func() { Dgemm(false, false, -1, 2, 2, 1, x, 2, x, 2, 0, x, 2) }},
		{"lda < k", func() { Dgemm(false, false, 2, 2, 3, 1, x, 2, x, 3, 0, x, 2) }},
		{"lda < m when transA", func() { Dgemm(true, false, 3, 2, 2, 1, x, 2, x, 2, 0, x, 2) }},
		{"ldc < n", func() { Dgemm(false, false, 2, 3, 2, 1, x, 2, x, 3, 0, x, 2) }},
		{"short B", func() { Dgemm(false, false, 2, 4, 4, 1, x, 4, x, 4, 0, x, 4) }},
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
