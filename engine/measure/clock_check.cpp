#include "engine/measure/clock_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "alloc/measure/op_profile.h"

namespace allocsim::engine {

std::uint64_t alloc_hit_median(const MeasuredRun& run) {
    std::vector<std::uint32_t> hits;
    for (const measure::MeasuredOp& op : run.ops)
        if (measure::classify(op.kinds) == measure::OpClass::AllocHit) hits.push_back(op.cycles);
    if (hits.empty()) return 0;
    std::nth_element(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(hits.size() / 2), hits.end());
    return hits[hits.size() / 2];
}

ClockVerdict judge_clock(const MeasuredRun& run, const MeasuredRun* host) {
    if (run.clock == "tcg")
        return {false, "emulated (TCG): a tick is the host's time spent emulating the guest, not a guest cycle"};
    if (run.clock == "tcg-icount") return {false, "virtual time (icount): a tick is one guest instruction, not a cycle"};
    const bool is_kvm = run.clock == "kvm";
    if (!is_kvm && run.clock != "host-tsc") return {false, fmt::format("unknown clock '{}'", run.clock)};

    const std::uint64_t host_timer = host != nullptr ? host->timer_overhead : 0;
    const std::uint64_t timer_bound = std::max(kTrappedTimerTicks, kSlowFactor * host_timer);
    std::string why;
    if (run.timer_overhead > timer_bound) {
        why = host != nullptr
                  ? fmt::format("the timer's overhead reads {} ticks against the host's {}", run.timer_overhead, host_timer)
                  : fmt::format("the timer's overhead reads {} ticks, above the {} no CPU's RDTSC takes", run.timer_overhead,
                                kTrappedTimerTicks);
    }
    const std::uint64_t hit = alloc_hit_median(run);
    const std::uint64_t host_hit = host != nullptr ? alloc_hit_median(*host) : 0;
    if (hit != 0 && host_hit != 0 && hit > kSlowFactor * host_hit && hit > host_hit + kTrappedTimerTicks) {
        why += fmt::format("{}an alloc hit's median reads {} ticks against the host's {}", why.empty() ? "" : "; ", hit, host_hit);
    }
    if (!why.empty())
        return {false, why + (is_kvm ? ": RDTSC traps, or VM exits land in the timed regions (nested virtualization?)"
                                     : ": RDTSC traps on this host")};
    if (host != nullptr)
        return {true, fmt::format("timer overhead {} ticks (host {}), alloc hit median {} (host {})", run.timer_overhead,
                                  host_timer, hit, host_hit)};
    return {true, fmt::format("timer overhead {} ticks", run.timer_overhead)};
}

ClockVerdict legacy_clock_verdict(const std::string& clock) {
    if (clock == "kvm") return {false, "a KVM run stored before allocsim checked KVM clocks: capture it again"};
    MeasuredRun run;
    run.clock = clock;
    ClockVerdict v = judge_clock(run, nullptr);
    if (v.cycle_accurate) v.note = "stored before runs were judged; a host TSC run";
    return v;
}

}  // namespace allocsim::engine
