#!/usr/bin/env python3
"""Prints the utilization table of docs/BENCHMARKS.md ("Memory"): peak live / peak
footprint of the hybrid core under each memory policy, against the linked list, on
every generator and on the real-program corpus (tests/corpus/corpus.sh records it).
"floor" is the best utilization the core can reach under any policy with its class
table (allocsim floor; engine/replay/footprint_floor.h), with its metadata and
without, and with runs per CPU (a bound for the hybrid where a CPU that frees
others' objects never allocates, as in producer-consumer); "target" is 0.9 x the linked list's (the issue's "within 10%"); the last
column says whether the default meets it, and if not, whether any policy could.

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
# The table before two classes per doubling: 8-byte steps to 64 B, then four per doubling.
FOUR_PER_DOUBLING = ("8,16,24,32,40,48,56,64,80,96,112,128,160,192,224,256,320,384,448,512,640,768,896,1024,"
                     "1280,1536,1792,2048,2560,3072,3584,4096,5120,6144,7168,8192,10240,12288,14336,16384")
POLICIES = {
    "default": [],
    "4 per doubling": ["size_classes=" + FOUR_PER_DOUBLING],
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

    print("| workload | CPUs | peak live B | linked list | target | floor | floor, no metadata | per-CPU floor | "
          + " | ".join(POLICIES) + " | default meets the target |")
    print("|---|---|---|---|---|---|---|---|" + "---|" * len(POLICIES) + "---|")
    for db, trace in cases:
        ll = replay(db, trace, ["--allocator", "linked-list"])
        floor = json.loads(run([allocsim, "floor", "--db", db, "--trace", trace, "--json"]))
        target = 0.9 * ll["utilization"]
        cells = []
        default = None
        for sets in POLICIES.values():
            h = replay(db, trace, sum((["--set", s] for s in sets), []))
            default = h["utilization"] if default is None else default
            cells.append(f"{h['utilization']:.3f} ({h['utilization'] / ll['utilization']:.2f})")
        if default >= target:
            verdict = "yes"
        elif floor["utilization_bound_per_cpu"] >= target:
            verdict = "no; the floor allows it"
        elif floor["utilization_bound"] >= target:
            verdict = "no; the floor allows it, the per-CPU floor does not"
        else:
            verdict = "no; out of reach (floor below the target)"
        print(f"| {trace} | {ll['cpus']} | {ll['peak_live_bytes']} | {ll['utilization']:.3f} | {target:.3f} | "
              f"{floor['utilization_bound']:.3f} | {floor['utilization_bound_no_metadata']:.3f} | "
              f"{floor['utilization_bound_per_cpu']:.3f} | " + " | ".join(cells)
              + f" | {verdict} |", flush=True)


if __name__ == "__main__":
    main()
