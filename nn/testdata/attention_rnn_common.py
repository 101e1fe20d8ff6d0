"""Shared helpers of make_attention.py and make_rnn.py: a safetensors writer.

The `safetensors` Python package is not packaged for Debian, so save_file
writes the format itself (an 8-byte little-endian header length, a compact
JSON header padded with spaces to a multiple of 8 bytes, then each tensor's
bytes little-endian and row-major), as nn/checkpoint/testdata/torch/
make_float32.py does (which checks its writer against safetensors 0.8.0).
"""
import json
import struct
import sys

import torch

assert sys.byteorder == "little"


def save_file(tensors, path):
    """Writes the float64 tensors of the dict tensors to path."""
    header, blobs, off = {}, [], 0
    for k in sorted(tensors):
        t = tensors[k].detach().to(torch.float64).contiguous()
        b = t.numpy().tobytes()
        header[k] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def randomize(module, lo=-0.5, hi=0.5):
    """Draws every parameter of module from U(lo, hi), so that biases and
    LayerNorm gains that PyTorch initialises to constants are exercised."""
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(lo, hi)


def causal_mask(l, s):
    """PyTorch 2.0's is_causal mask as an additive float mask: −inf where u > t."""
    return torch.zeros(l, s, dtype=torch.float64).masked_fill(
        torch.ones(l, s, dtype=torch.bool).tril().logical_not(), float("-inf"))
