#!/usr/bin/python3
"""A small YOLO-style detector through qconvert and qrun: int8 and fp32 against PyTorch.

    /usr/bin/python3 tests/models/check_detector.py --qconvert Q --qrun R --workdir DIR

The detector (seeded weights, built here in PyTorch, exported to ONNX opset 13 at test time):
  - backbone: Conv + BatchNorm + SiLU blocks, four of them with stride 2 (input 128x128 down to
    8x8), a residual block at 32x32;
  - neck: the 8x8 features through a 1x1 conv, nn.Upsample(scale_factor=2, mode="nearest") to
    16x16, Concat with the backbone's 16x16 features, a conv, then
    nn.Upsample(scale_factor=2, mode="bilinear") to 32x32 and Concat with the 32x32 features;
  - heads: at 16x16 and 32x32, a 1x1 conv to 3 anchors x (4 box + 1 objectness + 4 classes) and a
    sigmoid; both flattened to [1, 27, H*W] and concatenated into the one output [1, 27, 1280].
BatchNorm statistics are measured on seeded random batches and then perturbed per channel, as
check_torchvision.py does, so that qconvert's BatchNorm folding meets non-trivial parameters.

Checks, on a seeded test input (random "image" values) after calibration on 8 seeded samples:
  - int8: cosine to PyTorch's fp32 output >= 0.99 (--min-cosine), and nearer (by cosine) its own
    input's fp32 output than the fp32 outputs of 3 unrelated inputs; the cosine of the
    input-dependent part (outputs minus the mean fp32 output over the calibration samples) is
    printed too, since sigmoid outputs share a large positive part.
  - fp32 (qconvert --float): max abs error <= 1e-3 x max |y|.
Exit code 0 when every check passes, 1 with a message naming what failed.
"""

import argparse
import os
import shutil
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_torchvision import CheckFailed, cosine, load_output, run_tool  # noqa: E402

INPUT_SHAPE = (1, 3, 128, 128)
ANCHORS, CLASSES = 3, 4
DECOYS = 3


def block(c_in, c_out, stride=1, kernel=3):
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=False),
                         nn.BatchNorm2d(c_out), nn.SiLU())


class Residual(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(block(channels, channels, kernel=1), block(channels, channels))

    def forward(self, x):
        return x + self.body(x)


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        outputs = ANCHORS * (5 + CLASSES)
        self.stem = nn.Sequential(block(3, 16, 2), block(16, 32, 2), Residual(32))  # 32x32
        self.down16 = block(32, 64, 2)  # 16x16
        self.down8 = nn.Sequential(block(64, 128, 2), block(128, 128))  # 8x8
        self.lateral8 = block(128, 64, kernel=1)
        self.up_nearest = nn.Upsample(scale_factor=2, mode="nearest")
        self.merge16 = block(128, 64)
        self.up_bilinear = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.merge32 = block(96, 48)
        self.head16 = nn.Conv2d(64, outputs, 1)
        self.head32 = nn.Conv2d(48, outputs, 1)

    def forward(self, x):
        p32 = self.stem(x)
        p16 = self.down16(p32)
        p8 = self.down8(p16)
        n16 = self.merge16(torch.cat([self.up_nearest(self.lateral8(p8)), p16], 1))
        n32 = self.merge32(torch.cat([self.up_bilinear(n16), p32], 1))
        heads = [torch.sigmoid(head(features)).flatten(2)
                 for head, features in ((self.head16, n16), (self.head32, n32))]
        return torch.cat(heads, 2)


def build_model():
    torch.manual_seed(0)
    model = Detector()
    batchnorms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    generator = torch.Generator().manual_seed(1)
    for bn in batchnorms:
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn(4, *INPUT_SHAPE[1:], generator=generator))
        for bn in batchnorms:
            c = bn.num_features
            std = bn.running_var.sqrt()
            bn.running_mean += 0.2 * std * torch.randn(c, generator=generator)
            bn.running_var *= torch.empty(c).uniform_(0.6, 1.6, generator=generator)
            bn.weight.copy_(torch.empty(c).uniform_(0.5, 1.5, generator=generator))
            bn.bias.copy_(0.2 * torch.randn(c, generator=generator))
    return model.eval()


def random_images(count, seed):
    rng = np.random.RandomState(seed)
    mean = np.array([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
    std = np.array([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
    return [((rng.uniform(0.0, 1.0, INPUT_SHAPE) - mean) / std).astype(np.float32)
            for _ in range(count)]


def check(args):
    shutil.rmtree(args.workdir, ignore_errors=True)
    calib_dir = os.path.join(args.workdir, "calibration")
    float_calib_dir = os.path.join(args.workdir, "calibration_float")
    os.makedirs(calib_dir)
    os.makedirs(float_calib_dir)
    path = lambda name: os.path.join(args.workdir, name)  # noqa: E731

    model = build_model()
    torch.onnx.export(model, torch.zeros(*INPUT_SHAPE), path("detector.onnx"), opset_version=13,
                      input_names=["input"], output_names=["output"],
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
    import onnx
    graph = onnx.load(path("detector.onnx")).graph
    resizes = [n for n in graph.node if n.op_type == "Resize"]
    modes = sorted({a.s.decode() for n in resizes for a in n.attribute if a.name == "mode"})
    print(f"exported detector.onnx: {len(graph.node)} nodes, Resize modes {modes}")
    if modes != ["linear", "nearest"]:
        raise CheckFailed(f"the export should hold a nearest and a linear Resize, not {modes}")

    calibration = random_images(args.calib_samples, seed=1000)
    for i, sample in enumerate(calibration):
        np.save(os.path.join(calib_dir, f"sample_{i:02d}.npy"), sample)
    np.save(os.path.join(float_calib_dir, "sample_00.npy"), calibration[0])
    test_input, *decoys = random_images(1 + DECOYS, seed=2000)
    np.save(path("input_nhwc.npy"), np.ascontiguousarray(test_input.transpose(0, 2, 3, 1)))
    with torch.no_grad():
        reference = model(torch.from_numpy(test_input)).numpy()
        decoy_references = [model(torch.from_numpy(x)).numpy() for x in decoys]
        calibration_mean = np.mean([model(torch.from_numpy(x)).numpy() for x in calibration], 0)

    failures = []
    run_tool("qconvert (int8)", [args.qconvert, path("detector.onnx"), "-o", path("int8.qfb"),
                                 "--calib", calib_dir], args.step_timeout)
    run_tool("qrun (int8)", [args.qrun, path("int8.qfb"), path("input_nhwc.npy"), "-o",
                             path("out_int8.npy")], args.step_timeout)
    out_int8 = load_output(path("out_int8.npy"), reference.shape, "int8")
    cos = cosine(out_int8, reference)
    centered = cosine(out_int8 - calibration_mean, reference - calibration_mean)
    decoy_cosines = [cosine(out_int8, d) for d in decoy_references]
    print(f"int8 vs fp32: cosine {cos:.6f} (min {args.min_cosine}), cosine of the "
          f"input-dependent part {centered:.4f}, max abs error "
          f"{np.abs(out_int8 - reference).max():.4g}; to unrelated inputs' fp32 outputs: " +
          ", ".join(f"{c:.6f}" for c in decoy_cosines))
    if not cos >= args.min_cosine:
        failures.append(f"int8 output: cosine to fp32 {cos:.6f} < {args.min_cosine}")
    if not cos > max(decoy_cosines):
        failures.append(f"int8 output: not nearer its own input's fp32 output ({cos:.6f}) than "
                        f"an unrelated input's ({max(decoy_cosines):.6f})")

    run_tool("qconvert (--float)", [args.qconvert, path("detector.onnx"), "-o",
                                    path("fp32.qfb"), "--calib", float_calib_dir, "--float"],
             args.step_timeout)
    run_tool("qrun (fp32)", [args.qrun, path("fp32.qfb"), path("input_nhwc.npy"), "-o",
                             path("out_fp32.npy")], args.step_timeout)
    out_fp32 = load_output(path("out_fp32.npy"), reference.shape, "fp32")
    max_error = float(np.abs(out_fp32.astype(np.float64) - reference).max())
    bound = args.float_tolerance * float(np.abs(reference).max())
    print(f"fp32 .qfb vs PyTorch: max abs error {max_error:.4g} (bound {bound:.4g})")
    if not max_error <= bound:
        failures.append(f"fp32 output: max abs error {max_error:.4g} > {bound:.4g}")
    if failures:
        raise CheckFailed("\n".join(failures))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qconvert", required=True)
    parser.add_argument("--qrun", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--calib-samples", type=int, default=8)
    parser.add_argument("--min-cosine", type=float, default=0.99)
    parser.add_argument("--float-tolerance", type=float, default=1e-3)
    parser.add_argument("--step-timeout", type=float, default=300)
    args = parser.parse_args()
    start = time.monotonic()
    try:
        check(args)
    except CheckFailed as failure:
        print(f"FAIL detector: {failure}", file=sys.stderr)
        return 1
    print(f"PASS detector ({time.monotonic() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
