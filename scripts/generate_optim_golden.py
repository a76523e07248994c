#!/usr/bin/env python3
"""Writes tests/golden/optim_trajectories.txt: whole parameter trajectories of
PyTorch's Python torch.optim on a small deterministic problem.

Run with PyTorch 2.14, the python3-torch of the Debian sid root:
  scripts/test-in-debian.sh sid --golden   (once, to install python3-torch there)
  chroot /var/cache/gradus-roots/sid python3 /gradus/scripts/generate_optim_golden.py \
      /gradus/tests/golden/optim_trajectories.txt
The C++ test tests/optim_golden_test.cpp rebuilds the same problem (see
tests/support/problem.cpp) and must follow each trajectory.

Muon's cases are the exception: its Newton-Schulz iteration runs in bfloat16,
so any perturbation flips roundings, and the C++ test compares it step by step
(from each recorded state, one step) within bfloat16 rounding instead.

Every other case is checked not to be chaotic before it is written: starting from
parameters perturbed by 1e-15 must move the final parameters by less than
1e-11, or the case is refused (a chaotic case would test rounding, not the
algorithm).

The problem: a 4-3-2 tanh network with MSE on 16 fixed samples; step s uses
the 4-row batch (s % 4). Everything is in float64 and derived from sin/cos,
so no random generator has to agree between the languages.
"""
import inspect
import math
import sys

import torch

STEPS = 200
PERTURBATION = 1e-15
CHAOS_LIMIT = 1e-11
# Options of the Python implementation itself, not of the algorithm.
PYTHON_ONLY = ("foreach", "differentiable", "capturable", "fused")
OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/golden/optim_trajectories.txt"


def problem():
    x = torch.tensor([[math.sin(0.37 * (4 * r + c) + 0.1) for c in range(4)] for r in range(16)],
                     dtype=torch.float64)
    y = torch.tensor([[math.cos(0.23 * (2 * r + c)) for c in range(2)] for r in range(16)],
                     dtype=torch.float64)
    return x, y


def initial_params():
    return [fill(4, 3, 0.0), fill(1, 3, 1.0).reshape(3), fill(3, 2, 2.0), fill(1, 2, 3.0).reshape(2)]


def fill(rows, cols, phase):
    return torch.tensor([[0.5 * math.sin(phase + 1.3 * (cols * i + j)) for j in range(cols)]
                         for i in range(rows)], dtype=torch.float64)


def embedding_tables():
    """SparseAdam's problem: two embedding tables whose rows get sparse gradients."""
    return [fill(10, 3, 0.5), fill(6, 2, 1.5)]


def sparse_grad(table, step, t):
    """Table t's gradient at `step`: three rows, one of them twice (coalescing sums it)."""
    rows, cols = table.shape
    index = [(3 * step + t) % rows, (7 * step + 1) % rows, (3 * step + t) % rows]
    values = torch.tensor([[math.cos(0.1 * (3 * step + k) + 0.7 * j + t) * (1 + 0.1 * k) for j in range(cols)]
                           for k in range(3)], dtype=torch.float64)
    return torch.sparse_coo_tensor([index], values, table.shape, check_invariants=True)


def loss_at(params, step, x, y):
    w1, b1, w2, b2 = params
    rows = slice(4 * (step % 4), 4 * (step % 4) + 4)
    out = torch.tanh(x[rows] @ w1 + b1) @ w2 + b2
    return ((out - y[rows]) ** 2).mean()


OPTIMIZERS = {
    "sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
    "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
    "adadelta": torch.optim.Adadelta, "adamax": torch.optim.Adamax,
    "radam": torch.optim.RAdam, "rprop": torch.optim.Rprop, "nadam": torch.optim.NAdam,
    "asgd": torch.optim.ASGD, "adafactor": torch.optim.Adafactor, "muon": torch.optim.Muon,
    "sparse_adam": torch.optim.SparseAdam,
}

# Which params each group holds, by the number of groups (params are
# w1, b1, w2, b2); tests/optim_golden_test.cpp splits them the same way.
GROUP_PARAMS = {1: [[0, 1, 2, 3]], 2: [[0, 1], [2, 3]], 3: [[0], [1], [2, 3]]}
# Muon takes 2-D parameters only: w1 and w2 (b1 and b2 stay where they start).
MUON_GROUP_PARAMS = {1: [[0, 2]], 2: [[0], [2]]}
# SparseAdam's params are the two tables of embedding_tables().
TABLE_GROUP_PARAMS = {1: [[0, 1]], 2: [[0], [1]]}
# adjust_lr_fn's values, written by index (the fixture holds numbers).
ADJUST_LR_FNS = ["original", "match_rms_adamw", "spectral_unclamped"]

# name, optimizer, options per group. A group with maximize gets the gradient
# of -loss, so training still converges.
CASES = [
    ("adadelta_default", "adadelta", [{}]),
    ("adadelta_rho_eps", "adadelta", [dict(lr=0.5, rho=0.8, eps=1e-5)]),
    ("adadelta_weight_decay", "adadelta", [dict(lr=1.0, weight_decay=0.05)]),
    ("adadelta_maximize", "adadelta", [dict(lr=0.8, maximize=True)]),
    ("adadelta_two_groups", "adadelta", [dict(lr=1.0), dict(lr=0.3, rho=0.95, weight_decay=0.01)]),
    ("sgd_nesterov_wd_maximize", "sgd",
     [dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01, maximize=True)]),
    ("sgd_dampening_two_groups", "sgd",
     [dict(lr=0.05, momentum=0.8, dampening=0.3), dict(lr=0.02, maximize=True)]),
    ("adam_amsgrad_wd_maximize", "adam",
     [dict(lr=0.01, betas=(0.8, 0.99), eps=1e-7, weight_decay=0.02, amsgrad=True, maximize=True)]),
    ("adam_two_groups", "adam", [dict(lr=0.01), dict(lr=0.003, amsgrad=True, maximize=True)]),
    ("adamw_amsgrad_maximize", "adamw",
     [dict(lr=0.01, betas=(0.85, 0.995), weight_decay=0.05, amsgrad=True, maximize=True)]),
    ("adagrad_full_maximize", "adagrad",
     [dict(lr=0.1, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1, eps=1e-8,
           maximize=True)]),
    ("rmsprop_centered_momentum_maximize", "rmsprop",
     [dict(lr=0.005, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.5, centered=True,
           maximize=True)]),
    ("rmsprop_two_groups", "rmsprop", [dict(lr=0.01), dict(lr=0.002, centered=True, maximize=True)]),
    ("adamw_two_groups", "adamw", [dict(lr=0.01), dict(lr=0.004, weight_decay=0.1, amsgrad=True)]),
    ("adagrad_two_groups", "adagrad", [dict(lr=0.1), dict(lr=0.03, lr_decay=0.02, weight_decay=0.01)]),
    # Three groups, each with options of its own: the defaults (the first
    # group's) must not leak into the others.
    ("sgd_three_groups", "sgd",
     [dict(lr=0.05), dict(lr=0.02, momentum=0.9, nesterov=True), dict(lr=0.03, momentum=0.5, weight_decay=0.02)]),
    ("adam_three_groups", "adam",
     [dict(lr=0.01), dict(lr=0.003, betas=(0.8, 0.99), amsgrad=True), dict(lr=0.005, weight_decay=0.03, maximize=True)]),
    ("adamw_three_groups", "adamw",
     [dict(lr=0.01), dict(lr=0.002, weight_decay=0.2), dict(lr=0.006, betas=(0.85, 0.95), eps=1e-6)]),
    ("adagrad_three_groups", "adagrad",
     [dict(lr=0.1), dict(lr=0.05, lr_decay=0.05), dict(lr=0.02, weight_decay=0.03, maximize=True)]),
    ("rmsprop_three_groups", "rmsprop",
     [dict(lr=0.01), dict(lr=0.003, momentum=0.6), dict(lr=0.002, alpha=0.95, centered=True, weight_decay=0.01)]),
    ("adadelta_three_groups", "adadelta",
     [dict(lr=1.0), dict(lr=0.4, rho=0.8), dict(lr=0.7, eps=1e-5, weight_decay=0.02, maximize=True)]),
    ("adamax_default", "adamax", [{}]),
    ("adamax_betas_eps", "adamax", [dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)]),
    ("adamax_weight_decay_maximize", "adamax", [dict(lr=0.01, weight_decay=0.05, maximize=True)]),
    ("adamax_two_groups", "adamax", [dict(lr=0.01), dict(lr=0.003, betas=(0.85, 0.95), maximize=True)]),
    ("adamax_three_groups", "adamax",
     [dict(lr=0.01), dict(lr=0.004, eps=1e-5), dict(lr=0.006, weight_decay=0.02, maximize=True)]),
    ("radam_default", "radam", [{}]),
    ("radam_betas_eps", "radam", [dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)]),
    ("radam_weight_decay_maximize", "radam", [dict(lr=0.01, weight_decay=0.05, maximize=True)]),
    ("radam_decoupled_weight_decay", "radam", [dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)]),
    ("radam_two_groups", "radam",
     [dict(lr=0.01), dict(lr=0.003, weight_decay=0.02, decoupled_weight_decay=True, maximize=True)]),
    ("radam_three_groups", "radam",
     [dict(lr=0.01), dict(lr=0.004, betas=(0.85, 0.95)), dict(lr=0.006, weight_decay=0.02, maximize=True)]),
    ("rprop_default", "rprop", [{}]),
    ("rprop_etas_step_sizes", "rprop", [dict(lr=0.005, etas=(0.4, 1.3), step_sizes=(1e-5, 0.02))]),
    ("rprop_maximize", "rprop", [dict(lr=0.02, maximize=True)]),
    ("rprop_two_groups", "rprop", [dict(lr=0.01), dict(lr=0.003, etas=(0.6, 1.1), maximize=True)]),
    ("rprop_three_groups", "rprop",
     [dict(lr=0.01), dict(lr=0.004, step_sizes=(1e-4, 0.5)), dict(lr=0.02, etas=(0.3, 1.5))]),
    ("nadam_default", "nadam", [{}]),
    ("nadam_betas_eps_momentum_decay", "nadam", [dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, momentum_decay=0.01)]),
    ("nadam_weight_decay_maximize", "nadam", [dict(lr=0.01, weight_decay=0.05, maximize=True)]),
    ("nadam_decoupled_weight_decay", "nadam", [dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)]),
    ("nadam_two_groups", "nadam",
     [dict(lr=0.01), dict(lr=0.003, weight_decay=0.02, decoupled_weight_decay=True, maximize=True)]),
    ("nadam_three_groups", "nadam",
     [dict(lr=0.01), dict(lr=0.004, betas=(0.85, 0.95), momentum_decay=0.002),
      dict(lr=0.006, weight_decay=0.02, maximize=True)]),
    # t0 within the 200 steps, so that ax averages (before t0 it copies).
    ("asgd_default", "asgd", [{}]),
    ("asgd_lambd_alpha_t0", "asgd", [dict(lr=0.05, lambd=1e-3, alpha=0.6, t0=20.0)]),
    ("asgd_weight_decay_maximize", "asgd", [dict(lr=0.05, weight_decay=0.05, maximize=True, t0=100.0)]),
    ("asgd_two_groups", "asgd", [dict(lr=0.05, t0=10.0), dict(lr=0.02, lambd=0.01, alpha=0.9, maximize=True)]),
    ("asgd_three_groups", "asgd",
     [dict(lr=0.05, t0=50.0), dict(lr=0.03, lambd=0.005), dict(lr=0.04, weight_decay=0.02, t0=5.0)]),
    # Adafactor factors w1 (4x3) and w2 (3x2); b1 and b2 keep a full variance.
    ("adafactor_default", "adafactor", [{}]),
    ("adafactor_beta2_decay_eps", "adafactor", [dict(lr=0.02, beta2_decay=-0.5, eps=(1e-10, 1e-2))]),
    ("adafactor_d_weight_decay_maximize", "adafactor", [dict(lr=0.02, d=2.0, weight_decay=0.05, maximize=True)]),
    ("adafactor_two_groups", "adafactor", [dict(lr=0.02), dict(lr=0.01, beta2_decay=-0.6, maximize=True)]),
    ("adafactor_three_groups", "adafactor",
     [dict(lr=0.02), dict(lr=0.01, eps=(1e-12, 1e-3)), dict(lr=0.03, d=1.5, weight_decay=0.02)]),
    ("muon_default", "muon", [{}]),
    ("muon_no_nesterov_match_rms_adamw", "muon",
     [dict(lr=0.02, momentum=0.9, nesterov=False, adjust_lr_fn="match_rms_adamw")]),
    ("muon_ns_steps_eps_spectral", "muon",
     [dict(lr=0.01, ns_steps=3, eps=1e-6, weight_decay=0.0, adjust_lr_fn="spectral_unclamped")]),
    ("sparse_adam_default", "sparse_adam", [{}]),
    ("sparse_adam_betas_eps_maximize", "sparse_adam", [dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, maximize=True)]),
    ("sparse_adam_two_groups", "sparse_adam", [dict(lr=0.01), dict(lr=0.003, betas=(0.85, 0.95))]),
    ("muon_two_groups", "muon",
     [dict(lr=0.02, adjust_lr_fn="original"), dict(lr=0.01, momentum=0.8, ns_coefficients=(3.0, -4.0, 2.0))]),
]


def complete(optimizer, options):
    """The group's options with every unset one at the optimizer's default.

    A LibTorch param group carries its full options while a Python group takes
    missing keys from the constructor, so each group is spelled out in full."""
    full = {}
    for name, parameter in inspect.signature(OPTIMIZERS[optimizer]).parameters.items():
        if isinstance(parameter.default, (bool, int, float, tuple)) and name not in PYTHON_ONLY:
            full[name] = parameter.default
    full.update(options)
    return full


def run_case(optimizer, groups, perturbation=0.0):
    groups = [complete(optimizer, g) for g in groups]
    x, y = problem()
    sparse = optimizer == "sparse_adam"
    start = embedding_tables() if sparse else initial_params()
    params = [(p * (1 + perturbation)).requires_grad_() for p in start]
    split = {"muon": MUON_GROUP_PARAMS, "sparse_adam": TABLE_GROUP_PARAMS}.get(optimizer, GROUP_PARAMS)[len(groups)]
    param_groups = [dict(params=[params[i] for i in held], **options) for held, options in zip(split, groups)]
    group_of = {i: g for g, held in enumerate(split) for i in held}
    # The first group's options are also the constructor defaults, as in the C++ test.
    opt = OPTIMIZERS[optimizer](param_groups, **groups[0])
    rows = []
    for step in range(STEPS):
        if sparse:
            grads = [sparse_grad(p, step, t) for t, p in enumerate(params)]
        else:
            grads = torch.autograd.grad(loss_at(params, step, x, y), params)
        for i, (p, g) in enumerate(zip(params, grads)):
            maximize = i in group_of and groups[group_of[i]].get("maximize", False)
            p.grad = -g if maximize else g  # maximize: objective -loss
        opt.step()
        row = [p.detach().reshape(-1) for p in params]
        if optimizer == "asgd":  # and the averaged parameters, which ASGD is for
            row += [opt.state[p]["ax"].reshape(-1) for p in params]
        if optimizer == "muon":  # and the momentum buffers, to start each compared step from
            row += [opt.state[params[i]]["momentum_buffer"].reshape(-1) for held in split for i in held]
        rows.append(torch.cat(row).tolist())
    return rows


def format_options(options):
    parts = []
    for key, value in sorted(options.items()):
        if value is None:
            continue
        if key == "adjust_lr_fn":
            parts.append(f"{key}={float(ADJUST_LR_FNS.index(value))!r}")
        elif key == "betas":
            parts.append(f"beta1={value[0]!r}")
            parts.append(f"beta2={value[1]!r}")
        elif isinstance(value, tuple):  # e.g. Rprop's etas: etas_0, etas_1; an unset element is left out
            parts += [f"{key}_{i}={float(v)!r}" for i, v in enumerate(value) if v is not None]
        else:
            parts.append(f"{key}={float(value)!r}")
    return " ".join(parts)


def main():
    with open(OUT, "w") as out:
        out.write(f"# generated by scripts/generate_optim_golden.py with torch {torch.__version__}\n")
        for name, optimizer, groups in CASES:
            rows = run_case(optimizer, groups)
            if optimizer == "muon":
                moved = 0.0  # compared step by step (see the top)
            else:
                moved = max(abs(a - b) for a, b in zip(rows[-1], run_case(optimizer, groups, PERTURBATION)[-1]))
            if not moved < CHAOS_LIMIT:
                sys.exit(f"{name}: a start perturbed by {PERTURBATION} moves the end by {moved}: chaotic, pick "
                         "other options")
            print(f"{name}: " + ("compared step by step" if optimizer == "muon" else
                                 f"perturbed start moves the end by {moved:.1e}"))
            out.write(f"case {name} {optimizer} {len(groups)} {len(rows)} {len(rows[0])}\n")
            for g in groups:
                out.write(f"group {format_options(complete(optimizer, g))}\n")
            for row in rows:
                out.write(" ".join(repr(v) for v in row) + "\n")
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
