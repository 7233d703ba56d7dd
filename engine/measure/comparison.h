// allocsim compare: a measured run set beside the engine's model of the same trace
// with the same configuration, operation class by operation class.
//
// Each event's class (alloc/measure/op_profile.h) comes from what the core did, on
// each side. Where both sides did the same thing (the same action kinds) the event
// counts in its class's row, with the modeled and the measured median and p90 and
// the error of the modeled median. "lock contended" is apart: the modeled side counts
// operations that waited for a lock or line in simulated time, the measured side
// those that found a lock held. The action totals of both sides are checked too.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "alloc/action.h"
#include "engine/measure/measured_run.h"
#include "engine/measure/modeled_ops.h"

namespace allocsim::engine {

struct ClassComparison {
    std::string name;             // "alloc hit", "split depth 2", "lock contended"
    std::uint64_t events = 0;     // events of the class on both sides
    std::uint64_t modeled_events = 0, measured_events = 0;  // differ only for "lock contended"
    std::uint64_t modeled_p50 = 0, modeled_p90 = 0;
    std::uint64_t measured_p50 = 0, measured_p90 = 0;
    double error_percent = 0;     // (modeled p50 - measured p50) / measured p50 * 100
    // Means of the values up to the p98 (a preempted or interrupted operation
    // aside); the measured one corrected for the timer's mean overhead. With a
    // coarse counter the mean resolves what the median cannot (docs/KERNEL.md).
    double modeled_mean = 0, measured_mean = 0;
    double mean_error_percent = 0;
    // The measured mean is less than one least timer reading: per operation the
    // counter does not resolve it, and its mean rests on a correction (the timer's
    // mean overhead, measured apart) that moved by ±2.5 ticks from run to run here:
    // its error says more about the timer than about the model (docs/KERNEL.md).
    bool below_resolution = false;
};

// The contention-sensitive figures, per 1000 operations, on both sides: what the
// model's waits rest on, set beside what the measured run shows of them.
struct ContentionComparison {
    std::uint64_t ops = 0;
    double lock_acquires_modeled = 0, lock_acquires_measured = 0;
    // Model: operations that waited for a lock; measured: that found a lock held.
    double contended_modeled = 0, contended_measured = 0;
    // Cycles spent waiting for locks. Measured: the contended operations' cycles
    // above their class's uncontended mean (the wait itself is not timed apart).
    double lock_wait_modeled = 0, lock_wait_measured = 0;
    double remote_frees_modeled = 0, remote_frees_measured = 0;
    // Lines moved between CPUs' caches: priced by the model; not observable on the
    // measured side (no per-line counter), so only the model's figure.
    double line_transfers_modeled = 0;
};

struct ActionComparison {
    ActionKind kind{};
    std::uint64_t modeled = 0, measured = 0;
};

struct Comparison {
    std::uint64_t events = 0;
    std::uint64_t same_path = 0;          // events whose action kinds agree on both sides
    std::vector<ClassComparison> classes;  // most frequent first; lock contended last
    std::vector<ActionComparison> actions; // every kind
    bool actions_agree = true;
    double correlation = 0;               // Pearson, over events, modeled vs measured cycles
    double class_correlation = 0;         // Pearson, over the classes' medians
    double mean_abs_error_percent = 0;    // of the medians, over the classes (lock contended excluded)
    double mean_abs_mean_error_percent = 0;  // of the means
    ContentionComparison contention;
    // The most frequent class's measured mean as recorded (no overhead correction):
    // the same code on the same data, so two runs of one plan on a machine in the
    // same state read it alike. calibrate compares it between the fitted and the
    // held-out run to tell a change of the machine from an error of the model.
    std::string reference_class;
    double reference_raw_mean = 0;
    std::uint64_t resolution = 0;  // the least timer reading of the measured run, in ticks
};

// The row an operation counts in: its class's name (alloc/measure/op_profile.h),
// "split depth k" for splits.
std::string op_class_label(std::uint32_t kinds, std::uint32_t splits);

// The p-th percentile (nearest rank) of `v`, which it reorders; 0 if empty.
std::uint64_t percentile(std::vector<std::uint64_t>& v, int p);

// The mean of the values up to the p98 of `v`, which it reorders.
double trimmed_mean(std::vector<double>& v);

// The classes, from the two sides' per-event data, over the events whose index
// satisfies `keep` (nullptr: all; a half for calibrate's held-out check). `modeled`
// and `measured` must be of the same trace (the same event count).
Comparison compare_runs(const ModeledOps& modeled, const MeasuredRun& measured, bool (*keep)(std::uint64_t) = nullptr);

// The comparison as one JSON object (compare --json, calibrate --json).
std::string comparison_json(const Comparison& c);

}  // namespace allocsim::engine
