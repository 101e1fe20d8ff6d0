package gemm

import (
	"fmt"
	"runtime"
	"time"
)

// MR is the micro-tile height: Prepacked's packed Ã is cut into slivers of
// MR rows.
const MR = mr

// NR returns the micro-tile width for T, the width of Prepacked's B̃
// slivers: 8 for float64, 16 for float32.
func NR[T elem]() int { return nrOf[T]() }

// Prepacked computes C = Ã·B̃ + beta·C (C is m×n, with row stride ldc) on
// the calling goroutine from operands the caller has already packed, so
// that a caller that builds its operands on the fly (a convolution's
// patches) writes them once, straight into the layout of the
// micro-kernel:
//
//	ap holds ⌈m/MR⌉ slivers of k·MR elements: ap[s·k·MR + p·MR + r] = A[s·MR + r, p]
//	bp holds ⌈n/NR⌉ slivers of k·NR elements: bp[s·k·NR + p·NR + c] = B[p, s·NR + c]
//
// with zeros in the rows of the last A sliver past m and the columns of
// the last B sliver past n. Every element of C is the same sum, in the
// same order and with the same roundings, as a Dgemm or Sgemm of the
// unpacked operands whose inner dimension k fits in one cache block (and
// which is not so small, below 256 multiply-adds, that Dgemm skips packing).
// There is no cache blocking: keep k·(m + n) to a few hundred KiB.
// With beta = 0 the old contents of C are ignored. It panics with
// ErrShape if a dimension is negative or a slice too short.
func Prepacked[T elem](m, n, k int, ap, bp []T, beta T, c []T, ldc int) {
	const fn = "gemm.Prepacked"
	nr := nrOf[T]()
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Errorf("%s: %w: m=%d n=%d k=%d", fn, ErrShape, m, n, k))
	}
	checkMatrix(fn, "C", m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	if len(ap) < roundUp(m, mr)*k || len(bp) < roundUp(n, nr)*k {
		panic(fmt.Errorf("%s: %w: packed operands of %d and %d elements too short for %d×%d·%d×%d",
			fn, ErrShape, len(ap), len(bp), m, k, k, n))
	}
	w := getWorkspace()
	macro(w, ap, bp, m, n, k, 1, beta, c, ldc)
	putWorkspace(w)
}

// Tasks is a set of independent pieces of work for Run.
type Tasks interface {
	// Task does piece i. Which goroutine runs which piece, and in which
	// order, varies from run to run: a piece must not depend on it.
	Task(i int)
}

// Run calls t.Task(i) for i = 0…n−1 on up to threads goroutines: the
// caller and the product helpers (see workers), which take the pieces
// in turn from a shared counter, so a helper that wakes late takes fewer.
// It returns when every piece is done.
func Run(threads, n int, t Tasks) {
	threads = max(1, min(threads, n))
	if threads == 1 {
		for i := range n {
			t.Task(i)
		}
		return
	}
	startWorkers(threads - 1)
	w := getWorkspace()
	if w.done == nil {
		w.done = make(chan struct{}, 1)
	}
	select {
	case <-w.done: // a token sent to a caller that did not wait for it
	default:
	}
	j := &w.job
	*j = job{tasks: t, chunks: n, owner: w}
	j.refs.Store(int32(threads))
	for range threads - 1 {
		workers.jobs <- j
	}
	j.work(w)
	// Wait for the helpers' last pieces: poll, as parallel does, but
	// only for blockAfter. A convolution's piece takes 20–150 µs; a
	// helper still busy well after that has likely lost its core to
	// another process, and a polling caller would keep that core from
	// it: block instead (the wake-up costs what polling saves, but only
	// when the machine is oversubscribed anyway).
	start := time.Now()
	for i := 1; j.finished.Load() < int64(j.chunks); i++ {
		if i%256 == 0 {
			if time.Since(start) > blockAfter {
				j.waiting.Store(true)
				if j.finished.Load() < int64(j.chunks) {
					<-w.done
				}
				break
			}
			runtime.Gosched()
		}
	}
	j.release() // (j.tasks stays set: a late helper may still read it)
}

// blockAfter is how long Run polls for its helpers' last pieces before
// it blocks: several times a piece, so that on an idle machine it never
// blocks.
const blockAfter = 500 * time.Microsecond

// runTasks takes pieces of j's task set until none is left.
func runTasks(j *job) {
	for {
		i := int(j.next.Add(1) - 1)
		if i >= j.chunks {
			return
		}
		j.tasks.Task(i)
		if j.finished.Add(1) == int64(j.chunks) && j.waiting.Load() {
			select {
			case j.owner.done <- struct{}{}:
			default:
			}
		}
	}
}

// HasIndirect reports whether Indirect is available: on amd64 with AVX2
// and FMA, without the purego build tag.
func HasIndirect() bool { return useAsm }

// Indirect computes C = Ã·B̃ (alpha 1, beta 0) for an Ã whose rows are
// read straight from x, a convolution's image, with no packing: for
// s < len(bases), r < MR and p < k = len(off),
//
//	A[s·MR + r, p] = x[bases[s] + off[p] + r]
//
// (MR neighbouring image positions of tap p), and bp holds n/NR packed
// slivers of k·NR elements as Prepacked's. C has MR·len(bases) rows and n
// columns, n a multiple of NR, with row stride ldc. Each element of C is
// the sum in order of p, one fused multiply-add per term, as Prepacked's.
// It panics with ErrShape if an index falls outside x, bp or c, and if
// HasIndirect is false.
func Indirect[T elem](x []T, bases, off []int, bp []T, n int, c []T, ldc int) {
	const fn = "gemm.Indirect"
	nr := nrOf[T]()
	k := len(off)
	if n < 0 || n%nr != 0 {
		panic(fmt.Errorf("%s: %w: n=%d not a multiple of %d", fn, ErrShape, n, nr))
	}
	if n == 0 || len(bases) == 0 {
		return
	}
	if k == 0 {
		checkMatrix(fn, "C", mr*len(bases), n, c, ldc)
		scale(mr*len(bases), n, 0, c, ldc)
		return
	}
	lo, hi := off[0], off[0]
	for _, o := range off {
		lo, hi = min(lo, o), max(hi, o)
	}
	blo, bhi := bases[0], bases[0]
	for _, b := range bases {
		blo, bhi = min(blo, b), max(bhi, b)
	}
	if blo+lo < 0 || blo < 0 || bhi+hi+mr > len(x) || bhi >= len(x) {
		panic(fmt.Errorf("%s: %w: taps [%d, %d] from bases [%d, %d] outside x of %d", fn, ErrShape, lo, hi+mr-1, blo, bhi, len(x)))
	}
	checkMatrix(fn, "C", mr*len(bases), n, c, ldc)
	if len(bp) < n*k {
		panic(fmt.Errorf("%s: %w: len(bp)=%d < %d", fn, ErrShape, len(bp), n*k))
	}
	if !useAsm {
		panic(fmt.Errorf("%s: %w: no assembly kernel (see HasIndirect)", fn, ErrShape))
	}
	indirect(x, bases, off, bp, n, c, ldc)
}
