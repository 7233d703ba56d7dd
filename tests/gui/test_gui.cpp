// The GUI against the engine: the event log model holds the trace's events and
// filters exactly; the main window, seeking backward and forward on its worker
// thread, shows the state a straight replay reaches; a screenshot of the arena after
// a known split cascade shows the halves it left, in their order's colour.
#include <doctest/doctest.h>

#include <QApplication>
#include <QImage>
#include <QSet>

#include <algorithm>
#include <random>

#include "tests/engine/generated_db.h"

#include "engine/replay/replay_session.h"
#include "gui/arena_view.h"
#include "gui/event_log_model.h"
#include "gui/main_window.h"
#include "gui/palette.h"
#include "traces/trace_reader.h"

using namespace allocsim;
using namespace allocsim::gui;

namespace {

QString db_path(engine::test::GeneratedDb& t) { return QString::fromStdString(t.db().path()); }

}  // namespace

TEST_CASE("event log model: the trace's events, row by row; filters keep exactly the matching events") {
    engine::test::GeneratedDb t;
    t.generate("mix", "mixed-stress", 3, 9000);
    EventLogModel model;
    model.open(db_path(t), QStringLiteral("mix"));
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

TEST_CASE("main window: seeking backward and forward shows the state of a straight replay") {
    engine::test::GeneratedDb t;
    t.generate("lar", "larson", 2, 150000);
    MainWindow window(true);
    window.resize(1200, 800);
    window.show();
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
        REQUIRE(window.seekBlocking(p));
        CAPTURE(p);
        REQUIRE(window.frame() != nullptr);
        CHECK(window.frame()->position == p);
        CHECK(window.frame()->core == expected[p]);
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
    REQUIRE(window.seekBlocking(event + 1));
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
