"""Models quantized by ONNX Runtime, converted by qconvert as they are, against ONNX Runtime's int8.

    toolchains/python-venv/bin/python tests/models/check_onnx_quantized.py \\
        --qconvert build/bin/qconvert --qrun build/bin/qrun --workdir DIR

Runs in the venv that toolchains/setup-python-venv.sh makes (onnxruntime from PyPI). The example
model, tests/models/digits/digits.onnx, goes through onnxruntime.quantization.quantize_static,
calibrated on its 64 shipped samples through a CalibrationDataReader, with per-channel int8
weights, in these variants:
  - qdq_s8:          QDQ, int8 activations (ONNX Runtime's default);
  - qdq_u8:          QDQ, uint8 activations (the zero points shift by 128);
  - qdq_s8_tensor:   QDQ, int8 activations, one scale per weight tensor;
  - qoperator_s8:    QOperator (QLinearConv, QGemm), int8 activations;
  - qoperator_u8:    QOperator, uint8 activations.
ONNX Runtime runs each int8 model on the 539 held-out test images; qconvert converts it with no
calibration data (its scales and zero points are the model's own) and qrun runs the .qfb on the
same images. Every variant must reach, against ONNX Runtime's int8 outputs:
  - a cosine >= 0.999 (over all test outputs together);
  - the same top-1 on every test image.
Printed for each: the cosine, the top-1 agreement and both accuracies on the test labels.
The qdq_s8 model converted with --float (the float graph it stands for: ONNX Runtime drops the
Relus whose clamp the quantization does, and qconvert puts that clamp back) must follow the fp32
digits.onnx in ONNX Runtime: cosine >= 0.999 and the same top-1 on >= 99% of the images.
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                      quantize_static)

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, "digits")

VARIANTS = {
    "qdq_s8": dict(quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8,
                   per_channel=True),
    "qdq_u8": dict(quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8,
                   per_channel=True),
    "qdq_s8_tensor": dict(quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8,
                          per_channel=False),
    "qoperator_s8": dict(quant_format=QuantFormat.QOperator, activation_type=QuantType.QInt8,
                         per_channel=True),
    "qoperator_u8": dict(quant_format=QuantFormat.QOperator, activation_type=QuantType.QUInt8,
                         per_channel=True),
}


class DigitsCalibration(CalibrationDataReader):
    """The shipped calibration samples, NCHW [1, 1, 8, 8], one per call."""

    def __init__(self, input_name):
        folder = os.path.join(DIGITS, "calibration")
        self.samples = iter([{input_name: np.load(os.path.join(folder, name))}
                             for name in sorted(os.listdir(folder))])

    def get_next(self):
        return next(self.samples, None)


def cosine(a, b):
    a = a.astype(np.float64).ravel()
    b = b.astype(np.float64).ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def run(command):
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stderr}")
    return result.stdout


def onnxruntime_outputs(model, images):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return np.concatenate([session.run(None, {name: x.transpose(0, 3, 1, 2)})[0]
                           for x in images])


def qrun_outputs(qrun, qfb, inputs, workdir, name):
    outputs = []
    for i, path in enumerate(inputs):
        out = os.path.join(workdir, f"out_{name}_{i:03d}.npy")
        run([qrun, qfb, path, "-o", out])
        outputs.append(np.load(out).reshape(1, -1))
    return np.concatenate(outputs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qconvert", required=True)
    parser.add_argument("--qrun", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--min-cosine", type=float, default=0.999)
    args = parser.parse_args()
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    source = os.path.join(DIGITS, "digits.onnx")
    input_name = ort.InferenceSession(source, providers=["CPUExecutionProvider"]) \
        .get_inputs()[0].name
    images = np.load(os.path.join(DIGITS, "test_images.npy"))  # NHWC [N, 8, 8, 1]
    labels = np.load(os.path.join(DIGITS, "test_labels.npy"))
    singles = [np.ascontiguousarray(images[i:i + 1]) for i in range(len(images))]
    inputs = []
    for i, x in enumerate(singles):
        path = os.path.join(workdir, f"input_{i:03d}.npy")
        np.save(path, x)
        inputs.append(path)

    failures = []
    for name, settings in VARIANTS.items():
        model = os.path.join(workdir, f"digits_{name}.onnx")
        qfb = os.path.join(workdir, f"digits_{name}.qfb")
        for path in (model, qfb):
            if os.path.exists(path):
                os.remove(path)
        quantize_static(source, model, DigitsCalibration(input_name),
                        weight_type=QuantType.QInt8, **settings)
        reference = onnxruntime_outputs(model, singles)
        try:
            print(run([args.qconvert, model, "-o", qfb]).strip())
            ours = qrun_outputs(args.qrun, qfb, inputs, workdir, name)
        except RuntimeError as error:
            failures.append(f"{name}: {error}")
            continue
        cos = cosine(ours, reference)
        same = ours.argmax(1) == reference.argmax(1)
        identical = int(np.sum(np.all(ours == reference, axis=1)))
        print(f"{name}: cosine to ONNX Runtime int8 {cos:.8f} (min {args.min_cosine}), same top-1 "
              f"on {int(same.sum())}/{len(same)} images, identical outputs on {identical}; "
              f"accuracy qrun "
              f"{np.mean(ours.argmax(1) == labels):.2%}, ONNX Runtime "
              f"{np.mean(reference.argmax(1) == labels):.2%}")
        if not cos >= args.min_cosine:
            failures.append(f"{name}: cosine {cos:.6f} < {args.min_cosine}")
        if not same.all():
            failures.append(f"{name}: top-1 differs on images {np.flatnonzero(~same).tolist()}")
    model = os.path.join(workdir, "digits_qdq_s8.onnx")
    qfb = os.path.join(workdir, "digits_qdq_s8_float.qfb")
    if os.path.exists(qfb):
        os.remove(qfb)
    try:
        print(run([args.qconvert, model, "--float", "-o", qfb]).strip())
        ours = qrun_outputs(args.qrun, qfb, inputs, workdir, "qdq_s8_float")
        reference = onnxruntime_outputs(source, singles)
        cos = cosine(ours, reference)
        same = float(np.mean(ours.argmax(1) == reference.argmax(1)))
        print(f"qdq_s8 --float: cosine to ONNX Runtime fp32 of digits.onnx {cos:.6f} (min "
              f"{args.min_cosine}), same top-1 on {same:.2%} (min 99%)")
        if not cos >= args.min_cosine:
            failures.append(f"qdq_s8 --float: cosine {cos:.6f} < {args.min_cosine}")
        if not same >= 0.99:
            failures.append(f"qdq_s8 --float: same top-1 on {same:.2%} < 99%")
    except RuntimeError as error:
        failures.append(f"qdq_s8 --float: {error}")
    if failures:
        print("FAIL\n" + "\n".join(failures), file=sys.stderr)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
