#include "engine/measure/kernel_capture.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
#include "engine/measure/measure_plan_builder.h"
#include "engine/replay/region.h"
#include "engine/replay/run_store.h"
#include "engine/replay/settings.h"

namespace allocsim::engine {

namespace {

constexpr std::uint32_t kKernelMaxCpus = 16;  // kernel/smp.h
constexpr int kSuccessStatus = 33;            // isa-debug-exit with kExitSuccess (kernel/console.h)

// A temporary folder, removed with everything in it on scope exit.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "allocsim-capture-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr)
            throw ReplayError(fmt::format("cannot create a temporary folder: {}", std::strerror(errno)));
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const char* name) const { return (std::filesystem::path(path_) / name).string(); }

private:
    std::string path_;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

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

MeasuredRun capture_once(traces::Database& db, const std::string& trace, const ReplaySettings& settings,
                         const CaptureOptions& options, const CaptureProgress& progress) {
    const std::string kernel = options.kernel.empty() ? default_kernel_image() : options.kernel;
    if (access(kernel.c_str(), R_OK) != 0)
        throw ReplayError(fmt::format("{}: no kernel image (it is built with allocsim: cmake --build build)", kernel));
    const bool kvm = options.accel == Accel::Kvm || (options.accel == Accel::Auto && kvm_usable());
    if (options.accel == Accel::Kvm && !kvm_usable())
        throw ReplayError("--accel kvm: /dev/kvm is not usable here (use --accel tcg or auto)");
    if (kvm && options.icount) throw ReplayError("--icount needs TCG: it cannot be used with KVM");

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
        args.insert(args.end(), {"-accel", "kvm", "-cpu", "host"});
    } else if (options.icount) {
        args.insert(args.end(), {"-accel", "tcg", "-icount", "shift=0"});
    } else {
        // Multi-threaded TCG: the CPUs really run at once.
        args.insert(args.end(), {"-accel", smp > 1 ? "tcg,thread=multi" : "tcg"});
    }

    const auto started = std::chrono::system_clock::now();
    const auto wall_start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) throw ReplayError(fmt::format("cannot start QEMU: {}", std::strerror(errno)));
    if (pid == 0) {
        const int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execvp(argv[0], argv.data());
        std::fprintf(stderr, "allocsim capture: cannot run %s: %s\n", argv[0], std::strerror(errno));
        _exit(127);
    }
    int status = 0;
    bool timed_out = false;
    std::uint64_t shown = 0;
    for (;;) {
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) throw ReplayError(fmt::format("waiting for QEMU: {}", std::strerror(errno)));
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
        if (elapsed > options.timeout_seconds) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            timed_out = true;
            break;
        }
        if (progress) {
            shown = std::max(shown, last_progress(read_tail(out_file, 4096)));
            progress(shown, plan.ops.size());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    const std::string output = read_file(out_file);
    if (timed_out)
        throw ReplayError(fmt::format("QEMU still running after {} s: killed. The kernel's last lines:\n{}",
                                      options.timeout_seconds, last_lines(output, 5)));
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 127 && output.empty()) throw ReplayError(fmt::format("cannot run {} (is QEMU installed? scripts/setup.sh installs it)", options.qemu));
    if (code != kSuccessStatus)
        throw ReplayError(fmt::format("the kernel failed (QEMU status {}{}). Its last lines:\n{}", code,
                                      code == 0 ? ", a triple fault or a reset" : "", last_lines(output, 8)));

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
    const std::uint32_t repeats = options.repeats == 0 ? 1 : options.repeats;
    std::vector<MeasuredRun> runs;
    for (std::uint32_t i = 0; i < repeats; ++i) {
        runs.push_back(capture_once(db, trace, settings, options, [&](std::uint64_t done, std::uint64_t total) {
            if (progress) progress(i * total + done, repeats * total);
        }));
    }
    return combine_repeats(std::move(runs));
}

}  // namespace allocsim::engine
