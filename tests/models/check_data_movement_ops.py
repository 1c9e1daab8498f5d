"""Slice, Split, Gather, Pad, Transpose, Squeeze, Unsqueeze, ConvTranspose and the folded
ConstantOfShape / Range, each in small ONNX models made here with onnx.helper, converted by
qconvert in float and in int8 and run by qrun, against ONNX Runtime's fp32 output.

    toolchains/python-venv/bin/python tests/models/check_data_movement_ops.py \\
        --qconvert build/bin/qconvert --qrun build/bin/qrun --workdir DIR

Bounds: float, max |error| <= 1e-5 * (1 + max |reference|); int8, the data movement ops move
quantized values unchanged, so max |error| <= one quantization step of the input (its range / 255)
and ConvTranspose, which requantizes, cosine >= 0.999. Refused variants must fail with their
message. Prints one line per case.
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(7)


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def model(nodes, input_shape, output, opset=13, initializers=()):
    graph = helper.make_graph(
        nodes, "case", [helper.make_tensor_value_info("x", TensorProto.FLOAT, input_shape)],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)],
        initializer=list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def i64(values):
    return np.array(values, dtype=np.int64)


def cases():
    """(name, model, input shape, kind): kind 'move' is exact in int8, 'compute' requantizes."""
    c = []
    s = [1, 6, 7, 9]
    c.append(("slice_4d_steps_negative_index", model(
        [helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"])], s, "y",
        initializers=[tensor("st", i64([1, 0])), tensor("en", i64([-1, 100])),
                      tensor("ax", i64([1, 3])), tensor("sp", i64([1, 2]))]), s, "move"))
    c.append(("slice_4d_negative_step", model(
        [helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"])], s, "y",
        initializers=[tensor("st", i64([-1, 5])), tensor("en", i64([-1000, 0])),
                      tensor("ax", i64([2, 1])), tensor("sp", i64([-2, -1]))]), s, "move"))
    c.append(("slice_3d_last_axis_step3", model(
        [helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"])], [2, 5, 10], "y",
        initializers=[tensor("st", i64([1])), tensor("en", i64([10])),
                      tensor("ax", i64([-1])), tensor("sp", i64([3]))]), [2, 5, 10], "move"))
    c.append(("slice_opset9_attributes", model(
        [helper.make_node("Slice", ["x"], ["y"], starts=[1, 2], ends=[3, 1000], axes=[2, 1])],
        s, "y", opset=9), s, "move"))
    c.append(("slice_5d", model(
        [helper.make_node("Slice", ["x", "st", "en", "ax"], ["y"])], [2, 3, 4, 5, 6], "y",
        initializers=[tensor("st", i64([1, 2])), tensor("en", i64([3, 5])),
                      tensor("ax", i64([2, 4]))]), [2, 3, 4, 5, 6], "move"))
    c.append(("split_4d_input_sizes", model(
        [helper.make_node("Split", ["x", "sizes"], ["a", "b", "c"], axis=1),
         helper.make_node("Concat", ["c", "a", "b"], ["y"], axis=1)], s, "y",
        initializers=[tensor("sizes", i64([2, 3, 1]))]), s, "move"))
    c.append(("split_opset11_attribute", model(
        [helper.make_node("Split", ["x"], ["a", "b"], axis=-1, split=[3, 7]),
         helper.make_node("Concat", ["b", "a"], ["y"], axis=-1)], [2, 5, 10], "y", opset=11),
        [2, 5, 10], "move"))
    c.append(("split_equal_4d_width", model(
        [helper.make_node("Split", ["x"], ["a", "b", "c"], axis=3),
         helper.make_node("Concat", ["b", "c", "a"], ["y"], axis=3)], [1, 4, 5, 9], "y"),
        [1, 4, 5, 9], "move"))
    c.append(("gather_4d_channels", model(
        [helper.make_node("Gather", ["x", "i"], ["y"], axis=1)], s, "y",
        initializers=[tensor("i", i64([2, 0, -1]))]), s, "move"))
    c.append(("gather_4d_scalar_drops_axis", model(
        [helper.make_node("Gather", ["x", "i"], ["y"], axis=2)], s, "y",
        initializers=[tensor("i", np.array(3, dtype=np.int64))]), s, "move"))
    c.append(("gather_4d_scalar_last_axis", model(
        [helper.make_node("Gather", ["x", "i"], ["y"], axis=-1)], s, "y",
        initializers=[tensor("i", np.array(-2, dtype=np.int64))]), s, "move"))
    c.append(("gather_3d_to_4d", model(
        [helper.make_node("Gather", ["x", "i"], ["y"], axis=0)], [3, 4, 5], "y",
        initializers=[tensor("i", i64([[0, 2], [1, 0]]))]), [3, 4, 5], "move"))
    c.append(("gather_2d_range_indices", model(
        [helper.make_node("Range", ["r0", "r1", "r2"], ["i"]),
         helper.make_node("Gather", ["x", "i"], ["y"], axis=1)], [4, 10], "y",
        initializers=[tensor("r0", np.array(1, np.int64)), tensor("r1", np.array(9, np.int64)),
                      tensor("r2", np.array(3, np.int64))]), [4, 10], "move"))
    c.append(("pad_constant_4d", model(
        [helper.make_node("Pad", ["x", "p", "v"], ["y"], mode="constant")], s, "y",
        initializers=[tensor("p", i64([0, 1, 2, 0, 0, 0, 1, 3])),
                      tensor("v", np.array(0.5, np.float32))]), s, "move"))
    c.append(("pad_negative_crops_4d", model(
        [helper.make_node("Pad", ["x", "p"], ["y"])], s, "y",
        initializers=[tensor("p", i64([0, -1, 2, -3, 0, 0, -1, 1]))]), s, "move"))
    c.append(("pad_negative_only_3d", model(
        [helper.make_node("Pad", ["x", "p"], ["y"])], [2, 5, 10], "y",
        initializers=[tensor("p", i64([0, -2, 0, 0, 0, -3]))]), [2, 5, 10], "move"))
    c.append(("pad_reflect_4d", model(
        [helper.make_node("Pad", ["x", "p"], ["y"], mode="reflect")], s, "y",
        initializers=[tensor("p", i64([0, 0, 2, 1, 0, 0, 1, 3]))]), s, "move"))
    c.append(("pad_edge_3d", model(
        [helper.make_node("Pad", ["x", "p"], ["y"], mode="edge")], [2, 5, 10], "y",
        initializers=[tensor("p", i64([1, 0, 2, 0, 3, 1]))]), [2, 5, 10], "move"))
    c.append(("pad_opset2_attributes", model(
        [helper.make_node("Pad", ["x"], ["y"], pads=[0, 0, 1, 1, 0, 0, 1, 1], value=-0.25)],
        s, "y", opset=2), s, "move"))
    c.append(("transpose_4d", model(
        [helper.make_node("Transpose", ["x"], ["y"], perm=[0, 3, 1, 2])], s, "y"), s, "move"))
    c.append(("transpose_4d_default_perm", model(
        [helper.make_node("Transpose", ["x"], ["y"])], s, "y"), s, "move"))
    c.append(("transpose_5d", model(
        [helper.make_node("Transpose", ["x"], ["y"], perm=[0, 2, 1, 4, 3])], [2, 3, 4, 5, 6],
        "y"), [2, 3, 4, 5, 6], "move"))
    c.append(("transpose_6d", model(
        [helper.make_node("Transpose", ["x"], ["y"], perm=[5, 0, 4, 1, 3, 2])],
        [2, 3, 2, 4, 1, 3], "y"), [2, 3, 2, 4, 1, 3], "move"))
    c.append(("squeeze_4d_to_3d", model(
        [helper.make_node("Squeeze", ["x", "a"], ["y"])], [1, 3, 1, 5], "y",
        initializers=[tensor("a", i64([2]))]), [1, 3, 1, 5], "move"))
    c.append(("unsqueeze_3d_to_4d", model(
        [helper.make_node("Unsqueeze", ["x", "a"], ["y"])], [3, 4, 5], "y",
        initializers=[tensor("a", i64([-1]))]), [3, 4, 5], "move"))
    c.append(("squeeze_opset11_attribute", model(
        [helper.make_node("Squeeze", ["x"], ["y"], axes=[0])], [1, 3, 4, 5], "y", opset=11),
        [1, 3, 4, 5], "move"))
    c.append(("constant_of_shape_added", model(
        [helper.make_node("Shape", ["x"], ["shape"]),
         helper.make_node("ConstantOfShape", ["shape"], ["ones"],
                          value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.5])),
         helper.make_node("Add", ["x", "ones"], ["y"])], [2, 5, 10], "y"), [2, 5, 10],
        "compute"))
    w = RNG.standard_normal((6, 4, 3, 3)).astype(np.float32) * 0.3
    b = RNG.standard_normal(4).astype(np.float32) * 0.1
    c.append(("conv_transpose_stride2_pads_output_padding", model(
        [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 2],
                          pads=[1, 1, 1, 0], output_padding=[1, 1])], [1, 6, 5, 7], "y",
        initializers=[tensor("w", w), tensor("b", b)]), [1, 6, 5, 7], "compute"))
    wg = RNG.standard_normal((6, 2, 3, 2)).astype(np.float32) * 0.3
    c.append(("conv_transpose_groups_dilation_relu", model(
        [helper.make_node("ConvTranspose", ["x", "w"], ["t"], group=3, dilations=[2, 1],
                          strides=[1, 2]),
         helper.make_node("Relu", ["t"], ["y"])], [1, 6, 5, 7], "y",
        initializers=[tensor("w", wg)]), [1, 6, 5, 7], "compute"))
    c.append(("conv_transpose_groups_batchnorm_relu", model(
        [helper.make_node("ConvTranspose", ["x", "w"], ["t"], group=3, strides=[2, 2],
                          pads=[0, 1, 1, 0]),
         helper.make_node("BatchNormalization", ["t", "g", "be", "m", "v"], ["n"]),
         helper.make_node("Relu", ["n"], ["y"])], [1, 6, 5, 7], "y",
        initializers=[tensor("w", wg), tensor("g", RNG.uniform(0.5, 2, 6).astype(np.float32)),
                      tensor("be", RNG.standard_normal(6).astype(np.float32)),
                      tensor("m", RNG.standard_normal(6).astype(np.float32)),
                      tensor("v", RNG.uniform(0.5, 2, 6).astype(np.float32))]), [1, 6, 5, 7],
        "compute"))
    c.append(("conv_transpose_output_shape", model(
        [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], strides=[3, 2],
                          output_shape=[16, 15])], [1, 6, 5, 7], "y",
        initializers=[tensor("w", w), tensor("b", b)]), [1, 6, 5, 7], "compute"))
    c.append(("conv_transpose_same_upper", model(
        [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 2],
                          auto_pad="SAME_UPPER")], [1, 6, 5, 7], "y",
        initializers=[tensor("w", w), tensor("b", b)]), [1, 6, 5, 7], "compute"))
    return c


REFUSED = [
    ("pad_negative_reflect", model(
        [helper.make_node("Pad", ["x", "p"], ["y"], mode="reflect")], [1, 2, 3, 4], "y",
        initializers=[tensor("p", i64([0, 0, -1, 0, 0, 0, 0, 1]))]),
     "negative pads (cropping) in reflect mode"),
    ("pad_wrap", model(
        [helper.make_node("Pad", ["x", "p"], ["y"], mode="wrap")], [1, 2, 3, 4], "y",
        opset=17, initializers=[tensor("p", i64([0, 0, 1, 0, 0, 0, 0, 0]))]), "wrap"),
    ("conv_transpose_1d", model(
        [helper.make_node("ConvTranspose", ["x", "w"], ["y"])], [1, 2, 5], "y",
        initializers=[tensor("w", np.ones((2, 3, 3), np.float32))]), "only 2-D"),
]


def run(command):
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout + result.stderr


def to_runtime(array):
    return np.ascontiguousarray(array.transpose(0, 2, 3, 1)) if array.ndim == 4 else array


def from_runtime(array, rank):
    return array.transpose(0, 3, 1, 2) if rank == 4 else array


def check_case(name, m, shape, kind, args):
    folder = os.path.join(args.workdir, name)
    os.makedirs(os.path.join(folder, "calib"), exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    onnx.save(m, path)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    samples = [RNG.standard_normal(shape).astype(np.float32) for _ in range(4)]
    for i, sample in enumerate(samples):
        np.save(os.path.join(folder, "calib", f"s{i}.npy"), sample)
    x = samples[0]
    expected = session.run(None, {"x": x})[0]
    np.save(os.path.join(folder, "input.npy"), to_runtime(x))
    failures = []
    for mode, options in (("float", ["--float"]),
                          ("int8", ["--calib", os.path.join(folder, "calib")])):
        qfb = os.path.join(folder, f"{mode}.qfb")
        out = os.path.join(folder, f"{mode}_out.npy")
        code, text = run([args.qconvert, path, "-o", qfb, *options])
        if code != 0:
            failures.append(f"{mode}: qconvert failed: {text.strip()}")
            continue
        code, text = run([args.qrun, qfb, os.path.join(folder, "input.npy"), "-o", out])
        if code != 0:
            failures.append(f"{mode}: qrun failed: {text.strip()}")
            continue
        ours = from_runtime(np.load(out), expected.ndim)
        if ours.shape != expected.shape:
            failures.append(f"{mode}: shape {ours.shape}, expected {expected.shape}")
            continue
        error = float(np.max(np.abs(ours - expected)))
        cos = float(np.dot(ours.ravel(), expected.ravel()) /
                    (np.linalg.norm(ours) * np.linalg.norm(expected) + 1e-30))
        if mode == "float":
            ok = error <= 1e-5 * (1 + float(np.max(np.abs(expected))))
        elif kind == "move":
            low = min(0.0, min(float(s.min()) for s in samples))
            high = max(0.0, max(float(s.max()) for s in samples))
            ok = error <= (high - low) / 255 * 1.001
        else:
            ok = cos >= 0.999
        print(f"{name:48s} {mode:5s} max|err| {error:.3g} cosine {cos:.6f} "
              f"{'ok' if ok else 'FAIL'}", flush=True)
        if not ok:
            failures.append(f"{mode}: max error {error}, cosine {cos}")
    return failures


def check_refused(name, m, message, args):
    folder = os.path.join(args.workdir, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    onnx.save(m, path)
    qfb = os.path.join(folder, "model.qfb")
    code, text = run([args.qconvert, path, "-o", qfb, "--float"])
    ok = code != 0 and not os.path.exists(qfb) and message in text
    print(f"{name:48s} refused: {text.strip()} {'ok' if ok else 'FAIL'}", flush=True)
    return [] if ok else [f"expected a refusal naming '{message}', got {code}: {text}"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qconvert", required=True)
    parser.add_argument("--qrun", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    failures = []
    for name, m, shape, kind in cases():
        failures += [f"{name}: {f}" for f in check_case(name, m, shape, kind, args)]
    for name, m, message in REFUSED:
        failures += [f"{name}: {f}" for f in check_refused(name, m, message, args)]
    for failure in failures:
        print("FAIL", failure)
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
