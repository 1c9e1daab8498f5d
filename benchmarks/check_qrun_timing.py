#!/usr/bin/python3
"""Checks qrun's own latency figure against a timing taken from outside the process.

qrun times each run with a steady clock around the model's run alone; from outside, the cost of
one run is the wall time of the whole qrun process, which also starts the process, loads the
model, runs once for the outputs and writes the report. Two estimates of one run from outside:

  difference  (wall(N runs) - wall(n runs)) / (N - n): everything but the timed runs cancels;
  direct      (wall(N runs) - load time qrun reports) / N: what is left of the fixed costs
              (process start, the untimed first run, reading conditions) is spread over N.

Each wall time is the median of --rounds process runs, alternating the long and the short one, so
that a burst of load on the machine falls on both. Prints qrun's median and mean and both outside
estimates, and each estimate's difference from them; exits 1 if the difference estimate is
more than --tolerance (10%) away from qrun's median.

usage: benchmarks/check_qrun_timing.py [--qrun build/bin/qrun] [--model M.qfb --input I.npy]
       [--cpu 1] [--runs 200] [--short-runs 20] [--rounds 5] [--tolerance 0.10]
Without --model it takes resnet18 from benchmarks/compare's work directory
(build/compare/resnet18), else the digits model the tests build (build/tests/models).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CANDIDATES = [
    ("build/compare/resnet18/model_int8.qfb", "build/compare/resnet18/qrun_input.npy"),
    ("build/tests/models/digits_int8.qfb", "tests/models/digits/inputs/digit_7.bin"),
]


def timed_run(args, runs):
    """Wall seconds of one qrun process timing `runs` runs, and its JSON document."""
    command = [args.qrun, args.model, args.input, "--pin", str(args.cpu), "--repeat", str(runs),
               "--json"]
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr.decode(errors='replace')}")
    return wall, json.loads(result.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qrun", default=os.path.join(ROOT, "build/bin/qrun"))
    parser.add_argument("--model")
    parser.add_argument("--input")
    parser.add_argument("--cpu", type=int, default=1)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--short-runs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tolerance", type=float, default=0.10)
    args = parser.parse_args()
    if not args.model:
        found = [(os.path.join(ROOT, m), os.path.join(ROOT, i)) for m, i in CANDIDATES
                 if os.path.isfile(os.path.join(ROOT, m))]
        if not found:
            sys.exit("no model: give --model and --input (or run benchmarks/compare or the tests)")
        args.model, args.input = found[0]

    long_walls, short_walls, medians, means, loads = [], [], [], [], []
    for _ in range(args.rounds):
        wall, doc = timed_run(args, args.runs)
        long_walls.append(wall)
        medians.append(doc["statistics"]["median_ms"])
        means.append(doc["statistics"]["mean_ms"])
        loads.append(doc["load"]["total_ms"])
        short_walls.append(timed_run(args, args.short_runs)[0])

    median = statistics.median(medians)
    mean = statistics.median(means)
    long_wall_ms = 1000 * statistics.median(long_walls)
    difference = (long_wall_ms - 1000 * statistics.median(short_walls)) / (args.runs - args.short_runs)
    direct = (long_wall_ms - statistics.median(loads)) / args.runs
    print(f"model {args.model}, CPU {args.cpu}, {args.rounds} rounds of {args.runs} and "
          f"{args.short_runs} runs")
    print(f"qrun's own figures:   median {median:.3f} ms, mean {mean:.3f} ms, "
          f"load {statistics.median(loads):.1f} ms (medians over the rounds)")
    # An outside timing is a mean by nature: on a busy machine it follows qrun's mean.
    for name, value in [("difference", difference), ("direct", direct)]:
        print(f"outside, {name:10s}  {value:.3f} ms a run: {100 * (value / median - 1):+.1f}% "
              f"against qrun's median, {100 * (value / mean - 1):+.1f}% against its mean")
    if abs(difference / median - 1) > args.tolerance:
        print(f"the outside timing is more than {100 * args.tolerance:.0f}% away from qrun's median")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
