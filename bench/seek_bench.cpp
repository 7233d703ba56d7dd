// allocsim-seek-bench: seeking in a ReplaySession (engine/replay/replay_session.h),
// the GUI's replay, on a generated trace (default larson, 10M events).
//
// It times building the checkpoints (one pass over the trace), then random seeks,
// backward and forward, each to a random event, and reports the median and the
// worst. The target: any event of a 10M-event trace in <= 200 ms.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench/generated_trace.h"
#include "bench/json.h"
#include "bench/number_option.h"
#include "bench/wall_clock.h"
#include "engine/replay/replay_session.h"

using namespace allocsim;
using Clock = bench::WallClock;
using bench::peak_rss_kib;
using bench::seconds_since;

namespace {

constexpr const char* kHelp =
    "usage: allocsim-seek-bench [--workload NAME] [--events N] [--seeks N] [--json]\n\n"
    "Times random seeks in the GUI's replay session on a generated trace (default larson,\n"
    "10M events, 50 seeks): building the checkpoints first, then each seek.\n";

}  // namespace

int main(int argc, char** argv) {
    std::string workload = "larson";
    std::uint64_t events = 10'000'000;
    int seeks = 50;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            fmt::print("{}", kHelp);
            return 0;
        } else if (a == "--json") {
            json = true;
        } else if (a == "--workload" && i + 1 < argc) {
            workload = argv[++i];
        } else if (a == "--events" && i + 1 < argc) {
            events = bench::number_option("allocsim-seek-bench", "--events", argv[++i], {1, 1'000'000'000});
        } else if (a == "--seeks" && i + 1 < argc) {
            seeks = static_cast<int>(bench::number_option("allocsim-seek-bench", "--seeks", argv[++i], {1, 1'000'000}));
        } else {
            fmt::print(stderr, "allocsim-seek-bench: unknown argument '{}'\n{}", a, kHelp);
            return 2;
        }
    }
    std::random_device rd;
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("allocsim-seek-bench-{}", rd());
    std::filesystem::create_directories(dir);
    bench::Json out = bench::Json::object();
    out["tool"] = "allocsim-seek-bench";
    out["workload"] = workload;
    int status = 0;
    try {
        const std::string path = (dir / "bench.db").string();
        bench::generate_trace(path, workload, workload, events);
        traces::Database db(path);
        auto t = Clock::now();
        engine::ReplaySession session(db, workload, engine::ReplaySettings{});
        const double open_s = seconds_since(t);
        t = Clock::now();
        session.build_checkpoints();
        const double build_s = seconds_since(t);
        std::mt19937_64 rng(1);
        std::vector<double> ms;
        for (int i = 0; i < seeks; ++i) {
            const std::uint64_t to = rng() % (session.events() + 1);
            t = Clock::now();
            session.seek(to);
            ms.push_back(seconds_since(t) * 1000);
            if (session.position() != to) throw std::runtime_error(fmt::format("seek to {} ended at {}", to, session.position()));
        }
        std::sort(ms.begin(), ms.end());
        out["events"] = session.events();
        out["open_seconds"] = open_s;
        out["checkpoints"] = static_cast<std::uint64_t>(session.checkpoints());
        out["checkpoint_interval"] = session.checkpoint_interval();
        out["checkpoint_mib"] = static_cast<double>(session.checkpoint_bytes()) / (1 << 20);
        out["build_seconds"] = build_s;
        out["seek_ms_median"] = ms[ms.size() / 2];
        out["seek_ms_max"] = ms.back();
        out["peak_rss_kib"] = peak_rss_kib();
        if (!json)
            fmt::print("{} events of {}: checkpoints every {} events ({} of them, {:.1f} MiB) built in {:.2f} s; "
                       "{} random seeks: median {:.1f} ms, worst {:.1f} ms; peak RSS {:.0f} MiB\n",
                       session.events(), workload, session.checkpoint_interval(), session.checkpoints(),
                       static_cast<double>(session.checkpoint_bytes()) / (1 << 20), build_s, seeks, ms[ms.size() / 2],
                       ms.back(), static_cast<double>(peak_rss_kib()) / 1024);
    } catch (const std::exception& e) {
        fmt::print(stderr, "allocsim-seek-bench: {}\n", e.what());
        status = 1;
    }
    std::filesystem::remove_all(dir);
    if (status == 0 && json) fmt::print("{}\n", out.dump());
    return status;
}
