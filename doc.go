// Package tapegrad is a reverse-mode automatic differentiation engine for Go.
//
// The library lives in its sub-packages:
//
//   - tensor: dense float64 n-d arrays and their kernels;
//   - autograd: the tape (a Wengert list), the differentiable ops, higher-order
//     gradients and numerical gradient checking;
//   - nn: neurons, layers, initialisers and cost functions;
//   - optim: gradient descent and the optimisers built on it.
//
// This root package holds no code; its test file gradcheck_test.go checks
// every differentiable op against central finite differences, first and
// second order.
package tapegrad
