// Package gemm is tapegrad's matrix product, Dgemm for float64 and Sgemm
// for float32: a packed, cache-blocked GEMM in the style of GotoBLAS and
// BLIS. The loop nest, packing, thread split and workspaces are written
// once, generic in the element type; only the micro-kernels and the cache
// blocks differ.
//
// # Algorithm
//
// Dgemm and Sgemm compute C = α·op(A)·op(B) + β·C for row-major
// matrices. Above a small size they run the five-loop nest of BLIS:
//
//	for jc in steps of NC           // columns of C and op(B)
//	  for pc in steps of KC         // the inner dimension
//	    pack op(B)[pc:+KC, jc:+NC]  // into NR-column slivers (lives in L3)
//	    for ic in steps of MC       // rows of C and op(A)
//	      pack op(A)[ic:+MC, pc:+KC] // into MR-row slivers (lives in L2)
//	      for jr in steps of NR
//	        for ir in steps of MR
//	          micro-kernel: C[ir:+MR, jr:+NR] = α·Ã·B̃ + β·C (β = 1 after the first pc)
//
// Transposes are absorbed by the packing routines; no transpose is ever
// materialised. Packed buffers are kept in a free list and reused, so a call
// allocates nothing in steady state. Small products (below 256 multiply-adds,
// W2's 4×2·2×16 say) skip packing and use a direct loop.
//
// # Kernels
//
// The micro-kernel computes an MR×NR tile of C held in twelve YMM
// registers: 6×8 for float64, 6×16 for float32 (eight float32 per
// register, so twice the multiply-adds per instruction). On amd64 with
// AVX2 and FMA (detected at run time with golang.org/x/sys/cpu) both are Go
// assembly (gemm_amd64.s); elsewhere, or when built with the purego tag,
// they are one generic plain-Go kernel.
//
// # Threads and determinism
//
// Large products are split across up to GOMAXPROCS goroutines along the
// larger of m and n, in whole micro-tiles. Each element of C is computed
// by the same sequence of floating-point operations whatever the split,
// so results are bit-identical for every GOMAXPROCS. The helper goroutines
// are long-lived; after a product they poll for the next one for 2 ms
// before they block, because a blocked goroutine's thread takes the OS
// hundreds of microseconds to wake on virtual machines, longer than a
// whole product of a small network's layer. The caller likewise polls for
// its helpers' last chunks instead of blocking. So an idle program costs at
// most 2 ms of one core after its last parallel product.
//
// # Building blocks for convolutions
//
// A convolution's patch matrix is its image read many times over (kH·kW
// times); building it and then packing it doubles the copying. Three
// entry points let tensor's convolution skip both:
//
//   - Prepacked multiplies operands the caller has already written in the
//     packed sliver layout (on the calling goroutine, no cache blocking).
//   - Indirect reads Ã straight from an image: each step of its
//     micro-kernel (kernel6x8IndAVX2, kernel6x16IndAVX2; amd64 only, see
//     HasIndirect) broadcasts MR neighbouring pixels at an offset taken
//     from a table, one offset per inner index (a tap, or a position).
//   - Run shares independent pieces of work (a batch's images) between
//     the caller and the helper goroutines, as a parallel product does.
//
// Their sums are formed exactly as the packed product forms them, so
// the convolution keeps Dgemm's determinism.
package gemm
