"""Times PyTorch's max pooling on the W6 pools (../../../shared/bench/WORKLOADS.md):
2x2 max pooling, stride 2, of 64x8x28x28 and 64x16x10x10, forward
(max_pool2d_with_indices, as autograd calls it) and backward
(max_pool2d_with_indices_backward) and both through autograd, float64
and float32, on one thread (or the number given).
Compare with `go test ./tensor/ -bench MaxPool2dW6` (GOMAXPROCS=1).

Run: /usr/bin/python3 nn/testdata/pool_bench_torch.py [threads]  (default 1)
"""
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)


def median_ns(f, n):
    for _ in range(20):
        f()
    ts = []
    for _ in range(7):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            f()
        ts.append((time.perf_counter_ns() - t0) / n)
    ts.sort()
    return ts[len(ts) // 2]


for dtype in (torch.float64, torch.float32):
    for shape in ((64, 8, 28, 28), (64, 16, 10, 10)):
        x = torch.randn(shape, dtype=dtype)
        y, idx = torch.ops.aten.max_pool2d_with_indices(x, [2, 2], [2, 2], [0, 0], [1, 1], False)
        g = torch.randn(y.shape, dtype=dtype)
        fwd = median_ns(lambda: torch.ops.aten.max_pool2d_with_indices(x, [2, 2], [2, 2], [0, 0], [1, 1], False), 200)
        bwd = median_ns(lambda: torch.ops.aten.max_pool2d_with_indices_backward(g, x, [2, 2], [2, 2], [0, 0], [1, 1],
                                                                                 False, idx), 200)
        xr = x.clone().requires_grad_(True)

        def step():
            out = torch.nn.functional.max_pool2d(xr, 2)
            out.backward(g)

        both = median_ns(step, 200)
        print(f"{str(dtype):14s} {str(shape):18s} fwd {fwd:10.0f} ns  bwd {bwd:10.0f} ns  autograd fwd+bwd {both:10.0f} ns")
