# Reference data for nn/embedding_test.go: PyTorch 1.13 (Debian's
# python3-torch), float64. Run from this directory:
# /usr/bin/python3 embedding_make.py
import json
import torch

torch.manual_seed(14)
torch.set_default_dtype(torch.float64)


def t(x):
    x = x.detach()
    return {"shape": list(x.shape), "data": x.reshape(-1).tolist()}


def case(m, ids):
    with torch.no_grad():
        m.weight.copy_(torch.randn_like(m.weight))  # the padding row too: it must get no gradient
    y = m(ids)
    g = torch.randn_like(y)
    y.backward(g)
    return {"ids": t(ids.double()), "weight": t(m.weight), "g": t(g), "y": t(y), "dweight": t(m.weight.grad),
            "padding_idx": -1 if m.padding_idx is None else m.padding_idx}


data = {
    "plain": case(torch.nn.Embedding(5, 3), torch.tensor([[0, 2, 2, 4], [1, 2, 0, 0]])),
    "padded": case(torch.nn.Embedding(6, 4, padding_idx=1), torch.tensor([[1, 3, 3], [5, 1, 0]])),
    "padded_negative": case(torch.nn.Embedding(4, 2, padding_idx=-1), torch.tensor([3, 0, 3, 2, 2])),
}
with open("embedding_torch.json", "w") as f:
    json.dump(data, f)
