// Package tensor provides dense n-dimensional arrays of float64 and the
// numerical kernels tapegrad's autograd is built on.
//
// # Layout
//
// A *Tensor is row-major and contiguous: a []float64 plus a shape. A 0-d
// tensor (shape []) holds one scalar. One layout keeps every kernel simple;
// a transpose in a matrix product is a GEMM flag (MatMulT), never a copy.
//
// # Conventions
//
//   - Functions are pure: Add, MatMul, Sum, Reshape … return a new tensor and
//     leave their operands unchanged; nothing returned shares storage with an
//     operand.
//   - A function with the suffix To writes into its first argument dst, which
//     must already have the result's shape, and returns dst. These let owners of
//     buffers (the autograd tape) compute without allocating.
//   - Element-wise binary functions broadcast like NumPy: shapes are aligned at
//     the trailing axis and each pair of dimensions must be equal or 1.
//   - Reductions take a list of axes; no axes means all axes, and negative
//     axes count from the end. Sum, Mean, Max, Min and LogSumExp drop the
//     reduced axes; SumKeepDims, MeanKeepDims, … keep them as size 1.
//   - MatMul follows NumPy's matmul: batch axes broadcast and a 1-D operand
//     is a vector. MatMulT and GemmTo take a Transposition (NoTrans or
//     Trans) per operand, as gonum's BLAS does.
//   - Element-wise kernels use gonum.org/v1/gonum/floats where it has one and a
//     plain loop otherwise. ReLU and its backward pass (ReLUTo,
//     ReLUBackwardTo), the hot element-wise ops of ReLU networks, run
//     tapegrad's own vector kernels (tensor/internal/vec): AVX assembly
//     chosen at run time on amd64, plain Go elsewhere or with -tags purego,
//     bit-identical either way. The matrix product is tapegrad's own
//     packed, cache-blocked DGEMM (tensor/internal/gemm) with an AVX2+FMA
//     micro-kernel chosen at run time, a pure-Go kernel elsewhere (or with
//     -tags purego), and both cores for large products; results do not
//     depend on GOMAXPROCS.
//
// # Errors
//
// A shape mismatch is a programming error: the function panics with a
// *ShapeError that names the operation and the shapes and wraps ErrShape
// (ErrIndex for an index out of range), the way gonum's mat panics with
// mat.ErrShape. Recover it and test with errors.Is(err, tensor.ErrShape).
// A bad argument that is not a shape (a nil *Tensor or a zero-value Tensor
// where a tensor is needed, a nil function given to Map or MapTo, a nil
// *rand.Rand given to RandN or RandU) panics with a *ShapeError wrapping
// ErrArg. No function of this package lets a runtime error (a nil
// dereference, an index out of range) escape on bad input.
//
// Element counts are checked wherever one is computed (New, Zeros and the
// other constructors, Reshape, broadcasting, MatMul, Concat, Pad, OneHot,
// Scatter, IndexAdd, Arange, Linspace, …): a negative dimension, or
// dimensions whose product (counting only the non-zero ones, so no partial
// product overflows either) exceeds MaxElements, panic with ErrShape
// naming the function called, never wrapping around to a small count.
//
// # Numerical care
//
// Sigmoid, Softplus, LogSumExp, Softmax and LogSoftmax are computed in forms
// that neither overflow nor lose the answer for arguments of ±1000.
package tensor
