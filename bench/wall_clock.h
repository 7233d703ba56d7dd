// Wall-clock timing and peak memory for the benchmarks that time whole jobs
// (allocsim-trace-bench, allocsim-replay-bench), as opposed to timing.h's RDTSC
// batches for single operations.
#pragma once

#include <sys/resource.h>

#include <chrono>

namespace allocsim::bench {

using WallClock = std::chrono::steady_clock;

inline double seconds_since(WallClock::time_point start) {
    return std::chrono::duration<double>(WallClock::now() - start).count();
}

// The process's peak resident set so far, KiB (getrusage's ru_maxrss).
inline long peak_rss_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

}  // namespace allocsim::bench
