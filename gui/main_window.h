// allocsim-gui's main window: the buddy arena in the middle; the per-CPU caches,
// the slabs, the event log and the timeline in docks around it; the transport
// (play, pause, step, speed, run mode, run until, a seek slider) in a toolbar.
// Every view shows the same current event. The replay runs on a SessionWorker's
// thread; the window only draws what it sends.
#pragma once

#include <QMainWindow>
#include <QThread>

#include <optional>

#include "gui/frame.h"
#include "gui/measured_view.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSlider;
class QSpinBox;
class QTableView;
class QAction;
class QMenu;
class QProgressBar;

namespace allocsim::gui {

class ArenaView;
class CachesView;
class EventLogModel;
class FreeListModel;
class SessionWorker;
class SlabView;
class TimelineView;


class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(bool headless = false, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a trace of a database (the first trace if `trace` is empty): the worker
    // checks and opens it (no database is read on this thread), then traceShown();
    // what fails is reported (a message box, or stderr when headless) and failed()
    // reads true. Returns false only if it could not ask.
    // `settings_json`: a stored run's settings (engine::settings_to_json), or empty
    // for the defaults.
    bool openTrace(const QString& db, const QString& trace, const QString& settings_json = QString());
    // Opens a stored run: its trace with its settings.
    bool openRun(const QString& db, std::int64_t run);
    // Shows modeled against measured histograms for a measured run (the "Measured"
    // dock), when the worker has them.
    void compareMeasured(std::int64_t run);
    // The view named "arena", "caches", "slabs", "log", "timeline" or "window".
    QWidget* view(const QString& name);
    const FramePtr& frame() const { return frame_; }
    EventLogModel* log() const { return log_model_; }
    FreeListModel* freeLists() const { return free_lists_; }

    bool playing() const { return playing_; }
    // For gui/window_driver.h: the session's worker, and what it last refused or
    // failed at (empty: nothing since the last clearRefusal()).
    SessionWorker* worker() const { return worker_; }
    const QString& refusal() const { return refused_; }
    void clearRefusal() { refused_.clear(); }
    bool failed() const { return failed_; }

Q_SIGNALS:
    // Each frame the worker sends, express runs' gauge frames too: the position shown.
    void positionShown(quint64 position);
    // A trace the worker opened (openTrace, openRun, a database dropped or chosen).
    void traceShown(const QString& trace);
    void playingChanged(bool playing);

public Q_SLOTS:
    void seek(quint64 position);
    void play(RunMode mode, double events_per_second);
    void pause();
    // The event log scrolled to the current event (after a frame, a filter, or the
    // overview's arrival, which resets its model).
    void followCurrentEvent();
    // The layout of a first start (no saved one), for a window of `size`: the arena
    // most of it, the docks on the right a quarter of the width, those below a fifth
    // of the height.
    void layOut(QSize size);
    // What holds a footprint cause (a FootprintCause) at the current event, as the
    // dialog a click on its name in the timeline shows.
    QString causeHolders(int cause) const;
    void showCauseHolders(int cause);
    // Opens stored run `run` of the same trace beside this one: a second session on its
    // own worker, its arena beside this arena with the same view (zoom, pan, mode),
    // kept on the same event, and its hit rate and footprint overlaid on the
    // timeline. False (after reporting) if the run is of another trace or cannot open.
    bool compareWithRun(std::int64_t run);
    // The compared run's arena and last frame (null when not comparing).
    ArenaView* comparedArena() const { return compare_arena_; }
    const FramePtr& comparedFrame() const { return compare_frame_; }
    SessionWorker* comparedWorker() const { return compare_worker_; }
    const QString& comparedRefusal() const { return compare_refusal_; }
    // The arena as its buddy tree (on) or its page grid (off).
    void showBuddyTree(bool on);
    // The arena's grid back on the range touched so far, following it.
    void fitArena();

protected:
    void closeEvent(QCloseEvent*) override;
    void dragEnterEvent(QDragEnterEvent*) override;
    void dropEvent(QDropEvent*) override;

private Q_SLOTS:
    void showComparedFrame(const FramePtr& frame);
    void chooseRunToCompare();
    void chooseMeasuredRun();
    void runsListed(bool measured, const QStringList& lines, const QList<qint64>& ids);
    void tracesListed(const QString& db, const QStringList& names);
    void syncComparedView();
    // What the worker and the views report, each in its own slot.
    void showBlockHistory(int block);
    void workerFailed(const QString& message);
    void workerRefused(const QString& message);
    void traceOpened(const QString& trace, quint64 events, int cpus, int classes);
    void showProgress(const QString& what, quint64 done, quint64 total);
    void showOverview(const OverviewPtr& overview);
    void showMeasured(const MeasuredPtr& histograms);

private:
    void startOpening(const QString& db);
    // Asks the compared run's worker for `position` (one seek at a time: compare_busy_).
    void seekCompared(quint64 position);
    void buildMenus();
    void buildTransport();
    void buildDocks();
    void showFrame(const FramePtr& frame);
    void report(const QString& title, const QString& message);
    void rememberRecent(const QString& db);
    void refreshRecentMenu();
    void applyFilter();
    void setPlaying(bool on);
    QAction* buddy_tree_ = nullptr;
    // Opens a database the user named: its only trace, or the one the user picks
    // (the worker lists them: tracesListed).
    void openDatabase(const QString& db);

    bool headless_;
    QThread thread_;
    // The compared run (compareWithRun): its worker on its own thread, its arena.
    QThread compare_thread_;
    SessionWorker* compare_worker_ = nullptr;
    ArenaView* compare_arena_ = nullptr;
    FramePtr compare_frame_;
    bool compare_busy_ = false;   // a seek asked of its worker and not yet answered
    QString compare_refusal_;     // why the compared run could not open (then it is not followed)
    bool syncing_views_ = false;  // one arena's view being copied to the other
    SessionWorker* worker_;
    FramePtr frame_;
    OverviewPtr overview_;
    QString db_, trace_;
    bool failed_ = false;
    QString refused_;

    ArenaView* arena_;
    CachesView* caches_;
    SlabView* slabs_;
    TimelineView* timeline_;
    MeasuredView* measured_;
    EventLogModel* log_model_;
    FreeListModel* free_lists_;
    QTableView* log_view_;
    QComboBox *filter_cpu_, *filter_op_, *filter_action_;

    QAction *play_, *step_, *back_;
    QComboBox* mode_;
    QDoubleSpinBox* speed_;
    QSlider* slider_;
    QSpinBox* event_box_;
    QComboBox* until_;
    QLineEdit* breakpoint_;
    QLabel* position_label_;
    QLabel* gauge_;
    QProgressBar* progress_;
    QMenu* recent_menu_;
    bool playing_ = false;
};

}  // namespace allocsim::gui
