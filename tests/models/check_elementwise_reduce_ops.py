"""Tanh, LeakyRelu, Clip, PRelu, Sub / Div / Max / Min of activations, the four reductions and
softmax over any axis, each in a small ONNX model, converted by qconvert and run by qrun, in fp32
(within 1e-5 of NumPy) and in int8 calibrated on the test inputs (within 3% of the output's range,
under 8 int8 steps, or softmax's fixed step of 1/256: a wrong axis, sign or multiplier is far off
that). The shapes are those the layout change makes hard: 4-D tensors, which run NHWC,
reduced without keepdims over axes whose order NHWC changes, a per-channel slope, a softmax over
the channels, and an opset-11 softmax, whose axis means "coerce to 2-D".

    /usr/bin/python3 check_elementwise_reduce_ops.py --qconvert build/bin/qconvert \
        --run-cases build/bin/qrun_run_cases --workdir DIR
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

RNG = np.random.default_rng(7)
NCHW = [1, 3, 5, 6]


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def model(name, nodes, shape, output_shape, initializers=(), opset=13):
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, output_shape)],
        [numpy_helper.from_array(np.asarray(v, np.float32) if v.dtype == np.float64 else v, n)
         for n, v in initializers])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def cases():
    """(name, model, input shape, reference function of x)."""
    slope = RNG.uniform(-0.5, 0.5, (3, 1, 1)).astype(np.float32)
    channel = RNG.uniform(-1, 1, (1, 3, 1, 1)).astype(np.float32)
    node = helper.make_node
    yield ("tanh", model("tanh", [node("Tanh", ["x"], ["y"])], NCHW, NCHW), NCHW, np.tanh)
    yield ("leaky_relu", model("leaky_relu", [node("LeakyRelu", ["x"], ["y"], alpha=0.1)], NCHW,
                               NCHW), NCHW, lambda x: np.where(x >= 0, x, 0.1 * x))
    bounds = [("lo", np.array(-0.5, np.float32)), ("hi", np.array(0.7, np.float32))]
    yield ("clip_3d", model("clip_3d", [node("Clip", ["x", "lo", "hi"], ["y"])], [2, 3, 4],
                            [2, 3, 4], bounds), [2, 3, 4], lambda x: np.clip(x, -0.5, 0.7))
    yield ("prelu_per_channel", model("prelu", [node("PRelu", ["x", "slope"], ["y"])], NCHW, NCHW,
                                      [("slope", slope)]), NCHW,
           lambda x: np.where(x >= 0, x, slope * x))
    yield ("sub_activations", model("sub", [node("Tanh", ["x"], ["t"]), node("Sigmoid", ["x"], ["s"]),
                                            node("Sub", ["t", "s"], ["y"])], NCHW, NCHW), NCHW,
           lambda x: np.tanh(x) - sigmoid(x))
    yield ("div_activations", model("div", [node("Sigmoid", ["x"], ["s"]),
                                            node("Add", ["s", "half"], ["d"]),
                                            node("Div", ["x", "d"], ["y"])], NCHW, NCHW,
                                    [("half", np.array(0.5, np.float32))]), NCHW,
           lambda x: x / (sigmoid(x) + 0.5))
    yield ("constant_minus_activation", model("rsub", [node("Sub", ["c", "x"], ["y"])], NCHW, NCHW,
                                              [("c", channel)]), NCHW, lambda x: channel - x)
    yield ("max_three", model("max", [node("Tanh", ["x"], ["t"]),
                                      node("Max", ["x", "t", "c"], ["y"])], NCHW, NCHW,
                              [("c", channel)]), NCHW,
           lambda x: np.maximum(np.maximum(x, np.tanh(x)), channel))
    yield ("min_relu", model("min", [node("Sigmoid", ["x"], ["s"]), node("Min", ["x", "s"], ["m"]),
                                     node("Relu", ["m"], ["y"])], NCHW, NCHW), NCHW,
           lambda x: np.maximum(np.minimum(x, sigmoid(x)), 0))
    for function, reference in [("ReduceSum", np.sum), ("ReduceMean", np.mean),
                                ("ReduceMax", np.max), ("ReduceMin", np.min)]:
        for axes, keepdims in [((1,), 0), ((3,), 0), ((1, 2), 1), ((0, 1, 2, 3), 0), ((2,), 1)]:
            shape = [d for i, d in enumerate(NCHW) if i not in axes or keepdims]
            shape = [1 if i in axes else d for i, d in enumerate(NCHW)] if keepdims else shape
            inputs, extra = ["x"], []
            attributes = {"keepdims": keepdims}
            if function == "ReduceSum":
                inputs.append("axes")
                extra = [("axes", np.array(axes, np.int64))]
            else:
                attributes["axes"] = list(axes)
            name = f"{function}_{''.join(map(str, axes))}_keepdims{keepdims}"
            yield (name, model(name, [node(function, inputs, ["y"], **attributes)], NCHW, shape,
                               extra), NCHW,
                   lambda x, r=reference, a=axes, k=keepdims: r(x, axis=a, keepdims=bool(k)))
    yield ("softmax_channels", model("softmax", [node("Softmax", ["x"], ["y"], axis=1)], NCHW, NCHW),
           NCHW, lambda x: softmax(x, 1))
    yield ("softmax_3d_middle", model("softmax3", [node("Softmax", ["x"], ["y"], axis=1)],
                                      [2, 3, 4], [2, 3, 4]), [2, 3, 4], lambda x: softmax(x, 1))
    # Opset 11: axis 1 of [2, 3, 4] means a softmax over each [3 * 4] row.
    yield ("softmax_opset11_coerced", model("softmax11", [node("Softmax", ["x"], ["y"], axis=1)],
                                            [2, 3, 4], [2, 3, 4], opset=11), [2, 3, 4],
           lambda x: softmax(x.reshape(2, 12), 1).reshape(2, 3, 4))
    yield ("softmax_opset11_image", model("softmax11_4d", [node("Softmax", ["x"], ["y"], axis=1)],
                                          NCHW, NCHW, opset=11), NCHW,
           lambda x: softmax(x.reshape(1, 90), 1).reshape(NCHW))


def runtime_layout(array):
    return array.transpose(0, 2, 3, 1) if array.ndim == 4 else array


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qconvert", required=True)
    parser.add_argument("--run-cases", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    manifest, checks = [], []
    for name, onnx_model, shape, reference in cases():
        directory = os.path.join(args.workdir, name)
        os.makedirs(directory, exist_ok=True)
        onnx.checker.check_model(onnx_model)
        path = os.path.join(directory, "model.onnx")
        onnx.save(onnx_model, path)
        samples = [RNG.uniform(-3, 3, shape).astype(np.float32) for _ in range(4)]
        sample_paths = []
        for i, sample in enumerate(samples):
            sample_paths.append(os.path.join(directory, f"sample_{i}.npy"))
            np.save(sample_paths[-1], sample)
        x = samples[0]
        np.save(os.path.join(directory, "input.npy"), runtime_layout(x))
        for kind, flags in [("fp32", ["--float"]), ("int8", ["--calib"] + sample_paths)]:
            qfb = os.path.join(directory, f"{kind}.qfb")
            result = subprocess.run([args.qconvert, path, "-o", qfb] + flags, capture_output=True,
                                    text=True)
            if result.returncode != 0:
                print(f"FAIL {name} {kind}: qconvert: {result.stderr.strip()}")
                return 1
            prefix = os.path.join(directory, kind)
            manifest.append("\t".join([qfb, prefix, os.path.join(directory, "input.npy")]))
            checks.append((name, kind, prefix, reference(x.astype(np.float64))))
    manifest_path = os.path.join(args.workdir, "manifest.tsv")
    with open(manifest_path, "w") as f:
        f.write("\n".join(manifest) + "\n")
    run = subprocess.run([args.run_cases, manifest_path], capture_output=True, text=True)
    if run.returncode != 0 or run.stdout.strip():
        print(f"FAIL qrun_run_cases: {run.stdout}{run.stderr}")
        return 1
    failures = 0
    for name, kind, prefix, expected in checks:
        actual = np.load(prefix + "_0.npy").astype(np.float64)
        if actual.size != expected.size:
            print(f"FAIL {name} {kind}: {actual.size} elements, expected {expected.size}")
            failures += 1
            continue
        if expected.ndim == 4:
            actual = actual.reshape([expected.shape[i] for i in (0, 2, 3, 1)]).transpose(0, 3, 1, 2)
        actual = actual.reshape(expected.shape)
        error = np.max(np.abs(actual - expected))
        spread = max(np.ptp(expected), np.max(np.abs(expected)), 1e-3)
        # int8 softmax has a fixed output step of 1/256, which a small range cannot shrink.
        int8_limit = max(0.03 * spread, 1 / 256)
        limit = 1e-5 * max(1.0, np.max(np.abs(expected))) if kind == "fp32" else int8_limit
        verdict = "ok  " if error <= limit else "FAIL"
        failures += error > limit
        print(f"{verdict} {name:34} {kind}: max |error| {error:.3g} (limit {limit:.3g})")
    print(f"{len(checks) - failures} of {len(checks)} passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
