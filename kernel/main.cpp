// The kernel's C++ entry: checks how it was booted, measures the cycle counter's
// own overhead, and runs the unchanged alloc/ core through a self-test ending in the
// core's check(). This is the first step of issue 5; replaying a trace handed in by
// the host, SMP and the measured records come next (docs/KERNEL.md).
#include <cstddef>
#include <cstdint>

#include "alloc/hybrid_allocator.h"
#include "kernel/console.h"
#include "kernel/cpu_exceptions.h"
#include "kernel/platform/kernel_platform.h"

using namespace allocsim;
using namespace allocsim::kernel;

namespace {

constexpr std::uint32_t kMultibootMagic = 0x2BADB002;

alignas(1 << 20) unsigned char g_region[16 << 20];
// constinit: no static constructor may run, since nothing would run it.
constinit HybridAllocator<NullObserver, KernelPlatform> g_core;

// The start of the multiboot 1 information structure (below 4 GiB: identity-mapped).
struct MultibootInfo {
    std::uint32_t flags;        // bit 2: cmdline is valid
    std::uint32_t mem_lower, mem_upper, boot_device;
    std::uint32_t cmdline;      // physical address of a NUL-terminated string
};

// QEMU's -append text, or "" without one.
const char* command_line(std::uint32_t info) {
    const auto* mb = reinterpret_cast<const MultibootInfo*>(static_cast<std::uintptr_t>(info));
    if (mb == nullptr || (mb->flags & 4u) == 0 || mb->cmdline == 0) return "";
    return reinterpret_cast<const char*>(static_cast<std::uintptr_t>(mb->cmdline));
}

// Whether `text` holds `word` as a whole space-separated word.
bool has_word(const char* text, const char* word) {
    for (const char* p = text; *p != '\0';) {
        while (*p == ' ') ++p;
        const char* w = word;
        const char* q = p;
        while (*w != '\0' && *q == *w) ++q, ++w;
        if (*w == '\0' && (*q == ' ' || *q == '\0')) return true;
        while (*p != ' ' && *p != '\0') ++p;
    }
    return false;
}

// The deliberate failures, so that the tests can show a failing kernel is reported
// as one. bad-check: a use-after-free write breaks a ThreadCache bin's list, which
// check() must catch. page-fault: a write above the mapped 4 GiB, which the
// exception handler reports. triple-fault: an empty IDT and a breakpoint; QEMU then
// stops (-no-reboot) without the success status.
void break_a_bin() {
    void* p = g_core.allocate(CpuId{0}, 64);
    g_core.deallocate(CpuId{0}, p);  // p is now the head of CPU 0's 64-byte bin
    *static_cast<std::uintptr_t*>(p) = reinterpret_cast<std::uintptr_t>(p) + 1;
}
[[noreturn]] void triple_fault() {
    struct [[gnu::packed]] {
        std::uint16_t limit = 0;
        std::uint64_t base = 0;
    } empty_idt;
    asm volatile("lidt %0\n\tint3" : : "m"(empty_idt));
    for (;;) asm volatile("hlt");
}

void on_assert(const char* expr, const char* file, int line, std::uint64_t, std::uint64_t, bool) {
    print("assertion failed: ");
    print(expr);
    print(" at ");
    print(file);
    print(":");
    print(static_cast<std::uint64_t>(line));
    print("\n");
    fail(Failure::Assert);
}

// The smallest of many back-to-back readings of the counter: what one reading costs,
// to be subtracted from every measured operation.
std::uint64_t timer_overhead() {
    std::uint64_t best = ~std::uint64_t{0};
    for (int i = 0; i < 1000; ++i) {
        const std::uint64_t a = KernelPlatform::cycles();
        const std::uint64_t b = KernelPlatform::cycles();
        if (b - a < best) best = b - a;
    }
    return best;
}


// Small objects on two CPU ids, a large run and a page block, all freed again, with
// the core's check() between: the same exercise as the freestanding proof, on the
// hardware's platform.
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

}  // namespace

extern "C" [[noreturn]] void kernel_main(std::uint32_t magic, std::uint32_t multiboot_info) {
    print("allocsim kernel: long mode, cpu ");
    print(index_of(KernelPlatform::current_cpu()));
    print("\n");
    if (magic != kMultibootMagic) {
        print("not booted by a multiboot loader\n");
        fail(Failure::BadBoot);
    }
    install_exception_handlers();
    set_assert_handler(&on_assert);
    const char* cmdline = command_line(multiboot_info);
    if (has_word(cmdline, "selftest=page-fault")) {
        print("self-test: a page fault, as asked\n");
        // Above the 4 GiB the entry maps: not present.
        *reinterpret_cast<volatile std::uint64_t*>(std::uintptr_t{8} << 30) = 1;
    }
    if (has_word(cmdline, "selftest=triple-fault")) {
        print("self-test: a triple fault, as asked\n");
        triple_fault();
    }
    print("timer overhead: ");
    print(timer_overhead());
    print(" cycles\n");
    const std::uint64_t start = KernelPlatform::cycles();
    bool ok = exercise_core();
    if (ok && has_word(cmdline, "selftest=bad-check")) {
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
    if (!ok) fail(Failure::CoreCheck);
    qemu_exit(kExitSuccess);
}
