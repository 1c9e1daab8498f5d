"""The timing side of a peer that runs in a process of its own (its own virtual environment).

benchmarks/compare.py times most runtimes in its own process; OpenVINO with NNCF and LiteRT with
TensorFlow need Python packages that cannot live beside Debian's torch (NNCF needs a newer torch
when it finds one, TensorFlow a newer numpy), so they run in a worker process that compare.py
starts once per model and drives round by round, which keeps the rounds interleaved as for the
in-process runtimes. The worker inherits compare.py's CPU affinity (one pinned core).

Protocol, one line each way, on the worker's stdin and stdout (its stderr is the runtime's log):
  worker -> compare.py  `ready {"note": ...}` once the model is loaded and its output written
  compare.py -> worker  `block WARMUP ITERATIONS`
  worker -> compare.py  `times [ms, ms, ...]` (one per timed call)
  compare.py -> worker  `quit` (or end of input)
Only the standard library and numpy here: each worker's environment has those.
"""

import gc
import json
import sys
import time

import numpy as np


def serve(call, output, output_path, note=""):
    """Writes the output of one call, says ready, then answers block requests until quit."""
    np.save(output_path, np.asarray(output, dtype=np.float32))
    protocol = sys.stdout
    sys.stdout = sys.stderr  # a stray print of the runtime must not break the protocol
    protocol.write("ready " + json.dumps({"note": note}) + "\n")
    protocol.flush()
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if words[0] != "block" or len(words) != 3:
            raise SystemExit(f"peer_server: unknown request {line.strip()!r}")
        warmup, iterations = int(words[1]), int(words[2])
        for _ in range(warmup):
            call()
        samples = []
        gc.disable()
        try:
            for _ in range(iterations):
                start = time.perf_counter_ns()
                call()
                samples.append((time.perf_counter_ns() - start) / 1e6)
        finally:
            gc.enable()
        protocol.write("times " + json.dumps(samples) + "\n")
        protocol.flush()
