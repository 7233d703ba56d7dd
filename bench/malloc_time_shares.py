#!/usr/bin/env python3
"""Where each program of allocsim-malloc-bench spends its time, under each allocator:
the share of perf's samples (cpu-clock, 4 kHz) in the allocator's own library and in
the kernel. It says how much of a wall-time gap the allocator's code can explain: when
the library holds a few percent of the samples, a larger gap comes from what its
layout does to the program and the kernel (cache and TLB misses, page faults).

    bench/malloc_time_shares.py [--build build] [--only sqlite3,sort]

Needs perf (linux-perf). The trace workloads are left out (their time is the
replayer's). glibc's malloc is inside libc.so.6 and so is not separated.
"""
import argparse
import importlib.machinery
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def load_bench():
    loader = importlib.machinery.SourceFileLoader("malloc_bench", os.path.join(HERE, "allocsim-malloc-bench"))
    spec = importlib.util.spec_from_loader("malloc_bench", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    if shutil.which("perf") is None:
        sys.exit("malloc_time_shares: no perf on PATH (apt-get install linux-perf)")
    bench = load_bench()
    libs = {"allocsim": os.path.join(args.build, "lib/liballocsim-malloc.so")}
    for name, so in bench.PEERS:
        if so and os.path.exists(os.path.join(bench.LIBDIR, so)):
            libs[name] = os.path.join(bench.LIBDIR, so)
    if not os.path.exists(libs["allocsim"]):
        sys.exit(f"malloc_time_shares: {libs['allocsim']}: not built")
    work = tempfile.mkdtemp(prefix="malloc-time-shares.")
    try:
        loads = bench.workloads(work, args.build)
        print("| workload | " + " | ".join(f"{a}: library / kernel" for a in libs) + " |")
        print("|---|" + "---|" * len(libs))
        for w, cmd in loads.items():
            if w.startswith("trace") or (args.only and w not in args.only.split(",")):
                continue
            cells = []
            for so in libs.values():
                env = dict(os.environ)
                env["LD_PRELOAD"] = so
                data = os.path.join(work, "perf.data")
                subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "4000", "-o", data, "--"] + cmd,
                               cwd=work, env=env, capture_output=True)
                report = subprocess.run(["perf", "report", "-i", data, "--sort", "dso", "--stdio"],
                                        capture_output=True, text=True).stdout
                lib = kernel = 0.0
                for line in report.splitlines():
                    m = re.match(r"\s+([\d.]+)%\s+(\S+)", line)
                    if not m:
                        continue
                    if os.path.basename(so) in m.group(2):
                        lib += float(m.group(1))
                    if "kernel" in m.group(2):
                        kernel += float(m.group(1))
                cells.append(f"{lib:.1f}% / {kernel:.1f}%")
            print(f"| {w} | " + " | ".join(cells) + " |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
