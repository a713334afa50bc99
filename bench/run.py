#!/usr/bin/env python3
"""Whole-process benchmark of the release binary.

    python3 bench/run.py            # build, generate corpora, measure, print a table

For each corpus (1 file; 1,000 files; ~50,000 objects; one 50 MB file) it
reports wall time, MB/s, objects/s and peak RSS on 1 thread and on all cores,
the raw event throughput of the YAML parser stslint uses on the same bytes
(examples/rawparse.rs, 1 thread), and the ratio of the two. Corpora are
generated deterministically by examples/gencorpus.rs into target/bench/.
Then the cost of policies: the 50,000-object corpus with and without ten
policies it passes (bench/policies) and the example policies
(examples/policies/*/policy.yaml), runs alternating, on 1 thread and on
all cores.
"""

import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "target", "bench")
BIN = os.path.join(ROOT, "target", "release", "stslint")
GEN = os.path.join(ROOT, "target", "release", "examples", "gencorpus")
RAW = os.path.join(ROOT, "target", "release", "examples", "rawparse")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, cwd=ROOT, **kw)


def timed(cmd, env):
    """Wall seconds and peak RSS (KiB) of one run of cmd."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{cmd} exited {code}")
    return wall, usage.ru_maxrss


def size_of(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for dirpath, _, names in os.walk(path):
        total += sum(os.path.getsize(os.path.join(dirpath, n)) for n in names)
    return total


def corpora():
    os.makedirs(OUT, exist_ok=True)
    specs = [
        ("1 file", "one", ["1", "12"]),
        ("1,000 files", "k1", ["1000", "12"]),
        ("50,000 objects", "obj50k", ["2500", "20"]),
    ]
    out = []
    for label, name, args in specs:
        path = os.path.join(OUT, name)
        if not os.path.exists(path):
            sh([GEN, path] + args + ["7"], stdout=subprocess.DEVNULL)
        out.append((label, path))
    big = os.path.join(OUT, "big.yaml")
    if not os.path.exists(big):
        sh([GEN, "--single", big, "50", "7"], stdout=subprocess.DEVNULL)
    out.append(("one 50 MB file", big))
    return out


def raw_mbps(path):
    """One run of the raw parser over path, in MB/s."""
    line = subprocess.run([RAW, path], check=True, capture_output=True, text=True).stdout
    # "... in 1.234 s: 55.6 MB/s (1 thread)"
    return float(line.split(": ")[-1].split()[0])


def main():
    sh(["cargo", "build", "--release", "--examples", "--bins", "--quiet"])
    cores = os.cpu_count() or 1
    rows = []
    for label, path in corpora():
        size = size_of(path)
        summary = json.loads(
            subprocess.run([BIN, "check", path, "--format", "json"], capture_output=True, text=True).stdout
        )["summary"]
        objects = summary["objects"]
        for threads in (1, cores):
            # The raw parser runs right before each run, on the same bytes,
            # and each run is compared with it: this machine's speed drifts
            # by a third from minute to minute, so a ratio of neighbours is
            # steadier than a ratio of medians taken apart.
            env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
            raws, results = [], []
            for _ in range(RUNS):
                raws.append(raw_mbps(path))
                results.append(timed([BIN, "check", path, "--format", "json"], env))
            wall = statistics.median(r[0] for r in results)
            rss = max(r[1] for r in results) / 1024
            mbps = size / wall / 1e6
            ratio = statistics.median(size / r[0] / 1e6 / raw for r, raw in zip(results, raws))
            rows.append(
                (label, threads, size / 1e6, objects, wall * 1000, mbps, objects / wall, rss,
                 statistics.median(raws), ratio)
            )
    policy_rows = policy_cost(dict(corpora())["50,000 objects"], cores)
    print(f"stslint {subprocess.run([BIN, '--version'], capture_output=True, text=True).stdout.strip()}, "
          f"{cores} cores, median of {RUNS} runs\n")
    print("| corpus | threads | MB | objects | wall ms | MB/s | objects/s | peak RSS MB | raw parser MB/s (1 thread) | whole run / raw |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:.1f} | {r[3]} | {r[4]:.1f} | {r[5]:.1f} | {r[6]:,.0f} | {r[7]:.1f} | {r[8]:.1f} | {r[9]:.0%} |")
    print()
    print("| corpus | threads | policies | wall ms without | wall ms with | added | peak RSS MB without / with |")
    print("|---|---|---|---|---|---|---|")
    for r in policy_rows:
        print(f"| 50,000 objects | {r[0]} | {r[1]} | {r[2]:.1f} | {r[3]:.1f} | {r[4]:+.0%} | {r[5]:.1f} / {r[6]:.1f} |")


def policy_cost(path, cores):
    """Wall time without and with policies, runs alternating; the added
    cost is the median of each pair's ratio. Two sets: ten policies the
    corpus passes (bench/policies/bench.yaml: what a CI run mostly does),
    and the twelve example policies, which the generated corpus breaks
    tens of thousands of times (so that row measures diagnostics too)."""
    pdir = os.path.join(ROOT, "examples", "policies")
    examples = sorted(
        os.path.join(pdir, d, "policy.yaml")
        for d in os.listdir(pdir)
        if os.path.isfile(os.path.join(pdir, d, "policy.yaml"))
    )
    sets = [
        ("10 passing (bench/policies)", ["--policy", os.path.join(ROOT, "bench", "policies")]),
        (f"{len(examples)} examples", [a for f in examples for a in ("--policy", f)]),
    ]
    base = [BIN, "check", path, "--format", "json", "--no-config"]
    rows = []
    for label, flags in sets:
        for threads in (1, cores):
            env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
            without, with_ = [], []
            for _ in range(RUNS):
                without.append(timed(base, env))
                with_.append(timed(base + flags, env))
            added = statistics.median(w[0] / o[0] - 1 for o, w in zip(without, with_))
            rows.append((
                threads, label,
                statistics.median(r[0] for r in without) * 1000,
                statistics.median(r[0] for r in with_) * 1000,
                added,
                max(r[1] for r in without) / 1024,
                max(r[1] for r in with_) / 1024,
            ))
    return rows


if __name__ == "__main__":
    main()
