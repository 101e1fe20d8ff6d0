# PyTorch's side of autograd's BenchmarkLayerNorm: LayerNorm(64) forward +
# backward (input, gain and bias gradients) over (1024, 64), one thread.
# The machine may be shared: report the best of many short batches (as
# `go test -bench LayerNorm -benchtime 50x -count 30`, best line) beside
# the median. Run: /usr/bin/python3 norm_bench_torch.py
import statistics
import time
import torch

torch.set_num_threads(1)
for dtype in (torch.float64, torch.float32):
    x = torch.randn(1024, 64, dtype=dtype, requires_grad=True)
    g = torch.randn(1024, 64, dtype=dtype)
    ln = torch.nn.LayerNorm(64).to(dtype)
    for _ in range(200):
        ln(x).backward(g)
    per = []
    for _ in range(30):
        n = 50
        t0 = time.perf_counter()
        for _ in range(n):
            ln(x).backward(g)
        per.append((time.perf_counter() - t0) / n)
    print(f"{dtype}: best {min(per)*1e6:.1f} µs, median {statistics.median(per)*1e6:.1f} µs per forward+backward")
