// The session's thread. A SessionWorker lives on its own QThread and owns the
// ReplaySession: every replay step, seek and run happens there, never on the UI
// thread, and each result goes back as a Frame through a queued signal.
//
// Long work (building the checkpoints and the overview, a far seek, express runs)
// polls `cancel`, which the UI thread may set at any time.
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "engine/replay/replay_session.h"
#include "gui/event_log_model.h"
#include "gui/frame.h"
#include "gui/measured_view.h"
#include "engine/catalog/trace_catalog.h"

namespace allocsim::gui {

class SessionWorker : public QObject {
    Q_OBJECT

public:
    explicit SessionWorker(QObject* parent = nullptr);
    ~SessionWorker() override;

    std::atomic<bool> cancel{false};

public Q_SLOTS:
    // Opens the trace (read-only), emits opened() or failed(), then builds the
    // checkpoints and the overview (progress(), overviewReady()) and emits the first frame.
    // `trace` empty: the database's first. Fails (failed()) naming the database and
    // the problem: not a database, no trace, no such trace, an empty trace.
    void open(const QString& db, const QString& trace, const QString& settings_json = QString());
    // Opens stored run `run` of `db`: its trace with its settings.
    void openRun(const QString& db, qint64 run);
    // The traces of `db` (tracesListed), or refused().
    void listTraces(const QString& db);
    // The stored runs (measured: the measured runs) of `trace` in `db`, a line each
    // (runsListed), or refused().
    void listRuns(const QString& db, const QString& trace, bool measured);
    void seek(quint64 position);
    void stepForward();
    void stepBack();
    // Steps (recording) until the condition holds for the event just applied, or the
    // end; StopAt::Event stops at event index `target`.
    void runUntil(int stop, quint64 target);
    void play(int mode, double events_per_second);
    void pause();
    void setSlabClass(int size_class);
    // The condition "run until" StopAt::Breakpoint stops at (breakpoint.h). A bad one
    // is reported through failed() when used.
    void setBreakpoint(const QString& condition);
    // Histograms of modeled against measured cycles per class for a measured run
    // (measuredReady), or refused().
    void compareMeasured(qint64 run);
    // Reads events [first, first + count) of the open trace (the event log's rows,
    // read here, off the UI thread) and sends them with eventsRead.
    void readEvents(quint64 first, int count);

Q_SIGNALS:
    void opened(const QString& trace, quint64 events, int cpus, int size_classes);
    void failed(const QString& message);
    void refused(const QString& message);  // a request that could not be done (a bad breakpoint)
    void progress(const QString& what, quint64 done, quint64 total);
    void frameReady(allocsim::gui::FramePtr frame);
    void overviewReady(allocsim::gui::OverviewPtr overview);
    void playing(bool on);
    void measuredReady(allocsim::gui::MeasuredPtr histograms);
    void eventsRead(quint64 first, allocsim::gui::EventLogModel::Events events);
    void tracesListed(const QString& db, const QStringList& names);
    void runsListed(bool measured, const QStringList& lines, const QList<qint64>& ids);

private:
    void tick();
    void emit_frame(std::optional<engine::StepRecord> last, double events_per_second = 0);
    // The state after event `index`, with its actions (position index + 1).
    void land_on(std::uint64_t index);
    // Steps, recording, until `match` holds for the event just applied (its frame is
    // sent), the end, or `cancel`.
    void step_until(const std::function<bool(const engine::StepRecord&)>& match);

    std::unique_ptr<engine::catalog::OpenTrace> open_;  // the database and the session on it
    std::unique_ptr<engine::catalog::TraceEvents> events_;  // the trace's events, for the log
    engine::ReplaySession* session_ = nullptr;         // open_'s, or null
    std::shared_ptr<engine::TraceOverview> overview_;
    int slab_class_ = 0;
    bool slab_class_chosen_ = false;  // by the user; until then the frames show the busiest class
    QString breakpoint_;
    QTimer* timer_ = nullptr;
    RunMode mode_ = RunMode::Animated;
    double rate_ = 10;  // events per second in animated mode
    double owed_ = 0;   // fractional events carried between ticks
    std::chrono::steady_clock::time_point run_start_;
    std::uint64_t run_from_ = 0;
};

}  // namespace allocsim::gui
