#!/usr/bin/python3
"""Per-sample gradients of a small CNN from functorch (Debian's PyTorch 1.13):

    /usr/bin/python3 nn/testdata/persample_cnn.py

The module: conv Conv2d(1, 2, 3) (no padding) → ReLU → flatten → fc
Linear(32, 3), on a batch of 4 inputs of shape (1, 6, 6) each; per sample
the loss is cross-entropy, −Σ target ⊙ log_softmax(logits), with a one-hot
target. The per-sample gradients are
vmap(grad(loss), in_dims=(None, 0, 0))(params, x, target) with the
parameters from functorch.make_functional. Float64, torch.manual_seed(41).

It writes persample_cnn.safetensors (float64, row-major) holding:

  conv.weight (2, 1, 3, 3), conv.bias (2), fc.weight (3, 32), fc.bias (3):
      the state dict, every parameter drawn from U(−0.5, 0.5);
  x (4, 1, 6, 6): the batch;
  target (4, 3): the one-hot targets; labels (4): the same as class
      indices 0, 2, 1, 2 (stored as float64);
  logits (4, 3), loss (4): each sample's logits and loss;
  per_sample_grad.NAME (4, …NAME's shape) for each parameter NAME above:
      per_sample_grad.NAME[b] = ∂loss[b]/∂NAME;
  batch_grad.NAME (NAME's shape): ∂(mean of loss)/∂NAME by plain autograd
      on the whole batch, which the script checks equals the mean over b of
      per_sample_grad.NAME (and the per-sample gradients, one sample at a
      time by plain autograd).

flatten is row-major over (channel, row, column) of the (2, 4, 4) conv
output, as tapegrad's Reshape is.
"""
import os

import torch
from functorch import grad, make_functional, vmap

from attention_rnn_common import randomize, save_file

torch.set_default_dtype(torch.float64)
torch.manual_seed(41)
F = torch.nn.functional


class CNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.fc = torch.nn.Linear(32, 3)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).flatten(1))


m = CNN()
randomize(m)
names = [n for n, _ in m.named_parameters()]
fmodel, params = make_functional(m)

x = torch.rand(4, 1, 6, 6) * 2 - 1
labels = torch.tensor([0, 2, 1, 2])
target = F.one_hot(labels, 3).to(torch.float64)


def loss(params, xb, tb):
    """The loss of one sample xb (1, 6, 6) with one-hot target tb (3)."""
    logits = fmodel(params, xb.unsqueeze(0)).squeeze(0)
    return -(tb * F.log_softmax(logits, -1)).sum()


psg = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, target)

logits = m(x)
losses = -(target * F.log_softmax(logits, -1)).sum(-1)
batch = torch.autograd.grad(losses.mean(), list(m.parameters()), retain_graph=True)
for name, g, want in zip(names, psg, batch):
    assert torch.allclose(g.mean(0), want, rtol=1e-13, atol=1e-14), name
for b in range(4):
    one = torch.autograd.grad(losses[b], list(m.parameters()), retain_graph=True)
    for name, g, want in zip(names, psg, one):
        assert torch.allclose(g[b], want, rtol=1e-13, atol=1e-14), (name, b)
# the ReLU's kink: no pre-activation within 1e-6 of 0 (a gradient there
# would depend on the side)
assert m.conv(x).abs().min() > 1e-6

out = dict(m.state_dict())
out.update(x=x, target=target, labels=labels.to(torch.float64), logits=logits, loss=losses)
for name, g, bg in zip(names, psg, batch):
    out["per_sample_grad." + name] = g
    out["batch_grad." + name] = bg
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "persample_cnn.safetensors")
save_file(out, path)
print(f"wrote {len(out)} tensors to {path} ({os.path.getsize(path)} bytes)")
