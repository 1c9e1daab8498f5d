#!/usr/bin/python3
"""Times qrun's int8 against ONNX Runtime, PyTorch, OpenVINO and LiteRT, int8 and fp32.

Run it through `benchmarks/compare`, which makes the virtual environments (ONNX Runtime in the
one the tests use; OpenVINO with NNCF and LiteRT with TensorFlow each in one of their own), makes
sure PyTorch runs on OpenBLAS and builds qrun if needed. What it does, per model:

  1. Builds the model and its inputs. torchvision resnet18, resnet50, mobilenet_v2 and
     mobilenet_v3_large: fixed-seed weights with sane random BatchNorm statistics, ONNX opset 13
     with the BatchNormalization nodes kept (both from tests/models/check_torchvision.py, so these
     are the models the tests check), calibration samples (seed 1000) and one test input (seed
     2000), NCHW [1,3,224,224]. transformer_encoder: tests/models/check_transformer.py's
     nn.TransformerEncoder (4 layers, d_model 256, 4 heads, feed-forward 1024, batch first,
     seeded) at opset 13, input [1,128,256], its seeded calibration samples and test input.
  2. Prepares the runtimes, each int8 one calibrated on those same calibration tensors:
       qrun int8      qconvert model.onnx --calib samples/ (static int8), then the qrun CLI
                      (images as NHWC input)
       qrun int8 (XNNPACK backend)  the same .qfb through `qrun --backend xnnpack`
       ORT int8       onnxruntime.quantization: quant_pre_process, then quantize_static
                      (QDQ, per-channel int8 weights, MinMax calibration, uint8 activations
                      by default: U8S8 is the pair ONNX Runtime's x86 kernels are built for;
                      measured on mobilenet_v2 here, 2.1 ms against 3.7 ms with int8 ones)
       ORT int8 dynamic  (encoder only) quantize_dynamic: int8 weights, activations quantized
                      at run time, which ONNX Runtime fuses better for 3-D MatMuls
       ORT fp32       the same ONNX file
       PyTorch int8   images: FX graph mode post-training quantization, onednn engine and qconfig;
                      encoder: "PyTorch int8 dynamic (Linear)", quantize_dynamic of the Linear
                      layers, which is what PyTorch offers for nn.TransformerEncoder (FX cannot
                      trace it); attention's matmuls, softmax and LayerNorm stay fp32
       PyTorch fp32   the module that was exported
       OpenVINO int8 (NNCF)   nncf.quantize of the ONNX model read by OpenVINO (model type
                      transformer for the encoder), one inference thread, fp32 precision hint
       OpenVINO fp32  the ONNX model, same settings
       LiteRT int8 (XNNPACK)  onnx2tf to a SavedModel (the encoder, which onnx2tf cannot
                      convert: the same network written in TensorFlow ops from the PyTorch
                      weights, litert_encoder.py), then TensorFlow's converter: full-integer int8
                      ops (fp32 input and output quantized inside), the calibration tensors as
                      representative data; one thread, LiteRT's default XNNPACK delegate
       LiteRT fp32 (XNNPACK)  the same model converted without quantization
     PyTorch's modules are traced and put through torch.jit.optimize_for_inference (freezing,
     and for fp32 oneDNN convolutions), which was measured faster than eager (--torch-mode).
     OpenVINO and LiteRT run in worker processes in their own environments (peer_server.py).
     A runtime that cannot be installed, converted or run is listed with the reason.
  3. Times them single thread, pinned to one core, interleaved round by round: every round runs
     each runtime for a block of --iterations runs after --warmup runs, in an order that rotates
     from round to round. The in-process and worker peers are timed call by call; qrun is a CLI,
     so each of its blocks is one `qrun --warmup W --repeat N --pin CPU` call (the process is
     pinned to the same core) and its block median is the sample.
  4. Prints, per model, median / p10 / p90 (peers over every timed call; qrun over its block
     medians), each runtime's time as a multiple of the best int8 peer's and of qrun's median,
     and each output's cosine similarity to PyTorch fp32 on the test input; writes the same as
     markdown to WORKDIR/compare.md.
"""

import argparse
import datetime
import gc
import json
import os
import platform
import re
import select
import shutil
import subprocess
import sys
import time

# One thread everywhere, set before numpy and torch load their libraries.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import warnings  # noqa: E402

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "models"))
import check_torchvision as tv  # noqa: E402  (build_model, random_images, export_onnx, ...)
import check_transformer as encoder  # noqa: E402  (build_encoder, export_encoder, ...)
import torch  # noqa: E402

# check_torchvision exports with BatchNormalization kept (TrainingMode.PRESERVE on an eval-mode
# module), which makes torch warn about constant folding in training mode: it does not apply.
warnings.filterwarnings("ignore", message="It is recommended that constant folding")

ENCODER = "transformer_encoder"
MODELS = ("resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large", ENCODER)
QRUN = "qrun int8"
QRUN_XNNPACK = "qrun int8 (XNNPACK backend)"
VENVS = {"openvino": os.path.join(REPO, "toolchains", "python-venv-openvino"),
         "litert": os.path.join(REPO, "toolchains", "python-venv-litert")}
CALIB_SEED = 1000  # the seeds check_torchvision.py uses
TEST_SEED = 2000
QRUN_LATENCY = re.compile(r"latency over (\d+) runs \(.*\): min ([0-9.]+) ms, "
                          r"median ([0-9.]+) ms, p90 ([0-9.]+) ms")


class Failed(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# The runtimes. Each has: name, kind ("int8" / "fp32"), output (for the cosine), and
# block(warmup, iterations) -> list of milliseconds (qrun: [its block median]).

class InProcess:
    def __init__(self, name, kind, call, note=""):
        self.name, self.kind, self.call, self.note = name, kind, call, note
        self.output = np.asarray(call(), dtype=np.float32)

    def block(self, warmup, iterations):
        for _ in range(warmup):
            self.call()
        samples = []
        gc.disable()
        try:
            for _ in range(iterations):
                start = time.perf_counter_ns()
                self.call()
                samples.append((time.perf_counter_ns() - start) / 1e6)
        finally:
            gc.enable()
        return samples

    def close(self):
        pass


class QrunCli:
    def __init__(self, name, qrun, qfb, qrun_input, out_path, cpu, timeout, options=()):
        self.name, self.kind, self.note = name, "int8", ""
        self.command = [qrun, qfb, qrun_input, *options, "--pin", str(cpu), "--threads", "1"]
        self.timeout = timeout
        tv.run_tool(f"{name}: qrun -o", [qrun, qfb, qrun_input, *options, "-o", out_path],
                    timeout)
        if not os.path.isfile(out_path):
            raise Failed(f"qrun exited 0 but wrote no {out_path}")
        self.output = tv.load_output(out_path, np.load(out_path).shape, "qrun")

    def block(self, warmup, iterations):
        command = self.command + ["--warmup", str(warmup), "--repeat", str(iterations)]
        try:
            result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise Failed(f"qrun timed out after {self.timeout} s: {' '.join(command)}")
        stdout = result.stdout.decode(errors="replace")
        match = QRUN_LATENCY.search(stdout)
        if result.returncode != 0 or not match or int(match.group(1)) != iterations:
            raise Failed(f"qrun exited with status {result.returncode} without its latency "
                         f"line: {' '.join(command)}\n{result.stderr.decode(errors='replace')}")
        return [float(match.group(3))]

    def close(self):
        pass


class Worker:
    """A runtime in a process of its own, driven through benchmarks/peer_server.py's protocol.

    It inherits this process's affinity (the pinned core) and one-thread environment."""

    def __init__(self, name, kind, command, out_path, log_path, timeout):
        self.name, self.kind, self.timeout, self.log_path = name, kind, timeout, log_path
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            self.note = json.loads(self._reply("ready"))["note"]
            self.output = np.load(out_path)
        except BaseException:
            self.close()
            raise

    def _reply(self, word):
        ready, _, _ = select.select([self.process.stdout], [], [], self.timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith(word + " "):
            self.close()
            why = "timed out" if not ready else f"exited with status {self.process.returncode}"
            raise Failed(f"{why}: {last_error(self.log_path)}")
        return line[len(word) + 1:]

    def block(self, warmup, iterations):
        self.process.stdin.write(f"block {warmup} {iterations}\n")
        self.process.stdin.flush()
        return json.loads(self._reply("times"))

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.close()
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


def last_error(log_path, lines=3):
    """The last few lines of a worker's or tool's log: where Python puts the exception."""
    try:
        with open(log_path, errors="replace") as log:
            tail = [line.strip() for line in log if line.strip()][-lines:]
    except OSError:
        tail = []
    return " / ".join(tail) + f" (log: {log_path})"


# ---------------------------------------------------------------------------------------------
# Set-up of each runtime (model files, calibration, sessions).

def make_qrun(args, paths, calib_dir):
    tv.run_tool("qconvert (int8)", [args.qconvert, paths["onnx"], "-o", paths["qfb"],
                                    "--calib", calib_dir], args.step_timeout)
    return QrunCli(QRUN, args.qrun, paths["qfb"], paths["qrun_input"], paths["qrun_out"],
                   args.cpu, args.step_timeout)


def make_qrun_xnnpack(args, paths):
    """The .qfb that make_qrun wrote, lowered to qrun's XNNPACK backend."""
    if not os.path.isfile(paths["qfb"]):
        raise Failed("no int8 .qfb: qconvert failed (see qrun int8)")
    options = ["--backend", "xnnpack"]
    probe = subprocess.run([args.qrun, paths["qfb"], paths["qrun_input"], *options,
                            "--warmup", "0", "--repeat", "1"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           timeout=args.step_timeout)
    if "unknown or incomplete option '--backend'" in probe.stderr:
        raise Failed("this qrun rejects --backend xnnpack: qrun's XNNPACK backend is not merged "
                     "into this branch yet")
    return QrunCli(QRUN_XNNPACK, args.qrun, paths["qfb"], paths["qrun_input"],
                   paths["qrun_xnnpack_out"], args.cpu, args.step_timeout, options)


def peer_python(peer):
    """The Python of a peer's own venv, or Failed with why benchmarks/compare could not make it."""
    python = os.path.join(VENVS[peer], "bin", "python")
    if os.access(python, os.X_OK):
        return python
    log = VENVS[peer] + ".log"
    why = last_error(log) if os.path.isfile(log) else "run benchmarks/compare, which makes it"
    raise Failed(f"not installed ({os.path.relpath(VENVS[peer], REPO)}): {why}")


def run_peer_tool(what, command, log_path, timeout):
    """A conversion step in a peer's venv; its output goes to a log, its failure says why."""
    print(f"$ {' '.join(command)}  (log: {log_path})", flush=True)
    with open(log_path, "w") as log:
        try:
            status = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT,
                                    timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            raise Failed(f"{what} timed out after {timeout} s (log: {log_path})")
    if status != 0:
        raise Failed(f"{what} failed: {last_error(log_path)}")


def make_openvino(args, paths, name, quantized):
    python = peer_python("openvino")
    script = os.path.join(HERE, "openvino_peer.py")
    model = paths["onnx"]
    if quantized:
        model = paths["openvino_int8"]
        run_peer_tool("NNCF quantization", [
            python, script, "quantize", "--model", paths["onnx"],
            "--calibration", paths["calibration"], "--output", model,
            "--model-type", "transformer" if paths["model"] == ENCODER else "cnn"],
            paths["openvino_int8"] + ".log", args.step_timeout)
    tag = "int8" if quantized else "fp32"
    out = os.path.join(paths["dir"], f"openvino_{tag}_out.npy")
    return Worker(name, tag, [python, script, "serve", "--model", model, "--input",
                              paths["input"], "--output", out],
                  out, os.path.join(paths["dir"], f"openvino_{tag}.log"), args.step_timeout)


def make_litert(args, paths, model, name, quantized, converted):
    """converted: a dict shared by the int8 and fp32 rows, so that the conversion runs once.
    Images go through onnx2tf; the encoder, which onnx2tf cannot convert, is built in
    TensorFlow ops from its PyTorch weights (litert_encoder.py)."""
    python = peer_python("litert")
    script = os.path.join(HERE, "litert_peer.py")
    if "error" not in converted and "done" not in converted:
        command = [python, script, "convert", "--calibration", paths["calibration"],
                   "--workdir", os.path.join(paths["dir"], "litert"),
                   "--int8-output", paths["litert_int8"], "--fp32-output", paths["litert_fp32"]]
        if paths["model"] == ENCODER:
            weights = os.path.join(paths["dir"], "encoder_state_dict.npz")
            np.savez(weights, **{key: value.numpy() for key, value in model.state_dict().items()})
            command += ["--torch-encoder", weights, "--heads", str(encoder.HEADS)]
        else:
            command += ["--model", paths["onnx"]]
        try:
            run_peer_tool("TFLite conversion", command, paths["litert_int8"] + ".log",
                          args.step_timeout)
            converted["done"] = True
        except Failed as error:
            converted["error"] = error
    if "error" in converted:
        raise converted["error"]
    tag = "int8" if quantized else "fp32"
    out = os.path.join(paths["dir"], f"litert_{tag}_out.npy")
    return Worker(name, tag, [python, script, "serve", "--model", paths[f"litert_{tag}"],
                              "--input", paths["input"], "--output", out],
                  out, os.path.join(paths["dir"], f"litert_{tag}.log"), args.step_timeout)


def ort_session(path):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def ort_runtime(name, kind, path, test_input, note=""):
    session = ort_session(path)
    input_name = session.get_inputs()[0].name
    feed = {input_name: test_input}
    return InProcess(name, kind, lambda: session.run(None, feed)[0], note)


def make_ort_int8(args, paths, calibration, test_input):
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)
    try:
        from onnxruntime.quantization.shape_inference import quant_pre_process
    except ImportError:
        quant_pre_process = None

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.samples = iter([{input_name: sample} for sample in calibration])

        def get_next(self):
            return next(self.samples, None)

    import onnx
    input_name = onnx.load(paths["onnx"]).graph.input[0].name
    source = paths["onnx"]
    if quant_pre_process is not None:  # symbolic shapes, BN folding, shape inference
        quant_pre_process(paths["onnx"], paths["ort_prep"], skip_symbolic_shape=False)
        source = paths["ort_prep"]
    activation = QuantType.QUInt8 if args.ort_activation == "uint8" else QuantType.QInt8
    quantize_static(source, paths["ort_int8"], Reader(), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=activation, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax)
    return ort_runtime("ORT int8", "int8", paths["ort_int8"], test_input,
                       "static QDQ" if paths["model"] == ENCODER else "")


def make_ort_dynamic(paths, test_input):
    """quantize_dynamic of the model that quant_pre_process made for quantize_static: without
    that step it finds the weights of only one MatMul per layer."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process
    if not os.path.isfile(paths["ort_prep"]):
        quant_pre_process(paths["onnx"], paths["ort_prep"], skip_symbolic_shape=False)
    quantize_dynamic(paths["ort_prep"], paths["ort_dynamic"], weight_type=QuantType.QInt8)
    graph = onnx.load(paths["ort_dynamic"]).graph
    integer = sum(node.op_type == "MatMulInteger" for node in graph.node)
    left = sum(node.op_type == "MatMul" for node in graph.node)
    return ort_runtime("ORT int8 dynamic", "int8", paths["ort_dynamic"], test_input,
                       f"quantize_dynamic: int8 weights, activations quantized at run time; "
                       f"{integer} MatMulInteger, {left} MatMul left in fp32")


def make_torch_int8(args, model, calibration, test_input):
    import copy
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = "onednn"
    example = torch.from_numpy(calibration[0])
    prepared = prepare_fx(copy.deepcopy(model), get_default_qconfig_mapping("onednn"),
                          example_inputs=(example,))
    with torch.no_grad():
        for sample in calibration:
            prepared(torch.from_numpy(sample))
    quantized = convert_fx(prepared).eval()
    return torch_runtime("PyTorch int8", "int8", quantized, test_input, args.torch_mode)


def make_torch_dynamic(args, model, test_input):
    """quantize_dynamic of the Linear layers: PyTorch's int8 path for nn.TransformerEncoder."""
    import copy
    torch.backends.quantized.engine = "onednn"
    quantized = torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear},
                                                       dtype=torch.qint8)
    for layer in quantized.layers:
        # torch 1.13's fast-path check reads .weight of every Linear as a tensor, and a dynamic
        # quantized Linear's is a method; this flag only selects that fused path, so the layer
        # takes the ordinary one and computes the same function.
        layer.activation_relu_or_gelu = 0
    return torch_runtime("PyTorch int8 dynamic (Linear)", "int8", quantized, test_input,
                         args.torch_mode, "Linear int8 with dynamic activations; attention "
                         "matmuls, softmax, LayerNorm fp32")


def torch_runtime(name, kind, module, test_input, mode, note=""):
    x = torch.from_numpy(test_input)
    if mode == "script":  # traced, frozen and optimized: PyTorch's own CPU inference path
        with torch.no_grad():
            module = torch.jit.optimize_for_inference(torch.jit.trace(module, (x,)).eval())

    def call():
        with torch.inference_mode():
            return module(x).numpy()
    return InProcess(name, kind, call, note)


# ---------------------------------------------------------------------------------------------
# Statistics and the table.

def percentile(values, q):
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def summarize(results, order):
    """results: name -> dict(kind, samples, per_block, cosine, centred, note, error).
    Returns (rows, notes)."""
    medians = {name: percentile(r["samples"], 50) for name, r in results.items()
               if r.get("samples")}
    int8_peers = {n: m for n, m in medians.items() if n != QRUN
                  and results[n]["kind"] == "int8"}
    best_int8 = min(int8_peers, key=int8_peers.get) if int8_peers else None
    qrun_median = medians.get(QRUN)
    rows = []
    for name in order:
        r = results[name]
        if name not in medians:
            rows.append([name, "failed", "", "", "", "", "", "", ""])
            continue
        m = medians[name]
        samples = r["samples"]
        rows.append([
            name, f"{m:.2f}", f"{percentile(samples, 10):.2f}", f"{percentile(samples, 90):.2f}",
            f"{m / int8_peers[best_int8]:.2f}" if best_int8 else "-",
            f"{m / qrun_median:.2f}" if qrun_median else "-",
            f"{r['cosine']:.6f}", f"{r['centred']:.4f}",
            f"{len(samples)}" + (" blocks" if r["per_block"] else ""),
        ])
    notes = []
    if qrun_median and best_int8:
        ratio = qrun_median / int8_peers[best_int8]
        notes.append(f"qrun int8 median / best int8 peer's ({best_int8}) = {ratio:.2f} "
                     f"({'qrun faster' if ratio < 1 else 'qrun slower'})")
    if qrun_median and len(medians) > 1:
        fastest = min((n for n in medians if n != QRUN), key=medians.get)
        notes.append(f"fastest peer of all: {fastest}, {medians[fastest]:.2f} ms; qrun int8 / it "
                     f"= {qrun_median / medians[fastest]:.2f}")
    for name in order:
        if results[name].get("note"):
            notes.append(f"{name}: {results[name]['note']}")
    for name in order:
        if results[name].get("error"):
            notes.append(f"{name} FAILED: {results[name]['error']}")
    return rows, notes


HEADER = ["runtime", "median ms", "p10 ms", "p90 ms", "x best int8 peer", "x qrun",
          "cosine vs fp32", "cosine, centred", "samples"]
LEGEND = """\
- median / p10 / p90: for the in-process and worker peers (OpenVINO, LiteRT) over every timed
  call (rounds x iterations); for the qrun rows over their per-round block medians (qrun is a
  CLI: one process per round, `--warmup W --repeat N --pin CPU`, model load not timed), so their
  p10-p90 spread is narrower by construction.
- `x best int8 peer`: this row's median / the median of the fastest int8 peer (every int8 row
  but qrun int8's: ORT, PyTorch, OpenVINO, LiteRT, and qrun's own XNNPACK backend). On the qrun
  row it is qrun's ratio to the best peer: < 1 means qrun is faster.
- int8 rows: static int8 calibrated on the same tensors, except the labelled dynamic ones on the
  encoder (ORT int8 dynamic, PyTorch int8 dynamic (Linear)), which quantize activations at run
  time; on the encoder "ORT int8" is quantize_static's QDQ model.
- `x qrun`: this row's median / qrun int8's median (> 1 means this runtime is slower than qrun).
- cosine vs fp32: cosine similarity of the runtime's output on the test input to the eager
  PyTorch fp32 module's; the timed PyTorch fp32 row (TorchScript through optimize_for_inference
  by default) gets its own, which is not always 1: on mobilenet_v3_large torch 1.13's frozen
  module gave 0.988 here.
  `centred`: the same after subtracting the mean PyTorch fp32 output over the calibration
  samples; outputs of these random-weight networks share a large input-independent part (two
  unrelated inputs' fp32 outputs already have a cosine of about 0.99), the centred cosine shows
  how well the runtime follows what the input changes."""


def markdown_table(header, rows):
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] +
                     [line(row) for row in rows])


# ---------------------------------------------------------------------------------------------
# Environment facts worth printing beside the numbers.

def loaded_blas():
    """The BLAS library files mapped into this process (after torch has used its BLAS)."""
    a = torch.randn(64, 64)
    torch.mm(a, a)
    found = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if "blas" in os.path.basename(path).lower():
                real = os.path.realpath(path)
                if real not in found:
                    found.append(real)
    return found


def cpu_name():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def git_revision():
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head + ("+local changes" if dirty else "") if head else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# ---------------------------------------------------------------------------------------------

def describe(error):
    """Failed says why in its own words; anything else also says what it is."""
    text = str(error).strip()
    return text if isinstance(error, Failed) else f"{type(error).__name__}: {text}"


def build_inputs(name, calib_samples, paths):
    """Exports the ONNX model; returns (torch module, calibration tensors, test input), and
    writes the inputs that the other processes read."""
    if name == ENCODER:
        model, x = encoder.build_encoder()
        encoder.export_encoder(model, x, paths["onnx"])
        calibration, test_input = encoder.calibration_samples(calib_samples), x.numpy()
        qrun_input = test_input
    else:
        model = tv.build_model(name)
        tv.export_onnx(model, paths["onnx"], "keep")
        calibration = tv.random_images(calib_samples, seed=CALIB_SEED)
        test_input = tv.random_images(1, seed=TEST_SEED)[0]
        qrun_input = np.ascontiguousarray(test_input.transpose(0, 2, 3, 1))  # qrun takes NHWC
    for i, sample in enumerate(calibration):
        np.save(os.path.join(paths["calibration_dir"], f"sample_{i:02d}.npy"), sample)
    np.save(paths["calibration"], np.stack(calibration))
    np.save(paths["input"], test_input)
    np.save(paths["qrun_input"], qrun_input)
    return model, calibration, test_input


def runtime_makers(args, name, model, paths, calibration, test_input):
    """name -> function that prepares the runtime, in the order of the table."""
    litert_conversion = {}
    makers = {
        QRUN: lambda: make_qrun(args, paths, paths["calibration_dir"]),
        QRUN_XNNPACK: lambda: make_qrun_xnnpack(args, paths),
        "ORT int8": lambda: make_ort_int8(args, paths, calibration, test_input),
    }
    if name == ENCODER:
        makers["ORT int8 dynamic"] = lambda: make_ort_dynamic(paths, test_input)
    makers["ORT fp32"] = lambda: ort_runtime("ORT fp32", "fp32", paths["onnx"], test_input)
    if name == ENCODER:
        makers["PyTorch int8 dynamic (Linear)"] = lambda: make_torch_dynamic(args, model,
                                                                             test_input)
    else:
        makers["PyTorch int8"] = lambda: make_torch_int8(args, model, calibration, test_input)
    makers.update({
        "PyTorch fp32": lambda: torch_runtime("PyTorch fp32", "fp32", model, test_input,
                                              args.torch_mode),
        "OpenVINO int8 (NNCF)": lambda: make_openvino(args, paths, "OpenVINO int8 (NNCF)", True),
        "OpenVINO fp32": lambda: make_openvino(args, paths, "OpenVINO fp32", False),
        "LiteRT int8 (XNNPACK)": lambda: make_litert(args, paths, model, "LiteRT int8 (XNNPACK)",
                                                     True, litert_conversion),
        "LiteRT fp32 (XNNPACK)": lambda: make_litert(args, paths, model, "LiteRT fp32 (XNNPACK)",
                                                     False, litert_conversion),
    })
    return makers


def compare_model(args, name):
    workdir = os.path.join(args.workdir, name)
    paths = {key: os.path.join(workdir, file) for key, file in (
        ("onnx", "model.onnx"), ("qfb", "model_int8.qfb"), ("ort_prep", "model_ort_prep.onnx"),
        ("ort_int8", "model_ort_int8_qdq.onnx"), ("ort_dynamic", "model_ort_int8_dynamic.onnx"),
        ("openvino_int8", "model_openvino_int8.xml"), ("litert_int8", "model_int8.tflite"),
        ("litert_fp32", "model_fp32.tflite"), ("calibration_dir", "calibration"),
        ("calibration", "calibration.npy"), ("input", "input.npy"),
        ("qrun_input", "qrun_input.npy"), ("qrun_out", "qrun_out.npy"),
        ("qrun_xnnpack_out", "qrun_xnnpack_out.npy"))}
    paths.update(dir=workdir, model=name)
    shutil.rmtree(workdir, ignore_errors=True)  # nothing stale may be timed
    os.makedirs(paths["calibration_dir"])

    print(f"\n=== {name}: building the model and its inputs", flush=True)
    model, calibration, test_input = build_inputs(name, args.calib_samples, paths)
    with torch.no_grad():
        reference = model(torch.from_numpy(test_input)).numpy()
        calibration_mean = np.mean([model(torch.from_numpy(x)).numpy() for x in calibration], 0)

    makers = runtime_makers(args, name, model, paths, calibration, test_input)
    skip = [part.strip() for part in args.skip.split(",") if part.strip()]
    makers = {n: make for n, make in makers.items() if n == QRUN or not any(p in n for p in skip)}
    order = list(makers)
    results = {n: {"kind": "fp32" if "fp32" in n else "int8", "samples": [],
                   "per_block": n in (QRUN, QRUN_XNNPACK)} for n in order}
    runtimes = []
    try:
        time_runtimes(args, name, makers, reference, calibration_mean, results, runtimes)
    finally:
        for runtime in runtimes:
            runtime.close()
    return summarize(results, order)


def time_runtimes(args, name, makers, reference, calibration_mean, results, runtimes):
    for runtime_name in makers:
        print(f"--- {name}: preparing {runtime_name}", flush=True)
        start = time.monotonic()
        try:
            runtime = makers[runtime_name]()
            try:
                output = np.asarray(runtime.output, dtype=np.float32).reshape(reference.shape)
            except ValueError:
                runtime.close()
                raise Failed(f"output of shape {np.shape(runtime.output)}, PyTorch's is "
                             f"{reference.shape}")
        except Exception as error:  # noqa: BLE001  a peer that cannot run is reported, not fatal
            results[runtime_name]["error"] = describe(error)
            print(f"{runtime_name}: set-up failed: {results[runtime_name]['error']}",
                  file=sys.stderr)
            continue
        results[runtime_name]["note"] = runtime.note
        results[runtime_name]["cosine"] = tv.cosine(output, reference)
        results[runtime_name]["centred"] = tv.cosine(output - calibration_mean,
                                                     reference - calibration_mean)
        print(f"({runtime_name}: ready in {time.monotonic() - start:.1f} s, cosine vs fp32 "
              f"{results[runtime_name]['cosine']:.6f})", flush=True)
        runtimes.append(runtime)

    print(f"--- {name}: timing {len(runtimes)} runtimes, {args.rounds} rounds x "
          f"{args.iterations} runs (+{args.warmup} warm-up runs per block), CPU {args.cpu}",
          flush=True)
    start = time.monotonic()
    for round_index in range(args.rounds):
        shift = round_index % max(1, len(runtimes))
        for runtime in runtimes[shift:] + runtimes[:shift]:
            if results[runtime.name].get("error"):
                continue
            try:
                results[runtime.name]["samples"] += runtime.block(args.warmup, args.iterations)
            except Exception as error:  # noqa: BLE001
                results[runtime.name]["error"] = describe(error)
                results[runtime.name]["samples"] = []
        done = ", ".join(f"{r.name} {percentile(results[r.name]['samples'], 50):.1f}"
                         for r in runtimes if results[r.name]["samples"])
        print(f"round {round_index + 1}/{args.rounds} ({time.monotonic() - start:.0f} s): "
              f"medians so far (ms): {done}", flush=True)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=LEGEND)
    parser.add_argument("--models", default=",".join(MODELS),
                        help=f"comma-separated, from {', '.join(MODELS)} (default: all)")
    parser.add_argument("--rounds", type=int, help="rounds (default 10, --quick 3)")
    parser.add_argument("--iterations", type=int,
                        help="timed runs per runtime per round (default 10, --quick 3)")
    parser.add_argument("--warmup", type=int,
                        help="untimed runs before each block (default 2, --quick 1)")
    parser.add_argument("--cpu", type=int, default=0, help="the core to pin to (default 0)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer rounds and runs: a smoke test, not a measurement")
    parser.add_argument("--workdir", default=os.path.join(REPO, "build", "compare"))
    parser.add_argument("--qconvert", default=os.path.join(REPO, "build", "bin", "qconvert"))
    parser.add_argument("--qrun", default=os.path.join(REPO, "build", "bin", "qrun"))
    parser.add_argument("--calib-samples", type=int, default=tv.DEFAULT_CALIB_SAMPLES,
                        help="calibration tensors, the same for every runtime (default "
                             f"{tv.DEFAULT_CALIB_SAMPLES})")
    parser.add_argument("--ort-activation", choices=("uint8", "int8"), default="uint8",
                        help="ONNX Runtime's activation type (default uint8: U8S8, the pair "
                             "its x86 int8 kernels are made for; weights are int8 either way)")
    parser.add_argument("--torch-mode", choices=("eager", "script"), default="script",
                        help="PyTorch modules as TorchScript through "
                             "torch.jit.optimize_for_inference (default; faster) or eager")
    parser.add_argument("--skip", default="",
                        help="comma-separated runtime names or parts of them to leave out "
                             "(e.g. LiteRT,fp32)")
    parser.add_argument("--step-timeout", type=float, default=1800,
                        help="seconds a conversion, qconvert or qrun call, or a worker's reply "
                             "may take")
    args = parser.parse_args()

    quick = args.quick
    args.rounds = args.rounds or (3 if quick else 10)
    args.iterations = args.iterations or (3 if quick else 10)
    args.warmup = args.warmup if args.warmup is not None else (1 if quick else 2)
    args.workdir = os.path.abspath(args.workdir)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODELS]
    if unknown or not models:
        parser.error(f"--models: unknown {', '.join(unknown) or '(none given)'}; "
                     f"choose from {', '.join(MODELS)}")
    if min(args.rounds, args.iterations, args.calib_samples) < 1 or args.warmup < 0:
        parser.error("--rounds, --iterations and --calib-samples must be >= 1, --warmup >= 0")
    for tool in (args.qconvert, args.qrun):
        if not os.access(tool, os.X_OK):
            parser.error(f"{tool} is not an executable: build qrun first "
                         "(benchmarks/compare does)")
    try:
        import onnxruntime
    except ImportError:
        parser.error("onnxruntime is not importable: run benchmarks/compare, which makes the "
                     "virtual environment that has it")

    try:
        os.sched_setaffinity(0, {args.cpu})
    except (OSError, ValueError) as error:
        parser.error(f"--cpu {args.cpu}: cannot pin to it ({error})")
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    os.makedirs(args.workdir, exist_ok=True)

    blas = loaded_blas()
    on_openblas = any("openblas" in path for path in blas)
    facts = [
        f"date: {datetime.datetime.now().isoformat(timespec='seconds')}; CPU: {cpu_name()}; "
        f"pinned to core {args.cpu}, one thread per runtime; "
        f"load average at start {os.getloadavg()[0]:.2f}",
        f"qrun {git_revision()} ({args.qrun}); ONNX Runtime {onnxruntime.__version__} "
        f"(activations {args.ort_activation}, weights int8 per channel, QDQ, MinMax); "
        f"PyTorch {torch.__version__} (int8 engine onednn, FX PTQ; modules as "
        f"{'TorchScript, jit.optimize_for_inference' if args.torch_mode == 'script' else 'eager'}); "
        f"numpy {np.__version__}; Python {platform.python_version()}",
        "OpenVINO and LiteRT run in worker processes in their own venvs "
        "(toolchains/python-venv-openvino, toolchains/python-venv-litert); their versions and "
        "what ran in int8 / in XNNPACK are in each table's notes",
        f"PyTorch BLAS: {', '.join(blas) or 'none found'}"
        + ("" if on_openblas else "  (NOT OpenBLAS: PyTorch fp32 is handicapped)"),
        f"{args.rounds} rounds x {args.iterations} timed runs per runtime (+{args.warmup} "
        f"warm-up runs per block), {args.calib_samples} calibration tensors"
        + ("; --quick: a smoke test, not a measurement" if quick else ""),
    ]
    print("\n".join(facts), flush=True)

    start = time.monotonic()
    sections = []
    failed = False
    for name in models:
        try:
            rows, notes = compare_model(args, name)
        except Exception as error:  # noqa: BLE001  e.g. the export or qconvert failed
            rows, notes = [], [f"{name} FAILED: {type(error).__name__}: {error}"]
        # A peer that cannot be installed or run is listed with the reason; only qrun's or the
        # model's own failure fails the command.
        failed |= any(note.startswith((f"{QRUN} FAILED", f"{name} FAILED")) for note in notes)
        table = markdown_table(HEADER, rows) if rows else ""
        section = f"## {name}\n\n{table}\n\n" + "".join(f"- {note}\n" for note in notes)
        print("\n" + section, flush=True)
        sections.append(section)

    facts.append(f"load average at end {os.getloadavg()[0]:.2f}; total "
                 f"{time.monotonic() - start:.0f} s")
    report = ("# qrun vs peers, single core\n\n" + "".join(f"- {fact}\n" for fact in facts) +
              "\n" + LEGEND + "\n\n" + "\n".join(sections))
    path = os.path.join(args.workdir, "compare.md")
    with open(path + ".tmp", "w") as out:
        out.write(report)
    os.replace(path + ".tmp", path)
    print(LEGEND)
    print(f"\n{facts[-1]}; written to {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
