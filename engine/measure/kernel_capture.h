// allocsim capture: the measured replay in the kernel under QEMU. The trace's
// measure plan goes to the kernel as its multiboot module (-initrd); the kernel
// replays it on the CPUs QEMU gives it and streams the records out on the debug
// console (kernel/plan_replay.h), which QEMU writes to a file read here.
//
// The kernel image is a build product (bin/allocsim-kernel, beside the allocsim
// binary); nothing is built at run time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/measure/measured_run.h"
#include "engine/replay/replay_settings.h"
#include "traces/database.h"

namespace allocsim::engine {

enum class Accel : std::uint8_t {
    Auto,  // KVM when /dev/kvm is usable, else TCG
    Kvm,
    Tcg,
};

struct CaptureOptions {
    std::string kernel;                // the image; empty: bin/allocsim-kernel beside this program
    std::string qemu = "qemu-system-x86_64";
    Accel accel = Accel::Auto;
    bool icount = false;               // -icount shift=0: deterministic virtual time (TCG only)
    std::uint32_t cpus = 0;            // QEMU's -smp; 0: the plan's CPUs (at most 16)
    double timeout_seconds = 600;      // QEMU is killed after this (each repeat)
    std::uint32_t repeats = 1;         // QEMU runs combined by combine_repeats
};

// Called with a short status ("booting", "42% of 1000000 ops") now and then.
using CaptureProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

// Whether /dev/kvm can be opened for reading and writing.
bool kvm_usable();

// The default kernel image: bin/allocsim-kernel beside the running program.
std::string default_kernel_image();

// Runs QEMU (`repeats` times) and returns the measured run, not stored. Throws ReplayError with what
// went wrong: no QEMU, no image, a timeout (QEMU killed), a failure status (with the
// kernel's last lines), a short or malformed output.
MeasuredRun capture_in_kernel(traces::Database& db, const std::string& trace, const ReplaySettings& settings,
                              const CaptureOptions& options, const CaptureProgress& progress = {});

}  // namespace allocsim::engine
