"""ONNX's own node test cases, run for every op qrun claims (issue 7).

    /usr/bin/python3 check_onnx_conformance.py --qconvert build/bin/qconvert \
        --run-cases build/bin/qrun_run_cases --workdir DIR --baseline passing.txt

The cases are ONNX's generators (onnx.backend.test.case.node, as Debian's python3-onnx ships them:
no data directories), run here in memory. The ops qrun claims are those `qconvert --list-ops`
lists, so an op joins the test as soon as the converter takes it. Each case whose every node is a
claimed op is converted with `qconvert --float` and run through the fp32 path, its outputs held to
ONNX's expected ones within the case's rtol / atol (as ONNX's runner does:
|actual - expected| <= atol + rtol * |expected|). QuantizeLinear, DequantizeLinear, QLinearConv and
QLinearMatMul cases run through the int8 path: their integer input is fed as the float values it
stands for (a QuantizeLinear with the case's parameters put in front), their integer output is read
back through a DequantizeLinear with its parameters and requantized, and must be within one level
of ONNX's (ONNX's reference rounds the real product once; qrun rounds the accumulator times an
fp32 multiplier, BRIEF §3, which may land on the other side of a half).

Graph inputs that are not float (axes, shapes) and, when the converter refuses the model as it
is, every input after the first (weights, slopes, bounds, given as inputs by ONNX's cases) become
constants of the case's values: qconvert wants constant weights. 4-D inputs and outputs are moved
between ONNX's NCHW and the runtime's NHWC.

Each case prints passed, failed (with why) or not supported (with the converter's reason), then a
table per op. The passing set only grows: a case in the baseline that does not pass fails the test;
--write-baseline records the passing set.
"""
import argparse
import collections
import concurrent.futures
import os
import subprocess
import sys

import numpy as np

# Debian's numpy 1.24 dropped aliases that onnx 1.12's case generators still use.
np.float = float
np.int = int
np.bool = bool
np.object = object

import onnx  # noqa: E402
import onnx.backend.test.case.node as onnx_node_cases  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402

INT8_PATH_OPS = {"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul"}
# Where each int8-path op keeps its output's scale and zero point among its inputs.
OUTPUT_PARAMETERS = {"QuantizeLinear": (1, 2), "QLinearConv": (6, 7), "QLinearMatMul": (6, 7)}


def claimed_ops(qconvert):
    """The ops --list-ops gives, as {op: (int8, fp32)}."""
    listing = subprocess.run([qconvert, "--list-ops"], capture_output=True, text=True, check=True)
    ops = {}
    for line in listing.stdout.splitlines()[1:]:
        words = line.split()
        if len(words) >= 3:
            ops[words[0]] = (words[1] == "yes", words[2] == "yes")
    return ops


def case_op(case):
    """The op a case tests: that of its first node (expanded cases hold a function's body)."""
    return case.model.graph.node[0].op_type


def is_nchw(shape):
    return len(shape) == 4


def to_runtime(array):
    return np.ascontiguousarray(array.transpose(0, 2, 3, 1)) if is_nchw(array.shape) else array


def from_runtime(array, expected_shape):
    if len(expected_shape) == 4:
        array = array.transpose(0, 3, 1, 2)
    return array.reshape(expected_shape)


def freeze_inputs(model, values, frozen):
    """The model with graph inputs `frozen` (names) turned into initializers of their values."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    kept = [i for i in graph.input if i.name not in frozen]
    for info in graph.input:
        if info.name in frozen:
            graph.initializer.append(numpy_helper.from_array(values[info.name], info.name))
    del graph.input[:]
    graph.input.extend(kept)
    return model


def int8_path_model(model, values):
    """An int8-path case as a model with float input and output: its integer input behind a
    QuantizeLinear, its integer output before a DequantizeLinear, every parameter a constant.
    Returns (model, float input values, (scale, zero point) of the output or None)."""
    node = model.graph.node[0]
    data_input = node.input[0]
    frozen = [i.name for i in model.graph.input if i.name != data_input]
    model = freeze_inputs(model, values, set(frozen))
    graph = model.graph
    x = values[data_input]
    feed = x.astype(np.float32)
    if x.dtype != np.float32:
        scale = values[node.input[1]]
        zero_point = values[node.input[2]] if len(node.input) > 2 else np.zeros((), x.dtype)
        if np.size(scale) != 1:
            return None, None, None
        feed = ((x.astype(np.float64) - zero_point.astype(np.float64)) * scale).astype(np.float32)
        graph.input[0].name = data_input + "_real"
        graph.input[0].type.tensor_type.elem_type = onnx.TensorProto.FLOAT
        graph.node.insert(0, helper.make_node("QuantizeLinear",
                                              [data_input + "_real", node.input[1], node.input[2]],
                                              [data_input]))
    output_parameters = None
    if node.op_type in OUTPUT_PARAMETERS:
        scale_index, zero_index = OUTPUT_PARAMETERS[node.op_type]
        scale_name = node.input[scale_index]
        zero_name = node.input[zero_index] if len(node.input) > zero_index else ""
        output_parameters = (values[scale_name], values[zero_name] if zero_name else None)
        y = graph.output[0].name
        graph.node.append(helper.make_node("DequantizeLinear", [y, scale_name] +
                                           ([zero_name] if zero_name else []), [y + "_real"]))
        graph.output[0].name = y + "_real"
        graph.output[0].type.tensor_type.elem_type = onnx.TensorProto.FLOAT
    return model, [feed], output_parameters


class Case:
    def __init__(self, onnx_case, name, workdir):
        self.name = name
        self.op = case_op(onnx_case)
        self.model = onnx_case.model
        self.inputs, self.expected = onnx_case.data_sets[0]
        self.rtol = onnx_case.rtol
        self.atol = onnx_case.atol
        self.dir = os.path.join(workdir, self.name)
        self.status = None  # "passed", "failed", "not supported"
        self.why = ""
        self.feeds = []
        self.output_parameters = None
        self.int8 = self.op in INT8_PATH_OPS

    def values(self):
        names = [i.name for i in self.model.graph.input
                 if i.name not in {t.name for t in self.model.graph.initializer}]
        return dict(zip(names, self.inputs)), names

    def convert(self, qconvert):
        """Writes model.qfb; sets status to "not supported" when the converter refuses."""
        os.makedirs(self.dir, exist_ok=True)
        values, names = self.values()
        if not all(isinstance(v, (np.ndarray, np.generic)) for v in values.values()):
            self.status, self.why = "not supported", "an input is a sequence or optional"
            return
        values = {name: np.asarray(value) for name, value in values.items()}
        if names and not self.int8 and values[names[0]].dtype != np.float32:
            self.status = "not supported"
            self.why = f"{values[names[0]].dtype} data: qrun computes in float32 and int8"
            return
        attempts = []
        if self.int8:
            model, feeds, self.output_parameters = int8_path_model(self.model, values)
            if model is None:
                self.status, self.why = "not supported", "per-axis parameters on the input"
                return
            attempts.append((model, feeds, []))
        else:
            integral = {n for n in names if values[n].dtype != np.float32}
            floats = [n for n in names if n not in integral]
            attempts.append((freeze_inputs(self.model, values, integral),
                             [values[n] for n in floats], ["--float"]))
            if len(floats) > 1:
                attempts.append((freeze_inputs(self.model, values, set(names[1:])),
                                 [values[names[0]]], ["--float"]))
        qfb = os.path.join(self.dir, "model.qfb")
        for model, feeds, flags in attempts:
            path = os.path.join(self.dir, "model.onnx")
            onnx.save(model, path)
            try:
                result = subprocess.run([qconvert, path, "-o", qfb] + flags, capture_output=True,
                                        text=True, timeout=300)
            except subprocess.TimeoutExpired:
                self.status, self.why = "failed", "qconvert did not finish in 300 s"
                return
            if result.returncode == 0:
                self.feeds = feeds
                return
            if result.returncode < 0:
                self.status, self.why = "failed", f"qconvert crashed (signal {-result.returncode})"
                return
            if "Sanitizer" in result.stderr or "runtime error:" in result.stderr:
                self.status, self.why = "failed", "qconvert: a sanitizer reports an error"
                return
            self.why = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
        self.status = "not supported"

    def manifest_line(self):
        paths = []
        for i, feed in enumerate(self.feeds):
            path = os.path.join(self.dir, f"input_{i}.npy")
            np.save(path, to_runtime(np.asarray(feed, dtype=np.float32)))
            paths.append(path)
        return "\t".join([os.path.join(self.dir, "model.qfb"), os.path.join(self.dir, "out")] +
                         paths)

    def check(self, run_errors):
        prefix = os.path.join(self.dir, "out")
        if prefix in run_errors:
            self.status, self.why = "failed", "qrun: " + run_errors[prefix]
            return
        for i, expected in enumerate(self.expected):
            path = f"{prefix}_{i}.npy"
            if not os.path.exists(path):
                self.status, self.why = "failed", f"no output {i}"
                return
            actual = np.load(path)
            if actual.size != expected.size:
                self.status, self.why = "failed", f"output {i} has {actual.size} elements, " \
                    f"expected {expected.size}"
                return
            actual = from_runtime(actual, expected.shape)
            if self.output_parameters is not None:
                scale, zero_point = self.output_parameters
                info = np.iinfo(expected.dtype)
                zero = 0 if zero_point is None else int(zero_point)
                levels = np.clip(np.rint(actual.astype(np.float64) / float(scale)) + zero,
                                 info.min, info.max)
                worst = np.max(np.abs(levels - expected.astype(np.float64)), initial=0)
                if worst > 1:
                    self.status, self.why = "failed", f"output {i} differs by up to {worst:g} levels"
                    return
                continue
            expected = expected.astype(np.float64)
            actual = actual.astype(np.float64)
            bad = ~(np.abs(actual - expected) <= self.atol + self.rtol * np.abs(expected))
            bad &= ~(np.isnan(actual) & np.isnan(expected))
            if np.any(bad):
                worst = np.nanmax(np.abs(actual - expected))
                self.status, self.why = "failed", f"output {i}: {np.count_nonzero(bad)} of " \
                    f"{expected.size} elements outside tolerance, worst |diff| {worst:g}"
                return
        self.status = "passed"


def run_cases(run_cases_binary, cases, workdir, jobs):
    """Runs every converted case through qrun_run_cases, in `jobs` batches side by side; returns
    {output prefix: error message}."""
    batches = [cases[i::jobs] for i in range(jobs)]
    manifests = []
    for index, batch in enumerate(batches):
        path = os.path.join(workdir, f"manifest_{index}.tsv")
        with open(path, "w") as manifest:
            for case in batch:
                manifest.write(case.manifest_line() + "\n")
        manifests.append(path)
    errors = {}

    def run(manifest):
        return subprocess.run([run_cases_binary, manifest], capture_output=True, text=True,
                              timeout=600)

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for result in pool.map(run, manifests):
            if result.returncode != 0:
                raise SystemExit(f"qrun_run_cases failed ({result.returncode}): {result.stderr}")
            for line in result.stdout.splitlines():
                prefix, _, message = line.partition(": ")
                errors[prefix] = message
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qconvert", required=True)
    parser.add_argument("--run-cases", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--baseline", required=True, help="the cases that must pass, one a line")
    parser.add_argument("--write-baseline", action="store_true",
                        help="write the passing cases to --baseline instead of checking it")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)

    claimed = claimed_ops(args.qconvert)
    onnx_cases = onnx_node_cases.collect_testcases("")
    cases = []
    names = collections.Counter()
    for onnx_case in onnx_cases:
        # ONNX 1.12 gives two ReduceSum cases one name: the second gets "_2".
        names[onnx_case.name] += 1
        name = onnx_case.name + (f"_{names[onnx_case.name]}" if names[onnx_case.name] > 1 else "")
        ops = {node.op_type for node in onnx_case.model.graph.node}
        if case_op(onnx_case) in INT8_PATH_OPS:
            if len(ops) == 1 and claimed.get(case_op(onnx_case), (False, False))[0]:
                cases.append(Case(onnx_case, name, args.workdir))
        elif all(claimed.get(op, (False, False))[1] for op in ops):
            cases.append(Case(onnx_case, name, args.workdir))

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(lambda case: case.convert(args.qconvert), cases))
    converted = [case for case in cases if case.status is None]
    errors = run_cases(args.run_cases, converted, args.workdir, args.jobs)
    for case in converted:
        case.check(errors)

    table = collections.defaultdict(collections.Counter)
    for case in sorted(cases, key=lambda c: (c.op, c.name)):
        print(f"{case.status:14} {case.name}" + (f"  ({case.why})" if case.why and
                                                  case.status != "passed" else ""))
        table[case.op][case.status] += 1
    print(f"\n{'op':22} {'path':5} {'passed':>7} {'failed':>7} {'not supported':>14}")
    for op in sorted(table):
        counts = table[op]
        print(f"{op:22} {'int8' if op in INT8_PATH_OPS else 'fp32':5} {counts['passed']:7} "
              f"{counts['failed']:7} {counts['not supported']:14}")
    total = collections.Counter(case.status for case in cases)
    print(f"{'all':22} {'':5} {total['passed']:7} {total['failed']:7} "
          f"{total['not supported']:14}")

    passing = sorted(case.name for case in cases if case.status == "passed")
    if args.write_baseline:
        with open(args.baseline, "w") as baseline:
            baseline.write("".join(name + "\n" for name in passing))
        print(f"wrote {len(passing)} passing cases to {args.baseline}")
        return 0
    with open(args.baseline) as baseline:
        required = [line.strip() for line in baseline if line.strip()]
    regressions = sorted(set(required) - set(passing))
    if regressions:
        print(f"\nFAIL: {len(regressions)} cases of the baseline do not pass: " +
              ", ".join(regressions))
        return 1
    print(f"\nOK: all {len(required)} cases of the baseline pass ({len(passing)} pass in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
