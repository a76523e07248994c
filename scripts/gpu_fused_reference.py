#!/usr/bin/env python3
"""PyTorch's own fused optimizers (fused=True) on the parameter lists of
benchmarks/cuda_step_bench.cpp, timed the same way; prints 'pyfused' lines
that scripts/gpu-check.sh puts next to gradus's. Run on a machine with a GPU."""
import time

import torch


def resnet50_shapes():
    s = [(64, 3, 7, 7), (64,), (64,)]
    inp = 64
    for blocks, w in zip((3, 4, 6, 3), (64, 128, 256, 512)):
        out = 4 * w
        for b in range(blocks):
            s += [(w, inp, 1, 1), (w,), (w,), (w, w, 3, 3), (w,), (w,), (out, w, 1, 1), (out,), (out,)]
            if b == 0:
                s += [(out, inp, 1, 1), (out,), (out,)]
            inp = out
    return s + [(1000, 2048), (1000,)]


def params_for(shapes):
    ps = []
    for shape in shapes:
        p = (torch.rand(shape, device="cuda") * 0.01).requires_grad_()
        p.grad = torch.rand(shape, device="cuda")
        ps.append(p)
    return ps


OPTIMIZERS = {
    "SGD": lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, fused=True),
    "Adam": lambda p: torch.optim.Adam(p, lr=1e-3, fused=True),
    "AdamW": lambda p: torch.optim.AdamW(p, lr=1e-3, fused=True),
    "Adagrad": lambda p: torch.optim.Adagrad(p, lr=1e-3, fused=True),
}

for name, shapes in (("resnet50", resnet50_shapes()), ("flat100M", [(12500000,)] * 8)):
    for opt_name, make in OPTIMIZERS.items():
        try:
            opt = make(params_for(shapes))
            opt.step()  # state, warm-up; some fused kernels refuse only here
        except (RuntimeError, TypeError) as e:  # a torch without that fused kernel
            print(f"pyfused {name} {opt_name} unavailable ({e})")
            continue
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(50):
            opt.step()
        torch.cuda.synchronize()
        print(f"pyfused {name} {opt_name} ms {(time.perf_counter() - start) / 50 * 1e3:.4f}")
