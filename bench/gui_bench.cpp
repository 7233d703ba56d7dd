// allocsim-gui-bench: can the GUI draw at 60 frames a second with 100k live objects
// in a 1 GiB region? It builds the case (100k objects of 16..512 B allocated on four
// CPUs, then 200k events of churn, region=1GiB), seeks a ReplaySession to the end,
// and times, per frame: the worker's part (the core snapshot and one size class's
// slab runs) and the UI's (the arena, the caches and the slab grid painted into
// images, offscreen). A frame must fit in 16.7 ms.
#include <fmt/format.h>

#include <QApplication>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bench/json.h"
#include "bench/number_option.h"
#include "bench/wall_clock.h"
#include "engine/replay/replay_session.h"
#include "gui/arena_view.h"
#include "gui/caches_view.h"
#include "gui/slab_view.h"
#include "traces/event_emitter.h"
#include "traces/trace_writer.h"

using namespace allocsim;
using Clock = bench::WallClock;
using bench::seconds_since;

int main(int argc, char** argv) {
    bool json = false;
    int frames = 60;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--json") json = true;
        else if (a == "--frames" && i + 1 < argc) frames = static_cast<int>(bench::number_option("allocsim-gui-bench", "--frames", argv[++i], {1, 100'000}));
        else if (a == "--help" || a == "-h") {
            fmt::print("usage: allocsim-gui-bench [--frames N] [--json]\n\nTimes the GUI's frames with 100k live objects "
                       "in a 1 GiB region: the worker's snapshot and the views' painting, offscreen.\n");
            return 0;
        } else {
            fmt::print(stderr, "allocsim-gui-bench: unknown argument '{}'\n", a);
            return 2;
        }
    }
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    std::random_device rd;
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("allocsim-gui-bench-{}", rd());
    std::filesystem::create_directories(dir);
    int status = 0;
    bench::Json out = bench::Json::object();
    out["tool"] = "allocsim-gui-bench";
    try {
        const std::string path = (dir / "bench.db").string();
        {
            traces::Database db(path);
            traces::TraceWriter writer(db, "live100k", "gen", "allocsim-gui-bench: 100k live objects, then churn");
            traces::EventEmitter e(writer);
            std::mt19937_64 rng(3);
            std::vector<std::uint64_t> live;
            std::uint64_t next = 0;
            for (int i = 0; i < 100000; ++i) {
                e.alloc(next, 16 + rng() % 497, static_cast<std::uint16_t>(i % 4), traces::kNoTime);
                live.push_back(next++);
            }
            for (int i = 0; i < 100000; ++i) {
                const std::size_t at = rng() % live.size();
                e.free(live[at], static_cast<std::uint16_t>(rng() % 4), traces::kNoTime);
                live[at] = next;
                e.alloc(next++, 16 + rng() % 497, static_cast<std::uint16_t>(rng() % 4), traces::kNoTime);
            }
            writer.commit(e.summary());
        }
        traces::Database db(path);
        engine::ReplaySettings settings;
        settings.region_bytes = 1ull << 30;
        engine::ReplaySession session(db, "live100k", settings);
        session.seek(session.events());
        std::vector<double> worker_ms, paint_ms;
        gui::ArenaView arena;
        gui::CachesView caches;
        gui::SlabGrid slabs;
        arena.setAnimated(false);
        arena.resize(1280, 800);
        caches.resize(700, 260);
        slabs.resize(600, 400);
        QImage a(arena.size(), QImage::Format_RGB32), c(caches.size(), QImage::Format_RGB32), s(slabs.size(), QImage::Format_RGB32);
        std::size_t blocks = 0;
        for (int i = 0; i < frames; ++i) {
            auto t = Clock::now();
            auto f = std::make_shared<gui::Frame>();
            f->position = session.position();
            f->events = session.events();
            f->core = session.snapshot();
            f->slab_class = i % 8;
            f->slab_runs = session.slab_runs(static_cast<std::uint8_t>(i % 8));
            worker_ms.push_back(seconds_since(t) * 1000);
            blocks = f->core.blocks.size();
            t = Clock::now();
            arena.setFrame(f);
            caches.setFrame(f);
            slabs.setFrame(f);
            arena.render(&a);
            caches.render(&c);
            slabs.render(&s);
            paint_ms.push_back(seconds_since(t) * 1000);
        }
        // Zoom and pan: each a new view of the same frame, laid out and painted (the
        // arena alone: nothing else changes). Zoom in and out by a notch about the
        // middle, then pan a row at a time, alternately.
        std::vector<double> view_ms;
        const QPoint middle(arena.width() / 3, arena.height() / 2);
        for (int i = 0; i < frames; ++i) {
            const auto t = Clock::now();
            if (i % 4 < 2) arena.zoomAt(middle, i % 4 == 0 ? 1 : -1);
            else arena.setView(arena.viewFirst() + (i % 4 == 2 ? 1 : -1) * static_cast<std::int64_t>(arena.pagesPerRow()), arena.viewPages());
            arena.render(&a);
            view_ms.push_back(seconds_since(t) * 1000);
        }
        std::sort(view_ms.begin(), view_ms.end());
        // Animating: the same 100k live objects, with a split cascade in motion over
        // them (the trace's deepest split, found by stepping a second session), each
        // frame the arena, the caches and the slabs painted at a later moment of the
        // motion, as the window does at the display's rate.
        std::optional<engine::StepRecord> cascade;
        {
            engine::ReplaySession steps(db, "live100k", settings);
            engine::StepRecord r;
            std::size_t most = 0;
            for (int i = 0; i < 20000 && steps.step(&r); ++i) {
                const auto splits = static_cast<std::size_t>(std::count_if(
                    r.actions.begin(), r.actions.end(), [](const Action& act) { return act.kind == ActionKind::BuddySplit; }));
                if (splits > most) {
                    most = splits;
                    cascade = r;
                }
            }
        }
        std::vector<double> motion_ms;
        if (cascade) {
            auto f = std::make_shared<gui::Frame>();
            f->position = session.position();
            f->events = session.events();
            f->core = session.snapshot();
            f->slab_runs = session.slab_runs(0);
            f->last = cascade;
            arena.fitTouched();
            arena.setFrame(f);
            caches.setFrame(f);
            slabs.setFrame(f);
            for (int i = 0; i < frames; ++i) {
                const auto t = Clock::now();
                arena.holdMotionAt(i * arena.motionDuration() / frames);
                arena.render(&a);
                caches.render(&c);
                slabs.render(&s);
                motion_ms.push_back(seconds_since(t) * 1000);
            }
            std::sort(motion_ms.begin(), motion_ms.end());
        }
        std::sort(worker_ms.begin(), worker_ms.end());
        std::sort(paint_ms.begin(), paint_ms.end());
        const double worker = worker_ms[worker_ms.size() / 2], paint = paint_ms[paint_ms.size() / 2];
        out["live_objects"] = static_cast<std::uint64_t>(100000);
        out["region_bytes"] = static_cast<std::uint64_t>(1) << 30;
        out["blocks"] = static_cast<std::uint64_t>(blocks);
        out["pages_per_cell"] = static_cast<std::uint64_t>(arena.pagesPerCell());
        out["worker_ms_median"] = worker;
        out["paint_ms_median"] = paint;
        out["worker_ms_max"] = worker_ms.back();
        out["paint_ms_max"] = paint_ms.back();
        out["frames_per_second"] = 1000.0 / (worker + paint);
        if (!motion_ms.empty()) {
            out["animating_paint_ms_median"] = motion_ms[motion_ms.size() / 2];
            out["animating_paint_ms_max"] = motion_ms.back();
            out["animating_frames_per_second"] = 1000.0 / (worker + motion_ms[motion_ms.size() / 2]);
        }
        out["zoom_pan_redraw_ms_median"] = view_ms[view_ms.size() / 2];
        out["zoom_pan_redraw_ms_max"] = view_ms.back();
        if (!json)
            fmt::print("100k live objects, 1 GiB region ({} blocks, {} pages a cell): per frame, snapshot {:.2f} ms "
                       "(max {:.2f}), painting {:.2f} ms (max {:.2f}): {:.0f} frames/s\n",
                       blocks, arena.pagesPerCell(), worker, worker_ms.back(), paint, paint_ms.back(), 1000.0 / (worker + paint));
        if (!json)
            fmt::print("zoom or pan of the arena, laid out and painted: median {:.2f} ms, max {:.2f} ms (target 16)\n",
                       view_ms[view_ms.size() / 2], view_ms.back());
        if (!json && !motion_ms.empty())
            fmt::print("animating a split cascade over them: painting {:.2f} ms (max {:.2f}), with the snapshot {:.0f} "
                       "frames/s (target 60)\n",
                       motion_ms[motion_ms.size() / 2], motion_ms.back(), 1000.0 / (worker + motion_ms[motion_ms.size() / 2]));
    } catch (const std::exception& e) {
        fmt::print(stderr, "allocsim-gui-bench: {}\n", e.what());
        status = 1;
    }
    std::filesystem::remove_all(dir);
    if (status == 0 && json) fmt::print("{}\n", out.dump());
    return status;
}
