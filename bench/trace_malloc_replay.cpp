// allocsim-trace-malloc: drives this process's malloc from a stored trace, one thread
// per trace CPU, so that the same trace gives nanoseconds per operation under every
// allocator preloaded (bench/allocsim-malloc-bench runs it under each).
//
// The trace becomes a measure plan first (engine/measure/measure_plan_builder.h: the
// operations with their CPU and their rank on their object), outside the timing. Then
// thread t runs the operations of the CPUs c with c % threads == t, in trace order
// (each thread's list is made before the timing);
// an operation on an object waits (yielding the CPU; the wait is part of the wall
// time, as a real program's waiting would be) until the operations before it on the
// object are done, wherever they ran. malloc, free, realloc and aligned_alloc are the
// process's own: glibc's, or whatever LD_PRELOAD put first.
//
// stdout: the operations run and a checksum of the sizes (the same under every
// allocator); stderr: the time and ns per operation (`--json`: one object on stdout).
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "engine/measure/measure_plan_builder.h"
#include "engine/replay/settings.h"
#include "traces/database.h"

namespace {

using allocsim::measure::PlanOp;
using allocsim::measure::PlanOpKind;

struct alignas(64) Object {
    std::atomic<std::uint32_t> done{0};
    void* ptr = nullptr;
};

int usage(const char* error) {
    std::fprintf(stderr, "%s%susage: allocsim-trace-malloc --db FILE --trace NAME [--threads N] [--json]\n",
                 error, *error ? "\n" : "");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string db_path, trace;
    unsigned threads = 0;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--db" && i + 1 < argc) db_path = argv[++i];
        else if (a == "--trace" && i + 1 < argc) trace = argv[++i];
        else if (a == "--threads" && i + 1 < argc) threads = static_cast<unsigned>(std::atoi(argv[++i]));
        else if (a == "--json") json = true;
        else if (a == "--help") return usage(""), 0;
        else return usage(fmt::format("allocsim-trace-malloc: unknown argument '{}'", a).c_str());
    }
    if (db_path.empty() || trace.empty()) return usage("allocsim-trace-malloc: --db and --trace are required");
    allocsim::engine::MeasurePlan plan;
    try {
        allocsim::traces::Database db(db_path, allocsim::traces::Database::Mode::ReadOnly);
        plan = allocsim::engine::build_measure_plan(db, trace, allocsim::engine::ReplaySettings{});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "allocsim-trace-malloc: %s\n", e.what());
        return 1;
    }
    const unsigned cpus = plan.header.cpus == 0 ? 1 : plan.header.cpus;
    if (threads == 0) threads = cpus;
    std::vector<Object> objects(plan.header.objects);
    // Each thread's operations, in trace order, found before the timing: a thread
    // that walked the whole plan to find its own would time that walk too (half of
    // the replay's samples, in a profile), not the allocator.
    std::vector<std::vector<std::uint32_t>> mine(threads);
    for (std::size_t i = 0; i < plan.ops.size(); ++i) mine[plan.ops[i].cpu % threads].push_back(static_cast<std::uint32_t>(i));
    std::atomic<unsigned> ready{0};
    std::vector<std::thread> workers;
    const auto start = std::chrono::steady_clock::now();
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            ready.fetch_add(1);
            while (ready.load() != threads) std::this_thread::yield();
            for (const std::uint32_t i : mine[t]) {
                const PlanOp& op = plan.ops[i];
                Object& o = objects[op.object];
                while (o.done.load(std::memory_order_acquire) != op.step) std::this_thread::yield();
                switch (op.kind) {
                    case PlanOpKind::Alloc: {
                        const std::size_t size = op.size == 0 ? 1 : op.size;
                        o.ptr = op.arg > 3 ? std::aligned_alloc(std::size_t{1} << op.arg, (size + (std::size_t{1} << op.arg) - 1) & ~((std::size_t{1} << op.arg) - 1))
                                           : std::malloc(size);
                        if (o.ptr != nullptr) std::memset(o.ptr, 1, size < 64 ? size : 64);  // touched, as a program would
                        break;
                    }
                    case PlanOpKind::PageAlloc:
                        o.ptr = std::aligned_alloc(4096, std::size_t{4096} << op.arg);
                        break;
                    case PlanOpKind::Free:
                    case PlanOpKind::PageFree:
                        std::free(o.ptr);
                        o.ptr = nullptr;
                        break;
                    case PlanOpKind::Realloc:
                        if (void* q = std::realloc(o.ptr, op.size == 0 ? 1 : op.size)) o.ptr = q;
                        break;
                }
                o.done.store(op.step + 1, std::memory_order_release);
            }
        });
    }
    for (std::thread& w : workers) w.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::uint64_t checksum = 0;
    for (const PlanOp& op : plan.ops) checksum = checksum * 1099511628211ull + op.size + static_cast<std::uint64_t>(op.kind);
    const double ns = plan.ops.empty() ? 0 : seconds * 1e9 / static_cast<double>(plan.ops.size());
    if (json) {
        fmt::print("{{\"trace\":\"{}\",\"ops\":{},\"threads\":{},\"seconds\":{:.6f},\"ns_per_op\":{:.2f}}}\n", trace,
                   plan.ops.size(), threads, seconds, ns);
    } else {
        fmt::print("{} ops of '{}' on {} threads, checksum {:016x}\n", plan.ops.size(), trace, threads, checksum);
        std::fprintf(stderr, "allocsim-trace-malloc: %.3f s, %.1f ns per op\n", seconds, ns);
    }
    return 0;
}
