#!/usr/bin/env python3
"""Writes tests/golden/scheduler_lrs.txt: lr sequences (and cycled momentum
or beta1) of PyTorch's Python torch.optim.lr_scheduler, for the C++ test
tests/scheduler_golden_test.cpp, which builds the same cases by name.

Run with Debian's python3-torch (/usr/bin/python3). Every case has two param
groups with different base lrs (0.1 and 0.03) and runs STEPS steps; row 0 is
the lr after construction, row t the lr after t calls of step().
"""
import math
import sys

import torch
from torch.optim import lr_scheduler as S

STEPS = 600
OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/golden/scheduler_lrs.txt"


def metric(t):
    """ReduceLROnPlateau's metric at step t (mirrored in the C++ test)."""
    return 1.0 / (1 + t // 40) + 0.001 * ((t * 37) % 11)


def sgd():
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    return torch.optim.SGD([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.03}], lr=0.1, momentum=0.9)


def adam():
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    return torch.optim.Adam([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.03}], lr=0.1)


# name: (optimizer, builder(opt) -> scheduler, what is recorded besides lr, steps)
CASES = {
    "lambda_exp": (sgd, lambda o: S.LambdaLR(o, lambda e: 0.95 ** e), None),
    "lambda_per_group": (sgd, lambda o: S.LambdaLR(o, [lambda e: 1 / (1 + 0.01 * e), lambda e: 0.99 ** e]), None),
    "lambda_staircase": (sgd, lambda o: S.LambdaLR(o, lambda e: 0.5 ** (e // 100)), None),
    "multiplicative_const": (sgd, lambda o: S.MultiplicativeLR(o, lambda e: 0.995), None),
    "multiplicative_per_group": (sgd, lambda o: S.MultiplicativeLR(o, [lambda e: 0.999, lambda e: 1 - 0.001 * (e % 3)]), None),
    "multiplicative_decay": (sgd, lambda o: S.MultiplicativeLR(o, lambda e: 1 / (1 + 0.0005 * e)), None),
    "step_50_half": (sgd, lambda o: S.StepLR(o, 50, gamma=0.5), None),
    "step_every": (sgd, lambda o: S.StepLR(o, 1, gamma=0.99), None),
    "step_default_gamma": (sgd, lambda o: S.StepLR(o, 200), None),
    "multistep": (sgd, lambda o: S.MultiStepLR(o, [100, 250, 400], gamma=0.5), None),
    "multistep_repeated": (sgd, lambda o: S.MultiStepLR(o, [50, 50, 300], gamma=0.3), None),
    "multistep_default_gamma": (sgd, lambda o: S.MultiStepLR(o, [550]), None),
    "constant_default": (sgd, lambda o: S.ConstantLR(o), None),
    "constant_half_100": (sgd, lambda o: S.ConstantLR(o, factor=0.5, total_iters=100), None),
    "constant_long": (sgd, lambda o: S.ConstantLR(o, factor=0.1, total_iters=550), None),
    "linear_default": (sgd, lambda o: S.LinearLR(o), None),
    "linear_warmup": (sgd, lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=300), None),
    "linear_decay_down": (sgd, lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=400), None),
    "exponential_099": (sgd, lambda o: S.ExponentialLR(o, 0.99), None),
    "exponential_0995": (sgd, lambda o: S.ExponentialLR(o, 0.995), None),
    "exponential_09": (sgd, lambda o: S.ExponentialLR(o, 0.9), None),
    "polynomial_linear": (sgd, lambda o: S.PolynomialLR(o, total_iters=500, power=1.0), None),
    "polynomial_square": (sgd, lambda o: S.PolynomialLR(o, total_iters=300, power=2.0), None),
    "polynomial_sqrt": (sgd, lambda o: S.PolynomialLR(o, total_iters=600, power=0.5), None),
    "cosine_periodic": (sgd, lambda o: S.CosineAnnealingLR(o, T_max=100, eta_min=0.001), None),
    "cosine_full": (sgd, lambda o: S.CosineAnnealingLR(o, T_max=600), None),
    "cosine_odd": (sgd, lambda o: S.CosineAnnealingLR(o, T_max=37, eta_min=0.01), None),
    "warm_restarts": (sgd, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=50), None),
    "warm_restarts_mult2": (sgd, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=20, T_mult=2, eta_min=1e-3), None),
    "warm_restarts_mult3": (sgd, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=100, T_mult=3), None),
    "cyclic_triangular": (sgd, lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=50), "momentum"),
    "cyclic_triangular2": (sgd, lambda o: S.CyclicLR(o, [0.01, 0.001], [0.1, 0.05], step_size_up=40,
                                                     step_size_down=60, mode="triangular2"), "momentum"),
    "cyclic_exp_range": (sgd, lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=30, mode="exp_range",
                                                   gamma=0.995, base_momentum=0.7, max_momentum=0.95), "momentum"),
    "cyclic_adam_no_momentum": (adam, lambda o: S.CyclicLR(o, 0.001, 0.01, step_size_up=25,
                                                           cycle_momentum=False), None),
    "onecycle_cos": (sgd, lambda o: S.OneCycleLR(o, 0.1, total_steps=601), "momentum"),
    "onecycle_linear_three_phase": (sgd, lambda o: S.OneCycleLR(o, [0.1, 0.05], total_steps=601,
                                                                anneal_strategy="linear", three_phase=True), "momentum"),
    "onecycle_adam_beta1": (adam, lambda o: S.OneCycleLR(o, 0.01, epochs=7, steps_per_epoch=86, pct_start=0.25,
                                                         div_factor=10.0, final_div_factor=100.0), "beta1"),
    "plateau_default": (sgd, lambda o: S.ReduceLROnPlateau(o), "metric"),
    "plateau_max_abs_cooldown": (sgd, lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.5, patience=5,
                                                                    threshold=0.01, threshold_mode="abs",
                                                                    cooldown=3), "negated_metric"),
    "plateau_min_lrs": (sgd, lambda o: S.ReduceLROnPlateau(o, factor=0.7, patience=2, min_lr=[0.01, 0.005]), "metric"),
    "sequential_warmup_cosine": (sgd, lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 50),
                                                                   S.CosineAnnealingLR(o, 550)], [50]), None),
    "sequential_three": (sgd, lambda o: S.SequentialLR(o, [S.ConstantLR(o, 0.5, 10), S.ExponentialLR(o, 0.99),
                                                           S.StepLR(o, 100, 0.5)], [100, 300]), None),
    "sequential_wsd": (sgd, lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.2, 1.0, 20), S.ConstantLR(o, 1.0, 1),
                                                         S.LinearLR(o, 1.0, 0.01, 200)], [20, 400]), None),
    "chained_constant_exponential": (sgd, lambda o: S.ChainedScheduler([S.ConstantLR(o, 0.5, 20),
                                                                       S.ExponentialLR(o, 0.995)]), None),
    "chained_step_linear": (sgd, lambda o: S.ChainedScheduler([S.StepLR(o, 100, 0.5), S.LinearLR(o, 0.5, 1.0, 50)]), None),
    "chained_three": (sgd, lambda o: S.ChainedScheduler([S.MultiStepLR(o, [200, 400], 0.1), S.ConstantLR(o, 0.25, 30),
                                                         S.ExponentialLR(o, 0.999)]), None),
    # PyTorch compositions equal to gradus's own schedules.
    "as_linear_decay_linearlr": (sgd, lambda o: S.LinearLR(o, 1.0, 0.0, 500), None),
    "as_linear_decay_polynomial": (sgd, lambda o: S.PolynomialLR(o, 500, 1.0), None),
    "as_linear_decay_end_factor": (sgd, lambda o: S.LinearLR(o, 1.0, 0.2, 400), None),
    "as_warmup_cosine": (sgd, lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 50),
                                                           S.CosineAnnealingLR(o, 450, eta_min=0.001)], [50]), None),
    "as_wsd_linear": (sgd, lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.2, 1.0, 20), S.ConstantLR(o, 1.0, 1),
                                                        S.LinearLR(o, 1.0, 0.05, 200)], [20, 300]), None),
}
# Compositions that only hold up to the composed schedule's end.
STEPS_OF = {"as_warmup_cosine": 500, "as_wsd_linear": 520, "as_linear_decay_linearlr": 500,
            "as_linear_decay_polynomial": 500, "as_linear_decay_end_factor": 500}


def row(opt, extra):
    values = [g["lr"] for g in opt.param_groups]
    if extra == "momentum":
        values += [g["momentum"] for g in opt.param_groups]
    elif extra == "beta1":
        values += [g["betas"][0] for g in opt.param_groups]
    return values


def run(name, make_opt, build, extra):
    opt = make_opt()
    scheduler = build(opt)
    cycled = extra if extra in ("momentum", "beta1") else None
    rows = [row(opt, cycled)]
    for t in range(1, STEPS_OF.get(name, STEPS) + 1):
        opt.step()
        if extra == "metric":
            scheduler.step(metric(t))
        elif extra == "negated_metric":
            scheduler.step(-metric(t))
        else:
            scheduler.step()
        rows.append(row(opt, cycled))
    return rows


def main():
    with open(OUT, "w") as out:
        out.write(f"# generated by scripts/generate_scheduler_golden.py with torch {torch.__version__}\n")
        for name, (make_opt, build, extra) in CASES.items():
            rows = run(name, make_opt, build, extra)
            kind = type(build(make_opt())).__name__
            out.write(f"case {name} {kind} 0 {len(rows)} {len(rows[0])}\n")
            for r in rows:
                out.write(" ".join(repr(float(v)) for v in r) + "\n")
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
