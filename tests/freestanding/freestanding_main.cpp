// The freestanding proof: every alloc/ source compiled with the kernel's flags and
// linked with -nostdlib -static and nothing else but this file. If the core used
// libc, the C++ runtime, exceptions, RTTI or a static constructor, the link fails.
// The result also runs, straight on Linux: it exercises both allocators and exits
// with 0, or with the number of the first check that failed.
#include <cstddef>
#include <cstdint>

#include "alloc/hybrid_allocator.h"
#include "alloc/linked_list_allocator.h"
#include "tests/freestanding/freestanding_platform.h"

using namespace allocsim;

// memcpy, memmove, memset and memcmp come from kernel/runtime/mem_functions.cpp, as in
// the kernel.

namespace {

[[noreturn]] void exit_process(long code) {
    asm volatile("syscall" : : "a"(60L), "D"(code) : "rcx", "r11", "memory");
    __builtin_unreachable();
}

void on_assert(const char*, const char*, int, std::uint64_t, std::uint64_t, bool) { exit_process(100); }

alignas(1 << 20) unsigned char g_region[16 << 20];
alignas(1 << 20) unsigned char g_list_region[1 << 20];
// constinit: no static constructor may run, since nothing would run it.
constinit HybridAllocator<NullObserver, FreestandingPlatform> g_hybrid;
constinit LinkedListAllocator<NullObserver, FreestandingPlatform> g_list;

int exercise() {
    set_assert_handler(&on_assert);
    AllocatorConfig config;
    config.cpus = 2;
    if (g_hybrid.init(g_region, sizeof g_region, config) != InitError::None) return 1;
    void* small[500];
    for (int i = 0; i < 500; ++i) {
        small[i] = g_hybrid.allocate(CpuId{static_cast<std::uint16_t>(i & 1)}, 8 + (i % 200) * 8);
        if (small[i] == nullptr) return 2;
    }
    void* big = g_hybrid.allocate(CpuId{0}, 3 << 20);  // above the max order: a large run
    if (big == nullptr) return 3;
    void* pages = g_hybrid.allocate_pages(CpuId{1}, Order{2});
    if (pages == nullptr) return 4;
    if (!g_hybrid.check().ok) return 5;
    for (int i = 0; i < 500; ++i) g_hybrid.deallocate(CpuId{static_cast<std::uint16_t>((i + 1) & 1)}, small[i]);
    g_hybrid.deallocate(CpuId{1}, big);
    g_hybrid.free_pages(CpuId{0}, pages, Order{2});
    g_hybrid.quiesce();
    if (!g_hybrid.check().ok) return 6;
    if (g_hybrid.memory_stats().live_bytes() != 0) return 7;

    if (g_list.init(g_list_region, sizeof g_list_region, config) != InitError::None) return 8;
    void* a = g_list.allocate(CpuId{0}, 100);
    void* b = g_list.allocate(CpuId{0}, 200);
    if (a == nullptr || b == nullptr) return 9;
    g_list.deallocate(CpuId{0}, a);
    g_list.deallocate(CpuId{0}, b);
    if (!g_list.check().ok) return 10;
    return 0;
}

}  // namespace

extern "C" [[noreturn]] __attribute__((force_align_arg_pointer)) void _start() { exit_process(exercise()); }
