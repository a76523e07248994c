#!/usr/bin/env python3
"""Writes golden trajectories (tests/golden/reference/, format 1 of its README)
by running the optimizers' own authors' code, unchanged, on PyTorch 2.14 in
float64.

The reference code is not part of gradus. Check each repository out at the
commit named in REFERENCES and copy these files into one folder REFS:
  REFS/schedulefree/            facebookresearch/schedule_free: schedulefree/
  REFS/adopt.py                 iShohei220/adopt: src/adopt/adopt.py
  REFS/ademamix.py              apple/ml-ademamix: pytorch/ademamix.py
  REFS/lamb.py                  cybertronai/pytorch-lamb: pytorch_lamb/lamb.py
  REFS/LARC.py                  NVIDIA/apex: apex/parallel/LARC.py
Then, in the sid root (scripts/test-in-debian.sh sid --golden installs
python3-torch there):
  python3 scripts/generate_reference_golden.py REFS OUTDIR [CASE ...]

With no CASE it writes every case below. Each case is checked not to be
chaotic first: a start perturbed by 1e-15 must move the final values by less
than 1e-11 relative, or nothing is written.

ATen's CPU kernels are pinned to AVX2 (ATEN_CPU_CAPABILITY), so that the
norms' reductions round alike on every machine; with it, this script
reproduces the shared cases of tests/golden/reference/ bit for bit.
"""
import math
import os
import sys
import types

os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
import torch  # noqa: E402  (after the capability is set)

PERTURBATION = 1e-15
CHAOS_LIMIT = 1e-11
SHAPES = [(5, 3), (4,)]
GRADIENT = "g = 2*(p - target) + 0.1*sin(3*p)"

SF_COMMIT = "70785b53e778d0e872c0bbb75ff4ee54ee10c291"
REFERENCES = {
    "SGDScheduleFree": ("facebookresearch/schedule_free", "schedulefree/sgd_schedulefree.py", SF_COMMIT),
    "AdamWScheduleFree": ("facebookresearch/schedule_free", "schedulefree/adamw_schedulefree.py", SF_COMMIT),
    "RAdamScheduleFree": ("facebookresearch/schedule_free", "schedulefree/radam_schedulefree.py", SF_COMMIT),
    "ADOPT": ("iShohei220/adopt", "src/adopt/adopt.py", "6468572b4b3688a2f056b796b071da540568520e"),
    "AdEMAMix": ("apple/ml-ademamix", "pytorch/ademamix.py", "c3d73c09f1287e5c33b95189bb0aa7de0a5a7667"),
    "Lamb": ("cybertronai/pytorch-lamb", "pytorch_lamb/lamb.py", "d3ab8dccf6717977c1ad0d6b95499f6b25bba41b"),
    "LARC": ("NVIDIA/apex", "apex/parallel/LARC.py", "e13873debc4699d39c6861074b9a3b2a02327f92"),
}
NOTES = {
    "ADOPT": ["ADOPT, single-tensor path (the default on CPU); clip_lambda is a constructor option, "
              "not a group option"],
    "AdEMAMix": ["AdEMAMix (PyTorch class); beta3_warmup/alpha_warmup None = no warm-up"],
    "Lamb": ["LAMB as in pytorch-lamb: paper v3 without bias correction, ||p|| clamped to [0, 10], "
             "trust ratio 1 if either norm is 0; adam is a constructor option",
             "its module imports tensorboardX for logging only; an empty stand-in was given"],
    "LARC": ["LARS as NVIDIA apex LARC (last version before apex removed it) wrapping torch.optim.SGD "
             "from PyTorch 2.14;",
             "ctor line = LARC(optimizer, trust_coefficient, clip, eps); group lines = the inner "
             "torch.optim.SGD param groups"],
}
SF_NOTES = [
    "the standard (non-closure) class; foreach=True (its default) was used",
    "modes: optimizer.train() before step 1; every step line is p in train mode (= y, where gradients are taken);",
    "after the last step: final_train = y, final_z = state z, then optimizer.eval() and final_eval = p in eval "
    "mode (= x)",
]

# name: (reference class, seed, steps, description, scales, near, ctor, group)
# near: targets drawn as p + near * randn instead of randn (keeps a clip active).
CASES = {
    "adopt_4": ("ADOPT", 1504, 50, "50 steps, clip_lambda=None (no clip), coupled weight decay; targets near "
                "the start and a large lr, where the default clip would act", (1.0, 1.0), 0.05, {"clip_lambda": None},
                dict(lr=0.3, betas=(0.9, 0.9999), eps=1e-6, weight_decay=0.01, decouple=False, maximize=False)),
    "adopt_5": ("ADOPT", 1505, 30, "30 steps, maximize=True with the step**0.25 clip",
                (1.0, 1.0), 0.05, {"clip_lambda": "step**0.25"},
                dict(lr=0.01, betas=(0.9, 0.9999), eps=1e-6, weight_decay=0.0, decouple=False, maximize=True)),
    "adamw_schedulefree_4": ("AdamWScheduleFree", 1204, 50, "50 steps, inner_momentum=0.5, r=1, weight decay",
                             (1.0, 1.0), None, {},
                             dict(lr=0.02, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.001, warmup_steps=5,
                                  r=1.0, weight_lr_power=2.0, inner_momentum=0.5)),
    "radam_schedulefree_4": ("RAdamScheduleFree", 1304, 50, "50 steps, silent_sgd_phase=False, r=0.5",
                             (1.0, 1.0), None, {},
                             dict(lr=0.02, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.001, r=0.5,
                                  weight_lr_power=2.0, silent_sgd_phase=False)),
    "sgd_schedulefree_4": ("SGDScheduleFree", 1104, 50, "50 steps, momentum=0.5, weight_lr_power=0",
                           (1.0, 1.0), None, {},
                           dict(lr=0.2, momentum=0.5, weight_decay=0.0, warmup_steps=3, r=0.0,
                                weight_lr_power=0.0)),
    "ademamix_4": ("AdEMAMix", 1604, 50, "50 steps, beta3_warmup=25 only (alpha_warmup None), weight decay",
                   (1.0, 1.0), None, {},
                   dict(lr=0.01, betas=(0.9, 0.999, 0.9999), alpha=5.0, beta3_warmup=25, alpha_warmup=None,
                        eps=1e-8, weight_decay=0.01)),
    "ademamix_5": ("AdEMAMix", 1605, 50, "50 steps, alpha_warmup=25 only (beta3_warmup None)",
                   (1.0, 1.0), None, {},
                   dict(lr=0.01, betas=(0.9, 0.999, 0.9999), alpha=5.0, beta3_warmup=None, alpha_warmup=25,
                        eps=1e-8, weight_decay=0.0)),
    "lamb_4": ("Lamb", 1704, 50, "50 steps, adam=True (trust ratio 1), weight decay",
               (1.0, 1.0), None, {"adam": True},
               dict(lr=0.02, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01)),
    "larc_4": ("LARC", 1804, 50, "50 steps, clip=False (scaling mode), weight decay",
               (1.0, 1.0), None, {"trust_coefficient": 0.02, "clip": False, "eps": 1e-8},
               dict(lr=1.0, momentum=0.9, dampening=0, weight_decay=0.005, nesterov=False, maximize=False)),
    "larc_5": ("LARC", 1805, 50, "50 steps, nesterov=True",
               (1.0, 1.0), None, {"trust_coefficient": 0.02, "clip": True, "eps": 1e-8},
               dict(lr=0.05, momentum=0.9, dampening=0, weight_decay=0.005, nesterov=True, maximize=False)),
    "larc_6": ("LARC", 1806, 30, "30 steps, maximize=True, dampening=0.1",
               (1.0, 1.0), None, {"trust_coefficient": 0.02, "clip": True, "eps": 1e-8},
               dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.005, nesterov=False, maximize=True)),
}


def load_references(refs):
    sys.path.insert(0, refs)
    sys.modules.setdefault("tensorboardX", types.SimpleNamespace(SummaryWriter=None))
    import schedulefree
    import adopt
    import ademamix
    import lamb
    import LARC
    return {
        "SGDScheduleFree": schedulefree.SGDScheduleFree,
        "AdamWScheduleFree": schedulefree.AdamWScheduleFree,
        "RAdamScheduleFree": schedulefree.RAdamScheduleFree,
        "ADOPT": adopt.ADOPT,
        "AdEMAMix": ademamix.AdEMAMix,
        "Lamb": lamb.Lamb,
        "LARC": LARC.LARC,
    }


def make_optimizer(classes, kind, params, ctor, group):
    if kind == "LARC":
        return classes["LARC"](torch.optim.SGD(params, **group), **ctor)
    ctor = dict(ctor)
    if ctor.get("clip_lambda") == "step**0.25":
        del ctor["clip_lambda"]  # the reference's default, lambda step: step**0.25
    return classes[kind](params, **group, **ctor)


def gradient(p, target, sin):
    a = p - target
    b = p * 3
    return a * 2 + sin(b) * 0.1


def libm_sin(t):
    return torch.tensor([math.sin(v) for v in t.flatten().tolist()], dtype=t.dtype).reshape(t.shape)


def run(classes, case, start, targets, sin=torch.sin):
    kind, _, steps, _, _, _, ctor, group = case
    params = [p.clone().requires_grad_(True) for p in start]
    optimizer = make_optimizer(classes, kind, params, ctor, group)
    schedule_free = kind.endswith("ScheduleFree")
    if schedule_free:
        optimizer.train()
    trajectory = [[p.detach().clone() for p in params]]
    for _ in range(steps):
        with torch.no_grad():
            for p, t in zip(params, targets):
                p.grad = gradient(p.detach(), t, sin)
        optimizer.step()
        trajectory.append([p.detach().clone() for p in params])
    finals = {}
    if schedule_free:
        finals["final_train"] = [p.detach().clone() for p in params]
        finals["final_z"] = [optimizer.state[p]["z"].clone() for p in params]
        optimizer.eval()
        finals["final_eval"] = [p.detach().clone() for p in params]
    return trajectory, finals


def largest_move(a, b):
    return max(((x - y).abs() / x.abs().clamp_min(1e-12)).max().item() for x, y in zip(a, b))


def ends(trajectory, finals):
    return trajectory[-1] + finals.get("final_eval", [])


def draw(case):
    _, seed, _, _, scales, near, _, _ = case
    torch.manual_seed(seed)
    start = [torch.randn(s, dtype=torch.float64) * k for s, k in zip(SHAPES, scales)]
    targets = [torch.randn(s, dtype=torch.float64) for s in SHAPES]
    if near is not None:
        targets = [p + near * t for p, t in zip(start, targets)]
    return start, targets


def value_text(v):
    if v is None or isinstance(v, bool):
        return str(v)
    if isinstance(v, (tuple, list)):
        return ",".join(value_text(x) for x in v)
    return repr(v) if isinstance(v, float) else str(v)


def options_text(options):
    return " ".join(f"{k}={value_text(v)}" for k, v in options.items()) or "-"


def numbers(t):
    return " ".join("%.17g" % v for v in t.flatten().tolist())


def write(path, name, case, start, targets, trajectory, finals, chaos, libm):
    kind, seed, steps, description, scales, near, ctor, group = case
    repo, ref_path, commit = REFERENCES[kind]
    init = "p_i = randn(shape_i) * scale_i, i = 0.. in order, then target_i = randn(shape_i)"
    if near is not None:
        init += f", then target_i = p_i + {near} * target_i"
    notes = [f"{kind}, " + n for n in SF_NOTES[:1]] + SF_NOTES[1:] if kind.endswith("ScheduleFree") else NOTES[kind]
    lines = ["# gradus golden trajectory, format 1 (see README.md)", f"optimizer {kind}",
             f"case {name.rsplit('_', 1)[1]}", f"description {description}", f"reference_repo {repo}",
             f"reference_path {ref_path}", f"reference_commit {commit}", f"torch {torch.__version__}",
             "dtype float64", f"seed {seed}", f"steps {steps}", f"gradient {GRADIENT}",
             f"init {init}; scale = {value_text(scales)}",
             f"chaos_check start*(1+1e-15) moves the final values by {chaos:.2e} relative (limit 1e-11)",
             f"libm_sin_replay with sin from the C library instead of torch.sin the final values move by "
             f"{libm:.2e} relative"]
    lines += [f"note {n}" for n in notes]
    lines += [f"ctor {options_text(ctor)}", "groups 1", f"group 0 {options_text(group)}", f"params {len(SHAPES)}"]
    for i, s in enumerate(SHAPES):
        lines.append(f"param {i} group=0 shape={','.join(map(str, s))} numel={math.prod(s)}")
    lines += [f"target {i} {numbers(t)}" for i, t in enumerate(targets)]
    for s, values in enumerate(trajectory):
        lines += [f"step {s} {i} {numbers(p)}" for i, p in enumerate(values)]
    for key in ("final_train", "final_z", "final_eval"):
        lines += [f"{key} {i} {numbers(p)}" for i, p in enumerate(finals.get(key, []))]
    lines.append("end")
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    refs, outdir, names = sys.argv[1], sys.argv[2], sys.argv[3:] or sorted(CASES)
    classes = load_references(refs)
    for name in names:
        case = CASES[name]
        start, targets = draw(case)
        trajectory, finals = run(classes, case, start, targets)
        nudged, nudged_finals = run(classes, case, [p * (1 + PERTURBATION) for p in start], targets)
        chaos = largest_move(ends(trajectory, finals), ends(nudged, nudged_finals))
        if not chaos < CHAOS_LIMIT:
            sys.exit(f"{name}: chaotic, a 1e-15 nudge moved the end by {chaos:.2e}; not written")
        libm_trajectory, libm_finals = run(classes, case, start, targets, libm_sin)
        libm = largest_move(ends(trajectory, finals), ends(libm_trajectory, libm_finals))
        write(os.path.join(outdir, name + ".txt"), name, case, start, targets, trajectory, finals, chaos, libm)
        print(f"{name}: chaos {chaos:.2e}, libm sin {libm:.2e}")


if __name__ == "__main__":
    main()
