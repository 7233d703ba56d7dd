#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_core (tests/fuzz/corpus/core/): one input per
scenario, in the byte encoding fuzz_core.cpp decodes (keep the two in step).

Usage: tests/fuzz/make_core_seeds.py [OUT_DIR]   (default: tests/fuzz/corpus/core)
Run the fuzzer on one with ALLOCSIM_FUZZ_TRACE=1 to see it decoded.
"""
import os
import random
import sys

# Operation codes (Fuzz::Op).
ALLOC, ALLOC2, FREE, SIZED_FREE, REALLOC, REALLOC_STEP, ALIGNED, PAGES, MAINTAIN, INVALID = range(10)
# Size kinds (Fuzz::size()): the low 3 bits pick the kind, bits 4-5 the delta (0: -1, 1: 0, 2: +1).
CLASS, SMALL, AROUND_MAX, BLOCK, MIB, MID, HUGE, TINY = range(8)
# Steps (Fuzz::step_size()).
PAST_USABLE, USABLE, HALF, DOUBLE, CLASS_BELOW, MINUS_ONE, MAX_CLASS, PLUS_ONE = range(8)


def header(cpus=1, many_cpus=False, capacity=0, refill=31, drain=31, max_order=6, per_order=False,
           large_region=False, region=60, offset_pages=0, offset_bytes=0, classes=None):
    """capacity indexes {64, 1, 2, 3, 4, 7, 8, 16, 31, 32, 100, 256}; with the
    default classes max_order is 2 + (byte % 9), so pass the order wanted."""
    b = bytearray()
    b.append((0x40 | (cpus - 1)) if many_cpus else (cpus - 1))
    b += bytes([capacity, refill, drain])
    if classes is None:
        b.append((0x80 if per_order else 0) | (max_order - 2))
    else:
        b.append((0x80 if per_order else 0) | 0x40 | max_order)
    b.append((0x80 | region) if large_region else region)
    b += bytes([offset_pages, offset_bytes])
    if classes is not None:
        b.append(len(classes) - 1)
        b += bytes(classes)
    return b


def size(kind, arg, delta=1, extra=b""):
    return bytes([kind | (delta << 4), arg]) + extra


def op(code, cpu, *args):
    return bytes([code, cpu]) + b"".join(args)


def u16(v):
    return bytes([v & 0xFF, v >> 8])


def seeds():
    out = {}
    # Every class boundary, size - 1, size, size + 1, freed sized and unsized.
    b = header(region=100)
    for c in range(40):
        for d in range(3):
            b += op(ALLOC, 0, size(CLASS, c, d))
    for i in range(60):
        b += op(SIZED_FREE if i % 2 else FREE, 0, u16(i * 7))
    out["class-boundaries"] = b

    # Four CPUs: allocate on one, free on another (remote frees), quiesce.
    b = header(cpus=4, region=120)
    for i in range(200):
        b += op(ALLOC, i % 4, size(CLASS, i % 40, 1))
    for i in range(150):
        b += op(FREE + i % 2, (i + 1) % 4, u16(i * 13))
    b += op(MAINTAIN, 0, b"\x00")
    out["remote-frees"] = b

    # One object reallocated up across every class, into the pages and large
    # paths, then down again one class at a time.
    b = header(large_region=True, region=127, max_order=8)
    b += op(ALLOC, 0, size(TINY, 1))
    for i in range(60):
        b += op(REALLOC_STEP, 0, u16(0), bytes([PAST_USABLE]))
        if i % 10 == 9:  # the runs the object left, back to the buddy
            b += op(MAINTAIN, 0, b"\x00")
    for _ in range(60):
        b += op(REALLOC_STEP, 0, u16(0), bytes([CLASS_BELOW]))
    for _ in range(8):
        b += op(REALLOC_STEP, 0, u16(0), bytes([HALF]))
    out["realloc-ladder"] = b

    # Reallocs of several objects by doubling and halving, on two CPUs.
    b = header(cpus=2, large_region=True, region=40, max_order=8)
    for i in range(6):
        b += op(ALLOC, i % 2, size(CLASS, 8 * i, 2))
    for i in range(80):
        b += op(REALLOC_STEP, i % 2, u16(i), bytes([DOUBLE if (i // 6) % 3 != 2 else HALF]))
    out["realloc-double-half"] = b

    # Around the largest class, the buddy block sizes and 1 MiB multiples.
    b = header(large_region=True, region=64, max_order=8)
    for a in range(9):
        b += op(ALLOC, 0, size(AROUND_MAX, a))
    for k in range(12):
        for d in range(3):
            b += op(ALLOC, 0, size(BLOCK, k, d))
    for m in range(4):
        for d in range(5):
            b += op(ALLOC, 0, size(MIB, m, d))
    for i in range(40):
        b += op(REALLOC, 0, u16(i * 3), size(MIB if i % 2 else CLASS, i % 40, i % 3))
    out["boundaries-large"] = b

    # A small region: out of memory everywhere, then frees, then again.
    b = header(region=0, max_order=4)
    for i in range(80):
        b += op(ALLOC, 0, size(MID if i % 3 == 0 else CLASS, 39 - i % 10, 1, b"\x00\x40\x00"))
    for i in range(30):
        b += op(FREE, 0, u16(i))
    for i in range(30):
        b += op(PAGES, 0, bytes([i % 7]))
    out["out-of-memory"] = b

    # Far too large requests, reallocs to them, and the region's own size.
    b = header(large_region=True, region=10, max_order=8)
    b += op(ALLOC, 0, size(CLASS, 10))
    b += op(ALLOC, 0, size(BLOCK, 4))
    b += op(ALLOC, 0, size(MIB, 2))
    for a in range(18):
        b += op(ALLOC, 0, size(HUGE, a, a % 3))
        b += op(REALLOC, 0, u16(a), size(HUGE, a, a % 3))
    b += op(ALIGNED, 0, size(HUGE, 1), b"\x06")
    out["huge-sizes"] = b

    # Every alignment, small and large sizes, freed with deallocate_aligned.
    b = header(cpus=2, large_region=True, region=30, max_order=8)
    for a in range(22):
        b += op(ALIGNED, a % 2, size(CLASS, a * 2 % 40, 1), bytes([a]))
        b += op(ALIGNED, a % 2, size(TINY, a), bytes([a]))
    b += op(ALIGNED, 0, size(CLASS, 3), bytes([255]))  # 2^63: no such alignment
    for i in range(44):
        b += op(SIZED_FREE, (i + 1) % 2, u16(i))
    out["aligned"] = b

    # Pages of every order, also above the max order; freed on other CPUs.
    b = header(cpus=3, large_region=True, region=0, max_order=8)
    for k in range(11):
        b += op(PAGES, k % 3, bytes([k]))
    for i in range(11):
        b += op(SIZED_FREE, i % 3, u16(i))
    out["pages"] = b

    # Invalid frees, free(null), reallocate of a pointer the core does not own.
    b = header(cpus=2, region=60)
    for i in range(10):
        b += op(ALLOC, 0, size(CLASS, i * 4))
    b += op(ALLOC, 0, size(BLOCK, 3))
    for k in range(4):
        b += op(INVALID, k % 2, bytes([k]), u16(k * 5))
    b += op(MAINTAIN, 1, b"\x01") + op(MAINTAIN, 0, b"\x02") + op(MAINTAIN, 0, b"\x00")
    out["invalid-frees"] = b

    # Tiny bins: capacity 1, so every free drains and every miss refills.
    b = header(cpus=2, capacity=1, refill=0, drain=0, region=40)
    for i in range(100):
        b += op(ALLOC if i % 3 else FREE, i % 2, size(CLASS, i % 7, 1) if i % 3 else u16(i))
    out["capacity-one"] = b

    # 64 CPUs, per-order buddy locks.
    b = header(cpus=64, many_cpus=True, per_order=True, capacity=7, refill=3, drain=5, region=127)
    for i in range(200):
        b += op(ALLOC if i % 4 else SIZED_FREE, (i * 7) % 64, size(CLASS, i % 40, i % 3) if i % 4 else u16(i))
    out["cpus-64-per-order"] = b

    # A custom size-class table (32 KiB largest class with max order 4), odd start.
    b = header(classes=[0x80, 1, 2, 0x83, 0x8F, 0x9F, 0xBF, 0xFF, 0xFF], max_order=4, region=80,
               offset_pages=3, offset_bytes=5)
    for i in range(60):
        b += op(ALLOC, 0, size(CLASS, i % 9, i % 3))
        if i % 5 == 4:
            b += op(REALLOC_STEP, 0, u16(i), bytes([i % 8]))
    out["custom-classes"] = b

    # Max order 0 with a one-class table: everything above 8 bytes is a large run.
    b = header(classes=[0], max_order=0, region=30)
    for i in range(30):
        b += op(ALLOC, 0, size(BLOCK, i % 4, i % 3))
        b += op(REALLOC_STEP, 0, u16(i), bytes([i % 8]))
    out["max-order-0"] = b

    # Mixed random streams, over several configurations.
    rng = random.Random(12)
    for n in range(8):
        b = header(cpus=1 + n % 4, capacity=n, refill=rng.randrange(256), drain=rng.randrange(256),
                   max_order=2 + n % 9, per_order=n % 2 == 1, large_region=n % 3 == 0,
                   region=rng.randrange(128), offset_pages=rng.randrange(256), offset_bytes=rng.randrange(256))
        for _ in range(300):
            b += bytes([rng.randrange(10), rng.randrange(256)])
            b += bytes(rng.randrange(256) for _ in range(4))
        out[f"random-{n}"] = b
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "core")
    os.makedirs(out_dir, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
    print(f"{len(seeds())} seeds in {out_dir}")


if __name__ == "__main__":
    main()
