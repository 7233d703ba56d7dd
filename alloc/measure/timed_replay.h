// The measured replay: runs a measure plan (measure_plan.h) through the real core,
// timing every operation with the platform's serialized cycle counter. The same
// code runs on the kernel's CPUs and on pinned host threads.
//
// Each runner (a physical CPU or a host thread) takes the plan's operations whose
// CPU it plays (cpu % runners == its index), in plan order, and tells the core the
// plan's CPU, so each plan CPU keeps its own ThreadCache even on fewer runners.
// Cross-CPU dependencies: an operation waits until the operations before it on the
// same object are done (PlanOp::step), whichever runner did them. Every dependency
// points backwards in plan order, so the earliest unfinished operation can always
// run: no deadlock.
//
// Timing: `cycles()` right before and right after the core's call, minus the timer's
// own overhead (the least of many back-to-back readings), at least 1. The wait for a
// dependency is outside the timed window.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "alloc/action.h"
#include "alloc/measure/measure_plan.h"
#include "alloc/measure/op_profile.h"

namespace allocsim::measure {

// What the replay keeps per object. The plan's builder guarantees the protocol (an
// object is allocated before it is used and freed once), so no checks are needed.
struct ObjectState {
    void* ptr;
    std::uint64_t size;
    std::atomic<std::uint32_t> done;  // operations on the object done so far
    std::uint8_t page;                // a page block (free_pages with `arg`)
    std::uint8_t arg;                 // page order, or log2 of the alignment
};

// The timer's own cost, from `rounds` back-to-back readings: the least, which every
// record has subtracted, and the mean in 1/256 cycles. A counter that ticks coarsely
// (24.5 cycles a tick on some virtual machines) makes a single reading of a short
// operation either 0 or a tick: only means over many operations resolve it, and
// they need the mean overhead, not the least (docs/KERNEL.md, "Timer").
struct TimerOverhead {
    std::uint64_t least = 0;
    std::uint64_t mean_256 = 0;
};

template <class Platform>
TimerOverhead timer_overhead(int rounds = 4096) {
    TimerOverhead t{~std::uint64_t{0}, 0};
    std::uint64_t sum = 0;
    for (int i = 0; i < rounds; ++i) {
        const std::uint64_t a = Platform::cycles();
        const std::uint64_t b = Platform::cycles();
        if (b - a < t.least) t.least = b - a;
        sum += b - a;
    }
    t.mean_256 = sum * 256 / static_cast<std::uint64_t>(rounds);
    return t;
}

// Runs the share of runner `runner` out of `runners`. `objects` must be zeroed
// (plan.objects of them); `out` receives one MeasuredOp per plan op (only this
// runner's are written). `physical_cpu` is what the runner reports as its CPU.
// `on_progress(n)` is called, outside any timed window, after every 4096 operations
// of this runner and once at the end, with the operations run since the last call.
template <class Core, class Platform, class OnProgress>
void run_timed_share(Core& core, const PlanOp* ops, std::uint64_t count, ObjectState* objects, MeasuredOp* out,
                     std::uint32_t runner, std::uint32_t runners, std::uint16_t physical_cpu,
                     std::uint64_t overhead, OnProgress&& on_progress) {
    ProfilingObserver& profile = core.observer();
    std::uint64_t unreported = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        const PlanOp& op = ops[i];
        if (op.cpu % runners != runner) continue;
        if (++unreported == 4096) {
            on_progress(unreported);
            unreported = 0;
        }
        ObjectState& o = objects[op.object];
        while (o.done.load(std::memory_order_acquire) != op.step) Platform::cpu_relax();

        const CpuId cpu{op.cpu};
        profile.begin(cpu);
        bool failed = false;
        std::uint64_t start = 0, end = 0;
        switch (op.kind) {
            case PlanOpKind::Alloc: {
                const std::size_t size = op.size == 0 ? 1 : op.size;  // malloc(0) is a unique object
                start = Platform::cycles();
                void* p = op.arg > 3 ? core.allocate_aligned(cpu, size, std::size_t{1} << op.arg)
                                     : core.allocate(cpu, size);
                end = Platform::cycles();
                o.ptr = p;
                o.size = op.size;
                o.page = 0;
                o.arg = op.arg;
                failed = p == nullptr;
                break;
            }
            case PlanOpKind::PageAlloc: {
                void* p = nullptr;
                start = Platform::cycles();
                if (op.arg <= core.config().buddy_max_order) p = core.allocate_pages(cpu, Order{op.arg});
                else profile.record(Action{ActionKind::AllocFailure, cpu});
                end = Platform::cycles();
                o.ptr = p;
                o.size = 0;
                o.page = 1;
                o.arg = op.arg;
                failed = p == nullptr;
                break;
            }
            case PlanOpKind::Free:
            case PlanOpKind::PageFree: {
                start = Platform::cycles();
                if (o.ptr != nullptr) {
                    if (o.page != 0) core.free_pages(cpu, o.ptr, Order{o.arg});
                    else if (o.arg > 3)
                        core.deallocate_aligned(cpu, o.ptr, o.size == 0 ? 1 : o.size, std::size_t{1} << o.arg);
                    else core.deallocate(cpu, o.ptr, o.size == 0 ? 1 : o.size);
                }
                end = Platform::cycles();
                o.ptr = nullptr;
                break;
            }
            case PlanOpKind::Realloc: {
                start = Platform::cycles();
                void* p = o.ptr == nullptr ? nullptr : core.reallocate(cpu, o.ptr, op.size == 0 ? 1 : op.size);
                end = Platform::cycles();
                if (p != nullptr) {
                    o.ptr = p;
                    o.size = op.size;
                    o.arg = 0;
                } else if (o.ptr != nullptr) {
                    failed = true;  // the old block stays, as realloc's contract says
                }
                break;
            }
        }
        const OpProfile& done = profile.current(cpu);
        const std::uint64_t took = end - start;
        MeasuredOp& m = out[i];
        m.cycles = took > overhead ? static_cast<std::uint32_t>(took - overhead > 0xFFFFFFFFu ? 0xFFFFFFFFu : took - overhead) : 1;
        m.cpu = physical_cpu;
        m.splits = static_cast<std::uint8_t>(done.splits > 255 ? 255 : done.splits);
        m.flags = static_cast<std::uint8_t>((done.contended ? kFlagContended : 0) | (failed ? kFlagFailed : 0));
        m.kinds = done.kinds;
        o.done.store(op.step + 1, std::memory_order_release);
    }
    on_progress(unreported);
}

}  // namespace allocsim::measure
