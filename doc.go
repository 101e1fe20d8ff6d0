// Package tapegrad is a reverse-mode automatic differentiation engine for Go.
//
// The library lives in its sub-packages:
//
//   - tensor: dense float64 n-d arrays and their kernels;
//   - autograd: the tape (a Wengert list), the differentiable ops, higher-order
//     gradients, forward mode and numerical gradient checking;
//   - nn: neurons, layers, initialisers (with PyTorch's recommended gains),
//     cost functions and metrics;
//   - nn/data: the embedded real data sets, the MNIST, CSV and IDX readers,
//     train/test splits, row ranges, mini-batches, standardisation and
//     targets for the binary cross-entropy;
//   - nn/checkpoint: safetensors reading and writing, model, optimiser and
//     preprocessing checkpoints, PyTorch state dicts;
//   - optim: gradient descent and the optimisers built on it, learning-rate
//     schedules and gradient clipping;
//   - nn/train: the training loop (Fit), progress, metric history and its
//     plots, early stopping and best-model checkpoints.
//
// The programs under examples/ (digits, xor, iris, diabetes, mnist,
// backprop, custom, bench) show them at work.
//
// This root package holds no code; its test file gradcheck_test.go checks
// every differentiable op against central finite differences, first and
// second order.
package tapegrad
