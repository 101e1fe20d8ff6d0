#!/usr/bin/python3
"""functorch reference values for vmapref_test.go (package autograd).

Re-run from the repository root with

    /usr/bin/python3 autograd/testdata/functorch_ref.py

(Debian: apt-get install python3-torch, which ships functorch with PyTorch
1.13). It rewrites functorch_ref.json beside this script, recording the
torch version that made it. Float64 throughout, torch.manual_seed(7).

Each case names a function ("fn", a key of FUNCS below; vmapref_test.go
writes the same function with tape ops under the same name), the
transform applied to it, its inputs and its outputs:

  transform "vmap": the function, first wrapped by "inner" (see below),
      then vmapped once per entry of "vmap", listed outermost first:
      vmap(vmap(f, *vmap[1]), *vmap[0]). Each entry holds "in_dims" (one per
      input of that level; null is functorch's None, an unbatched input)
      and "out_dims" (one per output).
      inner "":     f itself.
      inner "grad": grad(f, argnums) with "argnums": one output per argnum,
                    ∂f/∂x_k of x_k's shape.
      inner "jvp":  (primals..., tangents...) ↦ jvp(f, primals, tangents)[1],
                    the derivative along the tangents, of f's output shape.
      inner "vjp":  (primals..., v) ↦ vjp(f, *primals)[1](v), one output per
                    primal, of its shape.
  transform "jacrev", "jacfwd": the Jacobian blocks ∂y/∂x_i of f, one output
      per input, of shape y.shape ++ x_i.shape (argnums = all inputs).
  transform "hessian": the blocks H[i][j] = ∂²f/∂x_i∂x_j of a scalar f, of
      shape x_i.shape ++ x_j.shape, flattened row-major: outputs[i*n + j]
      for n inputs. (functorch.hessian with argnums=(0, 1) returns the nested
      tuple ((H00, H01), (H10, H11)); with one input a single tensor.)

A tensor is {"shape": [...], "data": [row-major floats]}; json writes
floats with repr, which round-trips float64 exactly.

The script checks functorch against itself before writing (it fails on an
assertion otherwise): each set of per-sample gradients, averaged over the
batch, equals the gradient of the batch's mean loss computed by plain
torch.autograd; the params-tuple form vmap(grad(loss), in_dims=(None, 0, 0))
equals the flattened form stored here; jacfwd equals jacrev; vmap(jvp) over
the basis tangents is the transposed Jacobian and vmap(vjp) over the basis
cotangents the Jacobian; hessian equals jacrev(jacrev).
"""

import json
import os

import torch
from functorch import grad, hessian, jacfwd, jacrev, jvp, vjp, vmap

torch.set_default_dtype(torch.float64)
torch.manual_seed(7)

F = torch.nn.functional


# The functions, by the names the Go table uses. Each takes tensors
# positionally and returns a tensor or a tuple of tensors; the shapes in
# the comments are per sample (what the function sees inside vmap).
FUNCS = {
    # x (2, 3), y (3): y broadcasts against x.
    "sin_mul": lambda x, y: torch.sin(x) * y,
    # A (3, 4), v (4) → (3).
    "matvec": lambda a, v: a @ v,
    # x (3, 4) → (4): the sum over axis 0.
    "sum_axis0": lambda x: x.sum(0),
    # x (3, 4) → 0-d.
    "mean_all": lambda x: x.mean(),
    # x (3, 4) → (3).
    "logsumexp_last": lambda x: torch.logsumexp(x, -1),
    # x (3, 4) → (3, 4), along axis -1.
    "softmax_last": lambda x: torch.softmax(x, -1),
    # x (3, 4) → reshape (2, 6) → transpose → (6, 2).
    "reshape_transpose": lambda x: x.reshape(2, 6).transpose(0, 1),
    # x (3, 4) → (tanh x (3, 4), Σ over axis 0 (4)): two outputs.
    "tanh_and_sum": lambda x: (torch.tanh(x), x.sum(0)),
    # a, b 0-d → a·b (the outer product under two vmaps).
    "mul": lambda a, b: a * b,
    # a, b (3) → ‖a − b‖ (0-d).
    "pairdist": lambda a, b: torch.sqrt(((a - b) ** 2).sum()),
    # W1 (7, 5), b1 (7), W2 (3, 7), b2 (3), x (5), t (3) one-hot → 0-d:
    # cross-entropy −Σ t ⊙ log_softmax(W2 tanh(W1 x + b1) + b2).
    "mlp_loss": lambda w1, b1, w2, b2, x, t: -(t * F.log_softmax(w2 @ torch.tanh(w1 @ x + b1) + b2, -1)).sum(),
    # x (3), y (2) → (4): [sin x ⊙ tanh y₀, y₁ Σ x²].
    "f2": lambda x, y: torch.cat([torch.sin(x) * torch.tanh(y[0:1]), y[1:2] * (x * x).sum()]),
    # x (2, 3) → 0-d: Σ tanh(x) ⊙ x + (Σ x)².
    "h1": lambda x: (torch.tanh(x) * x).sum() + x.sum() ** 2,
    # x (3), y (2) → 0-d: Σ sin x · Σ y² + Σ tanh x · Σ exp y.
    "h2": lambda x, y: torch.sin(x).sum() * (y * y).sum() + torch.tanh(x).sum() * torch.exp(y).sum(),
}


def rand(*shape):
    """Uniform on [−1, 1): away from any kink, and exp/tanh stay tame."""
    return torch.rand(*shape) * 2 - 1


def onehot(labels, n):
    return F.one_hot(torch.tensor(labels), n).to(torch.float64)


def tensor(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.flatten().tolist()]}


def as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def wrap(fn, inner, argnums, n):
    """The function of a "vmap" case before vmapping (see the header)."""
    f = FUNCS[fn]
    if inner == "":
        return f
    if inner == "grad":
        return grad(f, argnums=tuple(argnums))
    if inner == "jvp":
        return lambda *a: jvp(f, a[:n], a[n:])[1]
    if inner == "vjp":
        return lambda *a: vjp(f, *a[:n])[1](a[n])
    raise ValueError(inner)


CASES = []


def vmap_case(name, fn, inputs, levels, inner="", argnums=None, note=""):
    """Records fn wrapped by inner and vmapped by levels (outermost first);
    returns the outputs."""
    n = len(inputs) // 2 if inner == "jvp" else len(inputs) - 1 if inner == "vjp" else len(inputs)
    g = wrap(fn, inner, argnums, n)
    for lv in reversed(levels):
        g = vmap(g, in_dims=tuple(lv["in_dims"]), out_dims=tuple(lv["out_dims"]))
    outs = as_tuple(g(*inputs))
    c = {"name": name, "fn": fn, "transform": "vmap", "inner": inner, "vmap": levels,
         "inputs": [tensor(x) for x in inputs], "outputs": [tensor(y) for y in outs]}
    if argnums is not None:
        c["argnums"] = list(argnums)
    if note:
        c["note"] = note
    CASES.append(c)
    return outs


def lvl(in_dims, out_dims=(0,)):
    return {"in_dims": list(in_dims), "out_dims": list(out_dims)}


def func_case(name, fn, transform, inputs, outs, note=""):
    c = {"name": name, "fn": fn, "transform": transform,
         "inputs": [tensor(x) for x in inputs], "outputs": [tensor(y) for y in outs]}
    if note:
        c["note"] = note
    CASES.append(c)


def close(a, b, tol=1e-13):
    assert a.shape == b.shape, (a.shape, b.shape)
    assert torch.allclose(a, b, rtol=tol, atol=tol), (a - b).abs().max().item()


# a. vmap of plain functions.

x, y = rand(4, 2, 3), rand(3)
(out,) = vmap_case("sin_mul_y_unbatched", "sin_mul", [x, y], [lvl([0, None])],
                   note="y (3) unbatched broadcasts against each sample x[b] (2, 3)")
close(out, torch.sin(x) * y)

a, v = rand(3, 4), rand(5, 4)
(out,) = vmap_case("matvec_batched_vector", "matvec", [a, v], [lvl([None, 0])])
close(out, v @ a.T)
a, v = rand(5, 3, 4), rand(4)
(out,) = vmap_case("matvec_batched_matrix", "matvec", [a, v], [lvl([0, None])])
close(out, a @ v)
a, v = rand(5, 3, 4), rand(5, 4)
(out,) = vmap_case("matvec_batched_both", "matvec", [a, v], [lvl([0, 0])])
close(out, torch.einsum("bij,bj->bi", a, v))

x = rand(6, 3, 4)
(out,) = vmap_case("sum_axis0", "sum_axis0", [x], [lvl([0])], note="per sample axis 0 is axis 1 of the batch")
close(out, x.sum(1))
(out,) = vmap_case("mean_all", "mean_all", [x], [lvl([0])], note="0-d per sample: the output is (6)")
close(out, x.mean((1, 2)))
(out,) = vmap_case("logsumexp_last", "logsumexp_last", [x], [lvl([0])])
close(out, torch.logsumexp(x, -1))
(out,) = vmap_case("softmax_last", "softmax_last", [x], [lvl([0])])
close(out, torch.softmax(x, -1))
(out,) = vmap_case("reshape_transpose", "reshape_transpose", [x], [lvl([0])])
close(out, x.reshape(6, 2, 6).transpose(1, 2))

x = rand(3, 6, 4)
(out,) = vmap_case("sum_axis0_in_dim1", "sum_axis0", [x], [lvl([1])], note="batch on axis 1: sample b is x[:, b, :]")
close(out, x.sum(0))
x = rand(3, 4, 5)
(out,) = vmap_case("softmax_last_in_dim_neg1", "softmax_last", [x], [lvl([-1])],
                   note="batch on axis -1: sample b is x[:, :, b] (3, 4)")
close(out, torch.softmax(x.permute(2, 0, 1), -1))

a, v = rand(3, 4), rand(5, 4)
(out,) = vmap_case("matvec_out_dim1", "matvec", [a, v], [lvl([None, 0], [1])], note="out_dims 1: the output is (3, 5)")
close(out, a @ v.T)
x = rand(5, 3, 4)
o1, o2 = vmap_case("tanh_and_sum_out_dims_1_0", "tanh_and_sum", [x], [lvl([0], [1, 0])],
                   note="two outputs: tanh x with the batch on axis 1 (3, 5, 4), Σ over axis 0 with it on axis 0 (5, 4)")
close(o1, torch.tanh(x).transpose(0, 1))
close(o2, x.sum(1))

a, b = rand(4), rand(5)
(out,) = vmap_case("outer_product_nested", "mul", [a, b], [lvl([0, None]), lvl([None, 0])],
                   note="vmap(vmap(mul, in_dims=(None, 0)), in_dims=(0, None)): out[i, j] = a[i] b[j]")
close(out, torch.outer(a, b))
(out,) = vmap_case("outer_product_nested_out_dim1", "mul", [a, b], [lvl([0, None], [1]), lvl([None, 0])],
                   note="the outer level puts its axis last: out[j, i] = a[i] b[j] (5, 4)")
close(out, torch.outer(b, a))
xs, ys = rand(4, 3), rand(5, 3)
(out,) = vmap_case("pairwise_distance_nested", "pairdist", [xs, ys], [lvl([0, None]), lvl([None, 0])],
                   note="out[i, j] = ‖x[i] − y[j]‖ (4, 5)")
close(out, torch.cdist(xs, ys), 1e-12)  # cdist takes another route to the same values

# b. Per-sample gradients of a small MLP (5 → 7 → 3, tanh, cross-entropy).

B = 6
w1, b1, w2, b2 = rand(7, 5), rand(7), rand(3, 7), rand(3)
X, T = rand(B, 5), onehot([0, 2, 1, 1, 0, 2], 3)
mlp = FUNCS["mlp_loss"]
psg = vmap_case("mlp_per_sample_grads", "mlp_loss", [w1, b1, w2, b2, X, T],
                [lvl([None, None, None, None, 0, 0], [0, 0, 0, 0])], inner="grad", argnums=[0, 1, 2, 3],
                note="per-sample gradients (6, 7, 5), (6, 7), (6, 3, 7), (6, 3); torch's idiom "
                     "vmap(grad(loss), in_dims=(None, 0, 0)) with the parameters as one tuple, flattened")
# The same in functorch's idiom with the parameters as one tuple.
tup = vmap(grad(lambda p, x, t: mlp(*p, x, t)), in_dims=(None, 0, 0))((w1, b1, w2, b2), X, T)
for g, h in zip(psg, tup):
    assert torch.equal(g, h)
# Averaged, they are the gradient of the batch's mean loss (plain autograd,
# the batch through matrix products, no vmap).
ps = [p.clone().requires_grad_() for p in (w1, b1, w2, b2)]
logits = torch.tanh(X @ ps[0].T + ps[1]) @ ps[2].T + ps[3]
mean_loss = -(T * F.log_softmax(logits, -1)).sum(-1).mean()
for g, want in zip(psg, torch.autograd.grad(mean_loss, ps)):
    close(g.mean(0), want)
(gx,) = vmap_case("mlp_per_sample_input_grads", "mlp_loss", [w1, b1, w2, b2, X, T],
                  [lvl([None, None, None, None, 0, 0])], inner="grad", argnums=[4],
                  note="∂loss/∂x per sample (6, 5)")
Xg = X.clone().requires_grad_()
logits = torch.tanh(Xg @ w1.T + b1) @ w2.T + b2
(want,) = torch.autograd.grad(-(T * F.log_softmax(logits, -1)).sum(-1).mean(), [Xg])
close(gx / B, want)

# Jacobians of f2: R³ × R² → R⁴, both modes, and Hessians.

x, y = rand(3), rand(2)
f2 = FUNCS["f2"]
jr = jacrev(f2, argnums=(0, 1))(x, y)
jf = jacfwd(f2, argnums=(0, 1))(x, y)
for r, f in zip(jr, jf):
    close(f, r)
func_case("f2_jacrev", "f2", "jacrev", [x, y], jr, note="blocks (4, 3), (4, 2)")
func_case("f2_jacfwd", "f2", "jacfwd", [x, y], jf, note="blocks (4, 3), (4, 2)")

xh = rand(2, 3)
h = hessian(FUNCS["h1"])(xh)
close(h, jacrev(jacrev(FUNCS["h1"]))(xh))
func_case("h1_hessian", "h1", "hessian", [xh], [h], note="one input (2, 3): H (2, 3, 2, 3)")
xh, yh = rand(3), rand(2)
hh = hessian(FUNCS["h2"], argnums=(0, 1))(xh, yh)
hr = jacrev(jacrev(FUNCS["h2"], argnums=(0, 1)), argnums=(0, 1))(xh, yh)
for i in range(2):
    for j in range(2):
        close(hh[i][j], hr[i][j])
close(hh[0][1], hh[1][0].T)
func_case("h2_hessian", "h2", "hessian", [xh, yh], [hh[0][0], hh[0][1], hh[1][0], hh[1][1]],
          note="two inputs x (3), y (2): functorch's ((H00, H01), (H10, H11)) flattened to "
               "H00 (3, 3), H01 (3, 2), H10 (2, 3), H11 (2, 2)")

# c. vmap of jvp and vjp.

eye = torch.eye(5)
(out,) = vmap_case("f2_vmap_jvp_basis", "f2", [x, y, eye[:, :3], eye[:, 3:]], [lvl([None, None, 0, 0])],
                   inner="jvp", note="the 5 basis tangents (e_j split as (3) and (2)): row j is J e_j, "
                                     "so the output (5, 4) is [J_x J_y]ᵀ")
close(out, torch.cat(jr, 1).T)
xb, yb, txb, tyb = rand(5, 3), rand(5, 2), rand(5, 3), rand(5, 2)
(out,) = vmap_case("f2_vmap_jvp_batched", "f2", [xb, yb, txb, tyb], [lvl([0, 0, 0, 0])], inner="jvp",
                   note="primals and tangents batched (5 samples): (5, 4)")
for k in range(5):
    jk = jacrev(f2, argnums=(0, 1))(xb[k], yb[k])
    close(out[k], jk[0] @ txb[k] + jk[1] @ tyb[k])

gxs, gys = vmap_case("f2_vmap_vjp_basis", "f2", [x, y, torch.eye(4)], [lvl([None, None, 0], [0, 0])], inner="vjp",
                     note="the 4 basis cotangents: the outputs (4, 3), (4, 2) are the Jacobian blocks")
close(gxs, jr[0])
close(gys, jr[1])
vs = rand(5, 4)
gxs, gys = vmap_case("f2_vmap_vjp_cotangents", "f2", [x, y, vs], [lvl([None, None, 0], [0, 0])], inner="vjp",
                     note="5 random cotangents, primals unbatched: (5, 3), (5, 2)")
close(gxs, vs @ jr[0])
close(gys, vs @ jr[1])
xb, yb, vb = rand(4, 3), rand(4, 2), rand(4, 4)
gxs, gys = vmap_case("f2_vmap_vjp_batched_out_dim1", "f2", [xb, yb, vb], [lvl([0, 0, 0], [1, 0])], inner="vjp",
                     note="primals and cotangents batched (4 samples), the x-gradient's batch on axis 1: (3, 4), (4, 2)")
for k in range(4):
    jk = jacrev(f2, argnums=(0, 1))(xb[k], yb[k])
    close(gxs[:, k], vb[k] @ jk[0])
    close(gys[k], vb[k] @ jk[1])

ref = {"torch_version": torch.__version__, "script": "autograd/testdata/functorch_ref.py", "cases": CASES}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "functorch_ref.json")
with open(path, "w") as f:
    json.dump(ref, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(f"wrote {len(CASES)} cases to {path} ({os.path.getsize(path)} bytes)")
