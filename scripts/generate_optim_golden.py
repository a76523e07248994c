#!/usr/bin/env python3
"""Writes tests/golden/optim_trajectories.txt: whole parameter trajectories of
PyTorch's Python torch.optim on a small deterministic problem.

Run with Debian's python3-torch (/usr/bin/python3). The C++ test
tests/optim_golden_test.cpp rebuilds the same problem (see
tests/support/golden_problem.cpp) and must follow each trajectory.

The problem: a 4-3-2 tanh network with MSE on 16 fixed samples; step s uses
the 4-row batch (s % 4). Everything is in float64 and derived from sin/cos,
so no random generator has to agree between the languages.
"""
import inspect
import math
import sys

import torch

STEPS = 200
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
    def fill(rows, cols, phase):
        return torch.tensor([[0.5 * math.sin(phase + 1.3 * (cols * i + j)) for j in range(cols)]
                             for i in range(rows)], dtype=torch.float64)
    return [fill(4, 3, 0.0), fill(1, 3, 1.0).reshape(3), fill(3, 2, 2.0), fill(1, 2, 3.0).reshape(2)]


def loss_at(params, step, x, y):
    w1, b1, w2, b2 = params
    rows = slice(4 * (step % 4), 4 * (step % 4) + 4)
    out = torch.tanh(x[rows] @ w1 + b1) @ w2 + b2
    return ((out - y[rows]) ** 2).mean()


OPTIMIZERS = {
    "sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
    "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
    "adadelta": torch.optim.Adadelta,
}

# name, optimizer, options per group (one dict: one group of all params; two:
# [w1, b1] and [w2, b2]). A group with maximize gets the gradient of -loss, so
# training still converges.
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


def run_case(optimizer, groups):
    groups = [complete(optimizer, g) for g in groups]
    x, y = problem()
    params = [p.requires_grad_() for p in initial_params()]
    if len(groups) == 1:
        param_groups = [dict(params=params, **groups[0])]
    else:
        param_groups = [dict(params=params[:2], **groups[0]), dict(params=params[2:], **groups[1])]
    # The first group's options are also the constructor defaults, as in the C++ test.
    opt = OPTIMIZERS[optimizer](param_groups, **groups[0])
    rows = []
    for step in range(STEPS):
        grads = torch.autograd.grad(loss_at(params, step, x, y), params)
        for i, (p, g) in enumerate(zip(params, grads)):
            group = groups[0] if (len(groups) == 1 or i < 2) else groups[1]
            p.grad = -g if group.get("maximize", False) else g  # maximize: objective -loss
        opt.step()
        rows.append(torch.cat([p.detach().reshape(-1) for p in params]).tolist())
    return rows


def format_options(options):
    parts = []
    for key, value in sorted(options.items()):
        if value is None:
            continue
        if key == "betas":
            parts.append(f"beta1={value[0]!r}")
            parts.append(f"beta2={value[1]!r}")
        else:
            parts.append(f"{key}={float(value)!r}")
    return " ".join(parts)


def main():
    with open(OUT, "w") as out:
        out.write(f"# generated by scripts/generate_optim_golden.py with torch {torch.__version__}\n")
        for name, optimizer, groups in CASES:
            rows = run_case(optimizer, groups)
            out.write(f"case {name} {optimizer} {len(groups)} {len(rows)} {len(rows[0])}\n")
            for g in groups:
                out.write(f"group {format_options(complete(optimizer, g))}\n")
            for row in rows:
                out.write(" ".join(repr(v) for v in row) + "\n")
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
