#!/usr/bin/env python3
"""Drives allocsim-gui in a real X server as a person would, and checks what shows.

Starts Xvfb, opens a generated trace in allocsim-gui (the xcb platform, a first start:
no saved layout), and then, with xdotool:
  1. clicks play, then pause: the position moves on, then stops;
  2. clicks step back: the position is one event earlier;
  3. turns the wheel over the arena: the arena zooms (its pixels change);
  4. clicks a block: its history opens, a dialog, and Escape closes it;
  5. types a breakpoint and presses Enter: the replay runs to the first event that
     matches, which the status line names.
After each action it takes a screenshot (xwd) and checks that the pixels where the UI
should have changed did change, and what the position label or the status line reads
(the program reports both, and where its controls are, through ALLOCSIM_GUI_PROBE:
gui/window_probe.h).

    drive_window.py BUILD_DIR [--save DIR]     (DIR: the screenshots, as PNG)

Exit status: 0 passed; 1 a check failed (the message says which); 77 skipped (no Xvfb
or no xdotool: the reason is printed).
"""
import argparse
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

SKIP = 77


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


class Screen:
    """An X screen read with xwd: ZPixmap, 24 or 32 bits per pixel."""

    def __init__(self, data):
        h = struct.unpack(">25I", data[:100])
        header_size, _, fmt, depth, width, height = h[:6]
        byte_order, bits_per_pixel, bytes_per_line, ncolors = h[7], h[11], h[12], h[19]
        if fmt != 2 or bits_per_pixel not in (24, 32):
            fail(f"xwd: format {fmt}, {bits_per_pixel} bits per pixel: want ZPixmap, 24 or 32")
        self.width, self.height, self.stride = width, height, bytes_per_line
        self.bpp = bits_per_pixel // 8
        self.little = byte_order == 0
        start = header_size + 12 * ncolors
        self.pixels = data[start:start + bytes_per_line * height]

    def rgb(self, x, y):
        o = y * self.stride + self.bpp * x
        b = self.pixels[o:o + self.bpp]
        return (b[2], b[1], b[0]) if self.little else tuple(b[-3:])

    def changed(self, other, rect):
        """Pixels of rect (x, y, w, h) that differ from other's."""
        x, y, w, h = rect
        n = 0
        for yy in range(max(0, y), min(self.height, y + h)):
            lo, hi = yy * self.stride + self.bpp * max(0, x), yy * self.stride + self.bpp * min(self.width, x + w)
            a, b = self.pixels[lo:hi], other.pixels[lo:hi]
            if a != b:
                n += sum(1 for i in range(0, len(a), self.bpp) if a[i:i + 3] != b[i:i + 3])
        return n

    def save_png(self, path, rect=None):
        x0, y0, w, h = rect if rect else (0, 0, self.width, self.height)
        w, h = min(w, self.width - x0), min(h, self.height - y0)
        raw = bytearray()
        for y in range(y0, y0 + h):
            raw.append(0)
            for x in range(x0, x0 + w):
                raw.extend(self.rgb(x, y))

        def chunk(kind, body):
            return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        with open(path, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                    + chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + chunk(b"IEND", b""))


class Session:
    def __init__(self, build, save):
        self.build, self.save = build, save
        self.work = tempfile.mkdtemp(prefix="allocsim-window.")
        self.probe = os.path.join(self.work, "probe.txt")
        self.procs = []
        self.shots = 0

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(self.work, ignore_errors=True)

    def start_x(self):
        r, w = os.pipe()
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                                pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        self.procs.append(xvfb)
        number = b""
        deadline = time.time() + 20
        while not number.endswith(b"\n") and time.time() < deadline:
            part = os.read(r, 16)
            if not part:
                break
            number += part
        os.close(r)
        if not number.strip():
            fail("Xvfb did not start")
        self.display = ":" + number.decode().strip()

    def env(self):
        e = dict(os.environ)
        e.update({"DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb", "XDG_CONFIG_HOME": self.work,
                  "XDG_RUNTIME_DIR": self.work, "ALLOCSIM_GUI_PROBE": self.probe})
        return e

    def xdotool(self, *args):
        r = subprocess.run(["xdotool", *args], env=self.env(), capture_output=True, text=True, timeout=30)
        return r.stdout.strip()

    def lines(self):
        try:
            with open(self.probe) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def last(self, kind):
        values = [line[len(kind) + 1:] for line in self.lines() if line.startswith(kind + " ")]
        return values[-1] if values else None

    def wait_for(self, what, test, seconds=20):
        deadline = time.time() + seconds
        while time.time() < deadline:
            v = test()
            if v:
                return v
            time.sleep(0.05)
        fail(f"waited {seconds} s for {what}; the probe says: {self.lines()[-6:]}")

    def shot(self, name):
        data = subprocess.run(["xwd", "-root", "-silent"], env=self.env(), capture_output=True, timeout=30).stdout
        s = Screen(data)
        self.shots += 1
        if self.save:
            s.save_png(os.path.join(self.save, f"{self.shots:02d}-{name}.png"), self.window_rect())
        return s

    def window_rect(self):
        """The program's main window on the screen (for the saved screenshots)."""
        ids = self.xdotool("search", "--onlyvisible", "--name", "allocsim$").split()
        if not ids:
            return None
        geo = dict(line.split("=") for line in self.xdotool("getwindowgeometry", "--shell", ids[0]).splitlines() if "=" in line)
        return int(geo["X"]), int(geo["Y"]), int(geo["WIDTH"]), int(geo["HEIGHT"])

    def click(self, widget, dx=None, dy=None, button=1):
        x, y, w, h = self.widgets[widget]
        self.xdotool("mousemove", "--sync", str(x + (w // 2 if dx is None else dx)), str(y + (h // 2 if dy is None else dy)))
        self.xdotool("click", str(button))


def event_of(position):
    """'event 1,234 of 6,000' -> 1234."""
    m = re.match(r"event ([\d,.\u202f\u00a0 ]+) of", position or "")
    return int(re.sub(r"\D", "", m.group(1))) if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("--save", help="a folder for the screenshots (PNG)")
    args = ap.parse_args()
    for tool in ("Xvfb", "xdotool", "xwd"):
        if shutil.which(tool) is None:
            print(f"SKIP: no {tool} on PATH (apt-get install xvfb xdotool x11-apps)")
            return SKIP
    gui = os.path.join(args.build, "bin/allocsim-gui")
    allocsim = os.path.join(args.build, "bin/allocsim")
    if args.save:
        os.makedirs(args.save, exist_ok=True)
    s = Session(args.build, args.save)
    try:
        db = os.path.join(s.work, "w.db")
        subprocess.run([allocsim, "gen", "mixed-stress", "--cpus", "2", "--ops", "6000", "--db", db, "--seed", "3"],
                       check=True, capture_output=True)
        s.start_x()
        app = subprocess.Popen([gui, db, "--trace", "mixed-stress"], env=s.env(), stdout=subprocess.DEVNULL,
                               stderr=open(os.path.join(s.work, "gui.err"), "w"))
        s.procs.append(app)
        s.wait_for("the window to be laid out", lambda: "placed" in s.lines(), 30)
        s.widgets = {}
        for line in s.lines():
            if line.startswith("widget "):
                _, name, x, y, w, h = line.split()
                s.widgets[name] = (int(x), int(y), int(w), int(h))
        for name in ("play", "back", "go", "breakpoint", "arena", "position"):
            if name not in s.widgets:
                fail(f"the probe placed no '{name}': {s.widgets}")
        s.wait_for("the first frame", lambda: event_of(s.last("position")) is not None)
        arena, position = s.widgets["arena"], s.widgets["position"]
        shot0 = s.shot("opened")

        # 1. Play, then pause: the position moves on, then stays.
        start = event_of(s.last("position"))
        s.click("play")
        s.wait_for("play to move the replay on", lambda: (event_of(s.last("position")) or 0) > start + 2, 20)
        s.click("play")
        time.sleep(0.6)
        paused = event_of(s.last("position"))
        time.sleep(0.6)
        if event_of(s.last("position")) != paused:
            fail(f"after pause the position still moves: {paused} then {event_of(s.last('position'))}")
        shot1 = s.shot("played")
        if shot1.changed(shot0, arena) == 0:
            fail("play: the arena did not change")
        if shot1.changed(shot0, position) == 0:
            fail("play: the position label did not change")
        print(f"play/pause: event {start} -> {paused}, arena {shot1.changed(shot0, arena)} pixels changed")

        # 2. Step back: one event earlier, named by the position and the status line.
        s.click("back")
        s.wait_for(f"step back to event {paused - 1}", lambda: event_of(s.last("position")) == paused - 1)
        s.wait_for(f"the status line on event {paused - 1}",
                   lambda: (s.last("status") or "").startswith(f"event {paused - 1}:"))
        shot2 = s.shot("stepped-back")
        if shot2.changed(shot1, position) == 0:
            fail("step back: the position label did not change")
        print(f"step back: event {paused - 1}: status '{s.last('status')}'")

        # 3. The wheel over the arena zooms in.
        s.xdotool("mousemove", "--sync", str(arena[0] + arena[2] // 4), str(arena[1] + arena[3] // 3))
        s.xdotool("click", "4")
        s.xdotool("click", "4")
        time.sleep(0.8)
        shot3 = s.shot("zoomed")
        zoomed = shot3.changed(shot2, arena)
        if zoomed < 1000:
            fail(f"the wheel over the arena: only {zoomed} pixels changed")
        print(f"wheel: {zoomed} arena pixels changed")

        # 4. Click a block: its history opens; Escape closes it.
        s.click("arena", arena[2] // 4, arena[3] // 3)
        found = s.wait_for("the block's history", lambda: s.xdotool("search", "--name", "Block history"), 10)
        shot4 = s.shot("block-history")
        s.xdotool("key", "--window", found.split()[0], "Escape")
        s.wait_for("the history to close", lambda: not s.xdotool("search", "--name", "Block history"), 10)
        print("click: the block's history opened and closed")
        del shot4

        # 5. A breakpoint, typed, and Enter: the first matching event after the current one.
        before = event_of(s.last("position"))
        s.click("breakpoint")
        s.xdotool("type", "--delay", "20", "op=alloc and size>400")
        s.xdotool("key", "Return")
        s.wait_for("the breakpoint to stop the replay",
                   lambda: (event_of(s.last("position")) or 0) > before and " alloc " in (s.last("status") or ""), 30)
        shot5 = s.shot("breakpoint")
        if shot5.changed(shot3, position) == 0:
            fail("breakpoint: the position label did not change")
        status = s.last("status")
        m = re.search(r"alloc (\d+)", status)
        if not m or int(m.group(1)) <= 400:
            fail(f"the breakpoint stopped on an event that does not match: '{status}'")
        print(f"breakpoint: stopped at event {event_of(s.last('position'))}: '{status}'")
        if app.poll() is not None:
            fail(f"the program exited ({app.returncode})")
    finally:
        s.close()
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
