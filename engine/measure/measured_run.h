// Measured runs: a trace replayed through the real core with every operation timed,
// in the kernel under QEMU (allocsim capture) or on pinned host threads (allocsim
// measure). Stored in the trace's database beside the modeled runs, in tables of
// their own (docs/KERNEL.md, "Measured runs"): one row per run and the per-operation
// records in chunks, 12 bytes each (alloc/measure/measure_plan.h, MeasuredOp).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "alloc/action.h"
#include "alloc/measure/measure_plan.h"
#include "traces/database.h"

namespace allocsim::engine {

struct MeasuredRun {
    std::int64_t id = 0;             // set by store_measured_run
    std::string trace;
    std::string label;
    std::string source;              // "kernel" or "host"
    std::string clock;               // what a cycle is: "tcg", "tcg-icount", "kvm", "host-tsc"
    bool cycle_accurate = true;      // whether a tick is a cycle (clock_check.h)
    std::string clock_note;          // why not, or the figures it was judged on
    std::string qemu_cpu;            // under KVM, the -cpu model the probe chose ("default": QEMU's); else ""
    std::string started;             // UTC, ISO 8601
    std::string version;
    std::string settings_json;       // the replay settings the plan was built with (settings_to_json)
    std::uint32_t runners = 0;       // physical CPUs or threads that ran the plan's CPUs
    std::uint32_t repeats = 1;       // replays combined into this run (combine_repeats)
    std::uint64_t timer_overhead = 0;  // cycles: the least back-to-back reading, subtracted from every record
    double timer_overhead_mean = 0;    // the mean back-to-back reading (for the means of classes)
    double wall_seconds = 0;
    std::array<std::uint64_t, kActionKindCount> actions{};  // what the core reported, by kind
    std::vector<measure::MeasuredOp> ops;  // one per trace event, in trace order
    std::string kernel_log;          // capture: what the kernel printed, records left out (not stored)
};

struct MeasuredRunInfo {
    std::int64_t id = 0;
    std::string trace, label, source, clock, started;
    bool cycle_accurate = true;
    std::string clock_note;
    std::uint32_t runners = 0;
    std::uint64_t events = 0;
    std::uint64_t median_cycles = 0;
};

// Stores the run in one transaction and returns its id. Nothing is stored on error
// (no such trace, a record count that is not the trace's event count).
std::int64_t store_measured_run(traces::Database& db, const MeasuredRun& run);
// Throws traces::TraceError "FILE: no measured run N (allocsim runs --measured lists them)".
MeasuredRun load_measured_run(traces::Database& db, std::int64_t id);
std::vector<MeasuredRunInfo> list_measured_runs(traces::Database& db);

// Several measured replays of the same plan as one run: each event's cycles are the
// median over the replays in which it did what it did in the first (its action
// kinds), which takes out most of a noisy machine's per-operation scatter (a cold
// operation varies 2-4x from one replay to the next). The actions and kinds are the
// first replay's; the timer's mean overhead keeps the replays' mean bias.
// REQUIRES: at least one run, all of the same plan.
MeasuredRun combine_repeats(std::vector<MeasuredRun>&& runs);

// The actions as a flat JSON object {"cache_hit": N, ...}, every kind, in kind order.
std::string actions_json(const std::array<std::uint64_t, kActionKindCount>& actions);

}  // namespace allocsim::engine
