#include "kernel/self_test.h"

#include <cstddef>
#include <cstdint>

#include "alloc/hybrid_allocator.h"
#include "kernel/console.h"
#include "kernel/platform/kernel_platform.h"

namespace allocsim::kernel {

namespace {

alignas(1 << 20) unsigned char g_region[16 << 20];
// constinit: no static constructor may run, since nothing would run it.
constinit HybridAllocator<NullObserver, KernelPlatform> g_core;

// The same exercise as the freestanding proof, on the hardware's platform.
bool exercise_core() {
    AllocatorConfig config;
    config.cpus = 2;
    if (g_core.init(g_region, sizeof g_region, config) != InitError::None) fail(Failure::CoreInit);
    void* small[500];
    for (int i = 0; i < 500; ++i) {
        small[i] = g_core.allocate(CpuId{static_cast<std::uint16_t>(i & 1)}, 8 + static_cast<std::size_t>(i % 200) * 8);
        if (small[i] == nullptr) return false;
    }
    void* big = g_core.allocate(CpuId{0}, 3 << 20);
    void* pages = g_core.allocate_pages(CpuId{1}, Order{2});
    if (big == nullptr || pages == nullptr || !g_core.check().ok) return false;
    for (int i = 0; i < 500; ++i) g_core.deallocate(CpuId{static_cast<std::uint16_t>((i + 1) & 1)}, small[i]);
    g_core.deallocate(CpuId{1}, big);
    g_core.free_pages(CpuId{0}, pages, Order{2});
    g_core.quiesce();
    return g_core.check().ok && g_core.memory_stats().live_bytes() == 0;
}

// p becomes the head of CPU 0's 64-byte bin; then its link is overwritten.
void break_a_bin() {
    void* p = g_core.allocate(CpuId{0}, 64);
    g_core.deallocate(CpuId{0}, p);
    *static_cast<std::uintptr_t*>(p) = reinterpret_cast<std::uintptr_t>(p) + 1;
}

}  // namespace

bool run_core_self_test(bool break_bin) {
    const std::uint64_t start = KernelPlatform::cycles();
    bool ok = exercise_core();
    if (ok && break_bin) {
        print("self-test: breaking a bin, as asked\n");
        break_a_bin();
        const CheckResult r = g_core.check();
        ok = r.ok;
        if (!r.ok) {
            print("check: ");
            print(r.what != nullptr ? r.what : "?");
            print("\n");
        }
    }
    const std::uint64_t took = KernelPlatform::cycles() - start;
    print("core self-test: ");
    print(ok ? "check ok" : "check FAILED");
    print(" (");
    print(took);
    print(" cycles)\n");
    return ok;
}

void triple_fault() {
    struct [[gnu::packed]] {
        std::uint16_t limit = 0;
        std::uint64_t base = 0;
    } empty_idt;
    asm volatile("lidt %0\n\tint3" : : "m"(empty_idt));
    for (;;) asm volatile("hlt");
}

void page_fault() { *reinterpret_cast<volatile std::uint64_t*>(std::uintptr_t{8} << 30) = 1; }

}  // namespace allocsim::kernel
