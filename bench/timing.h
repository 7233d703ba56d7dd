// Timing with the TSC, batch style.
//
// One RDTSC read (LFENCE; RDTSC, HostPlatform::cycles()) costs ~20-40 ticks here,
// and on this AMD CPU the TSC advances in steps of ~21 ticks, so a single
// operation of a few cycles cannot be timed by itself. Every figure is therefore a
// batch: read the clock, run N operations, read it again, subtract the measured
// cost of an empty timed region and divide by N. Many batches give a
// distribution of per-operation costs; the benchmark reports its median and p99.
//
// Units: "ticks" are TSC ticks, what RDTSC counts (and what the seed measured).
// The TSC runs at a fixed rate, not at the core's clock: calibrate() also estimates
// the core clock with a chain of dependent 1-cycle ADDs, so figures can be given
// in core cycles as well (ticks * core_cycles_per_tick).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "alloc/platform/host/host_platform.h"
#include "alloc/types.h"

namespace allocsim::bench {

ALLOCSIM_ALWAYS_INLINE std::uint64_t ticks() { return HostPlatform::cycles(); }

// Keeps `p` alive as far as the optimizer knows: it must exist in a register, and
// any memory may have been read or written. Stops GCC from deleting alloc/free pairs.
ALLOCSIM_ALWAYS_INLINE void escape(void* p) { asm volatile("" : : "r"(p) : "memory"); }
ALLOCSIM_ALWAYS_INLINE void clobber() { asm volatile("" : : : "memory"); }

struct Stats {
    double median = 0;
    double p99 = 0;
    double mean = 0;
    double min = 0;
    double max = 0;
    std::size_t samples = 0;
};

// Sorts `v` and summarizes it. p99 is the nearest-rank 99th percentile.
Stats summarize(std::vector<double> v);

struct Clock {
    double overhead_ticks = 0;         // mean cost of an empty timed region (subtracted)
    double overhead_median_ticks = 0;  // its median (shows the TSC's step)
    double tsc_granularity = 0;        // smallest non-zero difference seen between two reads
    double tsc_hz = 0;                 // TSC rate, measured against CLOCK_MONOTONIC
    double core_cycles_per_tick = 0;   // estimated from a dependent ADD chain
    double core_hz = 0;                // tsc_hz * core_cycles_per_tick
};

Clock calibrate(bool quick);
const Clock& clock();  // the last calibration

// Times `batches` calls of batch(), each doing `ops` operations, after `warmup`
// untimed calls. Returns per-operation ticks, timer overhead subtracted.
template <class F>
Stats time_batches(std::size_t batches, std::size_t warmup, double ops, F&& batch) {
    for (std::size_t i = 0; i < warmup; ++i) batch();
    std::vector<double> samples;
    samples.reserve(batches);
    const double overhead = clock().overhead_ticks;
    for (std::size_t i = 0; i < batches; ++i) {
        const std::uint64_t t0 = ticks();
        batch();
        const std::uint64_t t1 = ticks();
        samples.push_back((static_cast<double>(t1 - t0) - overhead) / ops);
    }
    return summarize(std::move(samples));
}

// A sample timed by the caller: per-operation ticks for `ops` operations.
inline double per_op(std::uint64_t t0, std::uint64_t t1, double ops) {
    return (static_cast<double>(t1 - t0) - clock().overhead_ticks) / ops;
}

// Deterministic PRNG (splitmix64): same seed, same workload, on every machine.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n). REQUIRES: n > 0.
    std::uint32_t below(std::uint32_t n) {
        return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32);
    }
    // Uniform in [lo, hi].
    std::uint32_t range(std::uint32_t lo, std::uint32_t hi) { return lo + below(hi - lo + 1); }

private:
    std::uint64_t state_;
};

inline constexpr std::uint64_t kSeed = 0x5EED0A110C51ull;

}  // namespace allocsim::bench
