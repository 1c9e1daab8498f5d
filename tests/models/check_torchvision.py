#!/usr/bin/python3
"""Converts a torchvision model with qconvert, runs it with qrun and checks it against PyTorch.

    /usr/bin/python3 tests/models/check_torchvision.py --model resnet18|mobilenet_v2|... \
        [--size 224] --qconvert build/bin/qconvert --qrun build/bin/qrun --workdir DIR

Models (MODELS): resnet18, resnet50, mobilenet_v2, mobilenet_v3_small, mobilenet_v3_large,
efficientnet_b0, shufflenet_v2_x1_0, squeezenet1_1, googlenet, densenet121, regnet_y_400mf.
--size sets the input's height and width (default 224); torchvision's classifiers end in
adaptive pooling, so smaller inputs keep the whole architecture at a fraction of the cost.

What it does, all seeded, so every run checks the same numbers:
  1. Builds the torchvision model with random weights (torch.manual_seed(0), weights=None;
     googlenet with transform_input, as its pretrained configuration has it) and
     gives every BatchNorm non-trivial statistics: running mean and variance are first measured
     on seeded random batches, with only the BatchNorms in training mode (so activations keep a
     sane range through the depth, and stochastic depth and dropout stay off), then every
     BatchNorm's mean, variance, gamma and beta get a seeded random perturbation per channel, and
     the last BatchNorm of each residual branch (resnet, mobilenet, efficientnet, regnet blocks)
     a gamma in [0.3, 0.6] (see build_model for why).
     The model is put in eval mode.
  2. Exports it to ONNX opset 13 at [1,3,S,S] (input `input`, output `output`). By default
     the BatchNormalization nodes are kept in the ONNX file (export with TrainingMode.PRESERVE on
     an eval-mode module, which skips the exporter's Conv+BN folding), so that qconvert's own BN
     folding is what gets tested; `--batchnorm fold` exports the way torch.onnx.export does by
     default (BN already folded into the Conv weights).
  3. Writes N calibration samples and, from another seed, one test image: random "images" (uniform
     pixels in [0, 1] normalized with the ImageNet mean and std), NCHW [1,3,S,S] float32, one
     .npy each; the test image also as NHWC [1,S,S,3] for qrun. N = 8 (--calib-samples).
     Measured on the 2-core build machine: about 30 s for resnet18 (qconvert's calibration 9 s)
     and 5 s for mobilenet_v2, far below the ctest TIMEOUT of 900 s.
  4. The fp32 reference output is computed by PyTorch, on the very module that was exported, in
     float32 (torch 1.13 from Debian; onnx 1.12 has no `onnx.reference` evaluator and ONNX
     Runtime is not installed, so the ONNX file itself is not executed in Python).
  5. `qconvert` (int8) then `qrun -o out.npy`: asserts cosine(int8 output, fp32 output) >= 0.99
     (--min-cosine), and that the int8 output is nearer (by cosine) its own input's fp32 output
     than the fp32 outputs of 3 unrelated inputs: the outputs of a random network share a large
     input-independent part (two unrelated inputs' outputs have a cosine of about 0.99 already),
     which alone must not be enough to pass. It also prints the cosine of the input-dependent
     part (outputs minus the mean fp32 output over the calibration samples), for information.
  6. `qconvert --float` then `qrun -o out.npy`: asserts max|qrun fp32 - torch| <= 1e-3 * max|torch|
     (--float-tolerance), a check of the converter's fp32 graph (layout transposes, BN folding,
     fusions). The float conversion is given one calibration sample only: it quantizes nothing.

Measured (2026-11-22): qrun's int8 reaches a cosine of 0.99983 (resnet18) and 0.99953
(mobilenet_v2); PyTorch's own post-training int8 of the same modules (--torch-int8) 0.99982 and
0.99890; the fp32 outputs of unrelated inputs are at 0.992-0.995 to each other.

Optional: --torchscript also saves the same module as TorchScript, traced (torch.jit.trace) and
scripted (torch.jit.script), and converts each `.pt` with qconvert (`--input-shape 1,3,224,224`)
from the same calibration samples: each route's int8 output must have a cosine >= 0.999
(--min-route-cosine) to the ONNX route's int8 output, and each fp32 `.qfb` from TorchScript must
meet the same fp32 bound against PyTorch as the ONNX one. (PyTorch folds BatchNorm when qconvert
freezes the module, qconvert folds it in the ONNX route: the int8 weights may differ in a last
rounding step, hence a cosine and not equality.)

Optional: --torch-int8 also quantizes the module with PyTorch's own post-training quantization
(FX, the `onednn` engine: per-channel weights; Debian's torch has no fbgemm), calibrated on the
same samples, and prints its cosine against fp32 as a yardstick for qrun's number.

Exit code 0 when every check passes, 1 with a message naming what failed (a tool's exit status
and the tail of its stderr, a missing or misshapen output, or a number beside its threshold).
Outputs of an earlier run in the work folder are deleted first, so a stale file cannot pass.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torchvision

MODELS = ("resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
          "efficientnet_b0", "shufflenet_v2_x1_0", "squeezenet1_1", "googlenet", "densenet121",
          "regnet_y_400mf")
DEFAULT_CALIB_SAMPLES = 8
DEFAULT_SIZE = 224
DEFAULT_SHAPE = (1, 3, DEFAULT_SIZE, DEFAULT_SIZE)
DECOYS = 3  # unrelated inputs whose fp32 outputs the int8 output must be farther from


class CheckFailed(Exception):
    pass


def build_model(name, shape=DEFAULT_SHAPE):
    """The torchvision model with seeded random weights and non-trivial BatchNorm statistics."""
    torch.manual_seed(0)
    # googlenet as torchvision's pretrained weights configure it: transform_input on (a
    # per-channel affine written channel by channel), no auxiliary heads (eval ignores them).
    options = {"transform_input": True, "aux_logits": False, "init_weights": True} \
        if name == "googlenet" else {}
    model = getattr(torchvision.models, name)(weights=None, **options)
    batchnorms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    # Measure the running statistics on random data (cumulative average, momentum None), so each
    # BatchNorm really normalizes what reaches it...
    generator = torch.Generator().manual_seed(1)
    for bn in batchnorms:
        bn.reset_running_stats()
        bn.momentum = None
    # Only the BatchNorms measure: the rest runs as at inference, so that stochastic depth
    # (efficientnet) and dropout do not skew what the BatchNorms see.
    model.eval()
    for bn in batchnorms:
        bn.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn(4, *shape[1:], generator=generator))
    # ...then move every parameter of it away from what the data gave, per channel.
    with torch.no_grad():
        for bn in batchnorms:
            c = bn.num_features
            std = bn.running_var.sqrt()
            bn.running_mean += 0.2 * std * torch.randn(c, generator=generator)
            bn.running_var *= torch.empty(c).uniform_(0.6, 1.6, generator=generator)
            bn.weight.copy_(torch.empty(c).uniform_(0.5, 1.5, generator=generator))
            bn.bias.copy_(0.2 * torch.randn(c, generator=generator))
        # The last BatchNorm of each residual branch gets a smaller gamma, as trained residual
        # networks have (cf. torchvision's zero_init_residual). Without it these random networks
        # are chaotic: an input change of 1% moves the output by a third of the distance between
        # the outputs of two unrelated inputs, and no int8 model can then track fp32 closely.
        for module in model.modules():
            kind = type(module).__name__
            last = None
            if kind == "BasicBlock":  # resnet18
                last = module.bn2
            elif kind == "Bottleneck":  # resnet50 (benchmarks/compare.py builds it from here)
                last = module.bn3
            elif kind == "InvertedResidual" and getattr(module, "use_res_connect", False):
                # mobilenet_v2: conv[-1] is the BatchNorm; mobilenet_v3: block[-1] is a
                # Conv2dNormActivation whose [1] is. (shufflenet's InvertedResidual has no sum.)
                last = module.conv[-1] if hasattr(module, "conv") else module.block[-1][1]
            elif kind == "MBConv" and module.use_res_connect:  # efficientnet_b0
                last = module.block[-1][1]
            elif kind == "ResBottleneckBlock":  # regnet_y_400mf: f.c is conv + BatchNorm
                last = module.f.c[1]
            if last is not None:
                last.weight.copy_(
                    torch.empty(last.num_features).uniform_(0.3, 0.6, generator=generator))
    model.eval()
    return model


def random_images(count, seed, shape=DEFAULT_SHAPE):
    """Images as a classifier sees them: uniform random pixels in [0, 1], normalized with the
    ImageNet mean and std (values in about [-2.1, 2.6]), NCHW float32 of `shape` each."""
    rng = np.random.RandomState(seed)
    mean = np.array([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
    std = np.array([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
    return [((rng.uniform(0.0, 1.0, shape) - mean) / std).astype(np.float32)
            for _ in range(count)]


def export_onnx(model, path, batchnorm, shape=DEFAULT_SHAPE):
    mode = torch.onnx.TrainingMode.PRESERVE if batchnorm == "keep" else torch.onnx.TrainingMode.EVAL
    torch.onnx.export(model, torch.zeros(*shape), path, opset_version=13,
                      input_names=["input"], output_names=["output"], training=mode,
                      do_constant_folding=True)
    import onnx
    graph = onnx.load(path).graph
    ops = sorted({node.op_type for node in graph.node})
    bn_count = sum(node.op_type == "BatchNormalization" for node in graph.node)
    print(f"exported {path}: {len(graph.node)} nodes, {bn_count} BatchNormalization; ops {ops}")
    if batchnorm == "keep" and bn_count == 0 and any(
            isinstance(m, nn.BatchNorm2d) for m in model.modules()):
        raise CheckFailed("the export was asked to keep BatchNormalization nodes but has none")


def cosine(a, b):
    a = a.astype(np.float64).ravel()
    b = b.astype(np.float64).ravel()
    denominator = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / denominator) if denominator > 0 else float("nan")


def run_tool(what, command, timeout):
    print("$ " + " ".join(command), flush=True)
    start = time.monotonic()
    try:
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                timeout=timeout)
    except FileNotFoundError:
        raise CheckFailed(f"{what}: cannot execute {command[0]}")
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{what}: timed out after {timeout} s: {' '.join(command)}")
    seconds = time.monotonic() - start
    stdout = result.stdout.decode(errors="replace")
    stderr = result.stderr.decode(errors="replace")
    if stdout.strip():
        print("\n".join(stdout.strip().splitlines()[-15:]))
    if result.returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-20:])
        raise CheckFailed(f"{what} exited with status {result.returncode}:\n{tail}")
    if stderr.strip():
        print("\n".join(stderr.strip().splitlines()[-5:]), file=sys.stderr)
    print(f"({what}: {seconds:.1f} s)", flush=True)
    return seconds


def load_output(path, expected_shape, what):
    if not os.path.isfile(path):
        raise CheckFailed(f"{what}: qrun exited 0 but wrote no {path}")
    output = np.load(path)
    if output.dtype != np.float32:
        raise CheckFailed(f"{what}: {path} holds {output.dtype}, expected float32")
    if tuple(output.shape) != tuple(expected_shape):
        raise CheckFailed(f"{what}: {path} has shape {list(output.shape)}, "
                          f"expected {list(expected_shape)}")
    if not np.all(np.isfinite(output)):
        raise CheckFailed(f"{what}: {path} holds non-finite values")
    return output


def torch_int8_cosine(model, calibration, test_input, reference):
    """PyTorch's own int8 (FX post-training quantization, onednn engine) against fp32."""
    import copy
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = "onednn"
    prepared = prepare_fx(copy.deepcopy(model), get_default_qconfig_mapping("onednn"),
                          example_inputs=(torch.from_numpy(calibration[0]),))
    with torch.no_grad():
        for sample in calibration:
            prepared(torch.from_numpy(sample))
        quantized = convert_fx(prepared)
        output = quantized(torch.from_numpy(test_input)).numpy()
    return cosine(output, reference)


def check(args):
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    calib_dir = os.path.join(workdir, "calibration")
    float_calib_dir = os.path.join(workdir, "calibration_float")
    paths = {name: os.path.join(workdir, name) for name in (
        "model.onnx", "model_int8.qfb", "model_fp32.qfb", "input_nhwc.npy", "input_nchw.npy",
        "reference.npy", "out_int8.npy", "out_fp32.npy")}
    # Nothing from an earlier run may be mistaken for this run's result.
    for path in paths.values():
        if os.path.exists(path):
            os.remove(path)
    for folder in (calib_dir, float_calib_dir):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    shape = (1, 3, args.size, args.size)
    model = build_model(args.model, shape)
    export_onnx(model, paths["model.onnx"], args.batchnorm, shape)

    samples = args.calib_samples or DEFAULT_CALIB_SAMPLES
    calibration = random_images(samples, seed=1000, shape=shape)
    for i, sample in enumerate(calibration):
        np.save(os.path.join(calib_dir, f"sample_{i:02d}.npy"), sample)
    np.save(os.path.join(float_calib_dir, "sample_00.npy"), calibration[0])
    test_input, *decoys = random_images(1 + DECOYS, seed=2000, shape=shape)
    np.save(paths["input_nchw.npy"], test_input)
    np.save(paths["input_nhwc.npy"], np.ascontiguousarray(test_input.transpose(0, 2, 3, 1)))

    with torch.no_grad():
        reference = model(torch.from_numpy(test_input)).numpy()
        decoy_references = [model(torch.from_numpy(x)).numpy() for x in decoys]
        calibration_mean = np.mean([model(torch.from_numpy(x)).numpy() for x in calibration], 0)
    np.save(paths["reference.npy"], reference)
    print(f"fp32 reference (PyTorch {torch.__version__}): shape {list(reference.shape)}, "
          f"max |y| {np.abs(reference).max():.4g}, argmax {int(reference.argmax())}")
    # A random network's outputs share a large input-independent part, so the cosine of two
    # unrelated inputs' fp32 outputs is itself high: print it, to read the int8 cosine against.
    print("fp32 cosine between unrelated inputs' outputs: " +
          ", ".join(f"{cosine(d, reference):.6f}" for d in decoy_references))

    if args.torch_int8:
        print(f"PyTorch int8 (FX, onednn) cosine vs fp32: "
              f"{torch_int8_cosine(model, calibration, test_input, reference):.6f}")

    # The int8 and the fp32 checks run whatever the other gave, and each failure is reported.
    failures = []

    def check_int8():
        run_tool("qconvert (int8)", [args.qconvert, paths["model.onnx"], "-o",
                                     paths["model_int8.qfb"], "--calib", calib_dir],
                 args.step_timeout)
        run_tool("qrun (int8)", [args.qrun, paths["model_int8.qfb"], paths["input_nhwc.npy"],
                                 "-o", paths["out_int8.npy"]], args.step_timeout)
        out_int8 = load_output(paths["out_int8.npy"], reference.shape, "int8")
        cos = cosine(out_int8, reference)
        # The same, with the input-independent part (the mean fp32 output over the calibration
        # samples) taken out of both: how well int8 follows what the input changes.
        centered = cosine(out_int8 - calibration_mean, reference - calibration_mean)
        same_top1 = int(out_int8.argmax()) == int(reference.argmax())
        print(f"int8 vs fp32: cosine {cos:.6f} (min {args.min_cosine}), cosine of the "
              f"input-dependent part {centered:.4f}, max abs error "
              f"{np.abs(out_int8 - reference).max():.4g}, top-1 "
              f"{'agrees' if same_top1 else 'differs'}")
        if not cos >= args.min_cosine:
            failures.append(f"int8 output: cosine similarity to fp32 {cos:.6f} < "
                            f"{args.min_cosine}")
        # The int8 output must be nearer its own input's fp32 output than any unrelated input's:
        # a converter that lost the input's influence (a wrong layout, padding or input scale)
        # can still reach a high cosine on the shared part alone, but not this.
        decoy_cosines = [cosine(out_int8, d) for d in decoy_references]
        if not cos > max(decoy_cosines):
            failures.append(f"int8 output: not nearer its own input's fp32 output (cosine "
                            f"{cos:.6f}) than an unrelated input's ({max(decoy_cosines):.6f})")

    def check_fp32():
        run_tool("qconvert (--float)", [args.qconvert, paths["model.onnx"], "-o",
                                        paths["model_fp32.qfb"], "--calib", float_calib_dir,
                                        "--float"], args.step_timeout)
        run_tool("qrun (fp32)", [args.qrun, paths["model_fp32.qfb"], paths["input_nhwc.npy"],
                                 "-o", paths["out_fp32.npy"]], args.step_timeout)
        out_fp32 = load_output(paths["out_fp32.npy"], reference.shape, "fp32")
        max_error = float(np.abs(out_fp32.astype(np.float64) - reference).max())
        bound = args.float_tolerance * float(np.abs(reference).max())
        print(f"fp32 .qfb vs PyTorch: max abs error {max_error:.4g} (bound {bound:.4g} = "
              f"{args.float_tolerance} x max |y|), cosine {cosine(out_fp32, reference):.8f}")
        if not max_error <= bound:
            worst = int(np.abs(out_fp32.astype(np.float64) - reference).argmax())
            failures.append(f"fp32 output: max abs error {max_error:.4g} > {bound:.4g} "
                            f"(worst at flat index {worst}: qrun {out_fp32.ravel()[worst]!r}, "
                            f"torch {reference.ravel()[worst]!r})")

    def check_torchscript(mode):
        pt = os.path.join(workdir, f"model_{mode}.pt")
        int8_qfb = os.path.join(workdir, f"model_{mode}_int8.qfb")
        fp32_qfb = os.path.join(workdir, f"model_{mode}_fp32.qfb")
        out_int8_path = os.path.join(workdir, f"out_{mode}_int8.npy")
        out_fp32_path = os.path.join(workdir, f"out_{mode}_fp32.npy")
        for path in (pt, int8_qfb, fp32_qfb, out_int8_path, out_fp32_path):
            if os.path.exists(path):
                os.remove(path)
        with torch.no_grad():
            saved = (torch.jit.trace(model, torch.from_numpy(test_input)) if mode == "trace"
                     else torch.jit.script(model))
        saved.save(pt)
        shape_text = ",".join(str(d) for d in shape)
        run_tool(f"qconvert ({mode}, int8)", [args.qconvert, pt, "--input-shape", shape_text, "-o",
                                              int8_qfb, "--calib", calib_dir], args.step_timeout)
        run_tool(f"qrun ({mode}, int8)", [args.qrun, int8_qfb, paths["input_nhwc.npy"], "-o",
                                          out_int8_path], args.step_timeout)
        out = load_output(out_int8_path, reference.shape, f"{mode} int8")
        onnx_out = load_output(paths["out_int8.npy"], reference.shape, "int8")
        route = cosine(out, onnx_out)
        print(f"TorchScript ({mode}) int8 vs ONNX route int8: cosine {route:.6f} "
              f"(min {args.min_route_cosine}); vs fp32: cosine {cosine(out, reference):.6f}")
        if not route >= args.min_route_cosine:
            failures.append(f"TorchScript ({mode}) int8 output: cosine to the ONNX route's "
                            f"{route:.6f} < {args.min_route_cosine}")
        run_tool(f"qconvert ({mode}, --float)", [args.qconvert, pt, "--input-shape", shape_text,
                                                 "-o", fp32_qfb, "--float"], args.step_timeout)
        run_tool(f"qrun ({mode}, fp32)", [args.qrun, fp32_qfb, paths["input_nhwc.npy"], "-o",
                                          out_fp32_path], args.step_timeout)
        out_fp32 = load_output(out_fp32_path, reference.shape, f"{mode} fp32")
        max_error = float(np.abs(out_fp32.astype(np.float64) - reference).max())
        bound = args.float_tolerance * float(np.abs(reference).max())
        print(f"TorchScript ({mode}) fp32 .qfb vs PyTorch: max abs error {max_error:.4g} "
              f"(bound {bound:.4g})")
        if not max_error <= bound:
            failures.append(f"TorchScript ({mode}) fp32 output: max abs error {max_error:.4g} > "
                            f"{bound:.4g}")

    parts = [check_int8, check_fp32]
    if args.torchscript:
        parts += [lambda: check_torchscript("trace"), lambda: check_torchscript("script")]
    for part in parts:
        try:
            part()
        except CheckFailed as failure:
            failures.append(str(failure))
    if failures:
        raise CheckFailed("\n".join(failures))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, choices=MODELS)
    parser.add_argument("--qconvert", required=True, help="path of the qconvert binary")
    parser.add_argument("--qrun", required=True, help="path of the qrun binary")
    parser.add_argument("--workdir", required=True, help="folder for the model, inputs, outputs")
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE,
                        help=f"input height and width (default {DEFAULT_SIZE})")
    parser.add_argument("--calib-samples", type=int, default=0,
                        help=f"calibration samples (default {DEFAULT_CALIB_SAMPLES})")
    parser.add_argument("--batchnorm", choices=("keep", "fold"), default="keep",
                        help="keep BatchNormalization nodes in the ONNX (default) or let the "
                             "exporter fold them")
    parser.add_argument("--min-cosine", type=float, default=0.99)
    parser.add_argument("--float-tolerance", type=float, default=1e-3,
                        help="fp32 bound on max abs error, relative to the output's max abs")
    parser.add_argument("--step-timeout", type=float, default=600,
                        help="seconds each qconvert / qrun call may take")
    parser.add_argument("--torchscript", action="store_true",
                        help="also convert the model as traced and scripted TorchScript")
    parser.add_argument("--min-route-cosine", type=float, default=0.999,
                        help="least cosine of a TorchScript route's int8 output to the ONNX "
                             "route's")
    parser.add_argument("--torch-int8", action="store_true",
                        help="also print PyTorch's own int8 cosine, as a yardstick")
    args = parser.parse_args()
    start = time.monotonic()
    try:
        check(args)
    except CheckFailed as failure:
        print(f"FAIL {args.model}: {failure}", file=sys.stderr)
        return 1
    print(f"PASS {args.model} ({time.monotonic() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
