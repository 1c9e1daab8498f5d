#!/usr/bin/python3
"""The XNNPACK backend on whole models: resnet18, resnet50 and mobilenet_v2 within 1 LSB of qrun's
kernels (issue 8).

    /usr/bin/python3 tests/models/check_xnnpack_backend.py --qconvert build/bin/qconvert \
        --agreement build/bin/xnnpack_agreement --workdir DIR [--size 96] [--models ...]

Each torchvision model is built with seeded random weights and BatchNorm statistics exactly as
check_torchvision.py builds it, but exported at a smaller input (--size, 96x96 by default, so that
resnet50 runs in seconds under qemu too), converted to int8 with qconvert from 4 seeded
calibration samples, and given to `xnnpack_agreement` with one seeded test input (NHWC .npy):
every op XNNPACK runs, fed qrun's own input bytes, must be within 1 LSB of qrun's kernel, and the
model's output within 1 LSB end to end. The converted model and its input stay in
DIR/<model>/model_int8.qfb and input_nhwc.npy, where tests/run_all.sh finds them to run the
same check on emulated ARM cores.
"""

import argparse
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_torchvision  # noqa: E402

MODELS = ("resnet18", "resnet50", "mobilenet_v2")
CALIB_SAMPLES = 4


def prepare(name, size, workdir, qconvert):
    """Writes workdir/name/model_int8.qfb and input_nhwc.npy; returns their paths."""
    folder = os.path.join(workdir, name)
    calib_dir = os.path.join(folder, "calibration")
    os.makedirs(calib_dir, exist_ok=True)
    for stale in os.listdir(calib_dir):
        os.remove(os.path.join(calib_dir, stale))
    model_path = os.path.join(folder, "model_int8.qfb")
    input_path = os.path.join(folder, "input_nhwc.npy")
    for stale in (model_path, input_path):
        if os.path.exists(stale):
            os.remove(stale)
    check_torchvision.INPUT_SHAPE = (1, 3, size, size)
    model = check_torchvision.build_model(name)
    onnx_path = os.path.join(folder, "model.onnx")
    check_torchvision.export_onnx(model, onnx_path, "fold")
    for i, sample in enumerate(check_torchvision.random_images(CALIB_SAMPLES, seed=1000)):
        np.save(os.path.join(calib_dir, f"sample_{i:02d}.npy"), sample)
    test_input = check_torchvision.random_images(1, seed=2000)[0]
    np.save(input_path, np.ascontiguousarray(test_input.transpose(0, 2, 3, 1)))
    subprocess.run([qconvert, onnx_path, "-o", model_path, "--calib", calib_dir], check=True,
                   stdout=subprocess.DEVNULL, timeout=600)
    return model_path, input_path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qconvert", required=True)
    parser.add_argument("--agreement", required=True, help="path of xnnpack_agreement")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--size", type=int, default=96, help="input height and width")
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    args = parser.parse_args()
    failed = []
    for name in args.models:
        model_path, input_path = prepare(name, args.size, os.path.abspath(args.workdir),
                                         args.qconvert)
        for threads in ("1", "2"):
            print(f"--- {name} at {args.size}x{args.size}, {threads} thread(s)", flush=True)
            result = subprocess.run([args.agreement, model_path, input_path, "--threads", threads],
                                    timeout=600)
            if result.returncode != 0:
                failed.append(f"{name} ({threads} threads)")
    if failed:
        print("XNNPACK backend disagrees with qrun's kernels on: " + ", ".join(failed))
        return 1
    print("XNNPACK backend within 1 LSB of qrun's kernels on: " + ", ".join(args.models))
    return 0


if __name__ == "__main__":
    sys.exit(main())
