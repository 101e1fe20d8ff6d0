#!/usr/bin/python3
"""Reference trajectories of torch.optim for the tests of package optim.

Re-run from the repository root with

    /usr/bin/python3 optim/testdata/make_trajectories.py

(Debian: apt-get install python3-torch). It rewrites trajectories.json beside
this script; the file records the torch version that made it (the committed
file was made by the Debian bookworm package, torch 1.13.0a0, CPU).

The problem (mirrored exactly by trajectory_test.go):

    params   W (3x2), b (2)
    P = X·W + b            (X fixed 4x3, b broadcast over rows)
    R = P - Y              (Y fixed 4x2)
    C = ½·Σ R² + 0.1·Σ (W² − 1)²          (the double well makes C nonconvex)
    ∂C/∂W = Xᵀ·R + 0.4·W·(W² − 1),  ∂C/∂b = Σ_rows R

The gradient is computed here with plain Python floats, in the same order of
operations as the Go test, so both sides feed the optimisers bit-identical
gradients and any difference comes from the optimisers alone. Every optimiser
runs with foreach=False (torch's single-tensor path, the one the Go code
mirrors). In configurations marked "skip_b", the bias b has no gradient
(grad None) on steps t with t % 3 == 2, which checks that a parameter without
a gradient is skipped and keeps its own step count.
"""

import json
import os
import re
import sys

import torch

torch.set_default_dtype(torch.float64)

X = [[1.0, -0.5, 0.3],
     [0.2, 0.8, -1.1],
     [-0.7, 0.4, 0.9],
     [1.3, 0.1, -0.2]]
Y = [[0.5, -1.0],
     [1.2, 0.3],
     [-0.4, 0.8],
     [0.9, -0.6]]
W0 = [[0.5, -0.3],
      [0.8, 0.1],
      [-0.6, 0.9]]
B0 = [0.1, -0.2]
STEPS = 30


def gradients(W, b):
    """∂C/∂W and ∂C/∂b, in the operation order of trajectory_test.go."""
    R = []
    for n in range(4):
        row = []
        for k in range(2):
            s = 0.0
            for j in range(3):
                s += X[n][j] * W[j][k]
            row.append((s + b[k]) - Y[n][k])
        R.append(row)
    gW = []
    for j in range(3):
        row = []
        for k in range(2):
            s = 0.0
            for n in range(4):
                s += X[n][j] * R[n][k]
            w = W[j][k]
            row.append(s + 0.4 * w * (w * w - 1.0))
        gW.append(row)
    gb = []
    for k in range(2):
        s = 0.0
        for n in range(4):
            s += R[n][k]
        gb.append(s)
    return gW, gb


def flat(W, b):
    return [v for row in W.tolist() for v in row] + b.tolist()


OPTIMISERS = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
}

SCHEDULES = {
    "StepLR": torch.optim.lr_scheduler.StepLR,
    "ExponentialLR": torch.optim.lr_scheduler.ExponentialLR,
    "CosineAnnealingLR": torch.optim.lr_scheduler.CosineAnnealingLR,
    "LinearLR": torch.optim.lr_scheduler.LinearLR,
}

# name, optimiser, kwargs, extra. extra may hold "skip_b": True, "defaults":
# True (the Go side passes XxxDefaults() alone: PyTorch's defaults; SGD
# keeps the run's lr) and "schedule":
# [kind, kwargs] (scheduler.step() after every optimiser step).
RUNS = [
    ("sgd_plain", "SGD", dict(lr=0.05), {}),
    ("sgd_momentum", "SGD", dict(lr=0.02, momentum=0.9), {}),
    ("sgd_dampening", "SGD", dict(lr=0.02, momentum=0.9, dampening=0.3), {}),
    ("sgd_nesterov", "SGD", dict(lr=0.02, momentum=0.9, nesterov=True), {}),
    ("sgd_weight_decay", "SGD", dict(lr=0.03, momentum=0.5, weight_decay=0.1), {}),
    ("sgd_skip", "SGD", dict(lr=0.02, momentum=0.8, dampening=0.1, weight_decay=0.05), {"skip_b": True}),
    # torch 1.13's SGD has no default lr; newer releases default to 1e-3.
    ("sgd_defaults", "SGD", dict(lr=1e-3), {"defaults": True}),
    ("sgd_momentum_zero", "SGD", dict(lr=0.05, momentum=0.0, weight_decay=0.0), {}),
    ("sgd_steplr", "SGD", dict(lr=0.05, momentum=0.9), {"schedule": ["StepLR", dict(step_size=7, gamma=0.5)]}),

    ("adam", "Adam", dict(lr=0.05), {}),
    ("adam_eps", "Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-3), {}),
    ("adam_amsgrad", "Adam", dict(lr=0.05, betas=(0.9, 0.99), amsgrad=True), {}),
    ("adam_weight_decay", "Adam", dict(lr=0.05, weight_decay=0.1), {}),
    ("adam_skip", "Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.05, eps=1e-4), {"skip_b": True}),
    ("adam_defaults", "Adam", dict(), {"defaults": True}),
    # Zero settings whose default is not zero (tapegrad: zero means zero).
    ("adam_beta1_zero", "Adam", dict(lr=0.05, betas=(0.0, 0.999)), {}),
    ("adam_zeros", "Adam", dict(lr=0.05, betas=(0.0, 0.0), eps=0.0), {"skip_b": True}),
    ("adam_cosine", "Adam", dict(lr=0.05), {"schedule": ["CosineAnnealingLR", dict(T_max=12, eta_min=0.001)]}),

    ("adamw", "AdamW", dict(lr=0.05, weight_decay=0.1), {}),
    ("adamw_amsgrad", "AdamW", dict(lr=0.05, weight_decay=0.05, amsgrad=True, eps=1e-4, betas=(0.85, 0.98)), {"skip_b": True}),
    ("adamw_zero", "AdamW", dict(lr=0.05, betas=(0.0, 0.999), weight_decay=0.0), {}),
    ("adamw_defaults", "AdamW", dict(), {"defaults": True}),

    ("rmsprop", "RMSprop", dict(lr=0.02, alpha=0.9), {}),
    ("rmsprop_centered", "RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-4, centered=True), {}),
    ("rmsprop_momentum", "RMSprop", dict(lr=0.005, momentum=0.9, weight_decay=0.05), {}),
    ("rmsprop_centered_momentum", "RMSprop", dict(lr=0.005, alpha=0.95, momentum=0.5, centered=True, eps=1e-3), {"skip_b": True}),
    ("rmsprop_zeros", "RMSprop", dict(lr=0.01, alpha=0.0, eps=0.0), {}),
    ("rmsprop_defaults", "RMSprop", dict(), {"defaults": True}),
    ("rmsprop_linear", "RMSprop", dict(lr=0.01, momentum=0.5), {"schedule": ["LinearLR", dict(start_factor=0.25, total_iters=10)]}),

    ("adagrad", "Adagrad", dict(lr=0.1), {}),
    ("adagrad_lr_decay", "Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.5), {}),
    ("adagrad_full", "Adagrad", dict(lr=0.2, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1, eps=1e-3), {"skip_b": True}),
    ("adagrad_eps_zero", "Adagrad", dict(lr=0.1, eps=0.0), {}),
    ("adagrad_defaults", "Adagrad", dict(), {"defaults": True}),
    ("adagrad_exponential", "Adagrad", dict(lr=0.3), {"schedule": ["ExponentialLR", dict(gamma=0.9)]}),
]


def run(name, kind, kwargs, extra):
    W = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, requires_grad=True)
    opt = OPTIMISERS[kind]([W, b], foreach=False, **kwargs)
    sched = None
    if "schedule" in extra:
        skind, skw = extra["schedule"]
        sched = SCHEDULES[skind](opt, **skw)
    traj, lrs = [], []
    for t in range(STEPS):
        gW, gb = gradients(W.tolist(), b.tolist())
        W.grad = torch.tensor(gW)
        b.grad = None if extra.get("skip_b") and t % 3 == 2 else torch.tensor(gb)
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        if sched is not None:
            sched.step()
        traj.append(flat(W.detach(), b.detach()))
    out = dict(name=name, optimizer=kind,
               kwargs={k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()},
               skip_b=bool(extra.get("skip_b")), defaults=bool(extra.get("defaults")),
               lrs=lrs, trajectory=traj)
    if "schedule" in extra:
        out["schedule"] = dict(kind=extra["schedule"][0], kwargs=extra["schedule"][1])
    return out


# Schedules alone: the learning rate after construction (epoch 0) and after
# each of `epochs` calls of scheduler.step(), from a base rate of 0.1. Both
# torch's step() values (its recursive, chainable form) and its closed form
# are recorded.
SCHEDULE_RUNS = [
    ("steplr_3", "StepLR", dict(step_size=3, gamma=0.1), 20),
    ("steplr_1", "StepLR", dict(step_size=1, gamma=0.7), 20),
    ("exponential", "ExponentialLR", dict(gamma=0.95), 60),
    ("cosine_10", "CosineAnnealingLR", dict(T_max=10), 45),
    ("cosine_7_min", "CosineAnnealingLR", dict(T_max=7, eta_min=0.01), 30),
    ("linear_0.1_5", "LinearLR", dict(start_factor=0.1, total_iters=5), 10),
    ("linear_default", "LinearLR", dict(start_factor=1.0 / 3, total_iters=5), 10),
    ("linear_0.25_1", "LinearLR", dict(start_factor=0.25, total_iters=1), 4),
]


def schedule(name, kind, kwargs, epochs):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = SCHEDULES[kind](opt, **kwargs)
    lrs = [opt.param_groups[0]["lr"]]
    closed = [sched._get_closed_form_lr()[0]]
    for _ in range(epochs):
        opt.step()  # no gradients: a no-op that keeps torch's order check quiet
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        closed.append(sched._get_closed_form_lr()[0])
    return dict(name=name, kind=kind, kwargs=kwargs, base_lr=0.1, lrs=lrs, closed_form=closed)


# Clipping: three parameters, the last without a gradient.
CLIP_GRADS = [[[0.3, -1.2], [2.5, 0.0], [-0.7, 0.45]], [1.1, -0.25], None]


def clip(name, kind, value, grads):
    ps = [torch.zeros(torch.tensor(g).shape if g is not None else (2,), requires_grad=True)
          for g in grads]
    for p, g in zip(ps, grads):
        p.grad = torch.tensor(g) if g is not None else None
    total = None
    if kind == "norm":
        total = torch.nn.utils.clip_grad_norm_(ps, value).item()
    else:
        torch.nn.utils.clip_grad_value_(ps, value)
    after = [p.grad.flatten().tolist() if p.grad is not None else None for p in ps]
    before = [torch.tensor(g).flatten().tolist() if g is not None else None for g in grads]
    return dict(name=name, kind=kind, value=value, grads=before, total_norm=total, clipped=after)


CLIP_RUNS = [
    ("norm_clips", "norm", 1.0, CLIP_GRADS),
    ("norm_no_clip", "norm", 100.0, CLIP_GRADS),
    ("norm_exact", "norm", 3.0, CLIP_GRADS),
    ("norm_zero_grads", "norm", 1.0, [[0.0, 0.0, 0.0], [0.0, 0.0]]),
    ("norm_no_grads", "norm", 1.0, [None, None]),
    ("value", "value", 0.5, CLIP_GRADS),
    ("value_zero", "value", 0.0, CLIP_GRADS),
]


def main():
    data = dict(
        torch_version=torch.__version__,
        python_version=sys.version.split()[0],
        problem=dict(X=X, Y=Y, W0=W0, b0=B0, steps=STEPS),
        runs=[run(*r) for r in RUNS],
        schedules=[schedule(*s) for s in SCHEDULE_RUNS],
        clips=[clip(*c) for c in CLIP_RUNS],
    )
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "trajectories.json")
    text = json.dumps(data, indent=1)
    # One line per innermost list of numbers (a trajectory row, a schedule).
    text = re.sub(r"\[\s+([-0-9.eE+,\s]+?)\s+\]",
                  lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)
    with open(path, "w") as f:
        f.write(text + "\n")
    print("wrote", path, "with torch", torch.__version__)


if __name__ == "__main__":
    main()
