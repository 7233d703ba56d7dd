#include "bench/timing.h"

#include <time.h>

#include <cmath>

namespace allocsim::bench {
namespace {

Clock g_clock;

double monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// 1000 dependent ADDs: 1000 core cycles on any x86 core of the last 20 years.
ALLOCSIM_NOINLINE std::uint64_t add_chain(std::uint32_t reps) {
    std::uint64_t x = 0;
    for (std::uint32_t i = 0; i < reps; ++i) asm volatile(".rept 1000\n\tadd $1, %0\n\t.endr" : "+r"(x));
    return x;
}

}  // namespace

Stats summarize(std::vector<double> v) {
    Stats s;
    s.samples = v.size();
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    s.min = v.front();
    s.max = v.back();
    s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    // Nearest rank: the smallest value with at least 99% of the samples at or below it.
    std::size_t rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(n)));
    if (rank == 0) rank = 1;
    s.p99 = v[rank - 1];
    double sum = 0;
    for (const double x : v) sum += x;
    s.mean = sum / static_cast<double>(n);
    return s;
}

const Clock& clock() { return g_clock; }

Clock calibrate(bool quick) {
    Clock c;
    // The empty timed region.
    const std::size_t n = quick ? 20000 : 200000;
    std::vector<double> empty;
    empty.reserve(n);
    std::uint64_t smallest_step = ~std::uint64_t{0};
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t t0 = ticks();
        const std::uint64_t t1 = ticks();
        empty.push_back(static_cast<double>(t1 - t0));
        if (t1 > t0 && t1 - t0 < smallest_step) smallest_step = t1 - t0;
    }
    const Stats e = summarize(empty);
    c.overhead_ticks = e.mean;
    c.overhead_median_ticks = e.median;
    c.tsc_granularity = smallest_step == ~std::uint64_t{0} ? 0 : static_cast<double>(smallest_step);

    // TSC rate against the monotonic clock.
    const double span_ns = quick ? 20e6 : 100e6;
    const double w0 = monotonic_ns();
    const std::uint64_t k0 = ticks();
    double w1 = w0;
    while ((w1 = monotonic_ns()) - w0 < span_ns) {
    }
    const std::uint64_t k1 = ticks();
    c.tsc_hz = static_cast<double>(k1 - k0) / ((w1 - w0) * 1e-9);

    // Core cycles per tick: the fastest of several runs of a known cycle count.
    const std::uint32_t reps = quick ? 50 : 200;
    double best = 1e300;
    for (int trial = 0; trial < (quick ? 5 : 15); ++trial) {
        const std::uint64_t t0 = ticks();
        add_chain(reps);
        const std::uint64_t t1 = ticks();
        best = std::min(best, static_cast<double>(t1 - t0) - c.overhead_ticks);
    }
    c.core_cycles_per_tick = static_cast<double>(reps) * 1000.0 / best;
    c.core_hz = c.tsc_hz * c.core_cycles_per_tick;
    g_clock = c;
    return c;
}

}  // namespace allocsim::bench
