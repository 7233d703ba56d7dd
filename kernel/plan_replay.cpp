#include "kernel/plan_replay.h"

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "alloc/hybrid_allocator.h"
#include "alloc/measure/measure_plan.h"
#include "alloc/measure/op_profile.h"
#include "alloc/measure/record_codec.h"
#include "alloc/measure/timed_replay.h"
#include "kernel/console.h"
#include "kernel/platform/kernel_platform.h"

extern "C" char __bss_end[];

namespace allocsim::kernel {

namespace {

using Core = HybridAllocator<measure::ProfilingObserver, KernelPlatform>;
constinit Core g_core;

const measure::PlanHeader* g_plan = nullptr;
const measure::PlanOp* g_ops = nullptr;
measure::ObjectState* g_objects = nullptr;
measure::MeasuredOp* g_records = nullptr;
unsigned char* g_encoded = nullptr;  // the records in their wire form (record_codec.h)
std::uint64_t g_overhead = 0;

std::atomic<std::uint32_t> g_runners{0};   // set before go
std::atomic<bool> g_go{false};
std::atomic<std::uint32_t> g_done{0};      // runners finished
std::atomic<std::uint64_t> g_ops_done{0};  // for the progress lines
KernelPlatform::Lock g_print_lock;

[[noreturn]] void bad_plan(const char* why) {
    print("bad measure plan: ");
    print(why);
    print("\n");
    fail(Failure::BadPlan);
}

constexpr std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }


}  // namespace

std::uint32_t prepare_plan(const MultibootInfo* mb, std::uint64_t timer_overhead) {
    const MultibootModule* module = first_module(mb);
    if (module == nullptr) bad_plan("no module (the host passes the plan with -initrd)");
    const std::uint64_t bytes = module->end - module->start;
    if (bytes < sizeof(measure::PlanHeader)) bad_plan("shorter than its header");
    const auto* h = reinterpret_cast<const measure::PlanHeader*>(static_cast<std::uintptr_t>(module->start));
    for (int i = 0; i < 8; ++i)
        if (h->magic[i] != measure::kPlanMagic[i]) bad_plan("wrong magic (not written by allocsim capture)");
    if (h->header_bytes != sizeof(measure::PlanHeader) || h->op_bytes != sizeof(measure::PlanOp))
        bad_plan("header or op size differs from this kernel's (rebuild both from the same sources)");
    if (bytes != sizeof(measure::PlanHeader) + h->ops * sizeof(measure::PlanOp)) bad_plan("its size does not match its op count");
    if (h->cpus == 0 || h->cpus > kMaxCpus) bad_plan("bad CPU count");

    // Memory after the kernel and the module: states, records, then the region on a
    // max-order block boundary (at least 2 MiB), as on the host (engine/replay/region.h).
    std::uint64_t at = reinterpret_cast<std::uintptr_t>(__bss_end);
    if (module->end > at) at = module->end;
    at = align_up(at, 4096);
    g_objects = reinterpret_cast<measure::ObjectState*>(at);
    at = align_up(at + h->objects * sizeof(measure::ObjectState), 4096);
    g_records = reinterpret_cast<measure::MeasuredOp*>(at);
    at += h->ops * sizeof(measure::MeasuredOp);
    g_encoded = reinterpret_cast<unsigned char*>(at);
    at += h->ops * measure::kMaxEncodedRecord;
    std::uint64_t align = std::uint64_t{4096} << h->buddy_max_order;
    if (align < (std::uint64_t{2} << 20)) align = std::uint64_t{2} << 20;
    at = align_up(at, align);
    const std::uint64_t region = at;
    const std::uint64_t end = region + h->region_bytes;
    const std::uint64_t limit = memory_end(mb);
    if (end > limit || end > (std::uint64_t{4} << 30)) {
        print("the plan needs memory up to ");
        print(end >> 20);
        print(" MiB; this machine has ");
        print(limit >> 20);
        print(" MiB (raise -m)\n");
        fail(Failure::BadPlan);
    }
    __builtin_memset(static_cast<void*>(g_objects), 0, h->objects * sizeof(measure::ObjectState));

    AllocatorConfig config;
    config.cpus = h->cpus;
    config.cache_capacity = h->cache_capacity;
    config.refill_batch = h->refill_batch;
    config.drain_batch = h->drain_batch;
    config.cache_bin_bytes = h->cache_bin_bytes;
    config.run_tail_permille = h->run_tail_permille;
    config.exact_page_runs = h->exact_page_runs != 0;
    config.adaptive_bins = h->adaptive_bins != 0;
    config.cache_min_capacity = h->cache_min_capacity;
    config.cache_trim_every = h->cache_trim_every;
    config.eager_remote_collect = h->eager_remote_collect != 0;
    config.fullest_runs_first = h->fullest_runs_first != 0;
    config.exact_slab_runs = h->exact_slab_runs != 0;
    config.buddy_max_order = h->buddy_max_order;
    config.buddy_lock = static_cast<BuddyLockMode>(h->buddy_lock);
    if (h->size_class_count != 0) {
        config.size_classes = h->size_classes;
        config.size_class_count = h->size_class_count;
    }
    if (g_core.init(reinterpret_cast<void*>(region), h->region_bytes, config) != InitError::None)
        bad_plan("the core refused its configuration");
    g_plan = h;
    g_ops = reinterpret_cast<const measure::PlanOp*>(h + 1);
    g_overhead = timer_overhead;
    return h->cpus;
}

void run_plan_share(std::uint32_t runner) {
    while (!g_go.load(std::memory_order_acquire)) KernelPlatform::cpu_relax();
    const std::uint32_t runners = g_runners.load(std::memory_order_relaxed);
    const auto progress = [runner](std::uint64_t n) {
        const std::uint64_t before = g_ops_done.fetch_add(n, std::memory_order_relaxed);
        // Runner 0 reports each 64 Ki operations crossed, by anyone.
        if (runner == 0 && (before >> 16) != ((before + n) >> 16)) {
            g_print_lock.lock();
            print("progress ");
            print(before + n);
            print("\n");
            g_print_lock.unlock();
        }
    };
    if (runner >= runners) return;  // a CPU the plan does not need
    measure::run_timed_share<Core, KernelPlatform>(g_core, g_ops, g_plan->ops, g_objects, g_records, runner, runners,
                                                   static_cast<std::uint16_t>(runner), g_overhead, progress);
    g_done.fetch_add(1, std::memory_order_acq_rel);
}

void run_plan_on_bsp(std::uint32_t runners) {
    print("plan: ");
    print(g_plan->ops);
    print(" ops, ");
    print(g_plan->cpus);
    print(" cpus, ");
    print(runners);
    print(" runners, region ");
    print(g_plan->region_bytes);
    print(" bytes\n");
    g_runners.store(runners, std::memory_order_relaxed);
    g_go.store(true, std::memory_order_release);
    run_plan_share(0);
    while (g_done.load(std::memory_order_acquire) < runners) KernelPlatform::cpu_relax();

    const CheckResult r = g_core.check();
    // Encoded first, so that the header can give the byte count, then sent in one go.
    measure::RecordEncoder encoder;
    std::uint64_t bytes = 0;
    for (std::uint64_t i = 0; i < g_plan->ops; ++i) bytes += encoder.encode(g_records[i], g_encoded + bytes);
    print("records ");
    print(g_plan->ops);
    print(" encoded ");
    print(bytes);
    print("\n");
    const std::uint64_t stream_start = KernelPlatform::cycles();
    write_bytes(g_encoded, bytes);
    const std::uint64_t stream_cycles = KernelPlatform::cycles() - stream_start;
    print("actions");
    for (int k = 0; k < kActionKindCount; ++k) {
        print(" ");
        print(action_name(static_cast<ActionKind>(k)));
        print("=");
        print(g_core.observer().count(static_cast<ActionKind>(k)));
    }
    print("\n");
    if (!r.ok) {
        print("check FAILED: ");
        print(r.what != nullptr ? r.what : "?");
        print("\n");
        fail(Failure::CoreCheck);
    }
    print("streamed ");
    print(bytes);
    print(" bytes in ");
    print(stream_cycles);
    print(" cycles\n");
    print("check ok\n");
    qemu_exit(kExitSuccess);
}

}  // namespace allocsim::kernel
