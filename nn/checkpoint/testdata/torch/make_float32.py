"""Write float32 and float64 PyTorch state dicts as safetensors files.

Run with Debian's PyTorch (python3-torch, 1.13):
    /usr/bin/python3 make_float32.py OUTDIR
Writes OUTDIR/mlp_4_16_3_f32.safetensors, OUTDIR/mlp_4_16_3_f64.safetensors
and OUTDIR/manifest_float32.json.

The `safetensors` Python package is not packaged for Debian, so save_file
below writes the format itself exactly as safetensors.torch.save_file does
(tensors ordered by dtype, larger first, then by name; the JSON header
compact, "__metadata__" first, padded with spaces to a multiple of 8 bytes;
each tensor's bytes little-endian and row-major). Before writing anything
it proves that: re-encoding the tensors of mlp_4_8_3_f32.safetensors, which
safetensors 0.8.0 wrote (see make_safetensors.py), must reproduce that file
byte for byte.
"""
import copy
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {torch.float64: "F64", torch.float32: "F32"}
# safetensors' Dtype order, which save_file sorts by (descending).
ORDER = {"F32": 0, "F64": 1}


def save_file(tensors, path, metadata=None):
    """safetensors.torch.save_file for float32 and float64 tensors."""
    names = sorted(tensors, key=lambda k: (-ORDER[DTYPES[tensors[k].dtype]], k))
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for k in names:
        t = tensors[k].detach().contiguous()
        b = t.numpy().tobytes()  # little-endian: checked below
        header[k] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def load_file(path):
    """Reads a safetensors file of F32 and F64 tensors (and its metadata)."""
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    md = header.pop("__metadata__", None)
    out = {}
    for k, e in header.items():
        dt = {"F32": torch.float32, "F64": torch.float64}[e["dtype"]]
        lo, hi = e["data_offsets"]
        raw = bytearray(b[8 + n + lo:8 + n + hi])
        out[k] = torch.frombuffer(raw, dtype=dt).reshape(e["shape"]) if raw else torch.zeros(e["shape"], dtype=dt)
    return out, md


# The writer reproduces a file the safetensors library wrote.
assert sys.byteorder == "little"
ref = os.path.join(HERE, "mlp_4_8_3_f32.safetensors")
ts, md = load_file(ref)
check = os.path.join(sys.argv[1], ".check.safetensors")
os.makedirs(sys.argv[1], exist_ok=True)
save_file(ts, check, md)
assert open(check, "rb").read() == open(ref, "rb").read(), "save_file differs from safetensors' own"
os.remove(check)

out = sys.argv[1]
manifest = {"torch": torch.__version__, "writer": "save_file above (safetensors layout, checked)", "files": {}}


def values(t):
    return t.detach().to(torch.float64).reshape(-1).tolist()


def record(fname, model, metadata, x):
    sd = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    path = os.path.join(out, fname)
    save_file(sd, path, metadata)
    back, _ = load_file(path)
    entry = {"metadata": metadata, "tensors": {}}
    for k, v in sd.items():
        assert torch.equal(back[k], v) and back[k].dtype == v.dtype
        entry["tensors"][k] = {
            "dtype": str(v.dtype).replace("torch.", ""),
            "shape": list(v.shape),
            "values": values(v),
            # What PyTorch's load_state_dict puts in a float32 parameter
            # (param.copy_(v)): v rounded to float32, to nearest even.
            "as_float32": values(v.to(torch.float32)),
        }
    with torch.no_grad():
        entry["probe"] = {
            "input": values(x), "input_shape": list(x.shape),
            "output": values(model(x.to(next(model.parameters()).dtype))),
            "output_float32": values(copy.deepcopy(model).float()(x.float())),
            "note": "output: the model in its own type; output_float32: model.float() on x.float()",
        }
    manifest["files"][fname] = entry


def mlp():
    return torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))


x = torch.linspace(-1, 1, 12, dtype=torch.float64).reshape(3, 4)

# 1. float32, PyTorch's default: the state dict model.state_dict() gives,
# with a negative zero and the smallest float32 subnormal in 2.bias, which a
# reader must keep bit for bit.
torch.manual_seed(11)
m32 = mlp()
with torch.no_grad():
    m32[2].bias[0] = -0.0
    m32[2].bias[1] = torch.tensor(1.401298464324817e-45, dtype=torch.float32)
record("mlp_4_16_3_f32.safetensors", m32, {"format": "pt"}, x)

# 2. float64 made as float64 (default dtype float64 while it is built), so
# its weights are not float32 values and loading them into a float32 model
# must round.
torch.manual_seed(12)
torch.set_default_dtype(torch.float64)
m64 = mlp()
torch.set_default_dtype(torch.float32)
assert any(not torch.equal(p, p.float().double()) for p in m64.parameters())
record("mlp_4_16_3_f64.safetensors", m64, {"format": "pt"}, x)

with open(os.path.join(out, "manifest_float32.json"), "w") as f:
    json.dump(manifest, f, indent=1)
print("wrote", sorted(manifest["files"]), "with torch", manifest["torch"])
