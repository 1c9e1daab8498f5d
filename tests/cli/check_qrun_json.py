#!/usr/bin/env python3
"""Holds a `qrun --json` document to its documented layout (runtime/tools/QRUN_JSON.md), both
ways: every field the document has is in the table with that type, and every field of the table is
in the document wherever its parent is. Then checks that the figures agree with one another (the
statistics against the runs they summarize) and with what the test asked of qrun.

usage: check_qrun_json.py LAYOUT.md DOCUMENT.json [--runs N] [--pinned CPU] [--profile]
Prints what is wrong and exits 1, or exits 0.
"""
import argparse
import json
import math
import re
import sys

PYTHON_TYPES = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def read_layout(path):
    """The table after the layout marker: {field path: [allowed types]}."""
    layout = {}
    with open(path, encoding="utf-8") as f:
        text = f.read()
    marker = text.index("<!-- layout:")
    for line in text[marker:].splitlines()[1:]:
        if not line.startswith("|"):
            if layout:
                break
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        match = re.fullmatch(r"`([^`]+)`", cells[0])
        if not match:
            continue  # the header and its rule
        types = cells[1].replace("\\|", "|").split("|")
        unknown = [t for t in types if t not in PYTHON_TYPES]
        if unknown:
            raise SystemExit(f"{path}: field {match.group(1)}: unknown type {unknown}")
        layout[match.group(1)] = types
    if not layout:
        raise SystemExit(f"{path}: no layout table")
    return layout


def check_layout(value, path, layout, errors):
    types = layout.get(path)
    if types is None:
        errors.append(f"{path}: not in the documented layout")
        return
    if not any(PYTHON_TYPES[t](value) for t in types):
        errors.append(f"{path}: {json.dumps(value)[:60]} is not {'|'.join(types)}")
        return
    if isinstance(value, dict):
        prefix = path + "." if path else ""
        for key, child in value.items():
            check_layout(child, prefix + key, layout, errors)
        for field in layout:
            rest = field[len(prefix):]
            if field.startswith(prefix) and rest and not re.search(r"[.\[]", rest) and \
                    rest not in value:
                errors.append(f"{field}: documented but missing")
    elif isinstance(value, list):
        for child in value:
            check_layout(child, path + "[]", layout, errors)


def check_figures(doc, args, errors):
    def expect(condition, message):
        if not condition:
            errors.append(message)

    s = doc["statistics"]
    runs = sorted(s["runs_ms"])
    n = len(runs)
    expect(n == s["runs"] and n > 0, f"statistics.runs {s['runs']} but {n} times")
    if args.runs is not None:
        expect(n == args.runs, f"{n} timed runs, asked for {args.runs}")
        expect(doc["run"]["repeat"] == args.runs, f"run.repeat is {doc['run']['repeat']}")
    if n == 0:
        return
    median = runs[n // 2] if n % 2 else (runs[n // 2 - 1] + runs[n // 2]) / 2
    mean = sum(runs) / n
    stddev = math.sqrt(sum((t - mean) ** 2 for t in runs) / (n - 1)) if n > 1 else 0.0
    rank = lambda q: runs[max(1, math.ceil(q * n)) - 1]
    for name, expected in [("min_ms", runs[0]), ("max_ms", runs[-1]), ("median_ms", median),
                           ("mean_ms", mean), ("p90_ms", rank(0.9)), ("p99_ms", rank(0.99)),
                           ("stddev_ms", stddev), ("cv", stddev / mean)]:
        expect(math.isclose(s[name], expected, rel_tol=1e-6, abs_tol=1e-9),
               f"statistics.{name} is {s[name]}, the runs give {expected}")
    expect(s["slow_runs"] == sum(t > 1.5 * median for t in runs), "statistics.slow_runs")
    expect(s["min_ms"] <= s["median_ms"] <= s["p90_ms"] <= s["p99_ms"] <= s["max_ms"],
           "statistics out of order")

    load = doc["load"]
    expect(load["total_ms"] > 0, "load.total_ms is not positive")
    expect(load["map_ms"] + load["verify_ms"] + load["prepare_ms"] <= load["total_ms"] * 1.001,
           "the load's phases add up to more than the whole")
    memory = doc["memory"]
    expect(memory["file_bytes"] > 0 and memory["arena_bytes"] > 0, "memory sizes missing")
    if memory["peak_resident_bytes"] is not None:
        expect(memory["peak_resident_bytes"] > memory["arena_bytes"], "peak resident below arena")

    cpu = doc["cpu"]
    ids = [c for cluster in cpu["clusters"] for c in cluster["cpus"]]
    expect(len(ids) == len(set(ids)), "a CPU is in two clusters")
    if args.pinned is not None:
        expect(cpu["pin"]["cpus"] == [args.pinned], f"pinned to {cpu['pin']['cpus']}")
    if cpu["pin"]["cpus"]:
        expect(cpu["id"] == cpu["pin"]["cpus"][0], "cpu.id is not the first CPU pinned to")
        expect(cpu["id"] == doc["conditions"]["cpu"], "conditions read on another CPU")
        expect(cpu["id"] in ids or not ids, "cpu.id is in no cluster")
    else:
        expect(cpu["id"] is None, "cpu.id of a run that was not pinned")

    # A reading is either there or said to be unreadable.
    unreadable = " ".join(doc["conditions"]["unreadable"])
    for field, what in [("governor", "governor:"), ("frequency_khz", "frequency:"),
                        ("hottest_zone", "thermal:")]:
        if doc["conditions"]["before"][field] is None:
            expect(what in unreadable, f"conditions.before.{field} is null but not said unreadable")

    if args.profile:
        profile = doc["profile"]
        expect(profile is not None, "profile is null with --profile")
        if profile is not None:
            ops = profile["operators"]
            expect(len(ops) == doc["model"]["operators"], "profile rows != model.operators")
            expect([op["index"] for op in ops] == list(range(len(ops))), "profile indices")
            expect(math.isclose(sum(op["share"] for op in ops), 1.0, rel_tol=1e-6),
                   "profile shares do not add up to 1")
    else:
        expect(doc["profile"] is None, "profile without --profile")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("layout")
    parser.add_argument("document")
    parser.add_argument("--runs", type=int)
    parser.add_argument("--pinned", type=int)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    layout = read_layout(args.layout)
    with open(args.document, encoding="utf-8") as f:
        doc = json.load(f)
    errors = []
    check_layout(doc, "", {"": ["object"], **layout}, errors)
    if not errors:
        check_figures(doc, args, errors)
    for error in errors:
        print(f"{args.document}: {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
