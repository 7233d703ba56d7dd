// The kernel's C++ entry. It checks how it was booted, installs the exception
// handlers and measures the cycle counter's own overhead. Then, with a measure plan
// as the first module (-initrd, from allocsim capture), it replays the plan on the
// CPUs QEMU gives it and streams the measured records out (plan_replay.h); without
// one it runs the core's self-test (self_test.h). docs/KERNEL.md.
#include <cstdint>

#include <atomic>

#include "alloc/assert.h"
#include "alloc/measure/timed_replay.h"
#include "kernel/console.h"
#include "kernel/cpu_exceptions.h"
#include "kernel/multiboot.h"
#include "kernel/plan_replay.h"
#include "kernel/platform/kernel_platform.h"
#include "kernel/self_test.h"
#include "kernel/smp.h"

using namespace allocsim;
using namespace allocsim::kernel;

namespace {

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

// --- SMP: with cpus=N on the command line and no plan, wake the APs (kernel/smp.h)
// Each CPU prints "cpu K: up" (K: its APIC id), the BSP first; then the BSP prints
// "cpus: M running" and fails with Failure::SmpStart if M < N.
KernelPlatform::Lock g_print_lock;
std::atomic<unsigned> g_aps_reported{0};

void print_cpu_up(unsigned cpu) {
    g_print_lock.lock();
    print("cpu ");
    print(cpu);
    print(": up\n");
    g_print_lock.unlock();
}

[[noreturn]] void ap_report_and_halt(unsigned cpu) {
    print_cpu_up(cpu);
    g_aps_reported.fetch_add(1, std::memory_order_release);
    for (;;) asm volatile("cli; hlt");
}

void start_cpus_if_asked(const char* cmdline) {
    const auto wanted = static_cast<unsigned>(word_value(cmdline, "cpus=", 0));
    if (wanted == 0) return;
    print_cpu_up(index_of(KernelPlatform::current_cpu()));
    const unsigned running = start_cpus(wanted, &ap_report_and_halt);
    // Let every AP that checked in print its line before QEMU ends (bounded: ~2^32
    // cycles, a second or two under TCG).
    const std::uint64_t since = KernelPlatform::cycles();
    while (g_aps_reported.load(std::memory_order_acquire) + 1 < running &&
           KernelPlatform::cycles() - since < (std::uint64_t{1} << 32))
        KernelPlatform::cpu_relax();
    g_print_lock.lock();
    print("cpus: ");
    print(running);
    print(" running\n");
    g_print_lock.unlock();
    if (running < wanted) fail(Failure::SmpStart);
}

// --- A measure plan: every CPU that comes up is a runner -----------------------------
[[noreturn]] void ap_run_plan(unsigned cpu) {
    run_plan_share(cpu);
    for (;;) asm volatile("cli; hlt");
}

// The plan's CPUs run on the CPUs QEMU gives (cpus=N on the command line, from
// allocsim capture, which passes its -smp), at most the plan's count.
[[noreturn]] void replay_plan(const MultibootInfo* mb, std::uint64_t timer_overhead) {
    const std::uint32_t plan_cpus = prepare_plan(mb, timer_overhead);
    unsigned wanted = static_cast<unsigned>(word_value(command_line(mb), "cpus=", 1));
    if (wanted > plan_cpus) wanted = plan_cpus;
    if (wanted > kMaxKernelCpus) wanted = kMaxKernelCpus;
    const unsigned running = wanted > 1 ? start_cpus(wanted, &ap_run_plan) : 1;
    run_plan_on_bsp(running);
}

}  // namespace

extern "C" [[noreturn]] void kernel_main(std::uint32_t magic, std::uint32_t multiboot_address) {
    print("allocsim kernel: long mode, cpu ");
    print(index_of(KernelPlatform::current_cpu()));
    print("\n");
    if (magic != kMultibootMagic) {
        print("not booted by a multiboot loader\n");
        fail(Failure::BadBoot);
    }
    install_exception_handlers();
    set_assert_handler(&on_assert);
    const MultibootInfo* mb = multiboot_info(multiboot_address);
    const char* cmdline = command_line(mb);
    if (has_word(cmdline, "selftest=page-fault")) {
        print("self-test: a page fault, as asked\n");
        page_fault();
    }
    if (has_word(cmdline, "selftest=triple-fault")) {
        print("self-test: a triple fault, as asked\n");
        triple_fault();
    }
    const measure::TimerOverhead overhead = measure::timer_overhead<KernelPlatform>();
    print("timer overhead: ");
    print(overhead.least);
    print(" cycles, mean/256 ");
    print(overhead.mean_256);
    print("\n");

    // A probe (allocsim capture, before it trusts an accelerator and CPU model): it
    // booted and read its clock; nothing more.
    if (has_word(cmdline, "probe")) {
        print("probe ok\n");
        qemu_exit(kExitSuccess);
    }
    if (first_module(mb) != nullptr) replay_plan(mb, overhead.least);
    if (!run_core_self_test(has_word(cmdline, "selftest=bad-check"))) fail(Failure::CoreCheck);
    start_cpus_if_asked(cmdline);
    qemu_exit(kExitSuccess);
}
