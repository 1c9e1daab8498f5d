#!/usr/bin/python3
"""Every op qconvert maps from TorchScript, in one small network, against PyTorch.

    /usr/bin/python3 tests/converter/check_torchscript_ops.py --qconvert build/bin/qconvert \\
        --qrun build/bin/qrun --workdir DIR

The network (seeded) uses conv2d with and without bias, grouped and dilated, BatchNorm that the
freeze folds, relu, relu6, hardtanh, hardswish, hardsigmoid, sigmoid, silu, gelu (erf and tanh),
+, * (a squeeze-and-excitation gate), max_pool2d (ceil_mode), avg_pool2d, adaptive_avg_pool2d to a
size that divides, cat, a shape check on x.size() as scripting writes it, mean over H and W,
flatten, view, dropout, linear and softmax. It is saved traced and scripted; each is converted
with --float and run by qrun, and must match PyTorch's output to 1e-4 of its largest magnitude,
then converted to int8 from 8 seeded samples and must reach a cosine of 0.99 to PyTorch.
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class AllOps(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.grouped = nn.Conv2d(16, 16, 3, padding=2, dilation=2, groups=4)
        self.branch = nn.Conv2d(16, 8, 1)
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(24 + 24 * 4, 10)

    def forward(self, x):
        y = F.relu(self.bn(self.conv(x)))
        y = F.relu6(self.grouped(y)) + y
        gate = F.hardsigmoid(F.adaptive_avg_pool2d(y, 1)) * torch.sigmoid(y.mean([2, 3], True))
        y = F.hardswish(y * gate) + F.silu(y) + F.gelu(y) + F.gelu(y, approximate="tanh")
        if y.size(1) != 16:
            raise ValueError("unexpected channels")
        a = F.max_pool2d(y, 3, 2, ceil_mode=True)
        b = F.hardtanh(self.branch(F.avg_pool2d(y, 2)), -0.5, 0.5)
        c = F.adaptive_avg_pool2d(torch.cat([a, b], 1), (2, 2))
        pooled = c.mean([2, 3])
        flat = torch.flatten(c, 1).view(1, -1)
        return F.softmax(self.fc(self.dropout(torch.cat([pooled, flat], 1))), dim=1)


def run(command):
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stderr}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qconvert", required=True)
    parser.add_argument("--qrun", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    workdir = os.path.abspath(args.workdir)
    os.makedirs(os.path.join(workdir, "calibration"), exist_ok=True)

    torch.manual_seed(0)
    model = AllOps().eval()
    with torch.no_grad():
        for p in model.bn.parameters():
            p.uniform_(0.5, 1.5)
        model.bn.running_mean.uniform_(-0.2, 0.2)
        model.bn.running_var.uniform_(0.5, 1.5)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 3, 17, 17)).astype(np.float32)
    for i in range(8):
        np.save(os.path.join(workdir, "calibration", f"{i}.npy"),
                rng.standard_normal((1, 3, 17, 17)).astype(np.float32))
    np.save(os.path.join(workdir, "input_nhwc.npy"), np.ascontiguousarray(x.transpose(0, 2, 3, 1)))
    with torch.no_grad():
        reference = model(torch.from_numpy(x)).numpy()

    failures = []
    for mode in ("trace", "script"):
        pt = os.path.join(workdir, f"all_ops_{mode}.pt")
        with torch.no_grad():
            saved = torch.jit.trace(model, torch.from_numpy(x)) if mode == "trace" \
                else torch.jit.script(model)
        saved.save(pt)
        for precision in ("fp32", "int8"):
            qfb = os.path.join(workdir, f"all_ops_{mode}_{precision}.qfb")
            out = os.path.join(workdir, f"out_{mode}_{precision}.npy")
            extra = ["--float"] if precision == "fp32" else [
                "--calib", os.path.join(workdir, "calibration")]
            try:
                run([args.qconvert, pt, "--input-shape", "1,3,17,17", "-o", qfb] + extra)
                run([args.qrun, qfb, os.path.join(workdir, "input_nhwc.npy"), "-o", out])
            except RuntimeError as error:
                failures.append(f"{mode} {precision}: {error}")
                continue
            output = np.load(out).reshape(reference.shape)
            error = float(np.abs(output - reference).max())
            cos = float(np.dot(output.ravel(), reference.ravel()) /
                        (np.linalg.norm(output) * np.linalg.norm(reference)))
            print(f"{mode} {precision}: max abs error {error:.3g}, cosine {cos:.6f}")
            if precision == "fp32" and not error <= 1e-4 * float(np.abs(reference).max()):
                failures.append(f"{mode} fp32: max abs error {error:.3g}")
            if precision == "int8" and not cos >= 0.99:
                failures.append(f"{mode} int8: cosine {cos:.6f} < 0.99")
    if failures:
        print("FAIL\n" + "\n".join(failures), file=sys.stderr)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
