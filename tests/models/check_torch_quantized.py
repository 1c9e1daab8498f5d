#!/usr/bin/python3
"""Models quantized in PyTorch, converted by qconvert as they are, against PyTorch's own int8.

    /usr/bin/python3 tests/models/check_torch_quantized.py --model digits|resnet18 \\
        --qconvert build/bin/qconvert --qrun build/bin/qrun --workdir DIR

The tutorial flow: the fp32 model goes through FX post-training quantization (`prepare_fx` with
the backend's default qconfig mapping, calibration, `convert_fx`), then `torch.jit.script` and
`torch.jit.trace`, each saved with `torch.jit.save`. Both qconfigs are checked: `onednn`
(per-channel weights) and `qnnpack` (per-tensor weights). qconvert takes each `.pt` with no
calibration data (its scales and zero points are the model's own), qrun runs it, and PyTorch runs
the same `.pt` on its `onednn` engine for the reference. Every variant must reach:
  - a cosine >= 0.999 between qrun's and PyTorch's int8 outputs (over all test inputs together);
  - the same top-1 on >= 99.5% of the test inputs.

Models (all weights fixed, so every run checks the same numbers):
  - digits: the repository's trained example (tests/models/digits), rebuilt in PyTorch from
    digits.onnx's weights (BatchNorm already folded there), calibrated on its 64 shipped samples
    and tested on its 539 held-out images;
  - resnet18: torchvision's, with the seeded weights and BatchNorm statistics of
    check_torchvision.py, calibrated on 8 seeded random images and tested on 4 others.
"""

import argparse
import copy
import os
import subprocess
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_torchvision  # noqa: E402 (seeded torchvision models, random images, cosine)

DIGITS = os.path.join(HERE, "digits")


def digits_model():
    """DigitsNet as digits.onnx holds it: BatchNorm folded into the first two convolutions."""
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(64 * 4 * 4, 64), nn.ReLU(),
        nn.Linear(64, 10))
    graph = onnx.load(os.path.join(DIGITS, "digits.onnx")).graph
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    # The graph's parameters, in node order: each Conv / Gemm reads (weight, bias).
    params = [(weights[n.input[1]], weights[n.input[2]]) for n in graph.node
              if n.op_type in ("Conv", "Gemm")]
    layers = [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(layers) == len(params)
    with torch.no_grad():
        for layer, (w, b) in zip(layers, params):
            layer.weight.copy_(torch.from_numpy(np.array(w)))
            layer.bias.copy_(torch.from_numpy(np.array(b)))
    model.eval()
    calibration = [np.load(os.path.join(DIGITS, "calibration", name))
                   for name in sorted(os.listdir(os.path.join(DIGITS, "calibration")))]
    images = np.load(os.path.join(DIGITS, "test_images.npy"))  # NHWC [N, 8, 8, 1]
    tests = [np.ascontiguousarray(images[i:i + 1].transpose(0, 3, 1, 2))
             for i in range(len(images))]
    return model, calibration, tests


def resnet18_model():
    model = check_torchvision.build_model("resnet18")
    calibration = check_torchvision.random_images(8, seed=1000)
    tests = check_torchvision.random_images(4, seed=2000)
    return model, calibration, tests


def quantize(model, backend, calibration):
    torch.backends.quantized.engine = backend
    example = (torch.from_numpy(calibration[0]),)
    prepared = prepare_fx(copy.deepcopy(model), get_default_qconfig_mapping(backend), example)
    with torch.no_grad():
        for sample in calibration:
            prepared(torch.from_numpy(sample))
    return convert_fx(prepared)


def run(command):
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stderr}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, choices=("digits", "resnet18"))
    parser.add_argument("--qconvert", required=True)
    parser.add_argument("--qrun", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--min-cosine", type=float, default=0.999)
    parser.add_argument("--min-top1", type=float, default=0.995)
    args = parser.parse_args()
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    torch.manual_seed(0)
    model, calibration, tests = digits_model() if args.model == "digits" else resnet18_model()
    shape = ",".join(str(d) for d in tests[0].shape)
    inputs = []
    for i, x in enumerate(tests):
        path = os.path.join(workdir, f"input_{i:03d}.npy")
        np.save(path, np.ascontiguousarray(x.transpose(0, 2, 3, 1)))
        inputs.append(path)

    failures = []
    for backend in ("onednn", "qnnpack"):
        quantized = quantize(model, backend, calibration)
        for mode in ("script", "trace"):
            name = f"{args.model}_{backend}_{mode}"
            pt = os.path.join(workdir, name + ".pt")
            qfb = os.path.join(workdir, name + ".qfb")
            for path in (pt, qfb):
                if os.path.exists(path):
                    os.remove(path)
            with torch.no_grad():
                saved = torch.jit.script(quantized) if mode == "script" else \
                    torch.jit.trace(quantized, torch.from_numpy(tests[0]))
            saved.save(pt)
            # PyTorch's int8, on its onednn engine, from the saved file itself.
            torch.backends.quantized.engine = "onednn"
            loaded = torch.jit.load(pt)
            with torch.no_grad():
                reference = np.concatenate([loaded(torch.from_numpy(x)).numpy() for x in tests])
            try:
                print(run([args.qconvert, pt, "--input-shape", shape, "-o", qfb]).strip())
                outputs = []
                for i, path in enumerate(inputs):
                    out = os.path.join(workdir, f"out_{name}_{i:03d}.npy")
                    run([args.qrun, qfb, path, "-o", out])
                    outputs.append(np.load(out).reshape(reference[i:i + 1].shape))
            except RuntimeError as error:
                failures.append(f"{name}: {error}")
                continue
            ours = np.concatenate(outputs)
            cos = check_torchvision.cosine(ours, reference)
            top1 = float(np.mean(ours.argmax(1) == reference.argmax(1)))
            print(f"{name}: cosine to PyTorch int8 {cos:.6f} (min {args.min_cosine}), same top-1 "
                  f"on {top1:.2%} of {len(tests)} inputs (min {args.min_top1:.1%})")
            if not cos >= args.min_cosine:
                failures.append(f"{name}: cosine {cos:.6f} < {args.min_cosine}")
            if not top1 >= args.min_top1:
                failures.append(f"{name}: same top-1 on {top1:.2%} < {args.min_top1:.1%}")
    if failures:
        print("FAIL\n" + "\n".join(failures), file=sys.stderr)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
