#!/usr/bin/python3
"""PyTorch reference values for torch_ops_test.go (package autograd).

Re-run from the repository root with

    /usr/bin/python3 autograd/testdata/torch_ops.py

(Debian: apt-get install python3-torch python3-mpmath). It rewrites
torch_ops.json beside this script, recording the torch version that made it.

For each case: the op applied in float64 to fixed inputs, its output, and the
gradient of sum(out * w) for a fixed weight w of the output's shape (that is,
the vector-Jacobian product with w, as torch.autograd.grad(out, inputs, w)
computes it). Cases marked with "exact" are left tails where PyTorch's own
formula cancels (gelu's 0.5*x*(1 + erf(x/sqrt 2)), gelu_tanh's
0.5*x*(1 + tanh u)); for those the script also records the values computed
with mpmath at 50 digits, rounded to float64, and says why.
"""

import json
import math
import os

import mpmath
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
mpmath.mp.dps = 50


def vals(n, scale=1.0, shift=0.0, k=1.7):
    """n fixed values scale*sin(k*i + 0.3) + shift, rounded to 6 digits."""
    return [round(scale * math.sin(k * i + 0.3), 6) + shift for i in range(n)]


def tensor(shape, data):
    return {"shape": list(shape), "data": [float(v) if math.isfinite(v) else None for v in data]}


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def unary(name):
    return {
        "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "atan": torch.atan,
        "asinh": torch.asinh, "log1p": torch.log1p, "expm1": torch.expm1, "erf": torch.erf, "erfc": torch.erfc,
        "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "silu": F.silu, "softsign": F.softsign,
    }[name]


def run(case):
    """Applies the case's op with torch."""
    op, axes, keep = case["op"], case.get("axes"), case.get("keepdim", False)
    xs = [torch.tensor(t["data"]).reshape(t["shape"]).requires_grad_() for t in case["inputs"]]
    dim = tuple(axes) if axes else None
    if op == "hypot":
        out = torch.hypot(xs[0], xs[1])
    elif op == "variance":
        out = torch.var(xs[0], dim=dim, correction=case["correction"], keepdim=keep)
    elif op == "std":
        out = torch.std(xs[0], dim=dim, correction=case["correction"], keepdim=keep)
    elif op == "norm":
        out = torch.linalg.vector_norm(xs[0], 2, dim=dim, keepdim=keep)
    elif op == "frobenius_norm":
        out = torch.linalg.matrix_norm(xs[0], "fro")
    elif op == "mean":
        out = torch.mean(xs[0], dim=dim, keepdim=keep)
    elif op == "cumsum":
        out = torch.cumsum(xs[0], axes[0])
    elif op == "logcumsumexp":
        out = torch.logcumsumexp(xs[0], axes[0])
    elif op == "flip":
        out = torch.flip(xs[0], axes)
    else:
        out = unary(op)(xs[0])
    return xs, out


def exact(case, w):
    """mpmath values of the case's output and gradient, rounded to float64."""
    data = case["inputs"][0]["data"]
    if case["op"] == "logcumsumexp":  # of a vector
        x = [mpmath.mpf(v) for v in data]
        y = [mpmath.log(mpmath.fsum(mpmath.exp(v) for v in x[:j + 1])) for j in range(len(x))]
        g = [mpmath.fsum(w[j] * mpmath.exp(x[i] - y[j]) for j in range(i, len(x))) for i in range(len(x))]
        return [float(v) for v in y], [[float(v) for v in g]]
    if case["op"] == "norm":  # over all axes
        y = mpmath.sqrt(mpmath.fsum(mpmath.mpf(x) ** 2 for x in data))
        return [float(y)], [[float(w[0] * mpmath.mpf(x) / y) for x in data]]
    pairs = [exact_unary(case["op"], x) for x in data]
    return [p[0] for p in pairs], [[p[1] * wi for p, wi in zip(pairs, w)]]


def exact_unary(op, x):
    """mpmath values of a unary op and its derivative at x, rounded to float64."""
    x = mpmath.mpf(x)
    if op == "gelu":
        cdf = mpmath.erfc(-x / mpmath.sqrt(2)) / 2
        pdf = mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)
        return float(x * cdf), float(cdf + x * pdf)
    if op == "gelu_tanh":
        c = mpmath.sqrt(2 / mpmath.pi)
        u = c * (x + mpmath.mpf("0.044715") * x ** 3)
        t = mpmath.tanh(u)
        du = c * (1 + 3 * mpmath.mpf("0.044715") * x * x)
        return float(x * (1 + t) / 2), float((1 + t) / 2 + x * (1 - t * t) * du / 2)
    raise ValueError(op)


def main():
    cases = [
        # element-wise unary, with the stability cases the brief asks for
        {"name": "sin", "op": "sin", "inputs": [tensor([2, 3], vals(6, 3))]},
        {"name": "cos", "op": "cos", "inputs": [tensor([2, 3], vals(6, 3))]},
        {"name": "tan/away from the poles", "op": "tan", "inputs": [tensor([2, 3], vals(6, 1.3))]},
        {"name": "atan", "op": "atan", "inputs": [tensor([2, 3], vals(6, 5))]},
        {"name": "atan/large", "op": "atan", "inputs": [tensor([4], [1e10, -1e10, 1e-10, 0])]},
        {"name": "asinh", "op": "asinh", "inputs": [tensor([2, 3], vals(6, 5))]},
        {"name": "asinh/large and tiny", "op": "asinh", "inputs": [tensor([4], [1e10, -1e10, 1e-10, 0])]},
        {"name": "log1p", "op": "log1p", "inputs": [tensor([2, 3], vals(6, 0.9))]},
        {"name": "log1p/tiny", "op": "log1p", "inputs": [tensor([4], [1e-10, -1e-10, 1e-300, 0])]},
        {"name": "expm1", "op": "expm1", "inputs": [tensor([2, 3], vals(6, 3))]},
        {"name": "expm1/tiny", "op": "expm1", "inputs": [tensor([4], [1e-10, -1e-10, 1e-300, 0])]},
        {"name": "erf", "op": "erf", "inputs": [tensor([2, 3], vals(6, 2.5))]},
        {"name": "erf/tails", "op": "erf", "inputs": [tensor([4], [6, -6, 30, -30])]},
        {"name": "erfc", "op": "erfc", "inputs": [tensor([2, 3], vals(6, 2.5))]},
        {"name": "erfc/right tail", "op": "erfc", "inputs": [tensor([3], [6, 10, 26])]},
        {"name": "gelu", "op": "gelu", "inputs": [tensor([2, 3], vals(6, 4))]},
        {"name": "gelu/right tail", "op": "gelu", "inputs": [tensor([2], [6, 30])]},
        {"name": "gelu/left tail", "op": "gelu", "inputs": [tensor([3], [-6, -10, -30])], "exact_why":
            "torch computes 0.5*x*(1 + erf(x/sqrt 2)), which cancels for x << 0 (it gives -0.0 at -30); "
            "tapegrad's forward and derivative use erfc and are exact there"},
        {"name": "gelu_tanh", "op": "gelu_tanh", "inputs": [tensor([2, 3], vals(6, 4))]},
        {"name": "gelu_tanh/right tail", "op": "gelu_tanh", "inputs": [tensor([2], [6, 30])]},
        {"name": "gelu_tanh/left tail", "op": "gelu_tanh", "inputs": [tensor([3], [-6, -10, -30])], "exact_why":
            "torch computes 0.5*x*(1 + tanh u), which cancels for x << 0 (it gives -0.0 at -30); "
            "tapegrad's forward and derivative use sigmoid(2u) = (1 + tanh u)/2 and are exact there"},
        {"name": "silu", "op": "silu", "inputs": [tensor([2, 3], vals(6, 4))]},
        {"name": "silu/tails", "op": "silu", "inputs": [tensor([4], [30, -30, 800, -800])]},
        {"name": "softsign", "op": "softsign", "inputs": [tensor([2, 3], vals(6, 4))]},
        {"name": "softsign/at 0", "op": "softsign", "inputs": [tensor([1], [0])]},
        # hypot, with broadcasting and without overflow or underflow
        {"name": "hypot/broadcast", "op": "hypot", "inputs": [tensor([2, 3], vals(6, 2)), tensor([3], vals(3, 2, k=0.9))]},
        {"name": "hypot/extremes", "op": "hypot",
         "inputs": [tensor([4], [3e200, 3e-200, -5e-300, 1e300]), tensor([4], [4e200, -4e-200, 12e-300, 1])]},
        # statistics
        {"name": "mean/axes 0,2", "op": "mean", "axes": [0, 2], "inputs": [tensor([2, 3, 4], vals(24, 2))]},
        {"name": "variance/unbiased axis 1", "op": "variance", "axes": [1], "correction": 1,
         "inputs": [tensor([3, 4], vals(12, 2))]},
        {"name": "variance/biased keepdims axes 0,2", "op": "variance", "axes": [0, 2], "correction": 0,
         "keepdim": True, "inputs": [tensor([2, 3, 4], vals(24, 2))]},
        {"name": "variance/unbiased all", "op": "variance", "correction": 1, "inputs": [tensor([3, 4], vals(12, 2))]},
        {"name": "variance/correction 2 axis -1", "op": "variance", "axes": [-1], "correction": 2,
         "inputs": [tensor([2, 5], vals(10, 2))]},
        {"name": "variance/offset 1e9", "op": "variance", "axes": [1], "correction": 1,
         "inputs": [tensor([2, 4], [1e9 + v for v in [0.5, 0.25, -0.75, 1.0, 0.125, 0.375, -0.5, 0.0]])]},
        {"name": "std/unbiased axis 0", "op": "std", "axes": [0], "correction": 1, "inputs": [tensor([3, 4], vals(12, 2))]},
        {"name": "std/biased keepdims axes 1,2", "op": "std", "axes": [1, 2], "correction": 0, "keepdim": True,
         "inputs": [tensor([2, 3, 4], vals(24, 2))]},
        {"name": "norm/axis 1 with a zero row", "op": "norm", "axes": [1],
         "inputs": [tensor([3, 4], vals(4, 2) + [0, 0, 0, 0] + vals(4, 3, k=0.4))]},
        {"name": "norm/keepdims axes 0,2", "op": "norm", "axes": [0, 2], "keepdim": True,
         "inputs": [tensor([2, 3, 4], vals(24, 2))]},
        {"name": "norm/all", "op": "norm", "inputs": [tensor([3, 4], vals(12, 2))]},
        {"name": "norm/zero vector", "op": "norm", "inputs": [tensor([3], [0, 0, 0])]},
        {"name": "norm/large", "op": "norm", "inputs": [tensor([2], [3e200, 4e200])], "exact_why":
            "torch's vector_norm squares without scaling and overflows to inf (its gradient is then 0); "
            "tapegrad's Norm scales and gives 5e200"},
        {"name": "frobenius_norm/batched", "op": "frobenius_norm", "inputs": [tensor([2, 3, 4], vals(24, 2))]},
        # scans and flips
        {"name": "cumsum/axis 0", "op": "cumsum", "axes": [0], "inputs": [tensor([3, 4], vals(12, 2))]},
        {"name": "cumsum/axis -1", "op": "cumsum", "axes": [-1], "inputs": [tensor([2, 3, 4], vals(24, 2))]},
        {"name": "logcumsumexp/axis 0", "op": "logcumsumexp", "axes": [0], "inputs": [tensor([3, 4], vals(12, 3))]},
        {"name": "logcumsumexp/axis -1", "op": "logcumsumexp", "axes": [-1], "inputs": [tensor([2, 3, 4], vals(24, 3))]},
        {"name": "logcumsumexp/±1000", "op": "logcumsumexp", "axes": [0],
         "inputs": [tensor([6], [1000, -1000, 999, 1001, -1000, 1000])], "exact_why":
            "the gradient's factors exp(x_i - y_j) have x, y near 1000, whose rounding (ulp 1.1e-13) "
            "makes them relatively uncertain by about 1e-13; torch's log-space sum adds more such "
            "roundings (6e-13 from mpmath here), tapegrad's scan fewer (8e-14), so torch is no "
            "reference at 1e-12"},
        {"name": "flip/axis 0", "op": "flip", "axes": [0], "inputs": [tensor([3, 4], vals(12, 2))]},
        {"name": "flip/axes 0,-1", "op": "flip", "axes": [0, -1], "inputs": [tensor([2, 3, 4], vals(24, 2))]},
    ]
    for c in cases:
        xs, out = run(c)
        # w of both signs (and no zero): exercises logcumsumexp's split by the sign of g
        n = numel(out.shape)
        w = [v if abs(v) > 0.1 else 0.5 for v in vals(n, 1.5, k=2.3)]
        wt = torch.tensor(w).reshape(out.shape)
        grads = torch.autograd.grad(out, xs, wt)
        c["w"] = tensor(out.shape, w)
        c["out"] = tensor(out.shape, out.detach().reshape(-1).tolist())
        c["grads"] = [tensor(g.shape, g.reshape(-1).tolist()) for g in grads]
        if "exact_why" in c:
            ex_out, ex_grads = exact(c, w)
            c["exact"] = {
                "why": c.pop("exact_why"),
                "out": tensor(out.shape, ex_out),
                "grads": [tensor(t["shape"], g) for t, g in zip(c["inputs"], ex_grads)],
            }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_ops.json")
    with open(path, "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": cases}, f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
