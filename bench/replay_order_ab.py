#!/usr/bin/env python3
"""A/B of the replay's two orders (docs/ENGINE.md, "How a replay runs"): trace order
(the engine as it was) against simulated-time order, in one run, interleaved. For each
CPU count, `allocsim gen power-law --cpus N --ops OPS` once, then RUNS replays of each
order, alternating; prints events per second (median of the runs, M events/s), the
ratio time / trace, and each order's nanoseconds per event, so the growth with CPUs
shows. Figures in docs/BENCHMARKS.md.

    bench/replay_order_ab.py [--allocsim build/bin/allocsim] [--work DIR] [--ops N] [--cpus 1,4,16,64] [--runs 3] [--loop auto]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--allocsim", default=os.path.join(ROOT, "build/bin/allocsim"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build/order-ab"))
    ap.add_argument("--ops", type=int, default=2_000_000)
    ap.add_argument("--cpus", default="1,4,16,64")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--loop", default="auto", choices=["auto", "open", "closed"])
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)

    def run(cmd):
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"replay_order_ab: {' '.join(cmd)} failed: {out.stderr.strip()}")
        return out.stdout

    print(f"| CPUs | events | trace order, M ev/s | time order, M ev/s | time / trace | trace ns/ev | time ns/ev |")
    print("|---|---|---|---|---|---|---|")
    for cpus in [int(c) for c in args.cpus.split(",")]:
        db = os.path.join(args.work, f"power-law-{cpus}-{args.ops}.db")
        if not os.path.exists(db):
            run([args.allocsim, "gen", "power-law", "--cpus", str(cpus), "--ops", str(args.ops), "--db", db])
        rates = {"trace": [], "time": []}
        events = 0
        for _ in range(args.runs):
            for order in ("trace", "time"):
                r = json.loads(run([args.allocsim, "replay", "--db", db, "--trace", "power-law", "--loop", args.loop,
                                    "--set", f"order={order}", "--json"]))
                rates[order].append(r["events_per_second"])
                events = r["events"]
        a, b = statistics.median(rates["trace"]), statistics.median(rates["time"])
        print(f"| {cpus} | {events} | {a / 1e6:.1f} | {b / 1e6:.1f} | {b / a:.2f} | {1e9 / a:.1f} | {1e9 / b:.1f} |",
              flush=True)


if __name__ == "__main__":
    main()
