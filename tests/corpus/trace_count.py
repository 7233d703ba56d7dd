#!/usr/bin/env python3
"""The corpus's independent count of a stored trace, and its comparison with a replay.

  trace_count.py count DB TRACE            the trace's counts as one JSON object
  trace_count.py compare EXPECTED ACTUAL [KEY=N...]
                                           exit 1, naming each difference, unless the
                                           summary ACTUAL (JSON) has the counts EXPECTED
                                           and each KEY is the whole number N

The count reads the SQLite `events` view in seq order, with none of allocsim's code:
each op is counted, and live bytes follow each object's current size (an alloc adds
its size, malloc(0) adds 0, a page block adds 4 KiB << order, a realloc replaces the
size, a free removes it); a free or realloc of an object that is not live changes
nothing, as in the replay; the peak is the highest sum. The replay's figures match
this only if no allocation failed, so `compare` also wants failed_allocs = 0, and no
invariant violation (`compare ... failed_allocs=0 invariant_violations=0`).
"""
import json
import sqlite3
import sys

def count(db_path, trace):
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    row = con.execute("SELECT id, events FROM traces WHERE name = ?", (trace,)).fetchone()
    if row is None:
        sys.exit(f"{db_path}: no trace named '{trace}'")
    trace_id, stored_events = row
    ops = {"alloc": 0, "free": 0, "realloc": 0, "page_alloc": 0, "page_free": 0}
    live = {}  # object -> requested bytes
    now = peak = 0
    expected_seq = 0
    rows = con.execute("SELECT seq, op, object, size, page_order FROM events WHERE trace_id = ? ORDER BY seq",
                       (trace_id,))
    for seq, op, obj, size, order in rows:
        if seq != expected_seq:
            sys.exit(f"trace '{trace}': event {seq} where {expected_seq} was due")
        expected_seq += 1
        ops[op] += 1
        if op in ("alloc", "page_alloc"):
            if obj in live:
                sys.exit(f"trace '{trace}': event {seq} allocates object {obj}, which is live")
            live[obj] = size if op == "alloc" else 4096 << order
            now += live[obj]
        elif op == "realloc":
            if obj in live:
                now += size - live[obj]
                live[obj] = size
        elif obj in live:
            now -= live.pop(obj)
        peak = max(peak, now)
    if expected_seq != stored_events:
        sys.exit(f"trace '{trace}': the events view has {expected_seq} events, the traces table {stored_events}")
    return {"events": expected_seq, "allocs": ops["alloc"], "frees": ops["free"], "reallocs": ops["realloc"],
            "page_allocs": ops["page_alloc"], "page_frees": ops["page_free"], "peak_live_bytes": peak}


def compare(expected_path, actual_path, required):
    with open(expected_path) as f:
        expected = json.load(f)
    with open(actual_path) as f:
        actual = json.load(f)
    for key_value in required:
        key, _, value = key_value.partition("=")
        expected[key] = int(value)
    wrong = [f"{key}: {actual.get(key)} (expected {value})" for key, value in expected.items() if actual.get(key) != value]
    # A replay's peak footprint breakdown by cause adds up to the peak footprint exactly.
    parts = sum(v for k, v in actual.items() if k.startswith("footprint_") and k.endswith("_bytes"))
    if "peak_footprint_bytes" in actual and ("footprint_live_bytes" not in actual or parts != actual["peak_footprint_bytes"]):
        wrong.append(f"footprint parts add up to {parts}, not to peak_footprint_bytes {actual.get('peak_footprint_bytes')}")
    if wrong:
        print("; ".join(wrong))
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "count":
        print(json.dumps(count(sys.argv[2], sys.argv[3])))
    elif len(sys.argv) >= 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3], sys.argv[4:]))
    else:
        sys.exit(__doc__)
