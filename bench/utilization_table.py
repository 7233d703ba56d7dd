#!/usr/bin/env python3
"""Prints the utilization table of docs/BENCHMARKS.md ("Memory"): peak live / peak
footprint of the hybrid core under each memory policy, against the linked list, on
every generator and on the real-program corpus (tests/corpus/corpus.sh records it).

    bench/utilization_table.py [--allocsim build/bin/allocsim] [--work DIR]

DIR (default build/utilization) keeps the generated traces and the recordings, so a
second run replays without recording again. Utilization is deterministic: the same
build prints the same table."""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GENERATORS = ["cache-64", "buddy-churn", "mixed-stress", "pollution", "larson", "producer-consumer",
              "power-law", "fragmentation", "malloclab-bal", "default"]
PROGRAMS = ["python3", "perl", "sqlite3", "sort", "xz", "git", "cpp"]
POLICIES = {
    "default": [],
    "pow2 runs": ["slab.exact_runs=off"],
    "drain 64": ["drain.batch=64"],
    "adaptive": ["cache.adaptive=on"],
    "trim": ["cache.trim_every=8"],
    "eager": ["slab.eager_collect=on"],
    "fullest": ["slab.fullest_first=on"],
    "all": ["slab.exact_runs=on", "cache.adaptive=on", "cache.trim_every=8", "slab.eager_collect=on",
            "slab.fullest_first=on"],
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--allocsim", default=os.path.join(ROOT, "build/bin/allocsim"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build/utilization"))
    args = ap.parse_args()
    allocsim = os.path.abspath(args.allocsim)
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    gen_db = os.path.join(work, "gen.db")

    def run(cmd):
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"utilization_table: {' '.join(cmd)} failed: {out.stderr.strip()}")
        return out.stdout

    cases = []
    if not os.path.exists(gen_db):
        for g in GENERATORS:
            run([allocsim, "gen", g, "--db", gen_db])
    cases += [(gen_db, g) for g in GENERATORS]
    corpus = os.path.join(work, "corpus")
    os.makedirs(corpus, exist_ok=True)
    for p in PROGRAMS:
        listing = os.path.join(corpus, p + ".traces")
        if not os.path.exists(listing):
            print(f"recording {p}...", file=sys.stderr, flush=True)
            run(["bash", os.path.join(ROOT, "tests/corpus/corpus.sh"), "record", allocsim, corpus, p])
        cases += [(os.path.join(corpus, p + ".db"), t) for t in open(listing).read().split()]

    def replay(db, trace, extra):
        return json.loads(run([allocsim, "replay", "--db", db, "--trace", trace, "--json"] + extra))

    print("| workload | CPUs | peak live B | linked list | " + " | ".join(POLICIES) + " |")
    print("|---|---|---|---|" + "---|" * len(POLICIES))
    for db, trace in cases:
        ll = replay(db, trace, ["--allocator", "linked-list"])
        cells = []
        for sets in POLICIES.values():
            h = replay(db, trace, sum((["--set", s] for s in sets), []))
            cells.append(f"{h['utilization']:.3f} ({h['utilization'] / ll['utilization']:.2f})")
        print(f"| {trace} | {ll['cpus']} | {ll['peak_live_bytes']} | {ll['utilization']:.3f} | " + " | ".join(cells) + " |",
              flush=True)


if __name__ == "__main__":
    main()
