// The footprint floor: the least memory that any allocator keeping each size class's
// objects in slab runs of the core's run sizes can hold for a trace, and the best
// utilization such a design can reach.
//
// At every event the floor packs the live objects perfectly: for each class k, just
// enough whole runs for its live objects (ceil(live_k / objects_per_run_k) runs of
// run_bytes_k, shared by every CPU), and for each object above the classes its exact
// pages. No bins, no partly used run beyond the last one of a class, no remote queue,
// no empty run kept. So the floor includes what no policy can avoid for these classes
// and runs (the class rounding, the run tails, one partial run per class) and nothing
// a policy could save. Adding the core's metadata for the floor's pages (its fixed
// per-CPU structures and one descriptor per page) gives the least footprint this core
// can have under any setting of its policies (bins, batches, drains, trims, partial
// run choice) with this class table.
//
// The invariant a test checks on every generator and on the recorded programs: at
// every event, floor_bytes + the core's metadata for them <= the core's footprint,
// so floor_footprint_bytes <= the replay's peak footprint. It holds because the core
// keeps an object in the class of its last requested size (reallocate() moves an
// object whose new size maps to another class; hybrid_allocator.h, "The contract of
// sized free"), a run holds one class, a large request takes at least its pages, and
// a page block its 2^order pages.
//
// Objects follow the trace's rules, as the replay's: an alloc of a live id, or a free
// or realloc of an id that is not live, changes nothing. A request of 0 bytes counts
// as 1, as the replay makes it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/replay/replayer.h"
#include "traces/database.h"

namespace allocsim::engine {

struct FootprintFloor {
    std::uint32_t cpus = 0;                    // the modeled CPUs (the trace's, or --cpus)
    std::uint64_t events = 0;
    std::uint64_t peak_live_bytes = 0;         // requested bytes, as the replay counts them
    std::uint64_t floor_bytes = 0;             // the runs and pages at the floor's peak
    std::uint64_t floor_event = 0;             // the first event at which it was reached
    std::uint64_t fixed_metadata_bytes = 0;    // the core's per-CPU structures, before its buddy
    std::uint64_t descriptor_bytes = 0;        // the core's metadata per page in use
    std::uint64_t floor_footprint_bytes = 0;   // floor_bytes + the core's metadata for them
    double utilization_bound = 0;              // peak_live_bytes / floor_footprint_bytes
    double utilization_bound_no_metadata = 0;  // peak_live_bytes / floor_bytes
    // The per-CPU floor: the same, but each object in the runs of the CPU that
    // allocated it (or moved it, by a realloc to another class), runs not shared.
    // A bound for designs where an object always goes back to its own CPU's runs
    // (mimalloc's rule). The hybrid's bins also reuse objects from other CPUs' runs
    // (a CPU's frees go to its own bin), so it is a bound for the hybrid only on a
    // trace where no CPU that frees another's objects allocates (producer-consumer).
    std::uint64_t floor_per_cpu_bytes = 0;
    std::uint64_t floor_per_cpu_footprint_bytes = 0;
    double utilization_bound_per_cpu = 0;      // peak_live_bytes / floor_per_cpu_footprint_bytes
};

// The floor of a stored trace for the hybrid core configured by `settings` (its size
// classes, slab.exact_runs, slab.tail_permille, cpus, map). Throws TraceError or
// ReplayError as replay() does.
// With `each_event`, also the floor with the core's metadata after every event, in
// order (the tests compare it with the replay's footprint event by event).
FootprintFloor footprint_floor(traces::Database& db, const std::string& trace, const ReplaySettings& settings,
                               const ReplayProgress& progress = {}, std::vector<std::uint64_t>* each_event = nullptr);

}  // namespace allocsim::engine
