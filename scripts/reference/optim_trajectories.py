#!/usr/bin/env python3
"""Records optimizer trajectories with PyTorch for test/optim_test.ts.

Every configuration starts from the same literal parameters (a weight [3, 4] and a bias [3]) and
takes STEPS steps with the same literal gradients (GRADS; at step 4 the bias has none, so it is
skipped and its step count lags), recording the parameters after each step, with the learning
rate for scheduler runs and the total norm for clipping runs. Fixed gradients test the update
rules alone: a loss-driven gradient would carry float32 rounding of its own (cancellation in the
bias gradient of a softmax regression reaches 1e-5 relative), which RMSprop and Adam turn into
parameter differences above float32 agreement even between PyTorch's float32 and float64 runs.

Options are written in edgegrad's names; TORCH_NAMES maps them to PyTorch's keyword arguments.
PyTorch runs its single-tensor (foreach=False) code path, the one edgegrad's fused kernels
follow, on one thread.

Run with Debian's python3-torch (1.13):
    /usr/bin/python3 scripts/reference/optim_trajectories.py
which writes test/fixtures/optim_trajectories.json.
"""
import json
import math
import os
import re

import torch

# Marks a float32 value for the writer, which prints it as its shortest round-trip decimal.
F32 = "f32:"

STEPS = 10

WEIGHT = [
    [0.12, -0.34, 0.25, 0.41],
    [-0.22, 0.18, -0.47, 0.05],
    [0.36, 0.29, -0.11, -0.38],
]
BIAS = [0.1, -0.05, 0.02]

# Per step: the weight's gradient (flattened) and the bias's (None: no gradient this step).
# Magnitudes vary from step to step (0.05 to 1.4) so that clipping engages on some steps only.
GRADS = [
    ([-0.352, -0.698, 0.302, -0.855, 0.072, -0.269, -0.884, 0.015, -0.925, -0.133, -0.86, -0.819],
     [-0.151, 0.654, -0.752]),
    ([-0.332, 0.153, 0.537, 0.093, 0.0, 0.572, -0.544, 0.43, -0.252, -0.427, -0.459, -0.23],
     [0.379, -0.383, 0.098]),
    ([0.389, -0.357, 0.134, -1.224, -1.233, -0.823, 0.505, -0.203, -0.52, 0.24, -0.131, -0.561],
     [0.824, 0.557, -0.717]),
    ([0.045, 0.015, 0.225, 0.138, -0.127, 0.288, -0.229, -0.049, 0.154, -0.209, -0.007, -0.276],
     None),
    ([0.676, -0.335, 0.352, 0.17, 0.144, -0.079, 0.612, 0.8, -0.047, 0.295, -0.791, 0.363],
     [0.265, 0.888, 0.579]),
    ([-0.022, -0.011, 0.017, -0.048, -0.004, -0.033, -0.038, -0.044, 0.027, -0.037, -0.025, -0.011],
     [0.037, -0.042, -0.005]),
    ([0.109, 0.843, 0.702, 0.801, -0.487, -0.186, -0.311, 0.845, 1.007, -0.768, -0.712, -0.59],
     [-0.587, -0.033, 0.196]),
    ([-0.332, -0.694, 0.0, -0.183, 0.093, 0.634, 0.267, 0.022, 0.165, 0.247, -0.624, 0.559],
     [0.392, 0.524, 0.417]),
    ([-0.043, -0.04, -0.159, 0.054, -0.175, -0.173, -0.116, -0.135, -0.064, -0.179, -0.2, -0.139],
     [-0.159, -0.055, -0.19]),
    ([0.973, 0.297, -0.914, -0.644, -0.397, -0.353, -0.981, 0.907, 1.282, -0.088, -0.042, -1.077],
     [-1.034, -0.409, -0.612]),
]

TORCH_NAMES = {
    "weightDecay": "weight_decay",
    "lrDecay": "lr_decay",
    "initialAccumulatorValue": "initial_accumulator_value",
    "stepSize": "step_size",
    "tMax": "T_max",
    "etaMin": "eta_min",
}

OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
}

SCHEDULERS = {
    "StepLR": torch.optim.lr_scheduler.StepLR,
    "ExponentialLR": torch.optim.lr_scheduler.ExponentialLR,
    "CosineAnnealingLR": torch.optim.lr_scheduler.CosineAnnealingLR,
}


def case(name, optimizer, options, scheduler=None, clip=None):
    return {
        "name": name,
        "optimizer": optimizer,
        "options": options,
        "scheduler": scheduler,
        "clip": clip,
    }


CASES = [
    case("SGD", "SGD", {"lr": 0.1}),
    case("SGD weight decay", "SGD", {"lr": 0.1, "weightDecay": 0.05}),
    case("SGD momentum", "SGD", {"lr": 0.05, "momentum": 0.9}),
    case("SGD nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    case("SGD dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    case(
        "SGD momentum dampening weight decay",
        "SGD",
        {"lr": 0.05, "momentum": 0.8, "dampening": 0.1, "weightDecay": 0.02},
    ),
    case(
        "SGD nesterov weight decay",
        "SGD",
        {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weightDecay": 0.01},
    ),
    case("Adam", "Adam", {"lr": 0.05}),
    case(
        "Adam weight decay, betas, eps",
        "Adam",
        {"lr": 0.05, "betas": [0.8, 0.95], "eps": 1e-6, "weightDecay": 0.1},
    ),
    case("Adam amsgrad", "Adam", {"lr": 0.05, "amsgrad": True}),
    case("AdamW", "AdamW", {"lr": 0.05, "weightDecay": 0.1}),
    case("AdamW default weight decay", "AdamW", {"lr": 0.05}),
    case("AdamW amsgrad", "AdamW", {"lr": 0.05, "weightDecay": 0.05, "amsgrad": True}),
    case("RMSprop", "RMSprop", {"lr": 0.01}),
    case("RMSprop momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9}),
    case("RMSprop centered", "RMSprop", {"lr": 0.01, "centered": True}),
    case(
        "RMSprop weight decay, alpha, eps",
        "RMSprop",
        {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weightDecay": 0.1},
    ),
    case(
        "RMSprop centered momentum weight decay",
        "RMSprop",
        {"lr": 0.01, "alpha": 0.95, "momentum": 0.5, "centered": True, "weightDecay": 0.02},
    ),
    case("Adagrad", "Adagrad", {"lr": 0.1}),
    case(
        "Adagrad lr decay, initial accumulator, weight decay, eps",
        "Adagrad",
        {
            "lr": 0.1,
            "lrDecay": 0.05,
            "initialAccumulatorValue": 0.1,
            "weightDecay": 0.02,
            "eps": 1e-6,
        },
    ),
    case(
        "StepLR driving SGD momentum",
        "SGD",
        {"lr": 0.05, "momentum": 0.9},
        scheduler={"type": "StepLR", "options": {"stepSize": 3, "gamma": 0.5}},
    ),
    case(
        "ExponentialLR driving SGD",
        "SGD",
        {"lr": 0.1},
        scheduler={"type": "ExponentialLR", "options": {"gamma": 0.8}},
    ),
    case(
        "CosineAnnealingLR driving SGD momentum (past tMax)",
        "SGD",
        {"lr": 0.05, "momentum": 0.9},
        scheduler={"type": "CosineAnnealingLR", "options": {"tMax": 4, "etaMin": 0.01}},
    ),
    case("clipGradNorm L2 before SGD", "SGD", {"lr": 0.1}, clip={"maxNorm": 1.5, "normType": 2}),
    case(
        "clipGradNorm L1 before SGD momentum",
        "SGD",
        {"lr": 0.05, "momentum": 0.9},
        clip={"maxNorm": 5.0, "normType": 1},
    ),
    case(
        "clipGradNorm inf before SGD",
        "SGD",
        {"lr": 0.1},
        clip={"maxNorm": 0.8, "normType": "inf"},
    ),
    case(
        "clipGradNorm p=3 before Adam",
        "Adam",
        {"lr": 0.05},
        clip={"maxNorm": 1.2, "normType": 3},
    ),
]


def torch_kwargs(options):
    return {TORCH_NAMES.get(k, k): v for k, v in options.items()}


def values(t):
    """A float32 tensor's elements (row by row), each as its shortest round-trip decimal."""
    rows = t.detach().reshape(-1, t.shape[-1]).numpy()
    out = [[F32 + str(v) for v in row] for row in rows]
    return out if t.dim() > 1 else out[0]


def run(c):
    weight = torch.tensor(WEIGHT, dtype=torch.float32, requires_grad=True)
    bias = torch.tensor(BIAS, dtype=torch.float32, requires_grad=True)
    params = [weight, bias]
    optimizer = OPTIMIZERS[c["optimizer"]](params, foreach=False, **torch_kwargs(c["options"]))
    scheduler = None
    if c["scheduler"] is not None:
        s = c["scheduler"]
        scheduler = SCHEDULERS[s["type"]](optimizer, **torch_kwargs(s["options"]))
    trajectory = []
    for weight_grad, bias_grad in GRADS:
        optimizer.zero_grad(set_to_none=True)
        weight.grad = torch.tensor(weight_grad, dtype=torch.float32).reshape(weight.shape)
        if bias_grad is not None:
            bias.grad = torch.tensor(bias_grad, dtype=torch.float32)
        record = {}
        if c["clip"] is not None:
            norm_type = c["clip"]["normType"]
            if norm_type == "inf":
                norm_type = math.inf
            max_norm = c["clip"]["maxNorm"]
            total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
            record["totalNorm"] = F32 + str(total.numpy())
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
            (record["lr"],) = scheduler.get_last_lr()
        record["weight"] = values(weight)
        record["bias"] = values(bias)
        trajectory.append(record)
    return {**c, "trajectory": trajectory}


def main():
    torch.set_num_threads(1)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    out = os.path.join(root, "test", "fixtures", "optim_trajectories.json")
    fixture = {
        "source": "scripts/reference/optim_trajectories.py",
        "torch": torch.__version__,
        "steps": STEPS,
        "problem": {
            "weight": WEIGHT,
            "bias": BIAS,
            "grads": [{"weight": [w[0:4], w[4:8], w[8:12]], "bias": b} for w, b in GRADS],
        },
        "cases": [run(c) for c in CASES],
    }
    text = json.dumps(fixture, indent=2)
    text = re.sub(r'"%s([^"]*)"' % F32, r"\1", text)
    # One line per array of numbers (a weight row at most) keeps the file short, and is the
    # layout deno fmt keeps.
    text = re.sub(
        r"\[\s+([^\[\]{}\"]*?)\s+\]",
        lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]",
        text,
    )
    with open(out, "w") as f:
        f.write(text + "\n")
    print(f"wrote {os.path.relpath(out, root)}: {len(CASES)} configurations x {STEPS} steps")


if __name__ == "__main__":
    main()
