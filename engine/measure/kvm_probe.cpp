#include "engine/measure/kvm_probe.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include "engine/measure/qemu_process.h"
#include "engine/measure/temp_dir.h"
#include "engine/replay/replayer.h"

namespace allocsim::engine {

namespace {

std::string model_name(const std::string& cpu) { return cpu.empty() ? "QEMU's default CPU model" : "-cpu " + cpu; }

KvmProbe probe_uncached(const std::string& qemu, const std::string& kernel, double timeout_seconds) {
    KvmProbe probe;
    TempDir dir("allocsim-kvm-probe");
    const std::string out_file = dir.file("debugcon.out"), err_file = dir.file("stderr.txt");
    for (const std::string& cpu : kvm_cpu_models()) {
        std::vector<std::string> args = {qemu, "-kernel", kernel, "-append", "probe", "-debugcon", "file:" + out_file,
                                         "-display", "none", "-no-reboot", "-m", "128M",
                                         "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-serial", "none",
                                         "-monitor", "none", "-parallel", "none", "-accel", "kvm"};
        if (!cpu.empty()) args.insert(args.end(), {"-cpu", cpu});
        std::remove(out_file.c_str());
        const QemuExit exit = run_qemu(args, err_file, timeout_seconds);
        if (exit.not_started) throw ReplayError(fmt::format("cannot run {} (is QEMU installed? scripts/setup.sh installs it)", qemu));
        const std::string output = read_whole_file(out_file);
        if (exit.status == kKernelSuccessStatus && output.find("\nprobe ok\n") != std::string::npos) {
            probe.ok = true;
            probe.cpu = cpu;
            if (const auto at = output.find("timer overhead: "); at != std::string::npos)
                probe.timer_overhead = std::strtoull(output.c_str() + at + 16, nullptr, 10);
            return probe;
        }
        std::string why = exit.timed_out ? fmt::format("no answer in {:.0f} s", timeout_seconds)
                          : !exit.error.empty() ? exit.error
                                                : fmt::format("QEMU status {}", exit.status);
        probe.failed.push_back(model_name(cpu) + ": " + why);
    }
    return probe;
}

}  // namespace

const std::vector<std::string>& kvm_cpu_models() {
    static const std::vector<std::string> models = {"host", "host,-arch-capabilities", ""};
    return models;
}

KvmProbe probe_kvm(const std::string& qemu, const std::string& kernel, double timeout_seconds) {
    static std::mutex mutex;
    static std::map<std::string, KvmProbe> seen;  // by QEMU and kernel: a capture's repeats probe once
    const std::string key = qemu + '\n' + kernel;
    {
        const std::lock_guard<std::mutex> lock(mutex);
        if (const auto it = seen.find(key); it != seen.end()) return it->second;
    }
    KvmProbe probe = probe_uncached(qemu, kernel, timeout_seconds);
    const std::lock_guard<std::mutex> lock(mutex);
    return seen.emplace(key, std::move(probe)).first->second;
}

std::string kvm_failure_line(const KvmProbe& probe) {
    std::string text = "KVM does not boot the kernel with any CPU model: ";
    for (std::size_t i = 0; i < probe.failed.size(); ++i) text += (i == 0 ? "" : "; ") + probe.failed[i];
    return text;
}

}  // namespace allocsim::engine
