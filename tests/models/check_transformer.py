#!/usr/bin/python3
"""A transformer encoder through qconvert and qrun: float, dynamic int8 and static int8.

PyTorch's nn.TransformerEncoder (4 layers, d_model 256, 4 heads, feed-forward 1024, sequence 128,
batch first, seeded weights) exported to ONNX at opset 13, where LayerNorm is written out as
ReduceMean / Sub / Pow / Sqrt / Div and attention's q, k and v come from one packed projection and
three Slices. Checked against PyTorch's fp32 output on a seeded input:
  - the float .qfb (qconvert --float): cosine >= 0.99999;
  - dynamic quantization (qconvert --dynamic, no calibration): cosine >= 0.99;
  - static int8 calibrated on 4 samples, every op in int8 (LayerNorm included): cosine >= 0.99,
    and the accuracy report names its worst layer.

    check_transformer.py --qconvert Q --qrun R --workdir DIR
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

LAYERS, D_MODEL, HEADS, FEED_FORWARD, SEQUENCE = 4, 256, 4, 1024, 128


def cosine(a, b):
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def build_encoder():
    """The seeded encoder in eval mode and its seeded input [1, SEQUENCE, D_MODEL]."""
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d_model=D_MODEL, nhead=HEADS, dim_feedforward=FEED_FORWARD,
                                       dropout=0.0, batch_first=True)
    model = nn.TransformerEncoder(layer, num_layers=LAYERS).eval()
    x = torch.randn(1, SEQUENCE, D_MODEL, generator=torch.Generator().manual_seed(1))
    return model, x


def export_encoder(model, x, path):
    torch.onnx.export(model, x, path, opset_version=13, input_names=["x"], output_names=["y"],
                      do_constant_folding=True)


def calibration_samples(count):
    rng = np.random.RandomState(2)
    return [rng.randn(1, SEQUENCE, D_MODEL).astype(np.float32) for _ in range(count)]


def run(command):
    print("$ " + " ".join(command), flush=True)
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"exited {result.returncode}: {result.stderr}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qconvert", required=True)
    parser.add_argument("--qrun", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    calibration = os.path.join(args.workdir, "calibration")
    os.makedirs(calibration)
    path = lambda name: os.path.join(args.workdir, name)  # noqa: E731

    model, x = build_encoder()
    export_encoder(model, x, path("encoder.onnx"))
    with torch.no_grad():
        reference = model(x).numpy()
    np.save(path("input.npy"), x.numpy())
    for i, sample in enumerate(calibration_samples(4)):
        np.save(os.path.join(calibration, f"sample_{i}.npy"), sample)

    failures = []
    results = {}
    for name, options, bound in (("float", ["--float"], 0.99999),
                                 ("dynamic", ["--dynamic"], 0.99),
                                 ("static int8", ["--calib", calibration, "--report",
                                                  path("report.json"), "--report-samples", "2"],
                                  0.99)):
        qfb = path(name.replace(" ", "_") + ".qfb")
        print(run([args.qconvert, path("encoder.onnx"), "-o", qfb, *options]).splitlines()[0])
        run([args.qrun, qfb, path("input.npy"), "-o", path("output.npy")])
        results[name] = cosine(np.load(path("output.npy")), reference)
        print(f"{name}: cosine to PyTorch fp32 {results[name]:.6f} (bound {bound})")
        if results[name] < bound:
            failures.append(f"{name}: cosine {results[name]:.6f} < {bound}")
    report = json.load(open(path("report.json")))
    float_ops = [line for line in run([args.qrun, "--info", path("static_int8.qfb")]).splitlines()
                 if "_f32_" in line]
    if float_ops:
        failures.append(f"static int8 runs float kernels: {float_ops}")
    print(f"static int8 report: worst layer {report['worst_layer']}, output SQNR "
          f"{report['outputs'][0]['accumulated']['sqnr_db']:.2f} dB")
    if not report["worst_layer"]:
        failures.append("the report names no worst layer")
    if failures:
        print("FAILED: " + "; ".join(failures), file=sys.stderr)
        return 1
    print("transformer encoder checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
