"""Writes pool_torch.json: PyTorch 1.13 references for nn/pool_test.go.

Run with the Debian PyTorch: /usr/bin/python3 nn/testdata/pool_torch.py
For each case: the input x, the output y of the pooling, an upstream
gradient r and the input gradient dx = ∂Σ(y ⊙ r)/∂x, all float64, plus
max pooling's indices (return_indices=True).
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(13)
cases = []


def add(name, kind, shape, ties=False, **kw):
    if ties:  # small integers: many ties, to check the tie-break
        x = torch.randint(0, 3, shape).double()
    else:
        x = torch.randn(shape, dtype=torch.float64)
    x.requires_grad_(True)
    idx = None
    if kind == "max":
        y, idx = F.max_pool2d(x, kw["kernel"], kw["stride"], kw["padding"], kw["dilation"],
                              ceil_mode=kw["ceil"], return_indices=True)
    elif kind == "avg":
        y = F.avg_pool2d(x, kw["kernel"], kw["stride"], kw["padding"], ceil_mode=kw["ceil"],
                         count_include_pad=kw["count_include_pad"],
                         divisor_override=kw["divisor"] or None)
    else:
        y = F.adaptive_avg_pool2d(x, kw["output_size"])
    r = torch.randn(y.shape, dtype=torch.float64)
    (y * r).sum().backward()
    c = dict(name=name, kind=kind, x_shape=list(shape), x=x.detach().flatten().tolist(),
             y_shape=list(y.shape), y=y.detach().flatten().tolist(), r=r.flatten().tolist(),
             dx=x.grad.flatten().tolist(), **kw)
    if idx is not None:
        c["indices"] = idx.flatten().tolist()
    cases.append(c)


def mx(name, shape, kernel, stride, padding=(0, 0), dilation=(1, 1), ceil=False, ties=False):
    add(name, "max", shape, ties, kernel=list(kernel), stride=list(stride), padding=list(padding),
        dilation=list(dilation), ceil=ceil)


def av(name, shape, kernel, stride, padding=(0, 0), ceil=False, count_include_pad=True, divisor=0):
    add(name, "avg", shape, kernel=list(kernel), stride=list(stride), padding=list(padding), ceil=ceil,
        count_include_pad=count_include_pad, divisor=divisor)


mx("max 2x2 stride 2", (2, 3, 6, 6), (2, 2), (2, 2))
mx("max 3x3 stride 2 padding 1", (1, 2, 7, 7), (3, 3), (2, 2), (1, 1))
mx("max 3x2 stride (2,1) padding (1,0) ceil", (1, 2, 7, 6), (3, 2), (2, 1), (1, 0), ceil=True)
mx("max 2x2 stride 2 ceil odd", (1, 2, 5, 7), (2, 2), (2, 2), ceil=True)
mx("max dilation 2 padding 1", (1, 1, 7, 7), (2, 2), (1, 1), (1, 1), (2, 2))
mx("max ties 3x3 stride 1", (1, 2, 6, 6), (3, 3), (1, 1), ties=True)
mx("max ties 2x2 stride 2 unbatched", (2, 4, 4), (2, 2), (2, 2), ties=True)
av("avg 2x2 defaults", (2, 3, 6, 6), (2, 2), (2, 2))
av("avg 3x3 stride 2 padding 1", (1, 2, 7, 7), (3, 3), (2, 2), (1, 1))
av("avg 3x3 stride 2 padding 1 ceil count_include_pad False", (1, 2, 6, 7), (3, 3), (2, 2), (1, 1), ceil=True,
   count_include_pad=False)
av("avg ceil count_include_pad True", (1, 2, 6, 7), (3, 3), (2, 2), (1, 1), ceil=True)
av("avg divisor_override 3", (1, 1, 5, 6), (2, 3), (1, 2), (1, 1), ceil=True, divisor=3)
add("adaptive 5x5 to 3x3", "adaptive", (1, 2, 5, 5), output_size=[3, 3])
add("adaptive 5x7 to 3x2", "adaptive", (2, 1, 5, 7), output_size=[3, 2])
add("adaptive 3x2 to 4x5", "adaptive", (1, 1, 3, 2), output_size=[4, 5])
add("adaptive 6x6 to 1x1 unbatched", "adaptive", (3, 6, 6), output_size=[1, 1])

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pool_torch.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
print("wrote", out, len(cases), "cases")
