#include "engine/measure/kernel_capture.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "alloc/measure/record_codec.h"
#include "alloc/measure/timed_replay.h"
#include "engine/measure/clock_check.h"
#include "engine/measure/host_measure.h"
#include "engine/measure/kvm_probe.h"
#include "engine/measure/measure_plan_builder.h"
#include "engine/measure/qemu_process.h"
#include "engine/measure/temp_dir.h"
#include "engine/replay/region.h"
#include "engine/replay/run_store.h"
#include "engine/replay/settings.h"

namespace allocsim::engine {

namespace {

constexpr std::uint32_t kKernelMaxCpus = 16;  // kernel/smp.h

// The text the kernel printed, without the binary records: for error messages.
std::string last_lines(const std::string& output, std::size_t lines) {
    std::string text = output;
    if (const auto at = text.find("\nrecords "); at != std::string::npos) text.resize(at + 1);
    std::size_t start = text.size();
    for (std::size_t n = 0; start > 0 && n <= lines; --start)
        if (text[start - 1] == '\n' && start != text.size()) ++n;
    std::string tail = text.substr(start);
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    return tail;
}

// The last `bytes` of a file (for the progress lines while QEMU runs: reading the
// whole file every time would cost more than the records it holds).
std::string read_tail(const std::string& path, std::size_t bytes) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return {};
    const std::streamoff size = in.tellg();
    const std::streamoff from = size > static_cast<std::streamoff>(bytes) ? size - static_cast<std::streamoff>(bytes) : 0;
    in.seekg(from);
    std::string tail(static_cast<std::size_t>(size - from), '\0');
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    return tail;
}

// "progress N" lines: the last one.
std::uint64_t last_progress(const std::string& output) {
    const auto at = output.rfind("\nprogress ");
    if (at == std::string::npos) return 0;
    return std::strtoull(output.c_str() + at + 10, nullptr, 10);
}

// The number after `key` on the line that starts with it.
bool line_value(const std::string& output, const std::string& key, std::uint64_t& value) {
    const std::string needle = "\n" + key;
    const auto at = output.find(needle);
    if (at == std::string::npos) return false;
    value = std::strtoull(output.c_str() + at + needle.size(), nullptr, 10);
    return true;
}

}  // namespace

bool kvm_usable() { return access("/dev/kvm", R_OK | W_OK) == 0; }

std::string default_kernel_image() {
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("allocsim-kernel") : (self.parent_path() / "allocsim-kernel").string();
}

namespace {

// How QEMU runs the kernel: KVM with the CPU model the probe chose, or TCG.
struct Acceleration {
    bool kvm = false;
    std::string cpu;   // under KVM: the -cpu value ("" for QEMU's default model)
    std::string note;  // why KVM was not used under --accel auto, or empty
};

Acceleration choose_acceleration(const CaptureOptions& options, const std::string& kernel) {
    if (options.accel == Accel::Kvm && options.icount) throw ReplayError("--icount needs TCG: it cannot be used with KVM");
    if (options.accel == Accel::Kvm && !kvm_usable())
        throw ReplayError("--accel kvm: /dev/kvm is not usable here (use --accel tcg or auto)");
    Acceleration a;
    if (options.accel == Accel::Tcg || options.icount || !kvm_usable()) return a;
    const KvmProbe probe = probe_kvm(options.qemu, kernel, std::min(options.timeout_seconds, 120.0));
    if (!probe.ok) {
        if (options.accel == Accel::Kvm) throw ReplayError(kvm_failure_line(probe));
        a.note = kvm_failure_line(probe) + "; TCG used instead";
        return a;
    }
    a.kvm = true;
    a.cpu = probe.cpu;
    for (const std::string& failed : probe.failed) a.note += (a.note.empty() ? "" : "; ") + failed;
    return a;
}

MeasuredRun capture_once(traces::Database& db, const std::string& trace, const ReplaySettings& settings,
                         const CaptureOptions& options, const std::string& kernel, const Acceleration& accel,
                         const CaptureProgress& progress) {
    const bool kvm = accel.kvm;
    const MeasurePlan plan = build_measure_plan(db, trace, settings);
    const std::uint32_t smp = std::min(options.cpus != 0 ? options.cpus : plan.header.cpus, kKernelMaxCpus);
    // Memory: the kernel (a few MiB), the plan, the object states, the records, the
    // region on its alignment, and room to spare; QEMU's RAM below 4 GiB ends at 3.5 GiB.
    const std::uint64_t need = (32ull << 20) + sizeof plan.header + plan.ops.size() * sizeof(measure::PlanOp) +
                               plan.header.objects * sizeof(measure::ObjectState) +
                               plan.ops.size() * (sizeof(measure::MeasuredOp) + measure::kMaxEncodedRecord) +
                               region_alignment(plan.header.buddy_max_order) + plan.header.region_bytes;
    const std::uint64_t mib = std::max<std::uint64_t>(128, (need + (1 << 20) - 1) >> 20);
    if (mib > 3072)
        throw ReplayError(fmt::format("trace '{}' needs {} MiB in the kernel; it has at most 3072 (a smaller region: "
                                      "--set region=BYTES)", trace, mib));

    TempDir dir;
    const std::string plan_file = dir.file("plan.bin");
    const std::string out_file = dir.file("debugcon.out");
    write_measure_plan(plan, plan_file);

    std::vector<std::string> args = {options.qemu, "-kernel", kernel, "-initrd", plan_file,
                                     "-append", fmt::format("cpus={}", smp),
                                     "-debugcon", "file:" + out_file, "-display", "none", "-no-reboot",
                                     "-m", fmt::format("{}M", mib), "-smp", std::to_string(smp),
                                     "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-serial", "none",
                                     "-monitor", "none", "-parallel", "none"};
    if (kvm) {
        args.insert(args.end(), {"-accel", "kvm"});
        if (!accel.cpu.empty()) args.insert(args.end(), {"-cpu", accel.cpu});
    } else if (options.icount) {
        args.insert(args.end(), {"-accel", "tcg", "-icount", "shift=0"});
    } else {
        // Multi-threaded TCG: the CPUs really run at once.
        args.insert(args.end(), {"-accel", smp > 1 ? "tcg,thread=multi" : "tcg"});
    }

    const auto started = std::chrono::system_clock::now();
    std::uint64_t shown = 0;
    const QemuExit exit = run_qemu(args, dir.file("stderr.txt"), options.timeout_seconds, [&] {
        if (!progress) return;
        shown = std::max(shown, last_progress(read_tail(out_file, 4096)));
        progress(shown, plan.ops.size());
    });
    const double wall = exit.wall_seconds;
    const std::string output = read_whole_file(out_file);
    if (exit.timed_out)
        throw ReplayError(fmt::format("QEMU still running after {} s: killed. The kernel's last lines:\n{}",
                                      options.timeout_seconds, last_lines(output, 5)));
    if (exit.not_started) throw ReplayError(fmt::format("cannot run {} (is QEMU installed? scripts/setup.sh installs it)", options.qemu));
    const int code = exit.status;
    if (code != kKernelSuccessStatus)
        throw ReplayError(fmt::format("the kernel failed (QEMU status {}{}{}). Its last lines:\n{}", code,
                                      code == 0 ? ", a triple fault or a reset" : "",
                                      exit.error.empty() ? "" : ": " + exit.error, last_lines(output, 8)));

    MeasuredRun run;
    std::uint64_t records = 0, overhead = 0, runners = 0;
    const auto marker = output.find("\nrecords ");
    if (marker == std::string::npos || !line_value(output, "records ", records) ||
        !line_value(output, "timer overhead: ", overhead))
        throw ReplayError(fmt::format("the kernel's output has no records. Its last lines:\n{}", last_lines(output, 8)));
    if (const auto at = output.find(" cpus, "); at != std::string::npos) runners = std::strtoull(output.c_str() + at + 7, nullptr, 10);
    std::uint64_t bytes = 0;
    if (const auto at = output.find(" encoded ", marker); at != std::string::npos)
        bytes = std::strtoull(output.c_str() + at + 9, nullptr, 10);
    const std::size_t data = output.find('\n', marker + 1) + 1;
    if (records != plan.ops.size() || output.size() < data + bytes)
        throw ReplayError(fmt::format("the kernel sent {} records in {} bytes; the trace has {} events", records,
                                      output.size() - std::min(output.size(), data), plan.ops.size()));
    run.ops.resize(records);
    measure::RecordDecoder decoder;
    const auto* p = reinterpret_cast<const unsigned char*>(output.data()) + data;
    const unsigned char* const end = p + bytes;
    for (std::uint64_t i = 0; i < records; ++i) {
        const std::size_t n = decoder.decode(p, end, run.ops[i]);
        if (n == 0) throw ReplayError(fmt::format("the kernel's record {} is malformed or cut short", i));
        p += n;
    }
    if (p != end) throw ReplayError(fmt::format("{} bytes after the kernel's last record", end - p));
    const std::string tail = output.substr(data + bytes);
    if (tail.rfind("actions", 0) != 0 || tail.find("\ncheck ok\n") == std::string::npos)
        throw ReplayError(fmt::format("the kernel's output ends badly after the records:\n{}", tail.substr(0, 400)));
    for (int k = 0; k < kActionKindCount; ++k) {
        const std::string key = fmt::format(" {}=", action_name(static_cast<ActionKind>(k)));
        const auto at = tail.find(key);
        if (at == std::string::npos) throw ReplayError(fmt::format("the kernel did not report '{}' actions", action_name(static_cast<ActionKind>(k))));
        run.actions[static_cast<std::size_t>(k)] = std::strtoull(tail.c_str() + at + key.size(), nullptr, 10);
    }
    for (const measure::MeasuredOp& m : run.ops)
        if (m.cycles == 0) throw ReplayError("the kernel sent a record without cycles");
    if (progress) progress(plan.ops.size(), plan.ops.size());

    run.kernel_log = output.substr(0, marker + 1) + tail;
    run.trace = trace;
    run.source = "kernel";
    run.clock = kvm ? "kvm" : options.icount ? "tcg-icount" : "tcg";
    if (kvm) run.qemu_cpu = accel.cpu.empty() ? "default" : accel.cpu;
    run.started = utc_iso8601(started);
    run.version = allocsim_version();
    run.settings_json = settings_to_json(settings);
    run.runners = static_cast<std::uint32_t>(runners);
    run.timer_overhead = overhead;
    std::uint64_t mean_256 = 0;
    if (const auto at = output.find(" cycles, mean/256 "); at != std::string::npos)
        mean_256 = std::strtoull(output.c_str() + at + 18, nullptr, 10);
    run.timer_overhead_mean = static_cast<double>(mean_256) / 256;
    run.wall_seconds = wall;
    return run;
}

}  // namespace

MeasuredRun capture_in_kernel(traces::Database& db, const std::string& trace, const ReplaySettings& settings,
                              const CaptureOptions& options, const CaptureProgress& progress) {
    const std::string kernel = options.kernel.empty() ? default_kernel_image() : options.kernel;
    if (access(kernel.c_str(), R_OK) != 0)
        throw ReplayError(fmt::format("{}: no kernel image (it is built with allocsim: cmake --build build)", kernel));
    const Acceleration accel = choose_acceleration(options, kernel);
    const std::uint32_t repeats = options.repeats == 0 ? 1 : options.repeats;
    std::vector<MeasuredRun> runs;
    for (std::uint32_t i = 0; i < repeats; ++i) {
        runs.push_back(capture_once(db, trace, settings, options, kernel, accel, [&](std::uint64_t done, std::uint64_t total) {
            if (progress) progress(i * total + done, repeats * total);
        }));
    }
    MeasuredRun run = combine_repeats(std::move(runs));
    // Judged against the same plan on one host thread: a KVM run's ticks must look
    // like the host's cycles (clock_check.h).
    ClockVerdict verdict;
    if (accel.kvm) {
        const MeasuredRun host = measure_on_host(db, trace, settings, 1);
        verdict = judge_clock(run, &host);
    } else {
        verdict = judge_clock(run, nullptr);
    }
    run.cycle_accurate = verdict.cycle_accurate;
    run.clock_note = accel.note.empty() ? verdict.note : verdict.note + "; " + accel.note;
    return run;
}

}  // namespace allocsim::engine
