// ReplaySession: a replay the caller drives, event by event, backwards as well as
// forwards: the GUI's model of the core. It steps the same machine replay() runs
// (replay_machine.h) over the same core, with the same settings, so every step
// lands where a straight replay would.
//
// Order. A run replayed in simulated-time order (order=time, several CPUs) steps in
// that order: step k is the k-th operation to run, whichever trace event it is, and
// positions, checkpoints, the overview and event_at() count steps (StepRecord.seq and
// TraceOverview.seq give the trace's index). In trace order a step is the event.
//
// Seeking. Every K events (K = max(65536, events / 16)) the first pass forward
// leaves a checkpoint: the machine's state and the region's pages in memory
// (region_snapshot.h). seek(n) restores the last checkpoint at or before n and
// replays forward from it without recording anything. build_checkpoints() makes
// them all in one pass, so that any seek costs at most K events of replay.
//
// Not thread-safe: one thread drives a session (the GUI's worker thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alloc/action.h"
#include "alloc/memory_stats.h"
#include "engine/replay/core_snapshot.h"
#include "engine/replay/op_span.h"
#include "engine/replay/replay_result.h"
#include "engine/replay/replay_settings.h"
#include "traces/database.h"
#include "traces/trace_event.h"

namespace allocsim::engine {

// One event as the session applied it.
struct StepRecord {
    std::uint64_t index = 0;      // the step: the operations run before it
    std::uint64_t seq = 0;        // the event's index in the trace (== index in trace order)
    traces::TraceEvent event;
    OpSpan span;                  // modeled start, end, wait
    std::vector<Action> actions;  // what the core did, in order
};

// The whole trace at a glance, from build_checkpoints()'s pass: each event's CPU, op
// and what the core did (for the event log's filters and "run until"), and the
// timeline's series in buckets of events.
struct TraceOverview {
    std::vector<std::uint16_t> cpu;     // per step: the modeled CPU
    std::vector<std::uint8_t> op;       // per step: traces::Op
    std::vector<std::uint32_t> kinds;   // per step: bit k = an action of ActionKind k
    std::vector<std::uint64_t> seq;     // per step: the trace event it ran; empty in trace order (step = event)
    std::uint64_t bucket_events = 1;    // events per bucket
    std::vector<std::vector<double>> cycles_per_op;  // [cpu][bucket]: modeled cycles (work + wait) per op
    std::vector<double> hit_rate;                    // [bucket]: ThreadCache hits / (hits + misses), -1 if none
    std::vector<std::uint64_t> live_bytes;           // [bucket]: at the bucket's end
    std::vector<std::uint64_t> footprint_bytes;      // [bucket]: taken from the buddy, at the bucket's end
    std::vector<FootprintParts> footprint_parts;     // [bucket]: the footprint (metadata too) by cause, at its end
};

class ReplaySession {
public:
    // Throws traces::TraceError (no such trace, a damaged chunk) or ReplayError (a
    // configuration the core refuses, an empty trace).
    ReplaySession(traces::Database& db, const std::string& trace, const ReplaySettings& settings);
    ~ReplaySession();
    ReplaySession(const ReplaySession&) = delete;
    ReplaySession& operator=(const ReplaySession&) = delete;

    const traces::TraceInfo& info() const;
    std::uint64_t events() const;
    std::uint32_t cpus() const;
    // Events applied so far: the state is the one after events [0, position()).
    std::uint64_t position() const;
    std::uint64_t checkpoint_interval() const;
    std::size_t checkpoints() const;
    std::uint64_t checkpoint_bytes() const;  // memory the checkpoints hold

    // Applies event position(), recording its actions into `out` if given. False at the end.
    bool step(StepRecord* out = nullptr);
    // The state after `position` events (at most events()). `cancel`, if set, is
    // polled and stops a long seek early (position() then tells where it stopped).
    void seek(std::uint64_t position, const std::atomic<bool>* cancel = nullptr);
    // One pass over the whole trace leaving every checkpoint and filling the
    // overview, then back to where it was. `progress` gets the events done so far;
    // `cancel`, if set, stops it early (the overview is then empty).
    void build_checkpoints(const std::function<void(std::uint64_t)>& progress = {},
                           const std::atomic<bool>* cancel = nullptr);
    // Empty until build_checkpoints() has run to the end.
    const TraceOverview& overview() const;

    // Whether steps follow simulated time (order=time on several CPUs).
    bool time_order() const;
    // The event of step `index`, as stored (read from the trace, not replayed). In
    // simulated-time order, once the overview is built (before: throws ReplayError).
    traces::TraceEvent event_at(std::uint64_t index);

    CoreSnapshot snapshot() const;
    std::vector<SlabRunView> slab_runs(std::uint8_t size_class) const;
    // The figures so far (events, hits, splits, modeled cycles...).
    ReplaySummary summary() const;
    std::uint64_t live_bytes() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace allocsim::engine
