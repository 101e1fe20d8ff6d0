package gemm

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// randSlice returns n values uniform in [−1, 1).
func randSlice[T elem](rng *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(2*rng.Float64() - 1)
	}
	return s
}

// TestPrepacked checks that Prepacked of packA's and packB's layouts is
// bit-identical to Dgemm/Sgemm when k fits in one cache block and the
// product is not small enough for the direct loop (the same sums in the
// same order), for edge tiles on both sides and both betas.
func TestPrepacked(t *testing.T) {
	testPrepacked[float64](t, Dgemm)
	testPrepacked[float32](t, Sgemm)
}

func testPrepacked[T elem](t *testing.T, ref func(bool, bool, int, int, int, T, []T, int, []T, int, T, []T, int)) {
	rng := rand.New(rand.NewPCG(7, 1))
	nr := nrOf[T]()
	for _, sz := range [][3]int{{1, 1, 300}, {6, 8, 6}, {7, 17, 25}, {13, 33, 200}, {25, 8, 300}} { // ≥ smallWork: packed
		m, n, k := sz[0], sz[1], sz[2]
		for _, beta := range []T{0, 1} {
			t.Run(fmt.Sprintf("%T/%dx%dx%d/beta%v", T(0), m, n, k, beta), func(t *testing.T) {
				a, b := randSlice[T](rng, m*k), randSlice[T](rng, k*n)
				c := randSlice[T](rng, m*n)
				want := slices.Clone(c)
				ref(false, false, m, n, k, 1, a, k, b, n, beta, want, n)
				ap, bp := make([]T, roundUp(m, mr)*k), make([]T, roundUp(n, nr)*k)
				packA(ap, a, k, false, m, k)
				packB(bp, b, n, false, k, n)
				Prepacked(m, n, k, ap, bp, beta, c, n)
				if !slices.Equal(c, want) {
					t.Errorf("Prepacked differs from the product")
				}
			})
		}
	}
}

// TestIndirect checks Indirect against Prepacked of the same Ã written
// out (bit-identical), on a strip of "image" with taps at scattered
// offsets.
func TestIndirect(t *testing.T) {
	if !HasIndirect() {
		t.Skip("no assembly kernels")
	}
	testIndirect[float64](t)
	testIndirect[float32](t)
}

func testIndirect[T elem](t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	nr := nrOf[T]()
	for _, sz := range [][3]int{{1, 1, 1}, {2, 1, 7}, {5, 2, 25}, {9, 3, 200}} {
		slivers, nb, k := sz[0], sz[1], sz[2]
		t.Run(fmt.Sprintf("%T/%dx%dx%d", T(0), slivers, nb, k), func(t *testing.T) {
			x := randSlice[T](rng, 1000)
			bases, off := make([]int, slivers), make([]int, k)
			for s := range bases {
				bases[s] = rng.IntN(500)
			}
			for p := range off {
				off[p] = rng.IntN(490)
			}
			m, n := slivers*mr, nb*nr
			ap := make([]T, m*k)
			for s, base := range bases {
				for p, o := range off {
					for r := range mr {
						ap[s*mr*k+p*mr+r] = x[base+o+r]
					}
				}
			}
			bp := randSlice[T](rng, n*k)
			want, got := make([]T, m*n), make([]T, m*n)
			Prepacked(m, n, k, ap, bp, 0, want, n)
			Indirect(x, bases, off, bp, n, got, n)
			if !slices.Equal(got, want) {
				t.Errorf("Indirect differs from Prepacked")
			}
		})
	}
}

// countTasks counts the calls of each piece.
type countTasks []atomic.Int32

func (c countTasks) Task(i int) { c[i].Add(1) }

// TestRun checks that Run does every piece exactly once, at any thread
// count.
func TestRun(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		for _, n := range []int{0, 1, 5, 64} {
			c := make(countTasks, n)
			Run(threads, n, c)
			for i := range c {
				if got := c[i].Load(); got != 1 {
					t.Errorf("threads %d, n %d: piece %d ran %d times", threads, n, i, got)
				}
			}
		}
	}
}

// slowTasks sleeps in piece 0, longer than Run polls before it blocks.
type slowTasks struct{ countTasks }

func (s slowTasks) Task(i int) {
	if i == 0 {
		time.Sleep(3 * blockAfter)
	}
	s.countTasks.Task(i)
}

// TestRunBlocks checks that a caller that blocks for a slow helper is
// woken, and that a later Run is not confused by the wake-up token.
func TestRunBlocks(t *testing.T) {
	for range 5 {
		c := slowTasks{make(countTasks, 4)}
		Run(2, 4, c)
		for i := range c.countTasks {
			if got := c.countTasks[i].Load(); got != 1 {
				t.Fatalf("piece %d ran %d times", i, got)
			}
		}
	}
}
