package gemm

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// ErrShape is the sentinel wrapped by Dgemm's and Sgemm's panics on
// inconsistent dimensions, leading dimensions or slice lengths.
var ErrShape = errors.New("gemm: bad dimensions")

// elem is a matrix element type. Every routine of the loop nest is written
// once for both; Go compiles a separate copy for each (they differ in GC
// shape), so the generic code costs nothing at run time.
type elem interface{ ~float32 | ~float64 }

// Micro-tile shape: the micro-kernel computes MR rows × NR columns of C,
// each row of NR elements held in two 32-byte YMM registers: NR = 8 for
// float64 (6×8), nr32 = 16 for float32 (6×16). nrOf gives NR for a type.
const (
	mr   = 6
	nr   = 8
	nr32 = 16
)

// nrOf returns the micro-tile width for T: two YMM registers' worth.
func nrOf[T elem]() int { return 64 / int(unsafe.Sizeof(T(0))) }

// isF32 reports whether T is float32.
func isF32[T elem]() bool { return unsafe.Sizeof(T(0)) == 4 }

// blocking holds the cache block sizes of the loop nest (see doc.go).
// mc must be a multiple of mr and nc a multiple of nr.
type blocking struct{ mc, kc, nc int }

// defaultBlocking was chosen by measurement on a Zen 3 EPYC (L1d 32 KiB,
// L2 512 KiB per core, 32 MiB L3); see BenchmarkBlocking. A KC×NR sliver
// of B̃ (320·8·8 B = 20 KiB) stays in L1d beside the streaming Ã sliver,
// an MC×KC block of Ã (96·320·8 B = 240 KiB) in half of L2, and a KC×NC
// panel of B̃ (5 MiB) in L3. MC and KC in 72…144 × 256…320 measured within
// noise of each other at 1024³; smaller KC loses to the per-tile C
// traffic, larger MC or KC to L1/L2 misses.
var defaultBlocking = blocking{mc: 96, kc: 320, nc: 2048}

// defaultBlocking32 is Sgemm's blocking. A float32 KC×NR sliver of B̃
// (512·16·4 B = 32 KiB) holds twice the elements of a float64 one per
// byte, and an MC×KC block of Ã (96·512·4 B = 192 KiB) fits in L2, so KC
// grows to 512, halving the passes over C. BenchmarkBlocking32 on the Zen 3
// machine put every MC in 72…192, KC in 256…768 and NC in 1024…4096 within
// noise of each other at 1024³ (103–108 GFLOP/s on one thread).
var defaultBlocking32 = blocking{mc: 96, kc: 512, nc: 2048}

// blockingOf returns the default blocking for T.
func blockingOf[T elem]() blocking {
	if isF32[T]() {
		return defaultBlocking32
	}
	return defaultBlocking
}

// Size thresholds in multiply-adds (m·n·k), chosen by measurement with
// BenchmarkThreshold on the Zen 3 machine. Below smallWork the direct loop
// beats packing: it wins at W2's 4×16·2 (160 vs 420 ns) and 6³, while the
// packed kernel already wins at 8³ (280–450 vs 970–1100 ns) and at
// 4×16·16 (490 vs 960 ns). Below parWork a second goroutine does not pay
// for its hand-off and for packing A or B twice: with a helper awake (see
// workers), two threads take 96³ from 54 to 34 µs, 48³ from 8.3 to 6.9,
// and 32³ is a toss-up; 64³ (20 µs), where two threads win by ~15% while
// the helper is awake, also bounds what waking a blocked helper costs a
// sporadic product (a few µs for the caller's system call).
const (
	smallWork = 256
	parWork   = 64 * 64 * 64
)

// Dgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices,
// where op(X) is X or Xᵀ as transX says, op(A) is m×k, op(B) is k×n and C
// is m×n. A is stored as m×k (k×m if transA) with row stride lda, B as k×n
// (n×k if transB) with row stride ldb, C with row stride ldc.
//
// With beta = 0 the old contents of C are ignored (NaN included); with
// alpha = 0 or k = 0, A and B are not read and C = beta·C. The cost is
// 2·m·n·k flops, split over up to GOMAXPROCS goroutines for large
// products; the result does not depend on GOMAXPROCS. C must not alias A
// or B.
//
// Dgemm panics with an error wrapping ErrShape if a dimension is negative,
// a leading dimension is smaller than its row length, or a slice is too
// short for the matrix it holds.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemm("gemm.Dgemm", transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Sgemm is Dgemm for float32: the same contract, loop nest, packing and
// thread split, with a 6×16 micro-tile (eight float32 per YMM register).
// Sums are accumulated in float32, as BLAS's SGEMM does; the result is
// bit-identical for every GOMAXPROCS.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemm("gemm.Sgemm", transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemm is Dgemm and Sgemm; fn names the caller in panics.
func gemm[T elem](fn string, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Errorf("%s: %w: m=%d n=%d k=%d", fn, ErrShape, m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix(fn, "A", ar, ac, a, lda)
	checkMatrix(fn, "B", br, bc, b, ldb)
	checkMatrix(fn, "C", m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	work := m * n * k
	if work < smallWork {
		direct(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	threads := 1
	if work >= parWork {
		threads = runtime.GOMAXPROCS(0)
	}
	parallel(threads, blockingOf[T](), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// checkMatrix panics unless x holds a rows×cols matrix with row stride ld.
func checkMatrix[T elem](fn, name string, rows, cols int, x []T, ld int) {
	if ld < max(1, cols) {
		panic(fmt.Errorf("%s: %w: ld%s=%d < %d columns", fn, ErrShape, name, ld, cols))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Errorf("%s: %w: len(%s)=%d too short for %d×%d with stride %d", fn, ErrShape, name, len(x), rows, cols, ld))
	}
}

// scale sets C = beta·C, writing zeros (not 0·C) when beta = 0.
func scale[T elem](m, n int, beta T, c []T, ldc int) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// direct computes the product without packing, for small sizes where
// packing costs more than it saves:
//
//	C[i,j] = beta·C[i,j] + Σ_p (alpha·op(A)[i,p])·op(B)[p,j]   (B not transposed)
//	C[i,j] = alpha·Σ_p op(A)[i,p]·B[j,p] + beta·C[i,j]        (B transposed)
//
// The first form runs along rows of B and C, the second along rows of B.
func direct[T elem](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	// sa, sp step through op(A): op(A)[i,p] = a[i*si + p*sp].
	si, sp := lda, 1
	if transA {
		si, sp = 1, lda
	}
	if !transB {
		scale(m, n, beta, c, ldc)
		for i := range m {
			ci := c[i*ldc : i*ldc+n]
			for p := range k {
				s := alpha * a[i*si+p*sp]
				bp := b[p*ldb : p*ldb+n]
				for j, v := range bp {
					ci[j] += s * v
				}
			}
		}
		return
	}
	for i := range m {
		ci := c[i*ldc : i*ldc+n]
		for j := range ci {
			bj := b[j*ldb : j*ldb+k]
			var s T
			if sp == 1 {
				ai := a[i*si : i*si+k]
				for p, v := range bj {
					s += ai[p] * v
				}
			} else {
				for p, v := range bj {
					s += a[i*si+p*sp] * v
				}
			}
			if beta == 0 {
				ci[j] = alpha * s
			} else {
				ci[j] = alpha*s + beta*ci[j]
			}
		}
	}
}

// job is a product shared by several goroutines: its tile range along the
// split dimension is cut into chunks of whole micro-tiles, which the caller
// and the workers take in turn from an atomic counter until none is left. A
// worker that wakes late simply takes fewer chunks, and since a chunk is
// computed the same way whoever takes it, the result does not depend on the
// thread count or the timing.
type job struct {
	blk           blocking
	d             operands[float64] // a Dgemm's operands, if !single
	s             operands[float32] // an Sgemm's, if single
	single        bool
	splitN        bool
	tiles, chunks int
	next          atomic.Int64 // the next chunk to take
	finished      atomic.Int64 // chunks computed
	owner         *workspace   // the workspace the job lives in
	tasks         Tasks        // a Run's task set, or nil for a product
	waiting       atomic.Bool  // a Run's caller is blocked on owner.done
	refs          atomic.Int32 // the caller and helpers still holding the job
}

// operands are the arguments of one product.
type operands[T elem] struct {
	transA, transB bool
	m, n, k        int
	alpha          T
	a              []T
	lda            int
	b              []T
	ldb            int
	beta           T
	c              []T
	ldc            int
}

// operandsOf returns j's operands of type T.
func operandsOf[T elem](j *job) *operands[T] {
	if o, ok := any(&j.d).(*operands[T]); ok {
		return o
	}
	return any(&j.s).(*operands[T])
}

// release drops one hold on the job; the last one returns the owner's
// workspace (and so the job) to the free list. A helper that wakes after
// the caller has taken every chunk still holds the job until it has looked
// at it, so the caller never waits for it.
func (j *job) release() {
	if j.refs.Add(-1) == 0 {
		putWorkspace(j.owner)
	}
}

// work computes chunks until none is left.
func (j *job) work(w *workspace) {
	if j.tasks != nil {
		runTasks(j)
		return
	}
	if j.single {
		workOn(j, w, &j.s)
	} else {
		workOn(j, w, &j.d)
	}
}

func workOn[T elem](j *job, w *workspace, o *operands[T]) {
	nr := nrOf[T]()
	for {
		i := int(j.next.Add(1) - 1)
		if i >= j.chunks {
			return
		}
		lo, hi := i*j.tiles/j.chunks, (i+1)*j.tiles/j.chunks
		a, b, c, m, n := o.a, o.b, o.c, o.m, o.n
		if j.splitN {
			j0, j1 := lo*nr, min(hi*nr, o.n)
			n = j1 - j0
			if o.transB {
				b = b[j0*o.ldb:]
			} else {
				b = b[j0:]
			}
			c = c[j0:]
		} else {
			i0, i1 := lo*mr, min(hi*mr, o.m)
			m = i1 - i0
			if o.transA {
				a = a[i0:]
			} else {
				a = a[i0*o.lda:]
			}
			c = c[i0*o.ldc:]
		}
		serial(w, j.blk, o.transA, o.transB, m, n, o.k, o.alpha, a, o.lda, b, o.ldb, o.beta, c, o.ldc)
		j.finished.Add(1)
	}
}

// workers are long-lived goroutines that help with parallel products; they
// are started on first need, one fewer than the largest thread count seen.
// After a job a worker polls for the next one for spinWait before it
// blocks: waking a blocked goroutine's thread takes the OS 80–300 µs on
// this project's virtual machines (median 210 µs, measured), longer than a
// whole product of W1's sizes, while a polling worker picks a job up in
// under a microsecond. Training runs products back to back, so the worker
// stays awake through a step; idle, it costs at most spinWait of one core.
var workers struct {
	sync.Mutex
	started  int
	jobs     chan *job
	spinning atomic.Int32 // workers polling for a job right now
}

// spinWait is how long an idle worker polls for a job before it blocks.
const spinWait = 2 * time.Millisecond

func startWorkers(n int) {
	workers.Lock()
	defer workers.Unlock()
	if workers.jobs == nil {
		workers.jobs = make(chan *job, runtime.NumCPU())
	}
	for ; workers.started < n; workers.started++ {
		go func(jobs <-chan *job) {
			for {
				workers.spinning.Add(1)
				j := poll(jobs, spinWait)
				workers.spinning.Add(-1)
				if j == nil {
					j = <-jobs
				}
				w := getWorkspace()
				j.work(w)
				putWorkspace(w)
				j.release()
			}
		}(workers.jobs)
	}
}

// poll receives a job from jobs without blocking, trying for up to d, and
// returns nil if none came. (A receive that finds the channel empty takes
// no lock, so polling does not slow the sender.) It yields now and then, so
// that a poller never keeps other goroutines from running, should
// GOMAXPROCS have been lowered since the workers started.
func poll(jobs <-chan *job, d time.Duration) *job {
	deadline := time.Now().Add(d)
	for i := 1; ; i++ {
		select {
		case j := <-jobs:
			return j
		default:
		}
		if i%256 == 0 {
			if time.Now().After(deadline) {
				return nil
			}
			runtime.Gosched()
		}
	}
}

// chunksFor returns how many chunks each thread's share is cut into: one
// when the helpers are awake (polling) or the product is large, since
// every extra chunk packs the shared operand once more; two for a medium
// product that must wake a blocked helper, so that the caller can take
// over the chunk of a worker that is slow to wake.
func chunksFor(m, n, k, helpers int) int {
	if m*n*k >= bigWork || int(workers.spinning.Load()) >= helpers {
		return 1
	}
	return 2
}

// bigWork is the product size (multiply-adds) above which chunksFor cuts a
// share in one piece.
const bigWork = 256 * 256 * 256

// parallel runs the product on up to threads goroutines, split along the
// larger of m and n in whole micro-tiles so that every element of C sees
// the same tile grid, k-blocking and kernel as in a single-threaded run.
func parallel[T elem](threads int, blk blocking, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	splitN := n >= m
	tiles := (m + mr - 1) / mr
	if splitN {
		tiles = (n + nrOf[T]() - 1) / nrOf[T]()
	}
	threads = max(1, min(threads, tiles))
	w := getWorkspace()
	if threads == 1 {
		serial(w, blk, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		putWorkspace(w)
		return
	}
	startWorkers(threads - 1)
	j := &w.job // reused with the workspace: no allocation per call
	*j = job{blk: blk, single: isF32[T](), splitN: splitN, tiles: tiles,
		chunks: min(tiles, threads*chunksFor(m, n, k, threads-1)), owner: w}
	o := operandsOf[T](j)
	*o = operands[T]{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
		a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc}
	j.refs.Store(int32(threads))
	for range threads - 1 {
		workers.jobs <- j // buffered: does not wait for a worker to wake
	}
	j.work(w) // meanwhile take chunks; a late worker finds fewer or none
	// Wait for the chunks helpers are computing, polling: they started
	// within a microsecond of being posted (or not at all, if the caller
	// took every chunk), while a blocked caller would wait for the OS to
	// wake it (see workers). Yield now and then in case a helper is not
	// running.
	for i := 1; j.finished.Load() < int64(j.chunks); i++ {
		if i%1024 == 0 {
			runtime.Gosched()
		}
	}
	o.a, o.b, o.c = nil, nil, nil // do not keep the caller's matrices alive
	j.release()
}
