// What a replay produces: the summary (one JSON object with `--json`), the per-CPU
// figures and the time series sampled every `sample_every` events.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace allocsim::engine {

struct CpuFigures {
    std::uint64_t ops = 0;
    std::uint64_t work_cycles = 0;       // priced actions
    std::uint64_t wait_cycles = 0;       // waiting for locks and contended lines
    std::uint64_t cache_hits = 0;
    std::uint64_t cache_misses = 0;
    std::uint64_t remote_frees = 0;      // frees of objects another CPU allocated
    std::int64_t clock = 0;              // the CPU's clock at the end, cycles
};

struct Sample {
    std::uint64_t event = 0;             // events replayed so far
    std::int64_t time = 0;               // simulated cycles: the furthest CPU clock
    std::uint64_t live_bytes = 0;        // requested bytes of live objects
    std::uint64_t footprint_bytes = 0;   // memory taken from the buddy
    double hit_rate = 0;                 // cumulative
    std::uint64_t window_cycles = 0;     // modeled cycles of the ops since the previous sample
    std::uint64_t window_ops = 0;
};

// Where the peak footprint's bytes are, taken at the event that reached the peak.
// The parts add up to peak_footprint_bytes exactly (a test checks it on every
// generator and recorded program); docs/ENGINE.md defines each one.
struct FootprintBreakdown {
    std::uint64_t event = 0;                 // the index of the event that reached the peak
    std::uint64_t live_bytes = 0;            // requested bytes of the objects live then
    std::uint64_t class_rounding_bytes = 0;  // slab objects' class size above their request (linked list: block rounding)
    std::uint64_t run_tail_bytes = 0;        // slab run tails
    std::uint64_t cached_bytes = 0;          // objects held in bins
    std::uint64_t partial_free_bytes = 0;    // free objects in partial runs
    std::uint64_t empty_run_bytes = 0;       // empty runs kept
    std::uint64_t remote_pending_bytes = 0;  // pending remote frees
    std::uint64_t page_rounding_bytes = 0;   // page runs above their request (buddy rounding of large objects)
    std::uint64_t metadata_bytes = 0;        // the core's metadata serving the footprint (linked list: headers)
    std::uint64_t heap_free_bytes = 0;       // linked list: free blocks below its high-water mark

    std::uint64_t total() const {
        return live_bytes + class_rounding_bytes + run_tail_bytes + cached_bytes + partial_free_bytes + empty_run_bytes +
               remote_pending_bytes + page_rounding_bytes + metadata_bytes + heap_free_bytes;
    }
};

struct ReplaySummary {
    std::uint64_t events = 0, allocs = 0, frees = 0, reallocs = 0, page_allocs = 0, page_frees = 0;
    std::uint64_t failed_allocs = 0;
    std::uint32_t cpus = 0;
    double thread_cache_hit_rate = 0;
    std::uint64_t refills = 0, drains = 0, remote_frees = 0, buddy_splits = 0, buddy_coalesces = 0;
    std::uint64_t lock_acquires = 0, lock_contended = 0, lock_wait_cycles = 0, line_wait_cycles = 0;
    // Waits for another CPU's operation on the same object to end (order = time).
    std::uint64_t dependency_wait_cycles = 0;
    std::uint64_t fingerprint = 0;       // the trajectory's (trajectory_fingerprint.h)
    std::uint64_t modeled_cycles_total = 0, work_cycles_total = 0;
    std::uint64_t modeled_cycles_p50 = 0, modeled_cycles_p99 = 0, modeled_cycles_max = 0;
    std::int64_t makespan_cycles = 0;    // the furthest CPU clock at the end
    std::uint64_t peak_live_bytes = 0, peak_footprint_bytes = 0;
    double utilization = 0;              // peak_live_bytes / peak_footprint_bytes (mdriver's)
    double internal_fragmentation = 0;   // at the footprint peak: 1 - requested / handed-out bytes
    double external_fragmentation = 0;   // at the footprint peak: share of free bytes not in max-order blocks
    FootprintBreakdown footprint;        // the peak footprint by cause
    std::uint64_t invariant_violations = 0;
    std::uint64_t region_bytes = 0;
    double events_per_second = 0;        // wall clock of the replay itself
};

struct ReplayResult {
    ReplaySummary summary;
    std::vector<CpuFigures> per_cpu;
    std::vector<Sample> samples;
};

// The summary as one JSON object; `events_per_second` is the only field that
// depends on the machine, so `deterministic` leaves it out (for byte comparisons).
std::string summary_json(const ReplaySummary& s, bool deterministic = false);

}  // namespace allocsim::engine
