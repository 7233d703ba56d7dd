#include "engine/measure/measure_plan_builder.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "traces/trace_reader.h"

namespace allocsim::engine {

MeasurePlan build_measure_plan(traces::Database& db, const std::string& trace, const ReplaySettings& settings) {
    if (settings.allocator != AllocatorKind::Hybrid)
        throw ReplayError("measured runs exercise the hybrid core only (allocator=hybrid)");
    traces::TraceReader reader(db, trace);
    const traces::TraceInfo& info = reader.info();
    const ReplayLayout layout = replay_layout(db, info, settings);

    MeasurePlan plan;
    measure::PlanHeader& h = plan.header;
    std::memcpy(h.magic, measure::kPlanMagic, sizeof h.magic);
    h.header_bytes = sizeof(measure::PlanHeader);
    h.op_bytes = sizeof(measure::PlanOp);
    h.region_bytes = layout.region_bytes;
    h.cpus = layout.cpus;
    h.cache_capacity = settings.core.cache_capacity;
    h.refill_batch = settings.core.refill_batch;
    h.drain_batch = settings.core.drain_batch;
    h.cache_bin_bytes = settings.core.cache_bin_bytes;
    h.run_tail_permille = settings.core.run_tail_permille;
    h.exact_page_runs = settings.core.exact_page_runs ? 1 : 0;
    h.adaptive_bins = settings.core.adaptive_bins ? 1 : 0;
    h.cache_min_capacity = settings.core.cache_min_capacity;
    h.cache_trim_every = settings.core.cache_trim_every;
    h.eager_remote_collect = settings.core.eager_remote_collect ? 1 : 0;
    h.fullest_runs_first = settings.core.fullest_runs_first ? 1 : 0;
    h.exact_slab_runs = settings.core.exact_slab_runs ? 1 : 0;
    h.buddy_max_order = settings.core.buddy_max_order;
    h.buddy_lock = static_cast<std::uint32_t>(settings.core.buddy_lock);
    h.size_class_count = static_cast<std::uint32_t>(settings.size_classes.size());
    for (std::size_t i = 0; i < settings.size_classes.size() && i < kMaxSizeClasses; ++i)
        h.size_classes[i] = settings.size_classes[i];

    // Per object: operations so far (the next one's step) and whether it is live.
    std::vector<std::uint32_t> steps;
    std::vector<std::uint8_t> live;
    plan.ops.reserve(info.events);
    std::vector<traces::TraceEvent> chunk;
    std::uint64_t index = 0;
    while (reader.next_chunk(chunk)) {
        for (const traces::TraceEvent& e : chunk) {
            if (e.object > 0xFFFFFFFEu)
                throw ReplayError(fmt::format("event {}: object id {} is beyond what a measure plan holds (2^32 - 1)", index, e.object));
            const auto object = static_cast<std::uint32_t>(e.object);
            if (object >= steps.size()) {
                steps.resize(std::max<std::size_t>(object + 1, steps.size() * 2), 0);
                live.resize(steps.size(), 0);
            }
            const bool allocating = e.op == traces::Op::Alloc || e.op == traces::Op::PageAlloc;
            if (allocating && live[object] != 0)
                throw ReplayError(fmt::format("event {}: object {} is allocated while live", index, e.object));
            if (allocating) live[object] = 1;
            if (e.op == traces::Op::Free || e.op == traces::Op::PageFree) live[object] = 0;
            if (steps[object] == 0xFFFFFFFFu)
                throw ReplayError(fmt::format("event {}: object {} has more operations than a plan counts", index, e.object));
            measure::PlanOp op{};
            op.size = e.size;
            op.object = object;
            op.step = steps[object]++;
            op.cpu = e.cpu < layout.map.size() ? layout.map[e.cpu] : static_cast<std::uint16_t>(e.cpu % layout.cpus);
            op.kind = static_cast<measure::PlanOpKind>(e.op);
            op.arg = e.arg;
            plan.ops.push_back(op);
            ++index;
        }
    }
    h.ops = plan.ops.size();
    std::uint64_t objects = steps.size();
    while (objects > 0 && steps[objects - 1] == 0) --objects;
    h.objects = objects;
    return plan;
}

void write_measure_plan(const MeasurePlan& plan, const std::string& path) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!f) throw std::runtime_error(fmt::format("{}: cannot write the measure plan: {}", path, std::strerror(errno)));
    const std::size_t op_bytes = plan.ops.size() * sizeof(measure::PlanOp);
    if (std::fwrite(&plan.header, sizeof plan.header, 1, f.get()) != 1 ||
        (op_bytes != 0 && std::fwrite(plan.ops.data(), op_bytes, 1, f.get()) != 1) || std::fflush(f.get()) != 0)
        throw std::runtime_error(fmt::format("{}: cannot write the measure plan: {}", path, std::strerror(errno)));
}

}  // namespace allocsim::engine
