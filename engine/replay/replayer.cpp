#include "engine/replay/replayer.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <memory>
#include <vector>

#include "alloc/linked_list_allocator.h"
#include "engine/replay/region.h"
#include "engine/replay/replay_machine.h"
#include "traces/import_summary.h"
#include "traces/live_bytes.h"
#include "traces/trace_reader.h"

namespace allocsim::engine {

namespace {

using traces::TraceEvent;

// Peak requested bytes of live objects: what the region must hold at least. Stored
// with every trace since summaries carry it; a trace stored before that takes a
// first pass.
std::uint64_t peak_live_bytes(traces::Database& db, const traces::TraceInfo& info) {
    if (const auto stored = traces::stored_peak_live_bytes(info.summary)) return *stored;
    traces::TraceReader reader(db, info.name);
    traces::LiveBytes live;
    std::vector<TraceEvent> chunk;
    while (reader.next_chunk(chunk))
        for (const TraceEvent& e : chunk) live.on(e);
    return live.peak();
}

// The region a trace fits in: twice its peak live bytes (room for per-CPU caches,
// partial slabs and buddy fragmentation) plus a slab run per CPU and class, rounded
// up to a power of two, at least 64 MiB. --set region=... overrides it.
std::uint64_t fitting_region(std::uint64_t peak_live, std::uint32_t cpus, std::uint32_t classes) {
    const std::uint64_t need = 2 * peak_live + std::uint64_t{cpus} * classes * (64 << 10) + (16 << 20);
    return std::max<std::uint64_t>(std::bit_ceil(need), 64ull << 20);
}

}  // namespace

ReplayLayout replay_layout(traces::Database& db, const traces::TraceInfo& info, const ReplaySettings& settings) {
    const std::string& trace = info.name;
    // Modeled CPUs and the mapping from the trace's.
    std::vector<std::uint16_t> map;
    std::uint32_t cpus = info.cpus == 0 ? 1 : info.cpus;
    if (!settings.cpu_map.empty()) {
        std::uint32_t highest = 0;
        for (std::uint32_t c = 0; c < info.cpus; ++c) {
            const std::uint32_t to = settings.cpu_map[c % settings.cpu_map.size()];
            highest = std::max(highest, to);
            map.push_back(static_cast<std::uint16_t>(to));
        }
        cpus = settings.cpus != 0 ? settings.cpus : highest + 1;
        if (highest >= cpus) throw ReplayError(fmt::format("--map sends a CPU to {}, but there are {} CPUs", highest, cpus));
    } else if (settings.cpus != 0) {
        cpus = settings.cpus;
    }
    if (cpus > kMaxCpus)
        throw ReplayError(fmt::format("trace '{}' has {} CPUs; the core models at most {}: fold them with --cpus N",
                                      trace, cpus, kMaxCpus));
    if (settings.sample_every == 0) throw ReplayError("sample_every must be at least 1");
    // Without --map, --cpus folds trace CPU c onto c mod N: as a table, so that the
    // replay indexes rather than divides on every event.
    if (map.empty())
        for (std::uint32_t c = 0; c < info.cpus; ++c) map.push_back(static_cast<std::uint16_t>(c % cpus));

    std::uint64_t region_bytes = settings.region_bytes;
    if (region_bytes == 0) {
        const std::uint32_t classes = settings.size_classes.empty() ? 64 : static_cast<std::uint32_t>(settings.size_classes.size());
        region_bytes = fitting_region(peak_live_bytes(db, info), cpus, classes);
    }
    return ReplayLayout{cpus, std::move(map), region_bytes};
}

ReplayResult replay(traces::Database& db, const std::string& trace, const ReplaySettings& settings,
                    const ReplayProgress& progress, const ReplayListener* listener) {
    const auto wall_start = std::chrono::steady_clock::now();
    traces::TraceReader reader(db, trace);
    const traces::TraceInfo& info = reader.info();

    const ReplayLayout layout = replay_layout(db, info, settings);
    const std::uint32_t cpus = layout.cpus;
    const std::vector<std::uint16_t>& map = layout.map;
    Region region(layout.region_bytes, region_alignment(settings.core.buddy_max_order));

    ReplayResult result;
    if (settings.allocator == AllocatorKind::Hybrid) {
        auto r = std::make_unique<ReplayMachine<HybridAllocator<OpPricer, SimPlatform>>>(settings, cpus, map, info.has_time, region, listener);
        r->run(reader, progress);
        result = r->finish();
    } else {
        auto r = std::make_unique<ReplayMachine<LinkedListAllocator<OpPricer, SimPlatform>>>(settings, cpus, map, info.has_time, region, listener);
        r->run(reader, progress);
        result = r->finish();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    result.summary.events_per_second = seconds > 0 ? static_cast<double>(result.summary.events) / seconds : 0;
    return result;
}

}  // namespace allocsim::engine
