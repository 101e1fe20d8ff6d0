// Package tensor provides dense n-dimensional arrays of float64 or float32
// and the numerical kernels tapegrad's autograd is built on.
//
// # Layout
//
// A *Tensor is row-major and contiguous: a []float64 (or a []float32, see
// Element types) plus a shape. A 0-d tensor (shape []) holds one scalar.
// One layout keeps every kernel simple; a transpose in a matrix product is
// a GEMM flag (MatMulT), never a copy.
//
// # Element types
//
// A tensor's DType is Float64 (the default: the zero value, and the type of
// everything New, Zeros, Ones, Full, Scalar, Arange, Linspace, RandN and
// RandU make) or Float32, which halves memory and bandwidth and doubles the
// elements per SIMD register. Make Float32 tensors with the DType's
// methods (tensor.Float32.Zeros(2, 3), .Ones, .Full, .Scalar, .OneHot),
// with New32 over a []float32, or by converting: x.To(tensor.Float32)
// rounds each element to nearest (±Inf beyond float32's range, as in
// PyTorch) and returns x itself if it already has that type; ConvertTo
// converts into an existing tensor. Data returns a Float64 tensor's
// elements and Data32 a Float32 tensor's (each panics with ErrDType on the
// other type); Float64s returns a widened copy of either, and At, Set and
// Item speak float64 for both.
//
// Every function returns the type of its tensor operands: shape functions
// move values unchanged, element-wise results (masks such as Greater's
// too) and products have the operands' type. Types are never mixed
// implicitly: operands (and the dst of a To function) of different types
// panic with ErrDType naming the function and both types. PyTorch would
// promote float32 with float64 to float64; tapegrad refuses, because a
// silent promotion doubles a model's memory and time where nobody asked
// for it and hides the one float64 tensor that caused it, while the
// explicit x.To(tensor.Float32) costs one call where the types meet.
// AllClose and MaxAbsDiff, which compute no tensor, are the exceptions:
// they compare operands of either type as float64, so a float32 result
// can be checked against a float64 reference. Index arguments (labels,
// gather indices) are []int and carry no element type.
//
// Float32 arithmetic follows PyTorch's float32 results: a float64 scalar
// argument (Scale's c, AddScalar's c, Clamp's bounds, Full's v) is rounded
// to float32 once and + − × ÷ run in float32. Transcendental and special
// functions (Exp, Log, Tanh, Sigmoid, Erf, Pow, …) compute each element in
// float64 and round the result to float32: correctly rounded nearly
// always, within PyTorch's float32 accuracy. Reductions of Float32 tensors
// (Sum, Mean, Variance, Norm, LogSumExp, the denominators of Softmax,
// CumSum) accumulate in float64 and round once at the end, more accurate
// than PyTorch's float32 pairwise sums: the error is essentially that one
// rounding (float64 accumulation adds about n·2⁻⁵³ of Σ|x|). Matrix products accumulate in float32 as BLAS's
// SGEMM and PyTorch do: each element of a Float32 product of inner
// dimension k is within about k·2⁻²⁴·Σ|a||b| of the exact product.
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
//     packed, cache-blocked GEMM (tensor/internal/gemm): Dgemm for float64
//     with a 6×8 AVX2+FMA micro-kernel, Sgemm for float32 with a 6×16 one
//     (eight float32 per YMM register, so about twice the flops per
//     cycle), chosen at run time, a pure-Go kernel elsewhere (or with
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
// ErrArg. Operands of different element types panic with a *ShapeError
// wrapping ErrDType (which wraps ErrArg). No function of this package lets
// a runtime error (a nil dereference, an index out of range) escape on bad
// input.
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
