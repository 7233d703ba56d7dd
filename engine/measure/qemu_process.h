// One QEMU run: started with its arguments, watched until it ends or its time is
// up (then killed), its exit status and the first line it wrote on stderr kept. The
// capture and the KVM probe both start QEMU this way.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace allocsim::engine {

// The exit status of a kernel that passed: isa-debug-exit with kExitSuccess
// (kernel/console.h), (0x10 << 1) | 1.
inline constexpr int kKernelSuccessStatus = 33;

struct QemuExit {
    int status = -1;          // QEMU's exit status; -1 if a signal ended it (an assertion's abort)
    bool timed_out = false;   // killed after the time allowed
    bool not_started = false; // the program could not be run (no QEMU)
    std::string error;        // QEMU's first line on stderr, "qemu-system-x86_64: " left off
    double wall_seconds = 0;
};

// Runs `args` (args[0] is the program, looked up in PATH), stdin and stdout on
// /dev/null, stderr kept in `stderr_file`. `on_tick` is called every 100 ms while it
// runs. Throws ReplayError only when it cannot fork or wait.
QemuExit run_qemu(std::vector<std::string> args, const std::string& stderr_file, double timeout_seconds,
                  const std::function<void()>& on_tick = {});

// A file QEMU wrote (its debug console), whole; empty if it is not there.
std::string read_whole_file(const std::string& path);

}  // namespace allocsim::engine
