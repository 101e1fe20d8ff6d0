# Reference data for nn/norm_test.go: PyTorch 1.13 (Debian's python3-torch),
# float64. Run from this directory: /usr/bin/python3 norm_make.py
import json
import torch

torch.manual_seed(13)
torch.set_default_dtype(torch.float64)


def t(x):
    x = x.detach()
    return {"shape": list(x.shape), "data": x.reshape(-1).tolist()}


def randomize(m):
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn_like(p) * 0.5 + (1 if p.dim() and p is m.weight else 0))


def stateless(name, m, shape):
    randomize(m)
    x = (torch.randn(*shape) * 2 + 0.5).requires_grad_()
    y = m(x)
    g = torch.randn_like(y)
    y.backward(g)
    out = {"x": t(x), "g": t(g), "y": t(y), "dx": t(x.grad)}
    for n, p in m.named_parameters():
        out[n] = t(p)
        out["d" + n] = t(p.grad)
    return out


def batchnorm(m, shape):
    randomize(m)
    out = {"weight": t(m.weight), "bias": t(m.bias)}
    for step in (1, 2):
        m.zero_grad()
        x = (torch.randn(*shape) * 2 + 0.5).requires_grad_()
        y = m(x)
        g = torch.randn_like(y)
        y.backward(g)
        out.update({f"x{step}": t(x), f"g{step}": t(g), f"y{step}": t(y), f"dx{step}": t(x.grad),
                    f"dweight{step}": t(m.weight.grad), f"dbias{step}": t(m.bias.grad)})
    for n, b in m.named_buffers():
        out[n] = t(b.double())
    m.eval()
    m.zero_grad()
    x = (torch.randn(*shape) * 2 + 0.5).requires_grad_()
    y = m(x)
    g = torch.randn_like(y)
    y.backward(g)
    out.update({"x_eval": t(x), "g_eval": t(g), "y_eval": t(y), "dx_eval": t(x.grad),
                "dweight_eval": t(m.weight.grad), "dbias_eval": t(m.bias.grad)})
    return out


data = {
    "layernorm_1": stateless("layernorm_1", torch.nn.LayerNorm(4), (2, 3, 4)),
    "layernorm_2": stateless("layernorm_2", torch.nn.LayerNorm((3, 4)), (2, 3, 4)),
    "layernorm_noaffine": stateless("layernorm_noaffine", torch.nn.LayerNorm(5, elementwise_affine=False), (3, 5)),
    "groupnorm": stateless("groupnorm", torch.nn.GroupNorm(2, 4), (2, 4, 3)),
    "groupnorm_2d": stateless("groupnorm_2d", torch.nn.GroupNorm(3, 6, eps=1e-3), (2, 6, 2, 2)),
    "batchnorm1d_nc": batchnorm(torch.nn.BatchNorm1d(3), (6, 3)),
    "batchnorm1d_ncl": batchnorm(torch.nn.BatchNorm1d(3), (4, 3, 5)),
    "batchnorm2d": batchnorm(torch.nn.BatchNorm2d(2, momentum=0.2), (3, 2, 2, 3)),
}
with open("norm_torch.json", "w") as f:
    json.dump(data, f)
