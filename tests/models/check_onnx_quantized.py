"""Models quantized by ONNX Runtime, converted by qconvert as they are, against ONNX Runtime's int8.

    toolchains/python-venv/bin/python tests/models/check_onnx_quantized.py \\
        --qconvert build/bin/qconvert --qrun build/bin/qrun --workdir DIR

Runs in the venv that toolchains/setup-python-venv.sh makes (onnxruntime from PyPI). Each model
goes through onnxruntime.quantization.quantize_static, calibrated through a CalibrationDataReader,
with int8 weights, in these variants:
  - qdq_s8:          QDQ, int8 activations (ONNX Runtime's default), per-channel weights;
  - qdq_u8:          QDQ, uint8 activations (the zero points shift by 128);
  - qdq_s8_tensor:   QDQ, int8 activations, one scale per weight tensor;
  - qoperator_s8:    QOperator (QLinearConv, QGemm, ...), int8 activations;
  - qoperator_u8:    QOperator, uint8 activations.
ONNX Runtime runs each int8 model on the test inputs; qconvert converts it with no calibration
data (its scales and zero points are the model's own) and qrun runs the .qfb on the same inputs.
The models:
  - digits: the example model (tests/models/digits), calibrated on its 64 shipped samples and
    tested on its 539 held-out images;
  - ops: a seeded random network with every op the import maps beyond digits' (AveragePool,
    GlobalAveragePool, Add, Mul, Sigmoid, Concat, MatMul; QOperator: QLinearAveragePool,
    QLinearGlobalAveragePool, QLinearAdd, QLinearMul, QLinearSigmoid, QLinearConcat,
    QLinearMatMul), calibrated on 16 random inputs and tested on 32 others.
Every variant must reach, against ONNX Runtime's int8 outputs, a cosine >= 0.999 (over all test
outputs together) and the same top-1 on every test input.

On an x86 CPU without VNNI, ONNX Runtime's u8 x s8 GEMM multiplies with vpmaddubsw, whose int16
pair sums saturate on full-range weights, so its int8 outputs are not the model's (on digits:
cosine 0.9975 to the model's own QDQ graph run in float, where qrun's are at 0.99997). There the
models are quantized with reduce_range (7-bit weights), ONNX Runtime's documented remedy on such
CPUs, which makes its sums exact again; qrun computes every weight range exactly either way. Printed for each: the cosine, the top-1
agreement, how many outputs are identical, and for digits both accuracies on the test labels.
digits' qdq_s8 model converted with --float (the float graph it stands for: ONNX Runtime drops
the Relus whose clamp the quantization does, and qconvert puts that clamp back) must follow the
fp32 digits.onnx in ONNX Runtime: cosine >= 0.999 and the same top-1 on >= 99% of the images.
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
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


class Samples(CalibrationDataReader):
    """NCHW calibration samples for the model's one input, one per call."""

    def __init__(self, input_name, samples):
        self.samples = iter([{input_name: x} for x in samples])

    def get_next(self):
        return next(self.samples, None)


def onnxruntime_sums_saturate():
    """True on x86 CPUs without VNNI, where ONNX Runtime's u8 x s8 products go through
    vpmaddubsw (see the module's docstring)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                          if line.startswith("flags")), None)
    except OSError:
        return False
    return flags is not None and "avx2" in flags and not {"avx512_vnni", "avx_vnni"} & set(flags)


def digits_model(workdir):
    """The example model, its calibration samples and its test images (NCHW) and labels."""
    folder = os.path.join(DIGITS, "calibration")
    calibration = [np.load(os.path.join(folder, name)) for name in sorted(os.listdir(folder))]
    images = np.load(os.path.join(DIGITS, "test_images.npy"))  # NHWC [N, 8, 8, 1]
    tests = [np.ascontiguousarray(images[i:i + 1].transpose(0, 3, 1, 2))
             for i in range(len(images))]
    labels = np.load(os.path.join(DIGITS, "test_labels.npy"))
    return os.path.join(DIGITS, "digits.onnx"), calibration, tests, labels


def ops_model(workdir):
    """Conv, Relu, AveragePool, GlobalAveragePool, Mul, Add, Sigmoid, Concat, MatMul."""
    rng = np.random.default_rng(0)

    def weight(name, shape, scale):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32),
                                       name)

    weights = [weight("w1", (8, 3, 3, 3), 0.3), weight("b1", (8,), 0.1),
               weight("w2", (6, 16, 1, 1), 0.3), weight("b2", (6,), 0.1),
               weight("fc", (6, 5), 0.3), weight("fc_bias", (5,), 0.1)]
    node = helper.make_node
    nodes = [node("Conv", ["x", "w1", "b1"], ["conv1"], pads=[1, 1, 1, 1]),
             node("Relu", ["conv1"], ["relu1"]),
             node("AveragePool", ["relu1"], ["pool"], kernel_shape=[2, 2], strides=[2, 2]),
             node("GlobalAveragePool", ["pool"], ["mean"]),
             node("Mul", ["pool", "mean"], ["product"]),
             node("Add", ["product", "pool"], ["sum"]),
             node("Sigmoid", ["sum"], ["gate"]),
             node("Concat", ["gate", "pool"], ["joined"], axis=1),
             node("Conv", ["joined", "w2", "b2"], ["conv2"]),
             node("GlobalAveragePool", ["conv2"], ["mean2"]),
             node("Flatten", ["mean2"], ["flat"]),
             node("MatMul", ["flat", "fc"], ["matmul"]),
             node("Add", ["matmul", "fc_bias"], ["y"])]
    graph = helper.make_graph(
        nodes, "ops", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = os.path.join(workdir, "ops.onnx")
    onnx.save(model, path)
    calibration = [rng.random((1, 3, 8, 8), dtype=np.float32) for _ in range(16)]
    tests = [rng.random((1, 3, 8, 8), dtype=np.float32) for _ in range(32)]
    return path, calibration, tests, None


def cosine(a, b):
    a = a.astype(np.float64).ravel()
    b = b.astype(np.float64).ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def run(command):
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stderr}")
    return result.stdout


def onnxruntime_outputs(model, tests):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return np.concatenate([session.run(None, {name: x})[0] for x in tests])


def qrun_outputs(qrun, qfb, inputs, workdir):
    outputs = []
    for i, path in enumerate(inputs):
        out = os.path.join(workdir, f"out_{i:03d}.npy")
        run([qrun, qfb, path, "-o", out])
        outputs.append(np.load(out).reshape(1, -1))
    return np.concatenate(outputs)


def fresh(*paths):
    for path in paths:
        if os.path.exists(path):
            os.remove(path)
    return paths


def check_model(name, make_model, args, failures):
    workdir = os.path.join(os.path.abspath(args.workdir), name)
    os.makedirs(workdir, exist_ok=True)
    source, calibration, tests, labels = make_model(workdir)
    input_name = onnx.load(source).graph.input[0].name
    inputs = []  # qrun takes NHWC
    for i, x in enumerate(tests):
        path = os.path.join(workdir, f"input_{i:03d}.npy")
        np.save(path, np.ascontiguousarray(x.transpose(0, 2, 3, 1)))
        inputs.append(path)
    for variant, settings in VARIANTS.items():
        label = f"{name} {variant}"
        model, qfb = fresh(os.path.join(workdir, f"{variant}.onnx"),
                           os.path.join(workdir, f"{variant}.qfb"))
        quantize_static(source, model, Samples(input_name, calibration),
                        weight_type=QuantType.QInt8, reduce_range=args.reduce_range, **settings)
        reference = onnxruntime_outputs(model, tests)
        try:
            print(run([args.qconvert, model, "-o", qfb]).strip())
            ours = qrun_outputs(args.qrun, qfb, inputs, workdir)
        except RuntimeError as error:
            failures.append(f"{label}: {error}")
            continue
        cos = cosine(ours, reference)
        same = ours.argmax(1) == reference.argmax(1)
        identical = int(np.sum(np.all(ours == reference, axis=1)))
        accuracy = "" if labels is None else (
            f"; accuracy qrun {np.mean(ours.argmax(1) == labels):.2%}, ONNX Runtime "
            f"{np.mean(reference.argmax(1) == labels):.2%}")
        print(f"{label}: cosine to ONNX Runtime int8 {cos:.8f} (min {args.min_cosine}), same "
              f"top-1 on {int(same.sum())}/{len(same)} inputs, identical outputs on "
              f"{identical}{accuracy}")
        if not cos >= args.min_cosine:
            failures.append(f"{label}: cosine {cos:.6f} < {args.min_cosine}")
        if not same.all():
            failures.append(f"{label}: top-1 differs on inputs {np.flatnonzero(~same).tolist()}")
    return source, tests, inputs, workdir


def check_float_graph(source, tests, inputs, workdir, args, failures):
    """digits' qdq_s8 model as --float against the fp32 model it was quantized from."""
    label = "digits qdq_s8 --float"
    (qfb,) = fresh(os.path.join(workdir, "qdq_s8_float.qfb"))
    try:
        print(run([args.qconvert, os.path.join(workdir, "qdq_s8.onnx"), "--float", "-o",
                   qfb]).strip())
        ours = qrun_outputs(args.qrun, qfb, inputs, workdir)
    except RuntimeError as error:
        failures.append(f"{label}: {error}")
        return
    reference = onnxruntime_outputs(source, tests)
    cos = cosine(ours, reference)
    same = float(np.mean(ours.argmax(1) == reference.argmax(1)))
    print(f"{label}: cosine to ONNX Runtime fp32 of digits.onnx {cos:.6f} (min "
          f"{args.min_cosine}), same top-1 on {same:.2%} (min 99%)")
    if not cos >= args.min_cosine:
        failures.append(f"{label}: cosine {cos:.6f} < {args.min_cosine}")
    if not same >= 0.99:
        failures.append(f"{label}: same top-1 on {same:.2%} < 99%")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qconvert", required=True)
    parser.add_argument("--qrun", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--min-cosine", type=float, default=0.999)
    args = parser.parse_args()
    args.reduce_range = onnxruntime_sums_saturate()
    if args.reduce_range:
        print("x86 without VNNI: ONNX Runtime's u8 x s8 sums saturate on full-range weights, so "
              "the models are quantized with reduce_range (7-bit weights)")
    failures = []
    digits = check_model("digits", digits_model, args, failures)
    check_float_graph(*digits, args, failures)
    check_model("ops", ops_model, args, failures)
    if failures:
        print("FAIL\n" + "\n".join(failures), file=sys.stderr)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
