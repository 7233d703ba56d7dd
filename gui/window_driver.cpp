#include "gui/window_driver.h"

#include <QEventLoop>
#include <QMetaObject>
#include <QTimer>

#include "gui/event_log_model.h"
#include "gui/main_window.h"
#include "gui/session_worker.h"
#include "gui/slab_view.h"

namespace allocsim::gui::drive {

namespace {

// Delivers the events queued to this thread (the worker's signals) until `done()` or
// `ms` milliseconds; then once more. Returns done().
template <class Done>
bool wait_until(Done done, int ms) {
    QEventLoop loop;
    QTimer give_up;
    give_up.setSingleShot(true);
    give_up.start(ms);
    while (!done() && give_up.isActive()) loop.processEvents(QEventLoop::AllEvents, 50);
    loop.processEvents();
    return done();
}

// Runs `ask` on the worker's thread and waits for it to return; then for `done()` (at
// most 10 s): the worker queues its frames before it returns, so they are on their
// way unless it refused or failed.
template <class Ask, class Done>
void ask_and_wait(MainWindow& window, Ask ask, Done done) {
    QMetaObject::invokeMethod(window.worker(), ask, Qt::BlockingQueuedConnection);
    wait_until([&] { return done() || !window.refusal().isEmpty() || window.failed(); }, 10000);
}

}  // namespace

bool seek(MainWindow& window, std::uint64_t position) {
    SessionWorker* w = window.worker();
    const auto there = [&window, position] { return window.frame() != nullptr && window.frame()->position == position; };
    ask_and_wait(window, [w, position] { w->seek(position); }, there);
    return !window.failed() && there();
}

bool run_until(MainWindow& window, StopAt stop, std::uint64_t target, const QString& breakpoint) {
    window.clearRefusal();
    SessionWorker* w = window.worker();
    QMetaObject::invokeMethod(w, [w, breakpoint] { w->setBreakpoint(breakpoint); }, Qt::BlockingQueuedConnection);
    const int code = static_cast<int>(stop);
    bool shown = false;
    const auto connection = QObject::connect(&window, &MainWindow::positionShown, [&shown] { shown = true; });
    ask_and_wait(window, [w, code, target] { w->runUntil(code, target); }, [&shown] { return shown; });
    QObject::disconnect(connection);
    return window.refusal().isEmpty();
}

void select_slabs(MainWindow& window, int cls, int run) {
    SessionWorker* w = window.worker();
    const auto showing = [&window, cls] { return window.frame() != nullptr && window.frame()->slab_class == cls; };
    ask_and_wait(window, [w, cls] { w->setSlabClass(cls); }, showing);
    static_cast<SlabView*>(window.view(QStringLiteral("slabs")))->grid()->selectRun(run);
}

bool compare_measured(MainWindow& window, std::int64_t run) {
    window.clearRefusal();
    SessionWorker* w = window.worker();
    const qint64 id = run;
    bool ready = false;
    const auto connection = QObject::connect(w, &SessionWorker::measuredReady, &window, [&ready] { ready = true; }, Qt::QueuedConnection);
    ask_and_wait(window, [w, id] { w->compareMeasured(id); }, [&ready] { return ready; });
    QObject::disconnect(connection);
    return window.refusal().isEmpty() && ready;
}

bool compare_with_run(MainWindow& window, std::int64_t run) {
    if (!window.compareWithRun(run)) return false;
    const auto same = [&window] {
        return window.comparedFrame() != nullptr && window.frame() != nullptr &&
               window.comparedFrame()->position == window.frame()->position;
    };
    wait_until([&] { return same() || window.failed() || !window.comparedRefusal().isEmpty(); }, 30000);
    return same() && window.comparedRefusal().isEmpty();
}

void settle(MainWindow& window) {
    wait_until([&window] { return window.log()->pending() == 0; }, 10000);
}

}  // namespace allocsim::gui::drive
