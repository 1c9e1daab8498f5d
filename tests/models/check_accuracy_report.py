#!/usr/bin/python3
"""Calibration methods and the accuracy report, on real models.

1. The report's figures against an independent NumPy computation: the shipped digits model is
   converted with `--report` on 16 held-out images; NumPy evaluates the ONNX graph itself in
   float64, qrun runs the int8 model on the same images, and the output layer's SQNR and cosine
   computed here must match the report's to 0.01 dB and 1e-6.
2. Outliers: the digits model trained with rare hot pixels (tests/models/outliers), whose
   calibration set has one. On the clean held-out split, percentile (99.9) and entropy
   calibration must beat min/max in final-output SQNR by at least 6 dB, and min/max's report must
   name the first convolution (whose input range the hot pixel stretched) as its worst layer.
3. Per-tensor against per-channel weights on a depthwise-separable network (torchvision
   mobilenet_v2, seeded random weights): the two reports side by side, layer by layer; per-channel
   is not worse than per-tensor on any layer (local SQNR, 0.05 dB of slack for rounding noise).
4. --auto-float on a layer made hostile to int8: in the digits model's last FC, the weights of a
   hidden feature that is zero on every image (a dead ReLU unit) become 100 times the largest
   weight. The float model computes exactly what it did; in int8 each output channel's scale is
   set by that weight and every other weight rounds to almost nothing. --auto-float sqnr=30 must
   keep exactly that layer in fp32 and meet the target.

    check_accuracy_report.py --qconvert Q --qrun R --workdir DIR
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_torchvision as tv  # noqa: E402  (model building and tool running)

DIGITS = os.path.join(HERE, "digits")
OUTLIERS = os.path.join(HERE, "outliers")


class CheckFailed(Exception):
    pass


def qconvert(args, *extra):
    tv.run_tool("qconvert", [args.qconvert, *extra], timeout=900)


def load_report(path):
    with open(path) as f:
        return json.load(f)


def held_out_folder(args, count):
    """The first `count` held-out digits as NCHW .npy files (the form --calib takes)."""
    folder = os.path.join(args.workdir, f"held_out_{count}")
    os.makedirs(folder, exist_ok=True)
    images = np.load(os.path.join(DIGITS, "test_images.npy"))[:count]  # NHWC
    for i, image in enumerate(images):
        np.save(os.path.join(folder, f"digit_{i:03d}.npy"),
                np.ascontiguousarray(image.transpose(2, 0, 1)[None]))
    return folder, images


# --- 1. NumPy ------------------------------------------------------------------------------------

def numpy_digits(onnx_path, image_nchw):
    """The digits ONNX graph (Conv, Relu, MaxPool, Flatten, Gemm) evaluated in float64."""
    import onnx
    from onnx import numpy_helper
    model = onnx.load(onnx_path)
    values = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    values[model.graph.input[0].name] = image_nchw.astype(np.float64)
    for node in model.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        x = values[node.input[0]]
        if node.op_type == "Conv":
            w, b = values[node.input[1]], values[node.input[2]]
            pad = attrs["pads"][0]
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            kh, kw = w.shape[2:]
            h, wd = x.shape[2:]
            y = np.zeros((1, w.shape[0], h, wd))
            for dy in range(kh):
                for dx in range(kw):
                    y += np.einsum("oc,nchw->nohw", w[:, :, dy, dx], xp[:, :, dy:dy + h, dx:dx + wd])
            y += b.reshape(1, -1, 1, 1)
        elif node.op_type == "Relu":
            y = np.maximum(x, 0.0)
        elif node.op_type == "MaxPool":
            n, c, h, wd = x.shape
            y = x.reshape(n, c, h // 2, 2, wd // 2, 2).max(axis=(3, 5))
        elif node.op_type == "Flatten":
            y = x.reshape(x.shape[0], -1)
        elif node.op_type == "Gemm":
            y = x @ values[node.input[1]].T + values[node.input[2]]
        else:
            raise CheckFailed(f"the NumPy evaluator does not know {node.op_type}")
        values[node.output[0]] = y
    return values[model.graph.output[0].name]


def check_numpy_agreement(args):
    print("\n=== 1. the report's output SQNR against NumPy", flush=True)
    folder, images = held_out_folder(args, 16)
    qfb = os.path.join(args.workdir, "digits.qfb")
    report_path = os.path.join(args.workdir, "digits_report.json")
    onnx_path = os.path.join(DIGITS, "digits.onnx")
    qconvert(args, onnx_path, "-o", qfb, "--calib", os.path.join(DIGITS, "calibration"),
             "--report", report_path, "--report-data", folder)
    reference, int8 = [], []
    for i, image in enumerate(images):
        nhwc = os.path.join(args.workdir, "input.npy")
        out = os.path.join(args.workdir, "output.npy")
        np.save(nhwc, np.ascontiguousarray(image[None]))
        subprocess.run([args.qrun, qfb, nhwc, "-o", out], check=True, stdout=subprocess.DEVNULL)
        int8.append(np.load(out).astype(np.float64).ravel())
        reference.append(numpy_digits(onnx_path, image.transpose(2, 0, 1)[None]).ravel())
    reference = np.concatenate(reference)
    int8 = np.concatenate(int8)
    sqnr = 10 * np.log10(np.sum(reference ** 2) / np.sum((reference - int8) ** 2))
    cos = float(reference @ int8 / (np.linalg.norm(reference) * np.linalg.norm(int8)))
    report = load_report(report_path)
    output = report["outputs"][0]["accumulated"]
    print(f"output 'logits' over {len(images)} images: NumPy SQNR {sqnr:.4f} dB, cosine "
          f"{cos:.8f}; report SQNR {output['sqnr_db']:.4f} dB, cosine {output['cosine']:.8f}")
    if abs(sqnr - output["sqnr_db"]) > 0.01 or abs(cos - output["cosine"]) > 1e-6:
        raise CheckFailed("the report's output figures differ from NumPy's")
    first = [layer for layer in report["layers"] if layer["op_index"] == 0][0]
    if first["local"] != first["accumulated"]:
        raise CheckFailed("the first layer's local and accumulated figures should be the same "
                          f"(its input is the model's): {first}")


# --- 2. outliers ---------------------------------------------------------------------------------

def check_outliers(args):
    print("\n=== 2. calibration methods on a model with outliers", flush=True)
    folder, _ = held_out_folder(args, 1000)
    results = {}
    for name, options in (("minmax", ["--calibration", "minmax"]),
                          ("percentile 99.9", ["--calibration", "percentile", "--percentile",
                                               "99.9"]),
                          ("entropy", ["--calibration", "entropy"]),
                          ("mse", ["--calibration", "mse"])):
        tag = name.split()[0]
        report_path = os.path.join(args.workdir, f"outliers_{tag}.json")
        qconvert(args, os.path.join(OUTLIERS, "digits_hot_pixels.onnx"), "-o",
                 os.path.join(args.workdir, f"outliers_{tag}.qfb"), "--calib",
                 os.path.join(OUTLIERS, "calibration"), *options, "--report", report_path,
                 "--report-data", folder, "--report-samples", "1000")
        results[name] = load_report(report_path)
    print("\nfinal output on the held-out split (539 images):")
    for name, report in results.items():
        output = report["outputs"][0]["accumulated"]
        print(f"  {name:16s} SQNR {output['sqnr_db']:6.2f} dB, cosine {output['cosine']:.6f}, "
              f"worst layer {report['worst_layer']}")
    baseline = results["minmax"]["outputs"][0]["accumulated"]["sqnr_db"]
    for name in ("percentile 99.9", "entropy"):
        gain = results[name]["outputs"][0]["accumulated"]["sqnr_db"] - baseline
        if gain < 6.0:
            raise CheckFailed(f"{name} beats min/max by {gain:.2f} dB only")
    worst = results["minmax"]["worst_layer"]
    if worst != "/features/features.0/Conv":
        raise CheckFailed(f"min/max's report blames '{worst}', not the first convolution")


# --- 3. per-tensor vs per-channel ----------------------------------------------------------------

def check_per_channel(args):
    print("\n=== 3. per-tensor against per-channel weights on mobilenet_v2", flush=True)
    model = tv.build_model("mobilenet_v2")
    onnx_path = os.path.join(args.workdir, "mobilenet_v2.onnx")
    tv.export_onnx(model, onnx_path, "fold")
    calib = os.path.join(args.workdir, "mobilenet_calibration")
    os.makedirs(calib, exist_ok=True)
    for i, image in enumerate(tv.random_images(4, seed=5)):
        np.save(os.path.join(calib, f"sample_{i}.npy"), image)
    reports = {}
    for name, options in (("per-channel", []), ("per-tensor", ["--per-tensor-weights"])):
        path = os.path.join(args.workdir, f"mobilenet_{name}.json")
        qconvert(args, onnx_path, "-o", os.path.join(args.workdir, f"mobilenet_{name}.qfb"),
                 "--calib", calib, *options, "--report", path, "--report-samples", "2")
        reports[name] = {layer["op_index"]: layer for layer in load_report(path)["layers"]}
    channel, tensor = reports["per-channel"], reports["per-tensor"]
    if channel.keys() != tensor.keys():
        raise CheckFailed("the two conversions have different layers")
    print(f"\n{'op':>4} {'type':16} {'per-tensor dB':>14} {'per-channel dB':>15} {'gain':>7}")
    worse = []
    for index in sorted(channel):
        a = tensor[index]["local"]["sqnr_db"]
        b = channel[index]["local"]["sqnr_db"]
        a = float("inf") if a is None else a
        b = float("inf") if b is None else b
        gain = b - a if np.isfinite(a) and np.isfinite(b) else 0.0
        print(f"{index:4d} {channel[index]['op']:16} {a:14.2f} {b:15.2f} {gain:7.2f}")
        if b < a - 0.05:
            worse.append((index, channel[index]["name"], a, b))
    conv = [i for i in channel if channel[i]["op"] == "CONV_2D"]
    gains = [channel[i]["local"]["sqnr_db"] - tensor[i]["local"]["sqnr_db"] for i in conv]
    print(f"convolutions: per-channel gains {np.median(gains):.2f} dB in the median, "
          f"{min(gains):.2f} to {max(gains):.2f} dB")
    if worse:
        raise CheckFailed(f"per-channel is worse than per-tensor on {worse}")


# --- 4. auto-float -------------------------------------------------------------------------------

def truncated_model(onnx_path, output_name, path):
    """The ONNX model with `output_name` as its output, for NumPy to evaluate up to it."""
    import onnx
    model = onnx.load(onnx_path)
    del model.graph.output[:]
    model.graph.output.extend([onnx.helper.make_tensor_value_info(output_name,
                                                                  onnx.TensorProto.FLOAT, None)])
    onnx.save(model, path)


def check_auto_float(args):
    print("\n=== 4. --auto-float on a layer made hostile to int8", flush=True)
    import onnx
    from onnx import numpy_helper
    onnx_path = os.path.join(DIGITS, "digits.onnx")
    hidden = "/classifier/classifier.2/Relu_output_0"
    truncated = os.path.join(args.workdir, "digits_hidden.onnx")
    truncated_model(onnx_path, hidden, truncated)
    images = [np.load(os.path.join(DIGITS, "calibration", f)) for f in
              sorted(os.listdir(os.path.join(DIGITS, "calibration")))]
    images += [x.transpose(2, 0, 1)[None] for x in np.load(os.path.join(DIGITS, "test_images.npy"))]
    largest = np.max([numpy_digits(truncated, x).ravel() for x in images], axis=0)
    dead = np.flatnonzero(largest == 0)
    if len(dead) == 0:
        raise CheckFailed("no hidden unit of the digits model is zero on every image")
    model = onnx.load(onnx_path)
    for tensor in model.graph.initializer:
        if tensor.name == "classifier.3.weight":
            weights = numpy_helper.to_array(tensor).copy()
            weights[:, dead[0]] = 100 * np.abs(weights).max()
            tensor.CopyFrom(numpy_helper.from_array(weights.astype(np.float32), tensor.name))
    hostile = os.path.join(args.workdir, "digits_hostile.onnx")
    onnx.save(model, hostile)
    print(f"hidden unit {dead[0]} is zero on all {len(images)} images; its weights in "
          f"classifier.3 are now {100 * np.abs(weights).max():.2f}")
    report_path = os.path.join(args.workdir, "hostile_report.json")
    log = subprocess.run([args.qconvert, hostile, "-o", os.path.join(args.workdir, "hostile.qfb"),
                          "--calib", os.path.join(DIGITS, "calibration"), "--auto-float",
                          "sqnr=30", "--report", report_path],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    print(log.stdout)
    if log.returncode != 0:
        raise CheckFailed(f"qconvert --auto-float failed: {log.stderr}")
    kept = [line for line in log.stdout.splitlines() if line.startswith("kept in fp32:")]
    if kept != ["kept in fp32: /classifier/classifier.3/Gemm"]:
        raise CheckFailed(f"--auto-float kept {kept}, not exactly the hostile layer")
    rounds = [line for line in log.stdout.splitlines() if line.startswith("auto-float:")]
    if len(rounds) != 2:
        raise CheckFailed(f"expected one int8 round and one with the layer in fp32: {rounds}")
    sqnr = load_report(report_path)["outputs"][0]["accumulated"]["sqnr_db"]
    if sqnr < 30.0:
        raise CheckFailed(f"the output SQNR is {sqnr:.2f} dB, short of the 30 dB target")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qconvert", required=True)
    parser.add_argument("--qrun", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    try:
        check_numpy_agreement(args)
        check_outliers(args)
        check_per_channel(args)
        check_auto_float(args)
    except (CheckFailed, tv.CheckFailed) as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    print("\nall accuracy report checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
