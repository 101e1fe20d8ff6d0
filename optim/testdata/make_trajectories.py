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

Every run is made three times: in float64 ("runs"), with float32 parameters
("runs32": W0 and b0 rounded to float32, each gradient computed as above in
Python floats from the float32 values and rounded to float32, so that both
sides again see bit-identical gradients and the optimiser is torch's float32
CPU code), and, for one run per optimiser, with W float32 and b float64
("runs_mixed"). torch's default dtype stays float64 throughout, so the step
counts and NAdam's mu_product are float64 tensors, as tapegrad keeps them.
The clipping runs are repeated with float32 gradients ("clips32").
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
    "NAdam": torch.optim.NAdam,
    "RAdam": torch.optim.RAdam,
}

SCHEDULES = {
    "StepLR": torch.optim.lr_scheduler.StepLR,
    "ExponentialLR": torch.optim.lr_scheduler.ExponentialLR,
    "CosineAnnealingLR": torch.optim.lr_scheduler.CosineAnnealingLR,
    "LinearLR": torch.optim.lr_scheduler.LinearLR,
    "OneCycleLR": torch.optim.lr_scheduler.OneCycleLR,
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

    # NAdam and RAdam (torch 1.13 semantics: see nadam.go on mu_product).
    ("nadam", "NAdam", dict(lr=0.05), {}),
    ("nadam_full", "NAdam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-4, weight_decay=0.1, momentum_decay=0.01), {"skip_b": True}),
    ("nadam_zero", "NAdam", dict(lr=0.05, betas=(0.0, 0.999), momentum_decay=0.0), {}),
    ("nadam_no_decay", "NAdam", dict(lr=0.05, momentum_decay=0.0), {}),
    ("nadam_defaults", "NAdam", dict(), {"defaults": True}),
    ("radam", "RAdam", dict(lr=0.05), {}),
    ("radam_full", "RAdam", dict(lr=0.05, betas=(0.8, 0.9), eps=1e-4, weight_decay=0.1), {"skip_b": True}),
    ("radam_beta1_zero", "RAdam", dict(lr=0.05, betas=(0.0, 0.99)), {}),
    ("radam_defaults", "RAdam", dict(), {"defaults": True}),

    # OneCycleLR stepped per optimiser step over the 30 steps, cycling the
    # momentum (SGD and RMSprop momentum, betas[0] of the Adam family).
    ("sgd_onecycle", "SGD", dict(lr=0.05, momentum=0.9), {"schedule": ["OneCycleLR", dict(max_lr=0.1, total_steps=STEPS)]}),
    ("sgd_onecycle_from_zero", "SGD", dict(lr=0.05), {"schedule": ["OneCycleLR", dict(max_lr=0.1, total_steps=STEPS, pct_start=0.25)]}),
    ("adam_onecycle", "Adam", dict(lr=0.05), {"schedule": ["OneCycleLR", dict(max_lr=0.1, total_steps=STEPS, anneal_strategy="linear", three_phase=True, div_factor=10.0, final_div_factor=100.0)]}),
    ("nadam_onecycle", "NAdam", dict(lr=0.05), {"schedule": ["OneCycleLR", dict(max_lr=0.05, total_steps=STEPS, base_momentum=0.8, max_momentum=0.9)]}),
    ("rmsprop_onecycle", "RMSprop", dict(lr=0.01, momentum=0.5), {"schedule": ["OneCycleLR", dict(max_lr=0.02, total_steps=STEPS)]}),
    ("adagrad_onecycle_no_momentum", "Adagrad", dict(lr=0.1), {"schedule": ["OneCycleLR", dict(max_lr=0.3, total_steps=STEPS + 5, cycle_momentum=False)]}),
]


# One run per optimiser with a float32 W and a float64 b, with their options.
MIXED_RUNS = ["sgd_skip", "adam_skip", "adamw_amsgrad", "rmsprop_centered_momentum",
              "adagrad_full", "nadam_full", "radam_full"]


def run(name, kind, kwargs, extra, wtype=torch.float64, btype=torch.float64):
    W = torch.tensor(W0, dtype=wtype, requires_grad=True)
    b = torch.tensor(B0, dtype=btype, requires_grad=True)
    opt = OPTIMISERS[kind]([W, b], foreach=False, **kwargs)
    sched = None
    if "schedule" in extra:
        skind, skw = extra["schedule"]
        sched = SCHEDULES[skind](opt, **skw)
    traj, lrs = [], []
    for t in range(STEPS):
        gW, gb = gradients(W.tolist(), b.tolist())
        W.grad = torch.tensor(gW, dtype=wtype)
        b.grad = None if extra.get("skip_b") and t % 3 == 2 else torch.tensor(gb, dtype=btype)
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


# Composed schedules alone (SequentialLR, ChainedScheduler, OneCycleLR),
# from a base rate of 0.1 on SGD with momentum 0.9: the rate and momentum
# after construction and after each of `epochs` calls of step(). A spec is
# [kind, kwargs], SequentialLR's and ChainedScheduler's "schedulers" a list
# of specs, made in order.
COMPOSED_RUNS = [
    ("seq_warm_exp", ["SequentialLR", dict(schedulers=[["LinearLR", dict(start_factor=0.1, total_iters=5)],
                                                       ["ExponentialLR", dict(gamma=0.9)]], milestones=[5])], 20),
    ("seq_warm_cos", ["SequentialLR", dict(schedulers=[["LinearLR", dict(start_factor=0.25, total_iters=3)],
                                                       ["CosineAnnealingLR", dict(T_max=10, eta_min=0.001)]], milestones=[3])], 20),
    ("seq_three", ["SequentialLR", dict(schedulers=[["ExponentialLR", dict(gamma=0.5)],
                                                    ["StepLR", dict(step_size=2, gamma=0.3)],
                                                    ["LinearLR", dict(start_factor=0.5, total_iters=4)]], milestones=[3, 8])], 16),
    ("chain_warm_exp", ["ChainedScheduler", dict(schedulers=[["LinearLR", dict(start_factor=0.25, total_iters=4)],
                                                            ["ExponentialLR", dict(gamma=0.9)]])], 12),
    ("chain_step_exp", ["ChainedScheduler", dict(schedulers=[["StepLR", dict(step_size=3, gamma=0.5)],
                                                            ["ExponentialLR", dict(gamma=0.95)]])], 12),
    ("onecycle_defaults", ["OneCycleLR", dict(max_lr=1.0, total_steps=100)], 100),
    ("onecycle_linear_3", ["OneCycleLR", dict(max_lr=0.5, total_steps=40, anneal_strategy="linear", three_phase=True)], 40),
    ("onecycle_short", ["OneCycleLR", dict(max_lr=0.2, total_steps=7, pct_start=0.5, div_factor=4.0, final_div_factor=2.0)], 7),
]


def build(opt, spec):
    kind, kwargs = spec
    if kind in ("SequentialLR", "ChainedScheduler"):
        subs = [build(opt, s) for s in kwargs["schedulers"]]
        if kind == "ChainedScheduler":
            return torch.optim.lr_scheduler.ChainedScheduler(subs)
        return torch.optim.lr_scheduler.SequentialLR(opt, subs, milestones=kwargs["milestones"])
    return SCHEDULES[kind](opt, **kwargs)


def composed(name, spec, epochs):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    sched = build(opt, spec)
    lrs = [opt.param_groups[0]["lr"]]
    momenta = [opt.param_groups[0]["momentum"]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        momenta.append(opt.param_groups[0]["momentum"])
    return dict(name=name, spec=spec, base_lr=0.1, momentum=0.9, lrs=lrs, momenta=momenta)


# ReduceLROnPlateau alone, from a base rate of 0.1: the rate after each
# step(metric) for a fixed metric sequence.
METRICS = [1.0, 0.9, 0.85, 0.85, 0.8499, 0.86, 0.84, 0.84, 0.84, 0.9, 0.7, 0.7, 0.7, 0.7, 0.7,
           0.69999, 0.7, 0.7, float("nan"), 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
PLATEAU_RUNS = [
    ("plateau_min_rel", dict(patience=2), METRICS),
    ("plateau_defaults", dict(), METRICS + [0.5] * 30),
    ("plateau_min_abs_cooldown", dict(patience=1, threshold=0.01, threshold_mode="abs", cooldown=2, factor=0.5), METRICS),
    ("plateau_max_rel", dict(mode="max", patience=1, factor=0.5, min_lr=0.02), METRICS),
    ("plateau_max_abs_eps", dict(mode="max", patience=0, threshold=0.0, threshold_mode="abs", factor=0.9, eps=0.005), METRICS),
    ("plateau_zero_patience", dict(patience=0, threshold=0.0, factor=0.0, min_lr=0.001), METRICS),
]


def plateau(name, kwargs, metrics):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    lrs = []
    for m in metrics:
        opt.step()
        sched.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    # JSON has no NaN: a NaN metric is written as null.
    metrics = [None if m != m else m for m in metrics]
    return dict(name=name, kwargs=kwargs, base_lr=0.1, metrics=metrics, lrs=lrs)


# Clipping: three parameters, the last without a gradient.
CLIP_GRADS = [[[0.3, -1.2], [2.5, 0.0], [-0.7, 0.45]], [1.1, -0.25], None]


def clip(name, kind, value, grads, dtype=torch.float64):
    ps = [torch.zeros(torch.tensor(g).shape if g is not None else (2,), dtype=dtype, requires_grad=True)
          for g in grads]
    for p, g in zip(ps, grads):
        p.grad = torch.tensor(g, dtype=dtype) if g is not None else None
    total = None
    if kind == "norm":
        total = torch.nn.utils.clip_grad_norm_(ps, value).item()
    else:
        torch.nn.utils.clip_grad_value_(ps, value)
    after = [p.grad.flatten().tolist() if p.grad is not None else None for p in ps]
    before = [torch.tensor(g, dtype=dtype).flatten().tolist() if g is not None else None for g in grads]
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
        runs32=[run(*r, wtype=torch.float32, btype=torch.float32) for r in RUNS],
        runs_mixed=[run(*r, wtype=torch.float32, btype=torch.float64) for r in RUNS if r[0] in MIXED_RUNS],
        schedules=[schedule(*s) for s in SCHEDULE_RUNS],
        clips=[clip(*c) for c in CLIP_RUNS],
        clips32=[clip(*c, dtype=torch.float32) for c in CLIP_RUNS],
        composed=[composed(*c) for c in COMPOSED_RUNS],
        plateaus=[plateau(*c) for c in PLATEAU_RUNS],
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
