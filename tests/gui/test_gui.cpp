// The GUI against the engine: the event log model holds the trace's events and
// filters exactly; the main window, seeking backward and forward on its worker
// thread, shows the state a straight replay reaches; a screenshot of the arena after
// a known split cascade shows the halves it left, in their order's colour.
#include <doctest/doctest.h>

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QSignalSpy>
#include <QImage>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QMimeData>
#include <QSet>
#include <QUrl>
#include <QWheelEvent>
#include <QDockWidget>
#include <QTableView>

#include <algorithm>
#include <bit>
#include <memory>
#include <random>

#include "tests/engine/generated_db.h"

#include "engine/measure/comparison.h"
#include "engine/measure/host_measure.h"
#include "engine/measure/measured_run.h"
#include "engine/measure/modeled_ops.h"
#include "engine/replay/replay_session.h"
#include "engine/replay/replayer.h"
#include "engine/replay/run_store.h"
#include "engine/replay/settings.h"
#include "gui/arena_view.h"
#include "gui/breakpoint.h"
#include "gui/caches_view.h"
#include "gui/event_log_model.h"
#include "gui/footprint_causes.h"
#include "gui/free_list_model.h"
#include "gui/main_window.h"
#include "gui/window_driver.h"
#include "gui/measured_view.h"
#include "gui/palette.h"
#include "gui/timeline_view.h"
#include "traces/trace_reader.h"

using namespace allocsim;
using namespace allocsim::gui;

namespace {

QString db_path(engine::test::GeneratedDb& t) { return QString::fromStdString(t.db().path()); }

// The event log model on a trace, its rows read at once when it asks (in the window
// the worker reads them, later).
void open_rows(EventLogModel& model, engine::test::GeneratedDb& t, const std::string& trace) {
    auto events = std::make_shared<engine::catalog::TraceEvents>(t.db().path(), trace);
    model.reset(events->events());
    model.setSource([&model, events](std::uint64_t first) {
        auto rows = std::make_shared<std::vector<engine::catalog::TraceEvent>>();
        for (std::uint64_t i = first; i < std::min(events->events(), first + EventLogModel::kChunk); ++i) rows->push_back(events->at(i));
        model.addRows(first, rows);
    });
}

}  // namespace

TEST_CASE("event log model: the trace's events, row by row, filters keep exactly the matching events") {
    engine::test::GeneratedDb t;
    t.generate("mix", "mixed-stress", 3, 9000);
    EventLogModel model;
    // Qt's own checks of the model's contract, on every change it signals.
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    open_rows(model, t, "mix");
    REQUIRE(static_cast<std::uint64_t>(model.rowCount()) == t.events("mix"));
    traces::TraceReader reader(t.db(), "mix");
    std::vector<traces::TraceEvent> all, chunk;
    while (reader.next_chunk(chunk)) all.insert(all.end(), chunk.begin(), chunk.end());
    // Rows far apart, so that the model's chunk cache turns over.
    for (const int row : {0, 1, 4000, 1999, 2000, 8999 % static_cast<int>(all.size()), 17, 6000}) {
        const auto& e = all[static_cast<std::size_t>(row)];
        CHECK(model.data(model.index(row, EventLogModel::Index), Qt::DisplayRole).toULongLong() == static_cast<qulonglong>(row));
        CHECK(model.data(model.index(row, EventLogModel::Object), Qt::DisplayRole).toULongLong() == e.object);
        CHECK(model.data(model.index(row, EventLogModel::Cpu), Qt::DisplayRole).toInt() == e.cpu);
        CHECK(model.data(model.index(row, EventLogModel::Op), Qt::DisplayRole).toString() == QString::fromLatin1(traces::op_name(e.op)));
    }

    engine::ReplaySession session(t.db(), "mix", engine::ReplaySettings{});
    session.build_checkpoints();
    auto overview = std::make_shared<engine::TraceOverview>(session.overview());
    model.setOverview(overview);
    const int split = static_cast<int>(ActionKind::BuddySplit);
    model.setFilter(-1, -1, split);
    std::uint64_t expected = 0;
    for (const std::uint32_t k : overview->kinds) expected += (k >> split) & 1u;
    REQUIRE(expected > 0);
    CHECK(static_cast<std::uint64_t>(model.rowCount()) == expected);
    for (int row = 0; row < model.rowCount(); ++row) {
        const std::uint64_t e = model.eventAt(row);
        CHECK(((overview->kinds[e] >> split) & 1u) != 0);
        CHECK(model.data(model.index(row, EventLogModel::Actions), Qt::DisplayRole).toString().contains(QStringLiteral("buddy_split")));
    }
    model.setFilter(1, static_cast<int>(traces::Op::Free), -1);
    for (int row = 0; row < model.rowCount(); ++row) {
        const std::uint64_t e = model.eventAt(row);
        CHECK(overview->cpu[e] == 1);
        CHECK(all[e].op == traces::Op::Free);
    }
    CHECK(model.rowCount() > 0);
    model.setFilter(-1, -1, -1);
    CHECK(static_cast<std::uint64_t>(model.rowCount()) == all.size());
}

TEST_CASE("event log model: a run in simulated-time order lists its operations in the order they ran") {
    engine::test::GeneratedDb t;
    t.generate("mix", "mixed-stress", 3, 9000);
    engine::ReplaySettings s;
    s.order = engine::ReplayOrder::Time;
    s.loop = engine::LoopMode::Closed;
    engine::ReplaySession session(t.db(), "mix", s);
    REQUIRE(session.time_order());
    session.build_checkpoints();
    auto overview = std::make_shared<engine::TraceOverview>(session.overview());
    REQUIRE(overview->seq.size() == t.events("mix"));
    traces::TraceReader reader(t.db(), "mix");
    std::vector<traces::TraceEvent> all, chunk;
    while (reader.next_chunk(chunk)) all.insert(all.end(), chunk.begin(), chunk.end());
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    open_rows(model, t, "mix");
    model.setOverview(overview);
    int moved = 0;
    for (int row = 0; row < model.rowCount(); row += 7) {
        const std::uint64_t seq = overview->seq[static_cast<std::size_t>(row)];
        moved += seq != static_cast<std::uint64_t>(row);
        CHECK(model.data(model.index(row, EventLogModel::Index), Qt::DisplayRole).toULongLong() == seq);
        CHECK(model.data(model.index(row, EventLogModel::Object), Qt::DisplayRole).toULongLong() == all[seq].object);
        CHECK(model.data(model.index(row, EventLogModel::Op), Qt::DisplayRole).toString() ==
              QString::fromLatin1(traces::op_name(all[seq].op)));
    }
    CHECK(moved > 0);  // the orders differ, and the log shows the simulated one
    // The highlighted row is the current step's.
    model.setCurrent(100);
    CHECK(model.data(model.index(100, 0), Qt::BackgroundRole).isValid());
    CHECK_FALSE(model.data(model.index(101, 0), Qt::BackgroundRole).isValid());
}

TEST_CASE("main window: seeking backward and forward shows the state of a straight replay") {
    engine::test::GeneratedDb t;
    t.generate("lar", "larson", 2, 150000);
    MainWindow window(true);
    window.resize(1200, 800);
    window.show();
    // Qt's own checks of both item models, through every seek's resets.
    QAbstractItemModelTester free_lists_tester(window.freeLists(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester log_tester(window.log(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    REQUIRE(window.openTrace(db_path(t), QStringLiteral("lar")));
    engine::ReplaySession straight(t.db(), "lar", engine::ReplaySettings{});
    std::vector<std::uint64_t> at = {140000, 5, 70000, 1, 69999, 150000 / 2, t.events("lar"), 0, 100000};
    std::vector<std::uint64_t> sorted = at;
    std::sort(sorted.begin(), sorted.end());
    std::map<std::uint64_t, engine::CoreSnapshot> expected;
    for (const std::uint64_t p : sorted) {
        straight.seek(p);
        expected[p] = straight.snapshot();
    }
    for (const std::uint64_t p : at) {
        REQUIRE(drive::seek(window, p));
        CAPTURE(p);
        REQUIRE(window.frame() != nullptr);
        CHECK(window.frame()->position == p);
        CHECK(window.frame()->core == expected[p]);
        // The free-list model shows the straight replay's lists, block by block, in order.
        const FreeListModel& lists = *window.freeLists();
        const engine::CoreSnapshot& want = expected[p];
        REQUIRE(lists.rowCount() == static_cast<int>(want.free_lists.size()));
        for (int k = 0; k < lists.rowCount(); ++k) {
            const QModelIndex order = lists.index(k, 0);
            REQUIRE(lists.rowCount(order) == static_cast<int>(want.free_lists[static_cast<std::size_t>(k)].size()));
            for (int b = 0; b < lists.rowCount(order); ++b)
                CHECK(lists.data(lists.index(b, FreeListModel::Page, order), Qt::DisplayRole).toUInt() ==
                      want.free_lists[static_cast<std::size_t>(k)][static_cast<std::size_t>(b)]);
        }
        // Landing on an event shows it with its actions.
        if (p > 0) {
            REQUIRE(window.frame()->last.has_value());
            CHECK(window.frame()->last->index == p - 1);
        }
    }
}

TEST_CASE("arena screenshot after a split cascade: the halves it left, each in its order's colour") {
    engine::test::GeneratedDb t;
    t.generate("mix", "mixed-stress", 2, 6000);
    // The first event whose one buddy allocation split a block at least twice (with a
    // second allocation in the same event, that one could take a free half).
    engine::ReplaySession probe(t.db(), "mix", engine::ReplaySettings{});
    engine::StepRecord r;
    std::uint64_t event = ~std::uint64_t{0};
    std::vector<Action> splits;
    const std::uintptr_t probe_begin = probe.snapshot().usable_begin;  // the probe's own region
    while (probe.step(&r)) {
        splits.clear();
        int allocations = 0;
        for (const Action& a : r.actions) {
            if (a.kind == ActionKind::BuddySplit) splits.push_back(a);
            allocations += a.kind == ActionKind::BuddyAlloc;
        }
        if (splits.size() >= 2 && allocations == 1) {
            event = r.index;
            break;
        }
    }
    REQUIRE(event != ~std::uint64_t{0});
    MainWindow window(true);
    window.resize(1400, 900);
    window.show();
    REQUIRE(window.openTrace(db_path(t), QStringLiteral("mix")));
    REQUIRE(drive::seek(window, event + 1));
    REQUIRE(window.frame()->last.has_value());
    CHECK(window.frame()->last->index == event);
    auto* arena = static_cast<ArenaView*>(window.view(QStringLiteral("arena")));
    QApplication::processEvents();
    const QImage image = arena->grab().toImage();
    // Not blank: many colours.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3) colours.insert(image.pixel(x, y));
    CHECK(colours.size() > 8);
    // Each split of order k left its upper half, of order k-1, free (the lower half
    // split further or was taken): the snapshot has it, and the screenshot shows it in
    // the free colour of order k-1.
    const engine::CoreSnapshot& core = window.frame()->core;
    const double scale = image.width() / static_cast<double>(arena->width());
    int checked = 0;
    for (const Action& a : splits) {
        const int order = static_cast<int>(index_of(a.order)) - 1;
        const std::uint32_t upper = static_cast<std::uint32_t>((a.address - probe_begin) / core.page_bytes) + (1u << order);
        const auto it = std::find_if(core.blocks.begin(), core.blocks.end(), [&](const engine::BlockInfo& b) { return b.first_page == upper; });
        REQUIRE(it != core.blocks.end());
        CHECK(it->state == engine::BlockState::Free);
        CHECK(it->order == order);
        if (arena->pagesPerCell() > (1 << order)) continue;  // too small to see at this size
        const QPoint centre = arena->cellForPage(upper).center();
        const QColor shown = image.pixelColor(static_cast<int>(centre.x() * scale), static_cast<int>(centre.y() * scale));
        CAPTURE(order);
        CAPTURE(upper);
        // As 8-bit RGB: the QColor from HSV keeps more precision than a pixel has.
        CHECK(shown.rgb() == palette::free_block(order, static_cast<int>(core.max_order)).rgb());
        ++checked;
    }
    CHECK(checked > 0);
}

TEST_CASE("breakpoints: parsed term by term, refused with the reason, matched as the fields say") {
    std::string error;
    CHECK_FALSE(Breakpoint::parse("", error));
    CHECK_FALSE(Breakpoint::parse("colour=3", error));
    CHECK(error.find("'colour' is not a field") != std::string::npos);
    CHECK_FALSE(Breakpoint::parse("size>big", error));
    CHECK(error == "'size>big': size: 'big' is not a whole number in 0..2^63-1");
    CHECK_FALSE(Breakpoint::parse("cpu=65536", error));
    CHECK(error == "'cpu=65536': cpu: '65536' is not a whole number in 0..65535");
    CHECK_FALSE(Breakpoint::parse("cpu=-1", error));
    CHECK(error == "'cpu=-1': cpu: '-1' is not a whole number in 0..65535");
    CHECK_FALSE(Breakpoint::parse("op=grow", error));
    CHECK_FALSE(Breakpoint::parse("action>buddy_split", error));
    CHECK_FALSE(Breakpoint::parse("cpu 3", error));

    engine::StepRecord r;
    r.event.op = traces::Op::Alloc;
    r.event.size = 2048;
    r.span.cpu = 2;
    r.span.start = 100;
    r.span.end = 350;
    r.actions.push_back(Action{ActionKind::CacheMiss, CpuId{2}});
    Action split{ActionKind::BuddySplit, CpuId{2}};
    split.order = Order{5};
    r.actions.push_back(split);
    const auto yes = [&](const char* text) {
        const auto b = Breakpoint::parse(text, error);
        REQUIRE_MESSAGE(b.has_value(), error);
        return b->matches(r, 4096);
    };
    CHECK(yes("cpu=2 and op=alloc and size>1024"));
    CHECK(yes("size>=2048 && size<=2048 && cycles==250"));
    CHECK(yes("action=cache_miss and order>=5 and live>4000"));
    CHECK(yes("action!=cache_hit and cpu!=1"));
    CHECK_FALSE(yes("cpu=1"));
    CHECK_FALSE(yes("op=free"));
    CHECK_FALSE(yes("size>2048"));
    CHECK_FALSE(yes("action=buddy_coalesce"));
    CHECK_FALSE(yes("order>5"));
    CHECK_FALSE(yes("live<4096"));
}

TEST_CASE("run until: the next split and a breakpoint land on the first event that matches") {
    engine::test::GeneratedDb t;
    t.generate("mix", "mixed-stress", 2, 8000);
    // The answers, by stepping a session and looking.
    engine::ReplaySession probe(t.db(), "mix", engine::ReplaySettings{});
    engine::StepRecord r;
    std::uint64_t first_split = ~std::uint64_t{0}, first_match = ~std::uint64_t{0};
    std::string error;
    const auto condition = Breakpoint::parse("cpu=1 and action=cache_miss and size>256", error);
    REQUIRE(condition.has_value());
    while (probe.step(&r)) {
        if (r.index >= 3000 && first_split == ~std::uint64_t{0})
            for (const Action& a : r.actions)
                if (a.kind == ActionKind::BuddySplit) first_split = r.index;
        if (r.index >= 3000 && first_match == ~std::uint64_t{0} && condition->matches(r, probe.live_bytes())) first_match = r.index;
    }
    REQUIRE(first_split != ~std::uint64_t{0});
    REQUIRE(first_match != ~std::uint64_t{0});
    MainWindow window(true);
    window.show();
    REQUIRE(window.openTrace(db_path(t), QStringLiteral("mix")));
    REQUIRE(drive::seek(window, 3000));
    REQUIRE(drive::run_until(window, StopAt::Split));
    REQUIRE(window.frame()->last.has_value());
    CHECK(window.frame()->last->index == first_split);
    REQUIRE(drive::seek(window, 3000));
    REQUIRE(drive::run_until(window, StopAt::Breakpoint, 0, QStringLiteral("cpu=1 and action=cache_miss and size>256")));
    REQUIRE(window.frame()->last.has_value());
    CHECK(window.frame()->last->index == first_match);
    CHECK_FALSE(drive::run_until(window, StopAt::Breakpoint, 0, QStringLiteral("nonsense")));
}

TEST_CASE("measured dock: each class's histograms hold the events both sides agree on") {
    engine::test::GeneratedDb t;
    t.generate("lar", "larson", 2, 12000);
    engine::MeasuredRun run = engine::measure_on_host(t.db(), "lar", engine::ReplaySettings{}, 1);
    const std::int64_t id = engine::store_measured_run(t.db(), run);
    const engine::Comparison expected =
        engine::compare_runs(engine::model_ops(t.db(), "lar", engine::ReplaySettings{}), engine::load_measured_run(t.db(), id));
    MainWindow window(true);
    window.show();
    REQUIRE(window.openTrace(db_path(t), QStringLiteral("lar")));
    REQUIRE(drive::seek(window, 10));
    REQUIRE(drive::compare_measured(window, id));
    const auto* view = static_cast<MeasuredView*>(window.view(QStringLiteral("measured")));
    REQUIRE(view->histograms() != nullptr);
    const MeasuredHistograms& h = *view->histograms();
    CHECK(h.run == id);
    CHECK(h.clock == "host-tsc");
    std::size_t matched = 0;
    for (const engine::ClassComparison& c : expected.classes) {
        if (c.modeled_events != c.measured_events) continue;  // "lock contended" is not a histogram
        const auto it = std::find_if(h.classes.begin(), h.classes.end(), [&](const ClassHistogram& x) { return x.name == c.name; });
        REQUIRE(it != h.classes.end());
        std::uint64_t modeled = 0, measured = 0;
        for (auto v : it->modeled) modeled += v;
        for (auto v : it->measured) measured += v;
        CHECK(modeled == c.events);
        CHECK(measured == c.events);
        CHECK(it->modeled_p50 == c.modeled_p50);
        ++matched;
    }
    CHECK(matched == h.classes.size());
    // The timeline's overlay: the measured run's mean cycles per operation, bucket by
    // bucket, from its records.
    REQUIRE_FALSE(h.measured_cycles_per_op.empty());
    const engine::MeasuredRun stored = engine::load_measured_run(t.db(), id);
    for (std::size_t b = 0; b < h.measured_cycles_per_op.size(); b += 97) {
        double sum = 0;
        std::uint64_t n = 0;
        for (std::uint64_t i = b * h.bucket_events; i < std::min<std::uint64_t>(stored.ops.size(), (b + 1) * h.bucket_events); ++i) {
            sum += static_cast<double>(stored.ops[i].cycles);
            ++n;
        }
        CAPTURE(b);
        CHECK(h.measured_cycles_per_op[b] == doctest::Approx(n == 0 ? -1 : sum / static_cast<double>(n)));
    }
    CHECK_FALSE(drive::compare_measured(window, id + 5));
}

TEST_CASE("drag and drop: a database dropped on the window opens") {
    engine::test::GeneratedDb t;
    t.generate("pc", "producer-consumer", 2, 3000);
    MainWindow window(true);
    window.show();
    QMimeData data;
    data.setUrls({QUrl::fromLocalFile(db_path(t))});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    CHECK(enter.isAccepted());
    // The worker lists the database's traces, then opens its only one: wait for that.
    QSignalSpy opened(&window, &MainWindow::traceShown);
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &drop);
    REQUIRE(opened.wait(10000));
    CHECK(opened.front().front().toString() == QStringLiteral("pc"));
    REQUIRE(drive::seek(window, 100));
    REQUIRE(window.frame() != nullptr);
    CHECK(window.frame()->events == t.events("pc"));
    CHECK(window.log()->rowCount() == static_cast<int>(t.events("pc")));
}

TEST_CASE("play: each run mode moves the replay on, off the UI thread, until paused") {
    engine::test::GeneratedDb t;
    t.generate("lar", "larson", 2, 400000);
    MainWindow window(true);
    window.show();
    REQUIRE(window.openTrace(db_path(t), QStringLiteral("lar")));
    REQUIRE(drive::seek(window, 0));
    std::uint64_t before = 0;
    for (const RunMode mode : {RunMode::Animated, RunMode::Fast, RunMode::Express}) {
        CAPTURE(static_cast<int>(mode));
        QSignalSpy shown(&window, &MainWindow::positionShown), playing(&window, &MainWindow::playingChanged);
        window.play(mode, mode == RunMode::Animated ? 200 : 100000);
        // The UI thread stays free: it receives the worker's frames while the worker
        // plays (three of them, or the end of the trace).
        while (shown.count() < 3 && shown.wait(5000)) {
        }
        REQUIRE(shown.count() >= 1);
        // Express may well have run to the end (and stopped by itself) by now.
        if (mode != RunMode::Express) CHECK(window.playing());
        window.pause();
        while (window.playing() && playing.wait(2000)) {
        }
        CHECK_FALSE(window.playing());
        REQUIRE(window.frame() != nullptr);
        CHECK(window.frame()->position > before);
        before = window.frame()->position;
    }
    CHECK(before <= t.events("lar"));
}

namespace {

// A window on a generated trace, seeked to the first event whose buddy allocation
// split a block at least `levels` times; the arena from it.
struct ArenaAtCascade {
    engine::test::GeneratedDb t;
    std::unique_ptr<MainWindow> window;
    ArenaView* arena = nullptr;
    std::vector<Action> splits;
    std::uintptr_t probe_begin = 0;

    explicit ArenaAtCascade(int levels) {
        t.generate("mix", "mixed-stress", 2, 6000);
        engine::ReplaySession probe(t.db(), "mix", engine::ReplaySettings{});
        probe_begin = probe.snapshot().usable_begin;
        engine::StepRecord r;
        std::uint64_t event = ~std::uint64_t{0};
        while (probe.step(&r)) {
            splits.clear();
            for (const Action& a : r.actions)
                if (a.kind == ActionKind::BuddySplit) splits.push_back(a);
            if (static_cast<int>(splits.size()) >= levels) {
                event = r.index;
                break;
            }
        }
        REQUIRE(event != ~std::uint64_t{0});
        window = std::make_unique<MainWindow>(true);
        window->resize(1400, 900);
        window->show();
        REQUIRE(window->openTrace(db_path(t), QStringLiteral("mix")));
        REQUIRE(drive::seek(*window, event + 1));
        arena = static_cast<ArenaView*>(window->view(QStringLiteral("arena")));
        QApplication::processEvents();
    }
    std::uint32_t page(const Action& a) const {
        return static_cast<std::uint32_t>((a.address - probe_begin) / window->frame()->core.page_bytes);
    }
};

void send_mouse(QWidget* w, QEvent::Type type, QPoint pos, Qt::MouseButtons buttons) {
    QMouseEvent e(type, QPointF(pos), w->mapToGlobal(QPointF(pos)), Qt::LeftButton, buttons, Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}

}  // namespace

TEST_CASE("arena: the view fits the range in use, zooms about the cursor, pans by a drag, the minimap moves it") {
    ArenaAtCascade at(1);
    ArenaView* arena = at.arena;
    const engine::CoreSnapshot& core = at.window->frame()->core;
    REQUIRE(arena->fitsTouched());
    // The fit: whole max-order blocks from page 0 to past the last block in use.
    const std::uint32_t touched = arena->touchedPages();
    REQUIRE(touched > 0);
    const std::uint32_t span = 1u << core.max_order;
    // (The first row starts on a block boundary, which may be before usable page 0.)
    CHECK(arena->viewFirst() <= 0);
    CHECK(arena->viewFirst() > -static_cast<std::int64_t>(span));
    CHECK(arena->viewPages() == std::min<std::uint32_t>(core.pages, (touched + span - 1) / span * span));
    for (const engine::BlockInfo& b : core.blocks)
        if (b.state != engine::BlockState::Free) CHECK_FALSE(arena->cellForPage(b.first_page).isEmpty());

    // Zoom in twice about a cell: a quarter of the pages, with the page that was under
    // the pointer still in view, at the same place in it (to a row: the view starts on
    // a row boundary).
    const QRect target = arena->cellForPage(touched / 3);
    REQUIRE_FALSE(target.isEmpty());
    const std::uint32_t under = arena->pageAt(target.center());
    REQUIRE(under != ~0u);
    const double place_before = (under - static_cast<double>(arena->viewFirst())) / arena->viewPages();
    const std::uint32_t before = arena->viewPages();
    arena->zoomAt(target.center(), 2);
    CHECK_FALSE(arena->fitsTouched());
    CHECK(arena->viewPages() == std::max<std::uint32_t>(16, before / 4));
    CHECK_FALSE(arena->cellForPage(under).isEmpty());
    const double place_after = (under - static_cast<double>(arena->viewFirst())) / arena->viewPages();
    CHECK(std::abs(place_after - place_before) <= static_cast<double>(arena->pagesPerRow()) / arena->viewPages() + 0.01);
    const auto pages_per_row = [arena] { return arena->pagesPerRow(); };

    // The wheel does the same, one notch a halving.
    const std::uint32_t pages = arena->viewPages();
    QWheelEvent out(QPointF(target.center()), arena->mapToGlobal(QPointF(target.center())), QPoint(), QPoint(0, -120),
                    Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(arena, &out);
    CHECK(arena->viewPages() == std::min<std::uint32_t>(core.pages, pages * 2));

    // A drag up by three cells shows the pages three rows further on.
    arena->setView(0, arena->viewPages());
    const std::int64_t first = arena->viewFirst();
    const QRect c0 = arena->cellForPage(static_cast<std::uint32_t>(std::max<std::int64_t>(0, first)));
    const std::uint32_t per_row = pages_per_row();
    REQUIRE(per_row > 0);
    REQUIRE(per_row < arena->viewPages());
    const QPoint from = arena->cellForPage(static_cast<std::uint32_t>(first + arena->viewPages() / 2)).center();
    send_mouse(arena, QEvent::MouseButtonPress, from, Qt::LeftButton);
    send_mouse(arena, QEvent::MouseMove, from - QPoint(0, 3 * c0.height()), Qt::LeftButton);
    send_mouse(arena, QEvent::MouseButtonRelease, from - QPoint(0, 3 * c0.height()), Qt::NoButton);
    CHECK(arena->viewFirst() == std::min<std::int64_t>(first + 3 * per_row, core.pages - arena->viewPages()));

    // The minimap: a click halfway down centres the view on the region's middle page.
    const QRect m = arena->minimapArea();
    const QPoint mid(m.center().x(), m.top() + m.height() / 2);
    send_mouse(arena, QEvent::MouseButtonPress, mid, Qt::LeftButton);
    send_mouse(arena, QEvent::MouseButtonRelease, mid, Qt::NoButton);
    const double centre = static_cast<double>(arena->viewFirst()) + arena->viewPages() / 2.0;
    CHECK(std::abs(centre - core.pages / 2.0) <= per_row + core.pages / static_cast<double>(m.height()));

    // A double-click fits again.
    QMouseEvent dbl(QEvent::MouseButtonDblClick, QPointF(from), arena->mapToGlobal(QPointF(from)), Qt::LeftButton,
                    Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(arena, &dbl);
    CHECK(arena->fitsTouched());
    CHECK(arena->viewFirst() <= 0);
}

TEST_CASE("arena as a buddy tree: leaves in their state's colour, split nodes dark, the split path outlined") {
    ArenaAtCascade at(2);
    at.window->showBuddyTree(true);
    ArenaView* arena = at.arena;
    REQUIRE(arena->mode() == ArenaView::Mode::Tree);
    const engine::CoreSnapshot& core = at.window->frame()->core;
    const std::uint32_t span = 1u << core.max_order;
    // The tree shows the block the cascade split (blocks are aligned in the buddy's
    // numbering, which starts before usable page 0).
    CHECK(arena->treeBlock() == arena->alignDown(at.page(at.splits.front()), span));
    const std::int64_t offset = static_cast<std::int64_t>((core.usable_begin / core.page_bytes) % span);
    CHECK((arena->treeBlock() + offset) % span == 0);
    QImage image(arena->size(), QImage::Format_RGB32);
    arena->render(&image);
    int leaves = 0;
    for (const engine::BlockInfo& b : core.blocks) {
        if (b.first_page < arena->treeBlock() || b.first_page >= arena->treeBlock() + span) continue;
        if ((b.pages & (b.pages - 1)) != 0) continue;  // exact runs: no node of their own
        const int order = std::countr_zero(b.pages);
        const QRect r = arena->treeNodeRect(order, b.first_page);
        CAPTURE(b.first_page);
        CAPTURE(b.pages);
        CAPTURE(static_cast<int>(b.state));
        REQUIRE_FALSE(r.isEmpty());
        if (r.width() < 6) continue;  // too thin to sample inside its outline
        CAPTURE(b.first_page);
        CAPTURE(order);
        CHECK(image.pixel(r.center()) == palette::block(b, static_cast<int>(core.max_order)).rgb());
        // A click on it names it.
        CHECK(arena->blockAt(r.center()) == static_cast<int>(&b - core.blocks.data()));
        ++leaves;
    }
    CHECK(leaves > 0);
    // Each node the event split is outlined in white, and is no leaf.
    for (const Action& a : at.splits) {
        const int order = static_cast<int>(index_of(a.order));
        const QRect r = at.arena->treeNodeRect(order, at.page(a));
        REQUIRE_FALSE(r.isEmpty());
        CHECK(image.pixel(r.left() + 1, r.center().y()) == qRgb(255, 255, 255));
        CHECK(arena->blockAt(r.center()) == -1);  // a split node is no block
    }
}

TEST_CASE("arena motion: a split's halves move apart for 250 ms a level, and the last frame is the state") {
    ArenaAtCascade at(2);
    ArenaView* arena = at.arena;
    const int levels = static_cast<int>(at.splits.size());
    CHECK(arena->motionDuration() == std::min(1000, 250 * levels));
    QImage settled(arena->size(), QImage::Format_RGB32), mid(arena->size(), QImage::Format_RGB32),
        end(arena->size(), QImage::Format_RGB32);
    arena->render(&settled);
    // Halfway through the first level: the top block's halves stand apart.
    arena->holdMotionAt(arena->motionDuration() / levels / 2);
    arena->render(&mid);
    CHECK(mid != settled);
    // The tree too.
    at.window->showBuddyTree(true);
    QImage tree_mid(arena->size(), QImage::Format_RGB32);
    arena->render(&tree_mid);
    arena->holdMotionAt(arena->motionDuration());
    QImage tree_end(arena->size(), QImage::Format_RGB32);
    arena->render(&tree_end);
    CHECK(tree_mid != tree_end);
    at.window->showBuddyTree(false);
    arena->holdMotionAt(arena->motionDuration());
    arena->render(&end);
    CHECK(end == settled);
}

TEST_CASE("views that follow the replay: the log on the current event, the busiest slab class, no empty Measured dock") {
    engine::test::GeneratedDb t;
    t.generate("mix", "mixed-stress", 2, 6000);
    MainWindow window(true);
    window.layOut(QSize(1400, 900));
    window.show();
    REQUIRE(window.openTrace(db_path(t), QStringLiteral("mix")));
    // The Measured dock holds nothing: collapsed.
    for (QDockWidget* d : window.findChildren<QDockWidget*>())
        if (d->objectName() == QLatin1String("measured")) CHECK(d->isHidden());
    // The first layout gives the arena most of the window.
    QApplication::processEvents();
    const QWidget* arena = window.view(QStringLiteral("arena"));
    const double share = static_cast<double>(arena->width()) * arena->height() / (static_cast<double>(window.width()) * window.height());
    CAPTURE(share);
    CHECK(share > 0.5);
    const std::uint64_t event = 4000;
    REQUIRE(drive::seek(window, event + 1));
    QApplication::processEvents();
    window.followCurrentEvent();
    QApplication::processEvents();
    // The current event's row is inside the log's viewport.
    auto* log = window.view(QStringLiteral("log"))->findChild<QTableView*>();
    REQUIRE(log != nullptr);
    const int row = window.log()->rowFor(event);
    REQUIRE(row >= 0);
    const QRect shown = log->visualRect(window.log()->index(row, 0));
    CHECK(shown.isValid());
    CHECK(log->viewport()->rect().intersects(shown));
    // The slab view shows the class with the most objects in use.
    const engine::CoreSnapshot& core = window.frame()->core;
    std::vector<std::uint64_t> used(core.class_sizes.size(), 0);
    for (const engine::BlockInfo& b : core.blocks)
        if (b.state == engine::BlockState::Slab) used[b.size_class] += b.objects - b.free_objects;
    const int busiest = static_cast<int>(std::max_element(used.begin(), used.end()) - used.begin());
    REQUIRE(used[static_cast<std::size_t>(busiest)] > 0);
    CHECK(window.frame()->slab_class == busiest);
    // Until the user picks one: then it stays.
    const int other = busiest == 0 ? 1 : 0;
    drive::select_slabs(window, other, 0);
    REQUIRE(drive::seek(window, event + 200));
    CHECK(window.frame()->slab_class == other);
}

TEST_CASE("footprint by cause: the layers add up to the footprint, and each cause's holders are what the core counts") {
    engine::test::GeneratedDb t;
    t.generate("mix", "mixed-stress", 2, 6000);
    // The overview and the state at the trace's end, from the session itself.
    engine::ReplaySession session(t.db(), "mix", engine::ReplaySettings{});
    session.build_checkpoints();
    const engine::TraceOverview& o = session.overview();
    REQUIRE(o.footprint_parts.size() == o.live_bytes.size());
    REQUIRE_FALSE(o.footprint_parts.empty());
    for (std::size_t b = 0; b < o.footprint_parts.size(); ++b) {
        const auto layers = cause_bytes(o.footprint_parts[b], o.live_bytes[b]);
        double sum = 0;
        for (double v : layers) sum += v;
        CAPTURE(b);
        CHECK(sum == doctest::Approx(static_cast<double>(o.footprint_parts[b].total())));
        CHECK(layers[static_cast<int>(FootprintCause::Live)] == doctest::Approx(static_cast<double>(o.live_bytes[b])));
    }
    // At the last event, the holders the snapshot lists add up to the core's parts.
    MainWindow window(true);
    window.layOut(QSize(1400, 900));
    window.show();
    REQUIRE(window.openTrace(db_path(t), QStringLiteral("mix")));
    REQUIRE(drive::seek(window, session.events()));
    const engine::CoreSnapshot& core = window.frame()->core;
    const FootprintParts& end = o.footprint_parts.back();
    std::uint64_t cached = 0, partial = 0, tails = 0, remote = 0;
    for (std::size_t cpu = 0; cpu < core.bins.size(); ++cpu)
        for (std::size_t k = 0; k < core.bins[cpu].size() && k < core.class_sizes.size(); ++k) {
            cached += std::uint64_t{core.bins[cpu][k].count} * core.class_sizes[k];
            remote += core.bins[cpu][k].remote * core.class_sizes[k];
        }
    for (const engine::BlockInfo& b : core.blocks)
        if (b.state == engine::BlockState::Slab) {
            partial += std::uint64_t{b.free_objects} * core.class_sizes[b.size_class];
            tails += std::uint64_t{b.pages} * core.page_bytes - std::uint64_t{b.objects} * core.class_sizes[b.size_class];
        }
    CHECK(cached == end.cached_bytes);
    CHECK(partial == end.partial_free_bytes);
    CHECK(tails == end.run_tail_bytes);
    CHECK(remote == end.remote_pending_bytes);
    // The dialog's text for a cause names its largest holder.
    const QString holders = window.causeHolders(static_cast<int>(FootprintCause::RunTails));
    CHECK(holders.contains(QStringLiteral("run tails")));
    if (tails > 0) CHECK(holders.contains(QStringLiteral("slab run at page")));
    // A click on a cause's name in the timeline asks for its holders (and does not seek).
    auto* timeline = static_cast<TimelineView*>(window.view(QStringLiteral("timeline")));
    QImage image(timeline->size(), QImage::Format_RGB32);
    timeline->render(&image);  // lays the legend out
    const QRectF name = timeline->causeRect(static_cast<int>(FootprintCause::Cached));
    REQUIRE_FALSE(name.isEmpty());
    int asked = -1;
    QObject::connect(timeline, &TimelineView::causeClicked, [&](int c) { asked = c; });
    bool sought = false;
    QObject::connect(timeline, &TimelineView::seekRequested, [&](std::uint64_t) { sought = true; });
    send_mouse(timeline, QEvent::MouseButtonPress, name.center().toPoint(), Qt::LeftButton);
    CHECK(asked == static_cast<int>(FootprintCause::Cached));
    CHECK_FALSE(sought);
}

TEST_CASE("caches: an object's journey moves as tokens, in order: buddy to run before run to bin, a remote free to its owner") {
    engine::test::GeneratedDb t;
    t.generate("pc", "producer-consumer", 4, 20000);
    // The first event with a remote free, and the first whose refill needed a carve.
    engine::ReplaySession probe(t.db(), "pc", engine::ReplaySettings{});
    engine::StepRecord r;
    std::uint64_t remote = ~std::uint64_t{0}, carve = ~std::uint64_t{0};
    Action remote_action{};
    while ((remote == ~std::uint64_t{0} || carve == ~std::uint64_t{0}) && probe.step(&r)) {
        bool has_carve = false, has_refill = false;
        for (const Action& a : r.actions) {
            has_carve = has_carve || a.kind == ActionKind::SlabCarve;
            has_refill = has_refill || a.kind == ActionKind::Refill;
            if (a.kind == ActionKind::RemoteFree && remote == ~std::uint64_t{0}) {
                remote = r.index;
                remote_action = a;
            }
        }
        if (has_carve && has_refill && carve == ~std::uint64_t{0}) carve = r.index;
    }
    REQUIRE(remote != ~std::uint64_t{0});
    REQUIRE(carve != ~std::uint64_t{0});
    MainWindow window(true);
    window.layOut(QSize(1400, 900));
    window.show();
    REQUIRE(window.openTrace(db_path(t), QStringLiteral("pc")));
    auto* caches = static_cast<CachesView*>(window.view(QStringLiteral("caches")));

    REQUIRE(drive::seek(window, carve + 1));
    bool buddy_first = false, refill_second = false;
    for (const CachesView::Token& k : caches->tokens()) {
        buddy_first = buddy_first || (k.path == CachesView::Path::SlabBuddy && k.phase == 0);
        refill_second = refill_second || (k.path == CachesView::Path::BinSlab && k.phase == 1);
    }
    CHECK(buddy_first);
    CHECK(refill_second);

    REQUIRE(drive::seek(window, remote + 1));
    bool to_owner = false;
    for (const CachesView::Token& k : caches->tokens())
        to_owner = to_owner || (k.path == CachesView::Path::SlabRemote && k.cpu == static_cast<int>(index_of(remote_action.cpu)) &&
                                k.to_cpu == static_cast<int>(index_of(remote_action.other_cpu)) && k.phase == 1);
    CHECK(to_owner);
    // The tokens move: the picture a quarter and three quarters of the way differ,
    // and at the end no token is left.
    QImage quarter(caches->size(), QImage::Format_RGB32), three(caches->size(), QImage::Format_RGB32),
        end(caches->size(), QImage::Format_RGB32);
    caches->holdMotionAt(150);
    caches->render(&quarter);
    caches->holdMotionAt(450);
    caches->render(&three);
    CHECK(quarter != three);
    caches->holdMotionAt(600);
    caches->render(&end);
    CHECK(end != three);
}

TEST_CASE("event log rows: asked of a source a chunk at a time, shown as they come, and in the window brought by its worker") {
    engine::test::GeneratedDb t;
    t.generate("mix", "mixed-stress", 2, 6000);
    // A source that answers later: the row waits ("…"), one request per chunk.
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.reset(t.events("mix"));
    std::vector<std::uint64_t> asked;
    model.setSource([&asked](std::uint64_t first) { asked.push_back(first); });
    const int row = 2500;
    CHECK(model.data(model.index(row, EventLogModel::Op), Qt::DisplayRole).toString() == QStringLiteral("…"));
    CHECK(model.data(model.index(row + 1, EventLogModel::Object), Qt::DisplayRole).toString() == QStringLiteral("…"));
    REQUIRE(asked.size() == 1);
    CHECK(asked.front() == static_cast<std::uint64_t>(row) / EventLogModel::kChunk * EventLogModel::kChunk);
    CHECK(model.pending() == 1);
    engine::catalog::TraceEvents events(t.db().path(), "mix");
    auto rows = std::make_shared<std::vector<engine::catalog::TraceEvent>>();
    for (std::uint64_t i = asked.front(); i < asked.front() + EventLogModel::kChunk; ++i) rows->push_back(events.at(i));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.addRows(asked.front(), rows);
    CHECK(changed.count() == 1);
    CHECK(model.pending() == 0);
    CHECK(model.data(model.index(row, EventLogModel::Object), Qt::DisplayRole).toULongLong() == events.at(row).object);

    // The window: its log asks the worker, and the rows come.
    MainWindow window(true);
    window.layOut(QSize(1400, 900));
    window.show();
    REQUIRE(window.openTrace(db_path(t), QStringLiteral("mix")));
    REQUIRE(drive::seek(window, 4001));
    EventLogModel& log = *window.log();
    const int current = log.rowFor(4000);
    REQUIRE(current >= 0);
    log.data(log.index(current, EventLogModel::Op), Qt::DisplayRole);  // asks, if not held yet
    drive::settle(window);
    CHECK(log.pending() == 0);
    CHECK(log.data(log.index(current, EventLogModel::Object), Qt::DisplayRole).toULongLong() == events.at(4000).object);
}

TEST_CASE("two runs side by side: the compared run on the same event with its own settings, the arenas' views kept together") {
    engine::test::GeneratedDb t;
    t.generate("lar", "larson", 2, 20000);
    // Two stored runs of the trace: the defaults, and small bins.
    engine::ReplaySettings defaults, small;
    engine::apply_setting_arg(small, "cache.capacity=8");
    engine::apply_setting_arg(small, "refill.batch=4");
    engine::apply_setting_arg(small, "drain.batch=4");
    std::int64_t ids[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
        const engine::ReplaySettings& s = i == 0 ? defaults : small;
        const engine::ReplayResult result = engine::replay(t.db(), "lar", s);
        const std::string trace = "lar", label = i == 0 ? "defaults" : "small bins";
        ids[i] = engine::store_run(t.db(), engine::RunToStore{.trace = trace, .label = label, .settings = s, .result = result,
                                                              .started = std::chrono::system_clock::now(), .wall_seconds = 0});
    }
    MainWindow window(true);
    window.layOut(QSize(1600, 1000));
    window.show();
    REQUIRE(window.openRun(db_path(t), ids[0]));
    REQUIRE(drive::seek(window, 12000));
    REQUIRE(drive::compare_with_run(window, ids[1]));
    REQUIRE(window.comparedFrame() != nullptr);
    CHECK(window.comparedFrame()->position == 12000);
    // Each side is its own run's state: a straight replay with its settings.
    engine::ReplaySession straight(t.db(), "lar", small);
    straight.seek(12000);
    CHECK(window.comparedFrame()->core == straight.snapshot());
    CHECK_FALSE(window.comparedFrame()->core == window.frame()->core);  // the settings changed something
    // Moving this session moves the other to the same event.
    REQUIRE(drive::seek(window, 5000));
    QElapsedTimer waited;
    waited.start();
    while (window.comparedFrame()->position != 5000 && waited.elapsed() < 20000) QApplication::processEvents(QEventLoop::AllEvents, 50);
    CHECK(window.comparedFrame()->position == 5000);
    // A zoom on either arena is the other's too.
    ArenaView* here = static_cast<ArenaView*>(window.view(QStringLiteral("arena")));
    ArenaView* there = window.comparedArena();
    REQUIRE(there != nullptr);
    here->zoomAt(here->cellForPage(64).center(), 2);
    CHECK_FALSE(there->fitsTouched());
    CHECK(there->viewPages() == here->viewPages());
    there->zoomAt(there->cellForPage(static_cast<std::uint32_t>(std::max<std::int64_t>(0, there->viewFirst()))).center(), -1);
    CHECK(here->viewPages() == there->viewPages());
    window.showBuddyTree(true);
    CHECK(there->mode() == ArenaView::Mode::Tree);
}
