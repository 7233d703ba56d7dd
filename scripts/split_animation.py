#!/usr/bin/env python3
"""An animated PNG of a split cascade in the arena, for the README.

Renders the arena offscreen (allocsim-gui --screenshot ... --motion-at MS) every
1/25 s through the motion of the first split at or after an event, holds the last
frame, and joins the frames into one APNG: each frame's PNG data goes into the
animation as it is (IDAT for the first, fdAT for the others), so nothing is decoded.

    scripts/split_animation.py [--build build] [--db DB --trace NAME] [--at EVENT]
                               [--until WHAT] [--arena grid|tree] [--size WxH] OUT.png
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile
import zlib

FPS = 25


def chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("split_animation: not a PNG")
    at = 8
    while at < len(data):
        (n,) = struct.unpack(">I", data[at:at + 4])
        yield data[at + 4:at + 8], data[at + 8:at + 8 + n]
        at += 12 + n


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def apng(frames, delays_ms):
    out = [b"\x89PNG\r\n\x1a\n"]
    seq = 0
    header = None
    for i, (data, delay) in enumerate(zip(frames, delays_ms)):
        parts = list(chunks(data))
        ihdr = next(body for kind, body in parts if kind == b"IHDR")
        if header is None:
            header = ihdr
            out.append(chunk(b"IHDR", ihdr))
            out.append(chunk(b"acTL", struct.pack(">II", len(frames), 0)))
        elif ihdr != header:
            sys.exit("split_animation: the frames differ in size or format")
        width, height = struct.unpack(">II", ihdr[:8])
        out.append(chunk(b"fcTL", struct.pack(">IIIIIHHBB", seq, width, height, 0, 0, delay, 1000, 0, 0)))
        seq += 1
        for kind, body in parts:
            if kind != b"IDAT":
                continue
            if i == 0:
                out.append(chunk(b"IDAT", body))
            else:
                out.append(chunk(b"fdAT", struct.pack(">I", seq) + body))
                seq += 1
    out.append(chunk(b"IEND", b""))
    return b"".join(out)


def main():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--build", default=os.path.join(here, "build"))
    ap.add_argument("--db")
    ap.add_argument("--trace")
    ap.add_argument("--at", default="2000")
    ap.add_argument("--until", default="action=buddy_split and order>=5",
                    help="where the cascade is: allocsim-gui's --until (default: the next split of a block of order 5 or more)")
    ap.add_argument("--arena", default="grid", choices=["grid", "tree"])
    ap.add_argument("--size", default="900x560")
    args = ap.parse_args()
    gui = os.path.join(args.build, "bin/allocsim-gui")
    base = [gui] + ([args.db] if args.db else []) + (["--trace", args.trace] if args.trace else [])
    base += ["--at", args.at, "--until", args.until, "--view", "arena", "--arena", args.arena, "--size", args.size]
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    frames = []
    with tempfile.TemporaryDirectory() as work:
        # A cascade of k levels moves for 250 k ms, 1 s at most: frames to 1 s, the
        # ones past the motion's end equal to the state.
        for i in range(FPS + 1):
            path = os.path.join(work, f"{i:03d}.png")
            r = subprocess.run(base + ["--screenshot", path, "--motion-at", str(i * 1000 // FPS)], env=env,
                               capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"split_animation: allocsim-gui failed: {r.stderr.strip()}")
            with open(path, "rb") as f:
                frames.append(f.read())
    # The same picture twice in a row is one frame, shown longer; the last one holds.
    kept, delays = [], []
    for data in frames:
        if kept and data == kept[-1]:
            delays[-1] += 1000 // FPS
        else:
            kept.append(data)
            delays.append(1000 // FPS)
    delays[-1] += 1500
    with open(args.out, "wb") as f:
        f.write(apng(kept, delays))
    print(f"{args.out}: {len(kept)} frames, {sum(delays) / 1000:.1f} s")


if __name__ == "__main__":
    main()
