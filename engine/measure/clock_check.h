// Whether a measured run's ticks are the CPU's cycles. A run is stored with the
// verdict and its reason, and compare and calibrate read it: calibrate refuses a run
// that is not cycle-accurate unless told to (--force), because a least-squares fit
// still "fits" such a run, rescaling the prices to whatever the ticks measured.
//
//   tcg         not cycle-accurate: a tick is the host's time emulating the guest
//   tcg-icount  not cycle-accurate: a tick is one guest instruction
//   host-tsc    cycle-accurate, unless the host's RDTSC traps (its timer overhead
//               reads more than kTrappedTimerTicks)
//   kvm         cycle-accurate on bare metal. On a nested-virtualization host RDTSC
//               traps or VM exits land in the timed regions: the timer's overhead
//               and the ThreadCache hits then read thousands of ticks. So a KVM run
//               is judged against the same plan measured on the host's threads: it
//               is not cycle-accurate if its timer overhead exceeds the host's
//               kSlowFactor times over (and kTrappedTimerTicks), or if its alloc-hit
//               median does (and the host's by kTrappedTimerTicks).
#pragma once

#include <cstdint>
#include <string>

#include "engine/measure/measured_run.h"

namespace allocsim::engine {

inline constexpr std::uint64_t kTrappedTimerTicks = 500;  // far above any CPU's back-to-back RDTSC (20-100)
inline constexpr std::uint64_t kSlowFactor = 10;

struct ClockVerdict {
    bool cycle_accurate = true;
    std::string note;  // why not; or, for an accurate run, the figures it was judged on
};

// `host` is the same plan measured on the host's threads (the reference for a KVM
// run; null: the timer overhead alone is judged, against kTrappedTimerTicks).
ClockVerdict judge_clock(const MeasuredRun& run, const MeasuredRun* host);

// The verdict of a run stored before runs were judged: from its clock alone (a KVM
// run of then is not trusted: it was never checked).
ClockVerdict legacy_clock_verdict(const std::string& clock);

// The median of the run's alloc-hit records, in ticks (0 if it has none).
std::uint64_t alloc_hit_median(const MeasuredRun& run);

}  // namespace allocsim::engine
