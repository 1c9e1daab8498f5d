#!/usr/bin/python3
"""Times qrun's int8 against ONNX Runtime and PyTorch, int8 and fp32, on torchvision models.

Run it through `benchmarks/compare`, which makes the virtual environment with ONNX Runtime from
PyPI, makes sure PyTorch runs on OpenBLAS and builds qrun if needed. What it does, per model:

  1. Builds the fixed-seed torchvision model with sane random BatchNorm statistics and exports
     ONNX opset 13 with the BatchNormalization nodes kept (both from
     tests/models/check_torchvision.py, so these are the models the tests check), and writes
     the calibration samples (seed 1000) and one test input (seed 2000): NCHW [1,3,224,224].
  2. Prepares five runtimes, each calibrated on those same calibration tensors:
       qrun int8      qconvert model.onnx --calib samples/, then the qrun CLI (NHWC input)
       ORT int8       onnxruntime.quantization: quant_pre_process, then quantize_static
                      (QDQ, per-channel int8 weights, MinMax calibration, uint8 activations
                      by default: U8S8 is the pair ONNX Runtime's x86 kernels are built for;
                      measured on mobilenet_v2 here, 2.1 ms against 3.7 ms with int8 ones)
       ORT fp32       the same ONNX file
       PyTorch int8   FX graph mode post-training quantization, onednn engine and qconfig
       PyTorch fp32   the module that was exported
     PyTorch's modules are traced and put through torch.jit.optimize_for_inference (freezing,
     and for fp32 oneDNN convolutions), which was measured faster than eager (--torch-mode).
  3. Times them in one process, single thread, pinned to one core, interleaved round by round:
     every round runs each runtime for a block of --iterations runs after --warmup runs, in an
     order that rotates from round to round. The in-process peers are timed call by call; qrun
     is a CLI, so each of its blocks is one `qrun --warmup W --repeat N --pin CPU` call (the
     process is pinned to the same core) and its block median is the sample.
  4. Prints, per model, median / p10 / p90 (peers over every timed call; qrun over its block
     medians), each runtime's time as a multiple of the best int8 peer's and of qrun's median,
     and each output's cosine similarity to PyTorch fp32 on the test input; writes the same as
     markdown to WORKDIR/compare.md.
"""

import argparse
import datetime
import gc
import os
import platform
import re
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
import torch  # noqa: E402

# check_torchvision exports with BatchNormalization kept (TrainingMode.PRESERVE on an eval-mode
# module), which makes torch warn about constant folding in training mode: it does not apply.
warnings.filterwarnings("ignore", message="It is recommended that constant folding")

MODELS = ("resnet18", "resnet50", "mobilenet_v2")
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
    def __init__(self, name, kind, call):
        self.name, self.kind, self.call = name, kind, call
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


class QrunCli:
    def __init__(self, qrun, qfb, input_nhwc, out_path, cpu, timeout):
        self.name, self.kind = "qrun int8", "int8"
        self.command = [qrun, qfb, input_nhwc, "--pin", str(cpu), "--threads", "1"]
        self.timeout = timeout
        tv.run_tool("qrun -o", self.command[:3] + ["-o", out_path], timeout)
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


# ---------------------------------------------------------------------------------------------
# Set-up of each runtime (model files, calibration, sessions).

def make_qrun(args, paths, calib_dir):
    tv.run_tool("qconvert (int8)", [args.qconvert, paths["onnx"], "-o", paths["qfb"],
                                    "--calib", calib_dir], args.step_timeout)
    return QrunCli(args.qrun, paths["qfb"], paths["input_nhwc"], paths["qrun_out"], args.cpu,
                   args.step_timeout)


def ort_session(path):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def ort_runtime(name, kind, path, test_input):
    session = ort_session(path)
    input_name = session.get_inputs()[0].name
    feed = {input_name: test_input}
    return InProcess(name, kind, lambda: session.run(None, feed)[0])


def make_ort_int8(args, paths, calibration, test_input):
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)
    try:
        from onnxruntime.quantization.shape_inference import quant_pre_process
    except ImportError:
        quant_pre_process = None

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.samples = iter([{"input": sample} for sample in calibration])

        def get_next(self):
            return next(self.samples, None)

    source = paths["onnx"]
    if quant_pre_process is not None:  # symbolic shapes, BN folding, shape inference
        quant_pre_process(paths["onnx"], paths["ort_prep"], skip_symbolic_shape=False)
        source = paths["ort_prep"]
    activation = QuantType.QUInt8 if args.ort_activation == "uint8" else QuantType.QInt8
    quantize_static(source, paths["ort_int8"], Reader(), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=activation, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax)
    return ort_runtime("ORT int8", "int8", paths["ort_int8"], test_input)


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


def torch_runtime(name, kind, module, test_input, mode):
    x = torch.from_numpy(test_input)
    if mode == "script":  # traced, frozen and optimized: PyTorch's own CPU inference path
        with torch.no_grad():
            module = torch.jit.optimize_for_inference(torch.jit.trace(module, (x,)).eval())

    def call():
        with torch.inference_mode():
            return module(x).numpy()
    return InProcess(name, kind, call)


# ---------------------------------------------------------------------------------------------
# Statistics and the table.

def percentile(values, q):
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def summarize(results, order):
    """results: name -> dict(kind, samples, cosine, centred, error). Returns (rows, notes)."""
    medians = {name: percentile(r["samples"], 50) for name, r in results.items()
               if r.get("samples")}
    int8_peers = {n: m for n, m in medians.items() if n != "qrun int8"
                  and results[n]["kind"] == "int8"}
    best_int8 = min(int8_peers, key=int8_peers.get) if int8_peers else None
    qrun_median = medians.get("qrun int8")
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
            "reference" if name == "PyTorch fp32" else f"{r['cosine']:.6f}",
            "-" if name == "PyTorch fp32" else f"{r['centred']:.4f}",
            f"{len(samples)}" + (" blocks" if name == "qrun int8" else ""),
        ])
    notes = []
    if qrun_median and best_int8:
        ratio = qrun_median / int8_peers[best_int8]
        notes.append(f"qrun int8 median / best int8 peer's ({best_int8}) = {ratio:.2f} "
                     f"({'qrun faster' if ratio < 1 else 'qrun slower'})")
    if qrun_median and len(medians) > 1:
        fastest = min((n for n in medians if n != "qrun int8"), key=medians.get)
        notes.append(f"fastest peer of all: {fastest}, {medians[fastest]:.2f} ms; qrun int8 / it "
                     f"= {qrun_median / medians[fastest]:.2f}")
    for name in order:
        if results[name].get("error"):
            notes.append(f"{name} FAILED: {results[name]['error']}")
    return rows, notes


HEADER = ["runtime", "median ms", "p10 ms", "p90 ms", "x best int8 peer", "x qrun",
          "cosine vs fp32", "cosine, centred", "samples"]
LEGEND = """\
- median / p10 / p90: for the in-process peers over every timed call (rounds x iterations); for
  qrun over its per-round block medians (qrun is a CLI: one process per round, `--warmup W
  --repeat N --pin CPU`, model load not timed), so its p10-p90 spread is narrower by construction.
- `x best int8 peer`: this row's median / the median of the fastest int8 peer (ORT int8 or
  PyTorch int8). On the qrun row it is qrun's ratio to the best peer: < 1 means qrun is faster.
- `x qrun`: this row's median / qrun int8's median (> 1 means this runtime is slower than qrun).
- cosine vs fp32: cosine similarity of the runtime's output on the test input to PyTorch fp32's.
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

def compare_model(args, name):
    workdir = os.path.join(args.workdir, name)
    calib_dir = os.path.join(workdir, "calibration")
    paths = {key: os.path.join(workdir, file) for key, file in (
        ("onnx", "model.onnx"), ("qfb", "model_int8.qfb"), ("ort_prep", "model_ort_prep.onnx"),
        ("ort_int8", "model_ort_int8_qdq.onnx"), ("input_nchw", "input_nchw.npy"),
        ("input_nhwc", "input_nhwc.npy"), ("qrun_out", "qrun_out.npy"))}
    shutil.rmtree(workdir, ignore_errors=True)  # nothing stale may be timed
    os.makedirs(calib_dir)

    print(f"\n=== {name}: building the model and its inputs", flush=True)
    model = tv.build_model(name)
    tv.export_onnx(model, paths["onnx"], "keep")
    calibration = tv.random_images(args.calib_samples, seed=CALIB_SEED)
    for i, sample in enumerate(calibration):
        np.save(os.path.join(calib_dir, f"sample_{i:02d}.npy"), sample)
    test_input = tv.random_images(1, seed=TEST_SEED)[0]
    np.save(paths["input_nchw"], test_input)
    np.save(paths["input_nhwc"], np.ascontiguousarray(test_input.transpose(0, 2, 3, 1)))
    with torch.no_grad():
        reference = model(torch.from_numpy(test_input)).numpy()
        calibration_mean = np.mean([model(torch.from_numpy(x)).numpy() for x in calibration], 0)

    makers = {
        "qrun int8": lambda: make_qrun(args, paths, calib_dir),
        "ORT int8": lambda: make_ort_int8(args, paths, calibration, test_input),
        "ORT fp32": lambda: ort_runtime("ORT fp32", "fp32", paths["onnx"], test_input),
        "PyTorch int8": lambda: make_torch_int8(args, model, calibration, test_input),
        "PyTorch fp32": lambda: torch_runtime("PyTorch fp32", "fp32", model, test_input,
                                              args.torch_mode),
    }
    order = list(makers)
    kinds = {"qrun int8": "int8", "ORT int8": "int8", "ORT fp32": "fp32", "PyTorch int8": "int8",
             "PyTorch fp32": "fp32"}
    results = {n: {"kind": kinds[n], "samples": []} for n in order}
    runtimes = []
    for runtime_name in order:
        print(f"--- {name}: preparing {runtime_name}", flush=True)
        start = time.monotonic()
        try:
            runtime = makers[runtime_name]()
        except Exception as error:  # noqa: BLE001  a peer that cannot run is reported, not fatal
            results[runtime_name]["error"] = f"{type(error).__name__}: {error}".strip()
            print(f"{runtime_name}: set-up failed: {results[runtime_name]['error']}",
                  file=sys.stderr)
            continue
        output = runtime.output.reshape(reference.shape)
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
                results[runtime.name]["error"] = f"{type(error).__name__}: {error}"
                results[runtime.name]["samples"] = []
        done = ", ".join(f"{r.name} {percentile(results[r.name]['samples'], 50):.1f}"
                         for r in runtimes if results[r.name]["samples"])
        print(f"round {round_index + 1}/{args.rounds} ({time.monotonic() - start:.0f} s): "
              f"medians so far (ms): {done}", flush=True)
    return summarize(results, order)


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
    parser.add_argument("--step-timeout", type=float, default=1800,
                        help="seconds a qconvert or qrun call may take")
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
        failed |= any("FAILED" in note for note in notes)
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
