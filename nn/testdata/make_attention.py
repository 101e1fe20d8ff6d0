"""Reference data for nn's attention layers, from Debian's PyTorch 1.13:

    cd nn/testdata && /usr/bin/python3 make_attention.py

For each case NAME it writes attention_NAME_state.safetensors (the module's
state dict, PyTorch's names and layouts, for checkpoint.Load with
checkpoint.Torch()) and attention_NAME_io.safetensors: the inputs, the
weights r of the loss Σ out⊙r, the output out and the loss's gradients
with respect to the inputs (grad_NAME). Everything is float64 with fixed
seeds.

Cases: mha_self (self-attention, no mask), mha_cross (query of length 4
over keys and values of length 5, additive float mask (L, S)), mha_causal
(self-attention with the causal mask, given to PyTorch 1.13 as a float
mask), sdpa (the functional form, batch axes (2, 3), additive mask and
causal, computed with PyTorch's formula since
F.scaled_dot_product_attention arrived in 2.0), encoder_gelu and
encoder_relu (TransformerEncoderLayer with norm_first=True,
batch_first=True, dropout 0, a causal src_mask).
"""
import math

import torch

from attention_rnn_common import causal_mask, randomize, save_file

torch.set_default_dtype(torch.float64)


def finish(name, module, inputs, out):
    r = torch.rand(out.shape) - 0.5
    (out * r).sum().backward()
    io = {"out": out, "r": r}
    for k, v in inputs.items():
        io[k] = v
        if v.requires_grad:
            io["grad_" + k] = v.grad
    if module is not None:
        save_file(module.state_dict(), f"attention_{name}_state.safetensors")
    save_file(io, f"attention_{name}_io.safetensors")


def mha(name, seed, n, l, s, e, h, mask):
    torch.manual_seed(seed)
    m = torch.nn.MultiheadAttention(e, h, batch_first=True)
    randomize(m)
    q = torch.rand(n, l, e, requires_grad=True)
    if s is None:  # self-attention: one input
        out, _ = m(q, q, q, attn_mask=mask, need_weights=False)
        finish(name, m, {"x": q} | ({"mask": mask} if mask is not None else {}), out)
        return
    k = torch.rand(n, s, e, requires_grad=True)
    v = torch.rand(n, s, e, requires_grad=True)
    out, _ = m(q, k, v, attn_mask=mask, need_weights=False)
    finish(name, m, {"query": q, "key": k, "value": v} | ({"mask": mask} if mask is not None else {}), out)


mha("mha_self", 1, 2, 4, None, 8, 2, None)
torch.manual_seed(2)
mha("mha_cross", 3, 2, 4, 5, 8, 2, torch.rand(4, 5) - 0.5)
mha("mha_causal", 4, 2, 5, None, 6, 3, causal_mask(5, 5))

# The functional form, PyTorch 2.0's definition written out.
torch.manual_seed(5)
q = torch.rand(2, 3, 4, 5, requires_grad=True)
k = torch.rand(2, 1, 6, 5, requires_grad=True)
v = torch.rand(3, 6, 7, requires_grad=True)
mask = torch.rand(4, 6) - 0.5
a = q @ k.transpose(-2, -1) / math.sqrt(5) + mask + causal_mask(4, 6)
out = torch.softmax(a, -1) @ v
finish("sdpa", None, {"q": q, "k": k, "v": v, "mask": mask}, out)

for act in ["gelu", "relu"]:
    torch.manual_seed(6)
    m = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation=act,
                                         batch_first=True, norm_first=True)
    randomize(m)
    x = torch.rand(2, 5, 8, requires_grad=True)
    out = m(x, src_mask=causal_mask(5, 5))
    finish("encoder_" + act, m, {"x": x}, out)
