// allocsim-gui [DB] [--trace NAME | --run RUN] [--screenshot FILE.png --at EVENT [--view NAME]]
//
// Without a database it opens the built-in default trace. With --screenshot it
// renders offscreen (QT_QPA_PLATFORM=offscreen unless set), saves the chosen view at
// the chosen event and exits: 0 when saved, 1 on bad input (with a message on
// stderr), 2 on a usage error.
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QImage>
#include <QPixmap>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "gui/default_trace.h"
#include "gui/arena_view.h"
#include "gui/caches_view.h"
#include "gui/main_window.h"
#include "gui/window_driver.h"
#include "gui/window_probe.h"
#include "engine/catalog/trace_catalog.h"

using allocsim::gui::MainWindow;
using allocsim::engine::catalog::WholeNumber;

int main(int argc, char** argv) {
    bool headless = false;
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--screenshot") == 0) headless = true;
    if (headless && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("allocsim"));
    QApplication::setApplicationName(QStringLiteral("allocsim-gui"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Animates the allocsim core replaying a trace: the buddy arena, per-CPU caches, slabs, the event log and a "
        "timeline. Without a database it opens the built-in default trace."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("DB"), QStringLiteral("a trace database (allocsim gen, import, record)"));
    const QCommandLineOption trace({QStringLiteral("t"), QStringLiteral("trace")}, QStringLiteral("the trace to open"), QStringLiteral("NAME"));
    const QCommandLineOption run({QStringLiteral("r"), QStringLiteral("run")}, QStringLiteral("a stored run: its trace with its settings"), QStringLiteral("RUN"));
    const QCommandLineOption shot(QStringLiteral("screenshot"), QStringLiteral("render offscreen to FILE.png and exit"), QStringLiteral("FILE"));
    const QCommandLineOption at(QStringLiteral("at"), QStringLiteral("with --screenshot: the event to show (default 0)"), QStringLiteral("EVENT"), QStringLiteral("0"));
    const QCommandLineOption view(QStringLiteral("view"), QStringLiteral("with --screenshot: arena, caches, slabs, log, timeline, measured or window (default)"), QStringLiteral("NAME"), QStringLiteral("window"));
    const QCommandLineOption slab_class(QStringLiteral("slab-class"), QStringLiteral("with --screenshot: the size class the slab view shows, its first run's free list drawn"), QStringLiteral("CLASS"), QStringLiteral("0"));
    const QCommandLineOption until(QStringLiteral("until"), QStringLiteral("with --screenshot: then run until split, coalesce, miss, remote-free, failure, or a breakpoint condition (docs/GUI.md)"), QStringLiteral("WHAT"));
    const QCommandLineOption measured(QStringLiteral("measured"), QStringLiteral("with --screenshot: show modeled against measured cycles for this measured run"), QStringLiteral("RUN"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("with --screenshot: the window's size (default 1600x1000)"), QStringLiteral("WxH"), QStringLiteral("1600x1000"));
    const QCommandLineOption arena(QStringLiteral("arena"), QStringLiteral("the arena as its page grid or its buddy tree"), QStringLiteral("grid|tree"), QStringLiteral("grid"));
    const QCommandLineOption motion_at(QStringLiteral("motion-at"), QStringLiteral("with --screenshot: the motion MS milliseconds in: the arena's split or coalesce (250 a level), the caches' tokens (600 in all)"), QStringLiteral("MS"));
    const QCommandLineOption beside(QStringLiteral("compare"), QStringLiteral("with --screenshot: stored run RUN of the same trace beside this one, on the same event"), QStringLiteral("RUN"));
    parser.addOptions({trace, run, shot, at, view, slab_class, until, measured, size, arena, motion_at, beside});
    parser.process(app);

    const auto usage = [](const QString& message) {
        std::fprintf(stderr, "allocsim-gui: %s (allocsim-gui --help)\n", qPrintable(message));
        return 2;
    };
    if (parser.positionalArguments().size() > 1) return usage(QStringLiteral("one database at most"));
    if (parser.isSet(trace) && parser.isSet(run)) return usage(QStringLiteral("--trace and --run exclude each other"));
    // Numeric options read as the allocsim command line reads its own, and are
    // refused in its words: "--run: 'seven' is not a whole number in 1..2^63-1".
    constexpr WholeNumber kRunId = allocsim::engine::catalog::whole_number_of<std::int64_t>(1);
    const auto number = [&](const QCommandLineOption& option, const WholeNumber& accepted) {
        const std::string text = parser.value(option).toStdString();
        const std::optional<std::uint64_t> n = accepted.parse(text);
        if (!n) usage(QString::fromStdString(accepted.refusal("--" + option.names().last().toStdString(), text)));
        return n;
    };
    const std::optional<std::uint64_t> event = number(at, WholeNumber{});
    if (!event) return 2;
    std::int64_t run_id = 0;
    if (parser.isSet(run)) {
        const std::optional<std::uint64_t> id = number(run, kRunId);
        if (!id) return 2;
        run_id = static_cast<std::int64_t>(*id);
    }

    QString db;
    QString trace_name = parser.value(trace);
    if (!parser.positionalArguments().isEmpty()) {
        db = parser.positionalArguments().front();
        if (!QFileInfo::exists(db)) {
            std::fprintf(stderr, "allocsim-gui: %s: no such database\n", qPrintable(db));
            if (headless) return 1;
        }
    } else {
        try {
            db = allocsim::gui::default_database();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "allocsim-gui: cannot make the default trace: %s\n", e.what());
            return 1;
        }
        if (trace_name.isEmpty()) trace_name = QString::fromLatin1(allocsim::gui::kDefaultTrace);
    }

    if (parser.value(arena) != QLatin1String("grid") && parser.value(arena) != QLatin1String("tree"))
        return usage(QStringLiteral("--arena: '%1' is not grid or tree").arg(parser.value(arena)));
    MainWindow window(headless);
    window.showBuddyTree(parser.value(arena) == QLatin1String("tree"));
    if (headless) {
        // WxH is one value: a bad W or H is refused as the pair, in the pair's terms.
        constexpr WholeNumber kPixels{1, 16384};
        const std::string wh = parser.value(size).toStdString();
        const std::size_t x = std::min(wh.find('x'), wh.size());
        const std::optional<std::uint64_t> w = kPixels.parse(std::string_view(wh).substr(0, x));
        const std::optional<std::uint64_t> h = kPixels.parse(std::string_view(wh).substr(std::min(x + 1, wh.size())));
        if (!w || !h) return usage(QStringLiteral("--size takes WxH, each in 1..16384, not '%1'").arg(parser.value(size)));
        window.layOut(QSize(static_cast<int>(*w), static_cast<int>(*h)));
        QWidget* target = window.view(parser.value(view));
        if (target == nullptr) return usage(QStringLiteral("--view: '%1' is not arena, caches, slabs, log, timeline or window").arg(parser.value(view)));
        window.show();
        const bool opened = run_id > 0 ? window.openRun(db, run_id) : window.openTrace(db, trace_name);
        if (!opened || !allocsim::gui::drive::seek(window, *event)) return 1;
        if (parser.isSet(until)) {
            const QString what = parser.value(until);
            const QStringList named = {QString(), QStringLiteral("split"), QStringLiteral("coalesce"), QStringLiteral("miss"),
                                       QStringLiteral("remote-free"), QStringLiteral("failure")};
            const auto stop = static_cast<int>(named.indexOf(what));
            const bool ran = stop > 0 ? allocsim::gui::drive::run_until(window, static_cast<allocsim::gui::StopAt>(stop))
                                      : allocsim::gui::drive::run_until(window, allocsim::gui::StopAt::Breakpoint, 0, what);
            if (!ran) return 1;
        }
        if (parser.isSet(slab_class)) {
            const std::optional<std::uint64_t> size_class = number(slab_class, allocsim::engine::catalog::whole_number_of<int>());
            if (!size_class) return 2;
            allocsim::gui::drive::select_slabs(window, static_cast<int>(*size_class), 0);
        }
        if (parser.isSet(measured)) {
            const std::optional<std::uint64_t> id = number(measured, kRunId);
            if (!id) return 2;
            if (!allocsim::gui::drive::compare_measured(window, static_cast<std::int64_t>(*id))) return 1;
        }
        if (parser.isSet(beside)) {
            const std::optional<std::uint64_t> id = number(beside, kRunId);
            if (!id) return 2;
            if (!allocsim::gui::drive::compare_with_run(window, static_cast<std::int64_t>(*id))) return 1;
        }
        if (parser.isSet(motion_at)) {
            const std::optional<std::uint64_t> ms = number(motion_at, allocsim::engine::catalog::whole_number_of<int>());
            if (!ms) return 2;
            static_cast<allocsim::gui::ArenaView*>(window.view(QStringLiteral("arena")))->holdMotionAt(static_cast<int>(*ms));
            static_cast<allocsim::gui::CachesView*>(window.view(QStringLiteral("caches")))->holdMotionAt(static_cast<int>(*ms));
        }
        QApplication::processEvents();
        // Laid out now: the log's scroll to the current event takes effect (before
        // its first layout the view has no height to scroll in).
        window.followCurrentEvent();
        QApplication::processEvents();
        // A first picture makes the log ask for the rows it shows; the second has them.
        target->grab();
        allocsim::gui::drive::settle(window);
        const QImage image = target->grab().toImage();
        if (!image.save(parser.value(shot))) {
            std::fprintf(stderr, "allocsim-gui: %s: cannot write the screenshot\n", qPrintable(parser.value(shot)));
            return 1;
        }
        return 0;
    }
    if (const QByteArray probe = qgetenv("ALLOCSIM_GUI_PROBE"); !probe.isEmpty())
        new allocsim::gui::WindowProbe(&window, QString::fromLocal8Bit(probe));  // owned by the window
    window.show();
    if (QFileInfo::exists(db)) {
        if (run_id > 0) window.openRun(db, run_id);
        else window.openTrace(db, trace_name);
    }
    return QApplication::exec();
}
