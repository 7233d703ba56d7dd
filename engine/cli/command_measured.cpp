// allocsim capture and allocsim measure: the measured runs. Both replay the trace's
// measure plan through the real core with every operation timed: capture in the
// kernel under QEMU (engine/measure/kernel_capture.h), measure on pinned host
// threads (engine/measure/host_measure.h). The run is stored for compare and
// calibrate.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "alloc/measure/op_profile.h"
#include "engine/cli/commands.h"
#include "engine/cli/progress.h"
#include "engine/measure/comparison.h"
#include "engine/measure/host_measure.h"
#include "engine/measure/kernel_capture.h"
#include "engine/measure/measured_run.h"
#include "engine/replay/settings.h"
#include "traces/import_error.h"

namespace allocsim::cli {

namespace {

constexpr const char* kCaptureHelp =
    "usage: allocsim capture --trace NAME [--cpus N] [--accel auto|kvm|tcg] [--icount] [--repeat K]\n"
    "                        [--kernel FILE] [--timeout SECONDS] [--model FILE] [--set KEY=VALUE ...]\n"
    "                        [--label TEXT] [--db FILE] [--json]\n\n"
    "Boots the allocsim kernel under QEMU, replays the trace through the same core on\n"
    "the emulated CPUs with every operation timed by RDTSC, and stores the records as\n"
    "a measured run (allocsim runs --measured lists them; compare reads them).\n"
    "  --trace NAME      the trace (allocsim traces lists them)\n"
    "  --cpus N          QEMU's CPUs (-smp N, at most 16); the trace's CPUs are folded onto\n"
    "                    them (default: one per trace CPU). The core keeps one ThreadCache\n"
    "                    per trace CPU (after --set cpus=..) whatever N is\n"
    "  --accel A         kvm, tcg (software emulation) or auto: KVM when /dev/kvm is usable\n"
    "                    and a CPU model boots the kernel (probed: -cpu host, then\n"
    "                    host,-arch-capabilities, then QEMU's default; the run says which)\n"
    "  --icount          deterministic virtual time under TCG (-icount shift=0): one cycle\n"
    "                    per instruction, the same records on every run\n"
    "  --repeat K        boot K times and keep each operation's median cycles (default 1)\n"
    "  --kernel FILE     the kernel image (default: allocsim-kernel beside this program)\n"
    "  --timeout S       kill QEMU after S seconds (default 600) and report it\n"
    "  --model FILE, --set KEY=VALUE   the core's configuration, as for replay\n"
    "  --label TEXT      a note stored with the run\n"
    "  --db FILE         the database (default allocsim.db)\n"
    "  --json            print the stored run as one JSON object\n"
    "Every run is judged: whether its ticks are cycles (not under TCG or icount, nor under\n"
    "KVM where RDTSC traps: a nested host), with the reason; calibrate refuses those.\n"
    "docs/KERNEL.md says what a cycle means under TCG, icount and KVM.\n";

constexpr const char* kMeasureHelp =
    "usage: allocsim measure --trace NAME [--threads N] [--repeat K] [--model FILE] [--set KEY=VALUE ...]\n"
    "                        [--label TEXT] [--db FILE] [--json]\n\n"
    "Replays the trace through the core on real host threads, each pinned to its own\n"
    "core, with every operation timed by RDTSC, and stores the records as a measured run:\n"
    "measured costs on real hardware (allocsim compare and calibrate read them).\n"
    "  --trace NAME      the trace (allocsim traces lists them)\n"
    "  --threads N       threads (default: one per trace CPU, at most the usable cores); the\n"
    "                    trace's CPUs are folded onto them, each keeping its own ThreadCache\n"
    "  --repeat K        replay K times, each on a fresh core, and keep each operation's\n"
    "                    median cycles: a noisy machine's scatter mostly goes (default 1)\n"
    "  --model FILE, --set KEY=VALUE   the core's configuration, as for replay\n"
    "  --label TEXT      a note stored with the run\n"
    "  --db FILE         the database (default allocsim.db)\n"
    "  --json            print the stored run as one JSON object\n";

// The core's configuration for a measured run: --model FILE, then each --set. (Not
// the replay's other options: capture's --cpus is QEMU's, not the model's.)
engine::ReplaySettings measured_settings(const Arguments& args) {
    engine::ReplaySettings settings;
    try {
        if (const auto model = args.value("model")) engine::load_settings_file(settings, *model);
        for (const std::string& kv : args.values("set")) engine::apply_setting_arg(settings, kv);
        engine::validate(settings);
    } catch (const engine::SettingError& e) {
        throw UsageError(e.what());
    }
    return settings;
}

// Per class of what the core did: events and the median and p90 of the cycles.
void print_measured_run(const engine::MeasuredRun& run, std::int64_t id) {
    std::map<std::string, std::vector<std::uint32_t>> by_class;
    for (const measure::MeasuredOp& m : run.ops) {
        by_class[engine::op_class_label(m.kinds, m.splits)].push_back(m.cycles);
    }
    std::vector<std::pair<std::string, std::vector<std::uint32_t>>> rows(by_class.begin(), by_class.end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
    fmt::print("measured '{}' ({} events) on {} {} runner(s){}, cycles: {}; timer overhead {} cycles subtracted; {:.2f} s\n",
               run.trace, run.ops.size(), run.runners, run.source,
               run.repeats > 1 ? fmt::format(", median of {} replays", run.repeats) : "", run.clock, run.timer_overhead,
               run.wall_seconds);
    if (!run.qemu_cpu.empty())
        fmt::print("KVM with {}\n", run.qemu_cpu == "default" ? "QEMU's default CPU model" : "-cpu " + run.qemu_cpu);
    if (run.cycle_accurate) fmt::print("cycle-accurate: {}\n", run.clock_note);
    else fmt::print("NOT cycle-accurate: {}\n", run.clock_note);
    fmt::print("\n  {:<16} {:>10} {:>10} {:>10}\n", "class", "events", "p50", "p90");
    for (auto& [name, cycles] : rows) {
        std::sort(cycles.begin(), cycles.end());
        fmt::print("  {:<16} {:>10} {:>10} {:>10}\n", name, cycles.size(), cycles[(cycles.size() - 1) / 2],
                   cycles[std::min(cycles.size() - 1, cycles.size() * 9 / 10)]);
    }
    fmt::print("\nstored as measured run {} (allocsim compare --measured {})\n", id, id);
}

void print_json(const engine::MeasuredRun& run, std::int64_t id) {
    fmt::print("{{\"measured_run\":{},\"trace\":{},\"source\":\"{}\",\"clock\":\"{}\",\"runners\":{},\"events\":{},"
               "\"repeats\":{},\"timer_overhead\":{},\"wall_seconds\":{:.3f},\"actions\":{},\"cycle_accurate\":{},"
               "\"clock_note\":{},\"qemu_cpu\":{}}}\n",
               id, json_string(run.trace), run.source, run.clock, run.runners, run.ops.size(), run.repeats, run.timer_overhead,
               run.wall_seconds, engine::actions_json(run.actions), run.cycle_accurate ? "true" : "false",
               json_string(run.clock_note), json_string(run.qemu_cpu));
}

// Runs `take` (`what` is "capture" or "measure") on the trace with a progress line
// over `passes` times its events, and stores the run with --label. A ReplayError
// becomes an error naming the trace.
template <class Take>
std::pair<engine::MeasuredRun, std::int64_t> take_and_store(const Arguments& args, const std::string& trace,
                                                            const std::string& what, const std::string& doing,
                                                            std::uint64_t passes, Take&& take) {
    traces::Database db(args.value_or("db", kDefaultDb), traces::Database::Mode::Existing);
    Progress progress(doing + " " + trace, require_trace(db, trace).events * passes, "ops");
    engine::MeasuredRun run;
    try {
        run = take(db, [&](std::uint64_t done, std::uint64_t) { progress.update(done); });
    } catch (const engine::ReplayError& e) {
        throw traces::TraceError(fmt::format("{} of '{}': {}", what, trace, e.what()));
    }
    progress.finish();
    run.label = args.value_or("label", "");
    const std::int64_t id = engine::store_measured_run(db, run);
    return {std::move(run), id};
}

}  // namespace

int command_capture(int argc, char** argv) {
    const Arguments args(argc, argv, {"db", "trace", "cpus", "accel", "kernel", "timeout", "model", "set", "label", "repeat"},
                         {"icount", "json", "help"});
    const auto trace = trace_option(args, kCaptureHelp);
    if (!trace) return 0;
    engine::CaptureOptions options;
    options.cpus = static_cast<std::uint32_t>(args.number_or("cpus", 0, 1, 16));
    options.icount = args.flag("icount");
    options.repeats = static_cast<std::uint32_t>(args.number_or("repeat", 1, 1, 1000));
    options.kernel = args.value_or("kernel", "");
    options.timeout_seconds = static_cast<double>(args.number_or("timeout", 600, 1, 86400));
    const std::string accel = args.value_or("accel", "auto");
    if (accel == "auto") options.accel = engine::Accel::Auto;
    else if (accel == "kvm") options.accel = engine::Accel::Kvm;
    else if (accel == "tcg") options.accel = engine::Accel::Tcg;
    else throw UsageError(fmt::format("--accel: '{}' is not auto, kvm or tcg", accel));
    const engine::ReplaySettings settings = measured_settings(args);
    const auto [run, id] = take_and_store(args, *trace, "capture", "capturing", options.repeats, [&](traces::Database& db, const auto& progress) {
        return engine::capture_in_kernel(db, *trace, settings, options, progress);
    });
    if (args.flag("json")) {
        print_json(run, id);
        return 0;
    }
    // The channel's speed, as the kernel timed it: "streamed B bytes in C cycles".
    if (const auto at = run.kernel_log.rfind("streamed "); at != std::string::npos)
        fmt::print("kernel: {}\n", run.kernel_log.substr(at, run.kernel_log.find('\n', at) - at));
    print_measured_run(run, id);
    return 0;
}

int command_measure(int argc, char** argv) {
    const Arguments args(argc, argv, {"db", "trace", "threads", "model", "set", "label", "repeat"}, {"json", "help"});
    const auto trace = trace_option(args, kMeasureHelp);
    if (!trace) return 0;
    const auto threads = static_cast<std::uint32_t>(args.number_or("threads", 0, 1, 1024));
    const auto repeats = static_cast<std::uint32_t>(args.number_or("repeat", 1, 1, 1000));
    const engine::ReplaySettings settings = measured_settings(args);
    const auto [run, id] = take_and_store(args, *trace, "measure", "measuring", repeats, [&](traces::Database& db, const auto& progress) {
        return engine::measure_on_host(db, *trace, settings, threads, repeats, progress);
    });
    if (args.flag("json")) print_json(run, id);
    else print_measured_run(run, id);
    return 0;
}

}  // namespace allocsim::cli
