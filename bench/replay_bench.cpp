// allocsim-replay-bench: the replay end to end (SQLite -> events -> core -> cost
// model -> summary) on one core, and where its time goes.
//
// For each size (1M, then 10M events of a generated workload) it times: reading the
// trace alone (TraceReader, decoding every event), the whole replay (its region
// sized from the peak live bytes stored with the trace), and reports the process's
// peak RSS after each size: the replay streams, so memory follows the live objects, not the trace.
// The target: >= 20M events/s end to end on the 10M-event trace.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "bench/generated_trace.h"
#include "bench/json.h"
#include "bench/number_option.h"
#include "bench/wall_clock.h"
#include "engine/replay/replayer.h"
#include "traces/trace_reader.h"

using namespace allocsim;
using Clock = bench::WallClock;
using bench::peak_rss_kib;
using bench::seconds_since;

namespace {

constexpr const char* kHelp =
    "usage: allocsim-replay-bench [--workload NAME] [--sizes N,N,...] [--json]\n\n"
    "Times the replay end to end on generated traces (default larson, 1M then 10M events):\n"
    "reading the trace alone, and the whole replay; peak RSS after each size.\n";

}  // namespace

int main(int argc, char** argv) {
    std::string workload = "larson";
    std::vector<std::uint64_t> sizes = {1'000'000, 10'000'000};
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
        } else if (a == "--sizes" && i + 1 < argc) {
            sizes.clear();
            std::string list = argv[++i];
            for (std::size_t pos = 0; pos <= list.size();) {
                const std::size_t comma = std::min(list.find(',', pos), list.size());
                sizes.push_back(bench::number_option("allocsim-replay-bench", "--sizes",
                                                     list.substr(pos, comma - pos).c_str(), {1, 1'000'000'000}));
                pos = comma + 1;
            }
        } else {
            fmt::print(stderr, "allocsim-replay-bench: unknown argument '{}'\n{}", a, kHelp);
            return 2;
        }
    }

    std::random_device rd;
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("allocsim-replay-bench-{}", rd());
    std::filesystem::create_directories(dir);
    bench::Json out = bench::Json::object();
    out["tool"] = "allocsim-replay-bench";
    out["workload"] = workload;
    int status = 0;
    try {
        const std::string path = (dir / "bench.db").string();
        for (const std::uint64_t n : sizes) {
            const std::string name = fmt::format("{}-{}", workload, n);
            bench::generate_trace(path, name, workload, n);
            traces::Database db(path);
            bench::Json& row = out["sizes"][std::to_string(n)];
            auto t = Clock::now();
            std::uint64_t read = 0;
            {
                traces::TraceReader reader(db, name);
                std::vector<traces::TraceEvent> chunk;
                while (reader.next_chunk(chunk)) read += chunk.size();
            }
            const double read_s = seconds_since(t);
            t = Clock::now();
            const engine::ReplayResult r = engine::replay(db, name, engine::ReplaySettings{});
            const double replay_s = seconds_since(t);
            row["events"] = r.summary.events;
            row["read_events_per_second"] = static_cast<double>(read) / read_s;
            row["replay_seconds"] = replay_s;
            row["replay_events_per_second"] = static_cast<double>(r.summary.events) / replay_s;
            row["peak_rss_kib_after"] = peak_rss_kib();
            row["peak_live_bytes"] = r.summary.peak_live_bytes;
            row["region_bytes"] = r.summary.region_bytes;
            if (!json)
                fmt::print("{:>11} events: read {:6.1f} M ev/s; replay {:5.2f} s = {:5.2f} M ev/s end to end; "
                           "peak RSS {:.1f} MiB (peak live {:.1f} MiB, region {} MiB reserved)\n",
                           r.summary.events, static_cast<double>(read) / read_s / 1e6, replay_s,
                           static_cast<double>(r.summary.events) / replay_s / 1e6,
                           static_cast<double>(peak_rss_kib()) / 1024,
                           static_cast<double>(r.summary.peak_live_bytes) / (1 << 20), r.summary.region_bytes >> 20);
        }
    } catch (const std::exception& e) {
        fmt::print(stderr, "allocsim-replay-bench: {}\n", e.what());
        status = 1;
    }
    std::filesystem::remove_all(dir);
    if (status == 0 && json) fmt::print("{}\n", out.dump());
    return status;
}
