"""Times PyTorch's CPU convolutions on W6's shapes (../../../shared/bench/WORKLOADS.md)
with one thread, for comparison with tensor's BenchmarkConv2dW6: forward, input
gradient (conv_transpose2d) and weight gradient, float64 and float32.

    /usr/bin/python3 nn/testdata/conv_bench_torch.py
"""
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)


def timeit(f, reps=20, rounds=5):
    """The best of rounds of reps calls, in process CPU seconds per call
    (one thread: CPU time is the time the work took, even on a busy machine)."""
    for _ in range(5):
        f()
    best = float("inf")
    for _ in range(rounds):
        t = time.process_time()
        for _ in range(reps):
            f()
        best = min(best, (time.process_time() - t) / reps)
    return best


convs = [("conv1", (64, 1, 28, 28), (8, 1, 5, 5), 2), ("conv2", (64, 8, 14, 14), (16, 8, 5, 5), 0)]
for dt in (torch.float64, torch.float32):
    total = 0.0
    for name, xs, ws, pad in convs:
        x, w = torch.randn(xs, dtype=dt), torch.randn(ws, dtype=dt)
        y = F.conv2d(x, w, padding=pad)
        g = torch.randn(y.shape, dtype=dt)
        flops = 2 * y.numel() * ws[1] * ws[2] * ws[3]
        rows = [
            ("forward", lambda: F.conv2d(x, w, padding=pad)),
            ("input-grad", lambda: torch.nn.grad.conv2d_input(xs, w, g, padding=pad)),
            ("weight-grad", lambda: torch.nn.grad.conv2d_weight(x, ws, g, padding=pad)),
        ]
        for op, f in rows:
            s = timeit(f)
            if not (name == "conv1" and op == "input-grad"):
                total += s
            print(f"{name}/{op}/{str(dt)[6:]}: {s*1e6:9.0f} µs  {flops/s/1e9:6.2f} GFLOP/s")
    # W6's backward needs no input gradient for conv1 (x is data).
    print(f"W6 convolutions forward+backward {str(dt)[6:]}: {total*1e3:.2f} ms")
