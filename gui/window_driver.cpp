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

// Runs `ask` on the worker's thread and waits for it to return; then delivers what
// the worker sent meanwhile until `done()` (at most 10 s): the worker queues its
// frames before it returns, so they are on their way unless it refused.
template <class Ask, class Done>
void ask_and_wait(MainWindow& window, Ask ask, Done done) {
    QMetaObject::invokeMethod(window.worker(), ask, Qt::BlockingQueuedConnection);
    QEventLoop loop;
    QTimer give_up;
    give_up.setSingleShot(true);
    give_up.start(10000);
    do {
        loop.processEvents(QEventLoop::AllEvents, 50);
    } while (!done() && give_up.isActive() && window.refusal().isEmpty() && !window.failed());
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
    QMetaObject::invokeMethod(w, [w, id] { w->compareMeasured(id); }, Qt::BlockingQueuedConnection);
    QEventLoop loop;
    QTimer give_up;
    give_up.setSingleShot(true);
    give_up.start(10000);
    while (!ready && give_up.isActive() && window.refusal().isEmpty()) loop.processEvents(QEventLoop::WaitForMoreEvents);
    QObject::disconnect(connection);
    loop.processEvents();  // the window's own slot for the histograms, queued before ours
    return window.refusal().isEmpty() && ready;
}

bool compare_with_run(MainWindow& window, std::int64_t run) {
    if (!window.compareWithRun(run)) return false;
    QEventLoop loop;
    QTimer give_up;
    give_up.setSingleShot(true);
    give_up.start(30000);
    const auto same = [&window] {
        return window.comparedFrame() != nullptr && window.frame() != nullptr &&
               window.comparedFrame()->position == window.frame()->position;
    };
    while (!same() && give_up.isActive() && !window.failed() && window.comparedRefusal().isEmpty())
        loop.processEvents(QEventLoop::AllEvents, 50);
    return same() && window.comparedRefusal().isEmpty();
}

void settle(MainWindow& window) {
    QEventLoop loop;
    QTimer give_up;
    give_up.setSingleShot(true);
    give_up.start(10000);
    while (window.log()->pending() > 0 && give_up.isActive()) loop.processEvents(QEventLoop::AllEvents, 50);
    loop.processEvents();
}

}  // namespace allocsim::gui::drive
