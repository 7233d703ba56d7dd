#include "engine/replay/replay_result.h"

#include <fmt/format.h>

#include "engine/replay/trajectory_fingerprint.h"

namespace allocsim::engine {

std::string summary_json(const ReplaySummary& s, bool deterministic) {
    // Fixed key order and number formats: the same replay gives the same bytes.
    std::string out = fmt::format(
        R"({{"events":{},"allocs":{},"frees":{},"reallocs":{},"page_allocs":{},"page_frees":{},"failed_allocs":{},)"
        R"("cpus":{},"thread_cache_hit_rate":{:.6f},"refills":{},"drains":{},"remote_frees":{},"buddy_splits":{},)"
        R"("buddy_coalesces":{},"lock_acquires":{},"lock_contended":{},"lock_wait_cycles":{},"line_wait_cycles":{},)"
        R"("modeled_cycles_total":{},"work_cycles_total":{},"modeled_cycles_p50":{},"modeled_cycles_p99":{},)"
        R"("modeled_cycles_max":{},"makespan_cycles":{},"peak_live_bytes":{},"peak_footprint_bytes":{},)"
        R"("utilization":{:.6f},"internal_fragmentation":{:.6f},"external_fragmentation":{:.6f},)"
        R"("invariant_violations":{},"region_bytes":{},"dependency_wait_cycles":{},"fingerprint":"{}")",
        s.events, s.allocs, s.frees, s.reallocs, s.page_allocs, s.page_frees, s.failed_allocs, s.cpus,
        s.thread_cache_hit_rate, s.refills, s.drains, s.remote_frees, s.buddy_splits, s.buddy_coalesces,
        s.lock_acquires, s.lock_contended, s.lock_wait_cycles, s.line_wait_cycles, s.modeled_cycles_total,
        s.work_cycles_total, s.modeled_cycles_p50, s.modeled_cycles_p99, s.modeled_cycles_max, s.makespan_cycles,
        s.peak_live_bytes, s.peak_footprint_bytes, s.utilization, s.internal_fragmentation, s.external_fragmentation,
        s.invariant_violations, s.region_bytes, s.dependency_wait_cycles, fingerprint_text(s.fingerprint));
    const FootprintBreakdown& f = s.footprint;
    out += fmt::format(
        R"(,"footprint_event":{},"footprint_live_bytes":{},"footprint_class_rounding_bytes":{},)"
        R"("footprint_run_tail_bytes":{},"footprint_cached_bytes":{},"footprint_partial_free_bytes":{},)"
        R"("footprint_empty_run_bytes":{},"footprint_remote_pending_bytes":{},"footprint_page_rounding_bytes":{},)"
        R"("footprint_metadata_bytes":{},"footprint_heap_free_bytes":{})",
        f.event, f.live_bytes, f.class_rounding_bytes, f.run_tail_bytes, f.cached_bytes, f.partial_free_bytes,
        f.empty_run_bytes, f.remote_pending_bytes, f.page_rounding_bytes, f.metadata_bytes, f.heap_free_bytes);
    if (!deterministic) out += fmt::format(R"(,"events_per_second":{:.0f})", s.events_per_second);
    return out + "}";
}

}  // namespace allocsim::engine
