#!/usr/bin/env python3
"""Compare two stslint builds (or one build with and without options) by
alternating runs, the only comparison this machine's drifting speed allows.

    python3 bench/pairs.py N CORPUS BIN_A BIN_B [ARGS FOR B ...]

Runs `BIN check CORPUS --format json --no-config` N times each, A and B in
turns (B with the extra ARGS, e.g. `--policy bench/policies`), and prints,
for CPU time (user + sys) and wall time, each side's median and the median
of the pairs' B/A ratios. Threads follow RAYON_NUM_THREADS.
"""

import os
import statistics
import subprocess
import sys
import time


def run(binary, corpus, args):
    start = time.perf_counter()
    proc = subprocess.Popen(
        [binary, "check", corpus, "--format", "json", "--no-config"] + args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"{binary} exited {os.waitstatus_to_exitcode(status)}")
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - start


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    n, corpus, a, b, extra = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    pairs = [(run(a, corpus, []), run(b, corpus, extra)) for _ in range(n)]
    for k, name in ((0, "cpu"), (1, "wall")):
        xs = [p[0][k] for p in pairs]
        ys = [p[1][k] for p in pairs]
        ratios = [y / x for x, y in zip(xs, ys)]
        print(
            f"{name}: A median {statistics.median(xs):.3f} s | B median {statistics.median(ys):.3f} s"
            f" | median of B/A {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})"
        )


if __name__ == "__main__":
    main()
