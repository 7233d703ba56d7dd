// The KVM probe. QEMU's `-accel kvm -cpu host` does not start on every host: on a
// nested-virtualization host QEMU aborts setting an MSR the outer hypervisor refuses
// ("failed to set MSR 0x10a": IA32_ARCH_CAPABILITIES). So before a capture trusts
// KVM, the kernel boots once in its `probe` mode (boot, read the clock, exit) with
// each CPU model in turn, and the first that boots is used:
//
//   -cpu host                      the host's CPU, every feature (real cycles on bare metal)
//   -cpu host,-arch-capabilities   the same without the MSR a nested host refuses
//   (no -cpu)                      QEMU's default model, qemu64
//
// The result is kept for the process: a capture's repeats probe once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace allocsim::engine {

struct KvmProbe {
    bool ok = false;
    std::string cpu;                  // the -cpu value that booted; "" for QEMU's default model
    std::vector<std::string> failed;  // the models tried before it, each "-cpu X: why"
    std::uint64_t timer_overhead = 0; // the least back-to-back RDTSC the probe's kernel read
};

// The CPU models, in the order tried ("" is QEMU's default).
const std::vector<std::string>& kvm_cpu_models();

// Boots `kernel` in probe mode under `qemu -accel kvm` with each model until one
// boots. Does not check /dev/kvm (kvm_usable() does): with a stand-in for QEMU the
// fallback runs anywhere. Throws ReplayError only when QEMU cannot be started at all.
KvmProbe probe_kvm(const std::string& qemu, const std::string& kernel, double timeout_seconds = 60);

// One line for a probe that found nothing: every model and why it failed.
std::string kvm_failure_line(const KvmProbe& probe);

}  // namespace allocsim::engine
