// allocsim-bench: the seed design report's benchmarks, reproduced with RDTSC and
// batch timing, plus a comparison against glibc, jemalloc, mimalloc and tcmalloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/json.h"
#include "bench/timing.h"

namespace allocsim::bench {

struct Options {
    bool json = false;
    bool quick = false;
    std::vector<std::string> only;  // empty: all
    int cpu = -1;                   // pinned CPU; -1: the last one allowed
    bool selected(const char* name) const;
    // Iteration counts scale down by this in --quick mode.
    std::size_t scaled(std::size_t full, std::size_t quick_count) const { return quick ? quick_count : full; }
};

// One line of the summary table.
struct Row {
    std::string benchmark;
    std::string target;    // the seed's claim, or "-"
    std::string measured;
    std::string verdict;   // "meets", "misses", "n/a", ...
};

struct Report {
    Json json = Json::object();
    std::vector<Row> rows;
    std::vector<std::string> notes;  // printed under the table
    std::vector<std::string> problems;  // check() failures, leaks: allocator bugs
    std::vector<std::string> sections;  // preformatted blocks printed after the table
    void row(std::string benchmark, std::string target, std::string measured, std::string verdict) {
        rows.push_back(Row{std::move(benchmark), std::move(target), std::move(measured), std::move(verdict)});
    }
};

// The region every allocsim benchmark carves its allocators from: kRegionBytes,
// aligned to 2 MiB and touched once up front so no page fault lands in a timing.
inline constexpr std::size_t kRegionBytes = std::size_t{64} << 20;
unsigned char* region();

// Stats as JSON, in ticks and in estimated core cycles.
Json stats_json(const Stats& s);
// "median 3.10 / p99 3.40" with the core-cycle estimate of the median.
std::string ticks_text(const Stats& s, int precision = 2);
double to_core(double ticks);
// `v` rounded to `digits` decimals, for the JSON.
double rounded(double v, int digits = 4);

// Verdicts. Lower is better for latencies, higher for rates and speedups.
// verdict_at_most also checks the core-cycle estimate, and names a looser validated
// limit the value still meets, if one is given.
std::string verdict_at_most(double ticks_value, double limit, double validated_limit = 0);
std::string verdict_at_least(double value, double limit);

void bench_thread_cache(const Options& o, Report& r);
void bench_buddy(const Options& o, Report& r);
void bench_hybrid_vs_list(const Options& o, Report& r);
void bench_stress(const Options& o, Report& r);
void bench_pollution(const Options& o, Report& r);
void bench_slab_refill(const Options& o, Report& r);
void bench_peers(const Options& o, Report& r, const char* self_exe);

// The hidden child mode: runs the malloc/free loops with whatever malloc the
// process has (LD_PRELOAD chooses it) and prints one line of results.
int peer_loop_main(const Options& o);

// allocsim's figures for the peer loops (loops.h), measured the same way as the
// peers: inlined into the loop, and through noipa functions with malloc/free's
// shape (a call, the CPU read from a thread_local, sized or unsized free).
struct AllocsimLoops {
    Stats inline_loop, call_sized_loop, call_unsized_loop;
    Stats inline_batch, call_sized_batch, call_unsized_batch;
    double hit_rate = 0;  // of the inlined loop, from a CountingObserver run
};
AllocsimLoops measure_allocsim_loops(const Options& o, Report& r);

}  // namespace allocsim::bench
