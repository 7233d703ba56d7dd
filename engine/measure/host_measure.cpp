#include "engine/measure/host_measure.h"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstring>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "alloc/hybrid_allocator.h"
#include "alloc/measure/timed_replay.h"
#include "alloc/platform/host/host_platform.h"
#include "engine/measure/clock_check.h"
#include "engine/measure/measure_plan_builder.h"
#include "engine/replay/check_text.h"
#include "engine/replay/region.h"
#include "engine/replay/run_store.h"
#include "engine/replay/settings.h"

namespace allocsim::engine {

namespace {

using Core = HybridAllocator<measure::ProfilingObserver, HostPlatform>;

std::vector<int> allowed_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cores;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int c = 0; c < CPU_SETSIZE; ++c)
            if (CPU_ISSET(c, &set)) cores.push_back(c);
    if (cores.empty()) cores.push_back(0);
    return cores;
}

}  // namespace

std::uint32_t usable_cores() { return static_cast<std::uint32_t>(allowed_cores().size()); }

namespace {

// One measured replay of `plan` on `threads` pinned threads. Progress counts from
// `progress_base`.
MeasuredRun measure_once(const MeasurePlan& plan, const ReplaySettings& settings, std::uint32_t threads,
                         const std::vector<int>& cores, std::uint64_t progress_base, std::uint64_t progress_total,
                         const MeasureProgress& progress) {
    AllocatorConfig config = settings.core;
    config.cpus = plan.header.cpus;
    if (!settings.size_classes.empty()) {
        config.size_classes = settings.size_classes.data();
        config.size_class_count = static_cast<std::uint32_t>(settings.size_classes.size());
    }
    Region region(plan.header.region_bytes, region_alignment(settings.core.buddy_max_order));
    // Every page touched before timing starts: the first touch of a page is a page
    // fault in the host's kernel (thousands of cycles), which the allocator in a
    // kernel with its memory mapped does not pay. Measured is the allocator, not mmap.
    std::memset(region.base(), 0, plan.header.region_bytes);
    auto core = std::make_unique<Core>();
    if (const InitError e = core->init(region.base(), plan.header.region_bytes, config); e != InitError::None)
        throw ReplayError(fmt::format("the core refused the configuration: {}", init_error_name(e)));
    // Zeroed by mmap: every object's `done` starts at 0.
    Region objects(plan.header.objects * sizeof(measure::ObjectState), 0);
    auto* state = static_cast<measure::ObjectState*>(objects.base());
    MeasuredRun run;
    run.ops.assign(plan.ops.size(), measure::MeasuredOp{});

    const measure::TimerOverhead timer = measure::timer_overhead<HostPlatform>();
    const std::uint64_t overhead = timer.least;
    const auto started = std::chrono::system_clock::now();
    const auto wall_start = std::chrono::steady_clock::now();
    std::atomic<std::uint64_t> done{0};
    std::atomic<std::uint32_t> ready{0};
    std::vector<std::thread> workers;
    for (std::uint32_t r = 0; r < threads; ++r) {
        workers.emplace_back([&, r] {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cores[r], &set);
            pthread_setaffinity_np(pthread_self(), sizeof set, &set);
            HostPlatform::set_current_cpu(CpuId{static_cast<std::uint16_t>(r)});
            // Start together, so that no thread spins while another is still being created.
            ready.fetch_add(1);
            while (ready.load() != threads) HostPlatform::cpu_relax();
            measure::run_timed_share<Core, HostPlatform>(*core, plan.ops.data(), plan.ops.size(), state, run.ops.data(), r,
                                                         threads, static_cast<std::uint16_t>(cores[r]), overhead,
                                                         [&done](std::uint64_t n) { done.fetch_add(n, std::memory_order_relaxed); });
        });
    }
    if (progress) {
        while (done.load(std::memory_order_relaxed) < plan.ops.size()) {
            progress(progress_base + done.load(std::memory_order_relaxed), progress_total);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    for (std::thread& t : workers) t.join();
    run.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

    for (int k = 0; k < kActionKindCount; ++k)
        run.actions[static_cast<std::size_t>(k)] = core->observer().count(static_cast<ActionKind>(k));
    if (const CheckResult c = core->check(); !c.ok)
        throw ReplayError(fmt::format("the core's check() failed after the measured run: {}", check_text(c)));
    run.source = "host";
    run.clock = "host-tsc";
    run.started = utc_iso8601(started);
    run.version = allocsim_version();
    run.settings_json = settings_to_json(settings);
    run.runners = threads;
    run.timer_overhead = overhead;
    run.timer_overhead_mean = static_cast<double>(timer.mean_256) / 256;
    return run;
}

}  // namespace

MeasuredRun measure_on_host(traces::Database& db, const std::string& trace, const ReplaySettings& settings,
                            std::uint32_t threads, std::uint32_t repeats, const MeasureProgress& progress) {
    const MeasurePlan plan = build_measure_plan(db, trace, settings);
    const std::vector<int> cores = allowed_cores();
    if (threads == 0) threads = std::min<std::uint32_t>(plan.header.cpus, static_cast<std::uint32_t>(cores.size()));
    if (threads > cores.size())
        throw ReplayError(fmt::format("--threads {}: this process may run on {} cores only, and a thread waiting for "
                                      "another's allocation spins", threads, cores.size()));
    if (threads > plan.header.cpus)
        throw ReplayError(fmt::format("--threads {}: the trace runs on {} CPUs, so {} threads would idle", threads,
                                      plan.header.cpus, threads - plan.header.cpus));
    if (repeats == 0) repeats = 1;
    std::vector<MeasuredRun> runs;
    for (std::uint32_t i = 0; i < repeats; ++i)
        runs.push_back(measure_once(plan, settings, threads, cores, i * plan.ops.size(), repeats * plan.ops.size(), progress));
    if (progress) progress(repeats * plan.ops.size(), repeats * plan.ops.size());
    MeasuredRun run = combine_repeats(std::move(runs));
    run.trace = trace;
    const ClockVerdict verdict = judge_clock(run, nullptr);  // a host whose RDTSC traps is told apart
    run.cycle_accurate = verdict.cycle_accurate;
    run.clock_note = verdict.note;
    return run;
}

}  // namespace allocsim::engine
