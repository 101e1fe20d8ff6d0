#!/usr/bin/python3
"""Writes torch_f32.json: PyTorch float32 results of the reductions, scans
and softmax on hard float32 inputs, beside the exact value of each result
for the same float32 inputs. tensor/torch32_test.go asserts that tapegrad's
float32 results are at least as close to the exact value as PyTorch's (or
within one float32 ulp of it).

Run from tensor/testdata with the Debian PyTorch (torch 1.13; mpmath):

    /usr/bin/python3 torch_f32.py > torch_f32.json

The inputs are not stored: each case names a formula over the splitmix64
generator gen(seed, n) of /work/shared/bench/WORKLOADS.md, which the Go test
implements too, and records the CRC-32 (IEEE, zlib's) of the inputs'
little-endian float32 bytes, so the Go test knows it computes on the same
numbers. Formulas (u = gen(seed, n), v = gen(seed + 1, n), float64
arithmetic, one rounding to float32 at the end):

    affine(a, b):  x_i = float32(a + b * (u_i - 0.5))
    mixed:         x_i = float32((2 * u_i - 1) * S[floor(13 * v_i)]),
                   S = [1e-6, 1e-5, ..., 1e6]   (13 magnitudes)

The exact values are computed with mpmath at 300 bits (or math.fsum where
that is exact: the correctly rounded float64 sum of float64 numbers) and
stored as float64: their own error, 2^-53 relative, is 2^-29 of a float32
ulp. PyTorch runs on one thread, so its summation order (and result) does
not depend on the machine's core count.
"""

import json
import math
import sys
import zlib

import mpmath
import numpy as np
import torch

mpmath.mp.prec = 300
torch.set_num_threads(1)

SCALES = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6]


def gen(seed, n):
    """n doubles in [0,1): splitmix64 of (seed*G + i*G) for i = 1..n, top 53 bits / 2^53."""
    with np.errstate(over="ignore"):
        g = np.uint64(0x9E3779B97F4A7C15)
        i = np.arange(1, n + 1, dtype=np.uint64)
        z = np.uint64(seed) * g + i * g
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def make(inp):
    """The float32 input array of a case's "input" description."""
    n = int(np.prod(inp["shape"]))
    u = gen(inp["seed"], n)
    if inp["formula"] == "affine":
        x = inp["a"] + inp["b"] * (u - 0.5)
    elif inp["formula"] == "mixed":
        v = gen(inp["seed"] + 1, n)
        s = np.array(SCALES)[np.floor(13 * v).astype(np.int64)]
        x = (2 * u - 1) * s
    else:
        raise ValueError(inp["formula"])
    return x.astype(np.float32).reshape(inp["shape"])


def mp_rows(x):
    """The rows (last axis) of x as lists of exact mpf values."""
    return [[mpmath.mpf(float(v)) for v in row] for row in x.reshape(-1, x.shape[-1])]


def exact_sum(x):
    return [math.fsum(x.astype(np.float64).ravel())]


def exact_mean(x):
    return [float(mpmath.mpf(math.fsum(x.astype(np.float64).ravel())) / x.size)]


def exact_var_rows(x, correction, sqrt):
    out = []
    for row in mp_rows(x):
        m = mpmath.fsum(row) / len(row)
        v = mpmath.fsum((r - m) ** 2 for r in row) / (len(row) - correction)
        out.append(float(mpmath.sqrt(v) if sqrt else v))
    return out


def exact_norm(x):
    # Each square of a float32 is exact in float64 (48 significant bits,
    # exponent within range); fsum rounds their sum once, sqrt once more.
    d = x.astype(np.float64).ravel()
    return [math.sqrt(math.fsum(d * d))]


def exact_logsumexp_rows(x):
    return [float(mpmath.log(mpmath.fsum(mpmath.exp(r) for r in row))) for row in mp_rows(x)]


def exact_softmax_rows(x, log):
    out = []
    for row in mp_rows(x):
        ls = mpmath.log(mpmath.fsum(mpmath.exp(r) for r in row))
        out += [float(r - ls) if log else float(mpmath.exp(r - ls)) for r in row]
    return out


def exact_cumsum(x, index):
    d = x.astype(np.float64).ravel()
    return [math.fsum(d[: k + 1]) for k in index]


def exact_logcumsumexp(x, index):
    out, s, want = [], mpmath.mpf(0), set(index)
    for k, r in enumerate(mp_rows(x)[0]):
        s += mpmath.exp(r)
        if k in want:
            out.append(float(mpmath.log(s)))
    return out


def samples(n, count):
    """count+1 indices spread over [0, n): 0, n/count·j, …, and the last."""
    return sorted(set([n * j // count for j in range(count)] + [n - 1]))


def jfloat(v):
    """v as JSON: a number, or "+Inf", "-Inf" or "NaN" (JSON has none)."""
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return v


def case(name, op, inp, torch_f, exact_f, args=None, index=None):
    x = make(inp)
    t = torch_f(torch.from_numpy(x)).detach().numpy().astype(np.float32).ravel()
    if index is not None:
        t = t[index]
    c = {
        "name": name,
        "op": op,
        "args": args or {},
        "input": inp,
        "crc32": zlib.crc32(x.astype("<f4").tobytes()),
        "torch": [jfloat(v) for v in t],
        "exact": exact_f(x),
    }
    if index is not None:
        c["index"] = index
    assert len(c["torch"]) == len(c["exact"]), name
    return c


def affine(seed, shape, a, b):
    return {"formula": "affine", "seed": seed, "shape": shape, "a": a, "b": b}


def main():
    nc = 100000
    ci = samples(nc, 100)
    nl = 10000
    li = samples(nl, 50)
    cases = [
        case("sum of 1e6 values of 13 magnitudes (1e-6 to 1e6)", "sum",
             {"formula": "mixed", "seed": 101, "shape": [1000000]},
             torch.sum, exact_sum),
        case("sum of 1e6 values in [0, 1)", "sum", affine(103, [1000000], 0.5, 1.0),
             torch.sum, exact_sum),
        case("mean of 1e6 values near 1e4", "mean", affine(105, [1000000], 1e4, 2.0),
             torch.mean, exact_mean),
        case("unbiased variance of 1e5 values 1e4 + U(-0.5, 0.5)", "var",
             affine(107, [100000], 1e4, 1.0),
             lambda t: torch.var(t, unbiased=True), lambda x: exact_var_rows(x, 1, False),
             args={"correction": 1}),
        case("biased std of 1e5 values 1e4 + U(-0.5, 0.5)", "std",
             affine(109, [100000], 1e4, 1.0),
             lambda t: torch.std(t, unbiased=False), lambda x: exact_var_rows(x, 0, True),
             args={"correction": 0}),
        case("unbiased variance of each row of 64x1000 values 1e4 + U(-0.05, 0.05)", "var_rows",
             affine(111, [64, 1000], 1e4, 0.1),
             lambda t: torch.var(t, dim=1, unbiased=True), lambda x: exact_var_rows(x, 1, False),
             args={"correction": 1}),
        case("norm of 1e4 values of about 1e30", "norm", affine(113, [10000], 0.0, 2e30),
             torch.linalg.vector_norm, exact_norm),
        case("norm of 1e4 values of about 1e-30", "norm", affine(115, [10000], 0.0, 2e-30),
             torch.linalg.vector_norm, exact_norm),
        case("norm of 1e6 values of 13 magnitudes", "norm",
             {"formula": "mixed", "seed": 117, "shape": [1000000]},
             torch.linalg.vector_norm, exact_norm),
        case("logsumexp of each row of 64x1000 values in [-80, 80)", "logsumexp_rows",
             affine(119, [64, 1000], 0.0, 160.0),
             lambda t: torch.logsumexp(t, dim=1), exact_logsumexp_rows),
        case("softmax of each row of 4x256 values in [-80, 80)", "softmax_rows",
             affine(121, [4, 256], 0.0, 160.0),
             lambda t: torch.softmax(t, dim=1), lambda x: exact_softmax_rows(x, False)),
        case("log_softmax of each row of 4x256 values in [-80, 80)", "log_softmax_rows",
             affine(123, [4, 256], 0.0, 160.0),
             lambda t: torch.log_softmax(t, dim=1), lambda x: exact_softmax_rows(x, True)),
        case("cumsum of 1e5 values in [-0.3, 0.7) (101 samples)", "cumsum",
             affine(125, [nc], 0.2, 1.0),
             lambda t: torch.cumsum(t, 0), lambda x: exact_cumsum(x, ci), index=ci),
        case("logcumsumexp of 1e4 values in [-10, 10) (51 samples)", "logcumsumexp",
             affine(127, [1, nl], 0.0, 20.0),
             lambda t: torch.logcumsumexp(t, 1), lambda x: exact_logcumsumexp(x, li), index=li),
    ]
    json.dump({
        "generator": "tensor/testdata/torch_f32.py",
        "torch": torch.__version__,
        "cases": cases,
    }, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
