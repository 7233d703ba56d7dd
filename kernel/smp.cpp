#include "kernel/smp.h"

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "kernel/console.h"
#include "kernel/cpu_exceptions.h"
#include "kernel/platform/kernel_platform.h"

namespace allocsim::kernel {

struct [[gnu::packed]] DescriptorPointer {
    std::uint16_t limit;
    std::uint64_t base;
};

// What ap_start64 (kernel/boot/ap_trampoline.S) reads, at the offsets it names.
struct ApBoot {
    DescriptorPointer gdtr;     // the BSP's GDTR
    std::uint64_t stacks;       // the lowest address of the AP stacks
    std::uint64_t stack_size;
    std::uint32_t stack_count;  // the AP with id i (1 <= i <= count) takes stack i - 1;
                                // APs with a higher id halt at once
};
static_assert(offsetof(ApBoot, gdtr) == 0 && offsetof(ApBoot, stacks) == 16 &&
              offsetof(ApBoot, stack_size) == 24 && offsetof(ApBoot, stack_count) == 32);

}  // namespace allocsim::kernel

extern "C" {
allocsim::kernel::ApBoot ap_boot;
extern const char ap_trampoline_start[], ap_trampoline_end[], ap_trampoline_cr3[];
extern char ap_trampoline_base[];  // an absolute symbol: the address the blob runs at
[[noreturn]] void smp_ap_main();
}

namespace allocsim::kernel {

namespace {

constexpr std::size_t kStackSize = 64 << 10;
alignas(16) unsigned char g_ap_stacks[kMaxKernelCpus - 1][kStackSize];

// The CPUs checked in, the BSP included. start_cpus() ends the check-in by setting
// it to kClosed, so no AP can join after the count it returned.
constexpr unsigned kClosed = ~0u;
std::atomic<unsigned> g_running{1};
std::atomic<unsigned> g_wanted{1};
void (*g_ap_entry)(unsigned) = nullptr;

// --- local APIC (xAPIC, memory-mapped; the entry maps the first 4 GiB) ---
constexpr std::uintptr_t kApicBase = 0xFEE00000;
constexpr std::uint32_t kApicSpurious = 0xF0, kApicIcrLow = 0x300, kApicIcrHigh = 0x310;
constexpr std::uint32_t kIcrAllExcludingSelf = 3u << 18, kIcrLevelAssert = 1u << 14, kIcrPending = 1u << 12;
constexpr std::uint32_t kIcrInit = 5u << 8, kIcrStartup = 6u << 8;

volatile std::uint32_t& apic(std::uint32_t reg) {
    return *reinterpret_cast<volatile std::uint32_t*>(kApicBase + reg);
}
void send_ipi(std::uint32_t command) {
    apic(kApicIcrHigh) = 0;
    apic(kApicIcrLow) = command;
    while (apic(kApicIcrLow) & kIcrPending) KernelPlatform::cpu_relax();
}

// --- time: the PIT's channel 2 in mode 0, its output read on port 0x61 ---
// Waits `us` microseconds (at most 54 ms). PAUSE in the loop lets TCG run the other
// CPUs meanwhile (in single-threaded TCG it ends the vCPU's turn).
inline std::uint8_t inb(std::uint16_t port) {
    std::uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
void pit_wait(std::uint32_t us) {
    std::uint32_t count = static_cast<std::uint32_t>(std::uint64_t{us} * 1193182 / 1000000);
    if (count == 0) count = 1;
    if (count > 0xFFFF) count = 0xFFFF;
    const std::uint8_t port61 = inb(0x61) & 0xFC;  // gate 2 off, speaker off
    outb(0x61, port61);
    outb(0x43, 0xB0);  // channel 2, low then high byte, mode 0 (out goes high at 0)
    outb(0x42, static_cast<std::uint8_t>(count));
    outb(0x42, static_cast<std::uint8_t>(count >> 8));
    outb(0x61, port61 | 1);  // gate on: count
    while ((inb(0x61) & 0x20) == 0) KernelPlatform::cpu_relax();
    outb(0x61, port61);
}

[[noreturn]] void halt_forever() {
    for (;;) asm volatile("cli; hlt");
}

// Counts this AP in if its id is below `wanted` (so that the CPUs running are 0..M-1,
// as QEMU numbers them, and index arrays of `wanted` entries) and the check-in is
// still open.
bool check_in(unsigned cpu) {
    const unsigned wanted = g_wanted.load(std::memory_order_relaxed);
    if (cpu >= wanted) return false;
    unsigned n = g_running.load(std::memory_order_relaxed);
    while (n < wanted)
        if (g_running.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel)) return true;
    return false;
}

}  // namespace

unsigned start_cpus(unsigned wanted, void (*ap_entry)(unsigned cpu)) {
    if (wanted > kMaxKernelCpus) wanted = kMaxKernelCpus;
    if (wanted <= 1 || ap_entry == nullptr) return 1;

    // What each AP needs: the trampoline below 1 MiB with the BSP's CR3, the BSP's
    // GDTR and the stacks.
    auto* const trampoline = reinterpret_cast<unsigned char*>(ap_trampoline_base);
    __builtin_memcpy(trampoline, ap_trampoline_start, static_cast<std::size_t>(ap_trampoline_end - ap_trampoline_start));
    std::uint64_t cr3;
    asm volatile("mov %%cr3, %0" : "=r"(cr3));
    const auto cr3_low = static_cast<std::uint32_t>(cr3);  // the page tables are in .bss, below 4 GiB
    __builtin_memcpy(trampoline + (ap_trampoline_cr3 - ap_trampoline_start), &cr3_low, sizeof cr3_low);
    asm volatile("sgdt %0" : "=m"(ap_boot.gdtr));
    ap_boot.stacks = reinterpret_cast<std::uint64_t>(&g_ap_stacks[0][0]);
    ap_boot.stack_size = kStackSize;
    ap_boot.stack_count = kMaxKernelCpus - 1;
    g_ap_entry = ap_entry;
    g_wanted.store(wanted, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);

    // Software-enable the local APIC (spurious vector 0xFF), then INIT, wait 10 ms,
    // and two STARTUPs 200 us apart, all to every CPU but this one.
    apic(kApicSpurious) = apic(kApicSpurious) | 0x1FF;
    const auto vector = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(ap_trampoline_base) >> 12);
    send_ipi(kIcrAllExcludingSelf | kIcrLevelAssert | kIcrInit);
    pit_wait(10000);
    for (int i = 0; i < 2; ++i) {
        send_ipi(kIcrAllExcludingSelf | kIcrLevelAssert | kIcrStartup | vector);
        pit_wait(200);
    }

    // Wait for the check-ins, 1 ms at a time, for up to a second; then close it.
    for (int ms = 0; ms < 1000 && g_running.load(std::memory_order_acquire) < wanted; ++ms) pit_wait(1000);
    return g_running.exchange(kClosed, std::memory_order_acq_rel);
}

}  // namespace allocsim::kernel

// Each AP, on its own stack, from ap_start64.
extern "C" [[noreturn]] void smp_ap_main() {
    using namespace allocsim::kernel;
    load_exception_handlers();
    const unsigned cpu = index_of(KernelPlatform::current_cpu());
    if (check_in(cpu)) g_ap_entry(cpu);
    halt_forever();
}
