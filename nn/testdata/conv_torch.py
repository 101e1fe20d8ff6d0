"""Writes conv_torch.json: PyTorch 1.13's convolutions on small inputs, in
float64, for nn/conv_test.go's TestConvMatchesTorch. For each case: the
input x, weight w, bias b, a seed r for the gradient (loss = Σ y ⊙ r), the
output y and the gradients of x, w and b.

    /usr/bin/python3 nn/testdata/conv_torch.py
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(13)
torch.set_default_dtype(torch.float64)

cases = [
    # name, kind, x shape, w shape, stride, padding, dilation, groups, output_padding
    ("conv2d stride 2 padding 1", "conv2d", (2, 3, 7, 6), (4, 3, 3, 3), (2, 2), (1, 1), (1, 1), 1, (0, 0)),
    ("conv2d dilation 2 padding 2", "conv2d", (1, 2, 6, 6), (3, 2, 3, 3), (1, 1), (2, 2), (2, 2), 1, (0, 0)),
    ("conv2d groups 2", "conv2d", (2, 4, 5, 5), (6, 2, 3, 3), (1, 1), (1, 1), (1, 1), 2, (0, 0)),
    ("conv2d uneven", "conv2d", (1, 6, 8, 7), (3, 2, 2, 3), (2, 1), (0, 2), (1, 2), 3, (0, 0)),
    ("conv_transpose2d stride 2 output padding 1", "conv_transpose2d", (2, 3, 3, 4), (3, 2, 3, 3), (2, 2), (1, 1), (1, 1), 1, (1, 1)),
    ("conv_transpose2d groups 2 dilation 2", "conv_transpose2d", (1, 4, 3, 3), (4, 3, 2, 2), (1, 1), (0, 0), (2, 2), 2, (0, 0)),
    ("conv1d stride 2 padding 1 dilation 2", "conv1d", (2, 3, 9), (4, 3, 3), (2,), (1,), (2,), 1, (0,)),
]


def t(v):
    return {"shape": list(v.shape), "data": v.detach().reshape(-1).tolist()}


out = []
for name, kind, xs, ws, s, p, d, g, op in cases:
    x = torch.randn(xs, requires_grad=True)
    w = torch.randn(ws, requires_grad=True)
    nout = ws[0] if kind != "conv_transpose2d" else ws[1] * g
    b = torch.randn(nout, requires_grad=True)
    if kind == "conv2d":
        y = F.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=g)
    elif kind == "conv1d":
        y = F.conv1d(x, w, b, stride=s, padding=p, dilation=d, groups=g)
    else:
        y = F.conv_transpose2d(x, w, b, stride=s, padding=p, output_padding=op, groups=g, dilation=d)
    r = torch.randn(y.shape)
    (y * r).sum().backward()
    out.append({"name": name, "kind": kind, "stride": list(s), "padding": list(p), "dilation": list(d),
                "groups": g, "output_padding": list(op),
                "x": t(x), "w": t(w), "b": t(b), "r": t(r), "y": t(y),
                "gx": t(x.grad), "gw": t(w.grad), "gb": t(b.grad)})

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv_torch.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": out}, f)
