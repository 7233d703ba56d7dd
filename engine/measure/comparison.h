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
