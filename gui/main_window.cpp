#include "gui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableView>
#include <QTreeView>
#include <QToolBar>
#include <QScreen>
#include <QGuiApplication>
#include <QSplitter>
#include <QVBoxLayout>

#include <cstdio>

#include "alloc/action.h"
#include "gui/arena_view.h"
#include "gui/footprint_causes.h"
#include "gui/caches_view.h"
#include "gui/event_log_model.h"
#include "gui/free_list_model.h"
#include "gui/measured_view.h"
#include "engine/measure/measured_run.h"
#include "gui/session_worker.h"
#include "gui/slab_view.h"
#include "gui/timeline_view.h"
#include "engine/replay/run_store.h"
#include "engine/catalog/trace_catalog.h"

namespace allocsim::gui {

namespace {

constexpr int kMaxRecent = 8;

}  // namespace

MainWindow::MainWindow(bool headless, QWidget* parent) : QMainWindow(parent), headless_(headless) {
    qRegisterMetaType<FramePtr>();
    qRegisterMetaType<OverviewPtr>();
    qRegisterMetaType<MeasuredPtr>();
    qRegisterMetaType<EventLogModel::Events>();
    setWindowTitle(QStringLiteral("allocsim"));
    setAcceptDrops(true);
    worker_ = new SessionWorker;
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.start();

    arena_ = new ArenaView;
    arena_->setObjectName(QStringLiteral("arena"));
    arena_->setAnimated(!headless_);
    setCentralWidget(arena_);
    connect(arena_, &ArenaView::blockClicked, this, &MainWindow::showBlockHistory);
    buildDocks();
    buildTransport();
    buildMenus();

    connect(worker_, &SessionWorker::frameReady, this, &MainWindow::showFrame);
    connect(worker_, &SessionWorker::failed, this, &MainWindow::workerFailed);
    connect(worker_, &SessionWorker::refused, this, &MainWindow::workerRefused);
    connect(worker_, &SessionWorker::opened, this, &MainWindow::traceOpened);
    connect(worker_, &SessionWorker::progress, this, &MainWindow::showProgress);
    connect(worker_, &SessionWorker::overviewReady, this, &MainWindow::showOverview);
    connect(worker_, &SessionWorker::playing, this, &MainWindow::setPlaying);
    connect(worker_, &SessionWorker::measuredReady, this, &MainWindow::showMeasured);
    // The event log's rows: asked of the worker, a chunk at a time, as the log needs them.
    log_model_->setSource([w = worker_](std::uint64_t first) {
        QMetaObject::invokeMethod(w, [w, first] { w->readEvents(first, static_cast<int>(EventLogModel::kChunk)); });
    });
    connect(worker_, &SessionWorker::eventsRead, log_model_, &EventLogModel::addRows);
    connect(worker_, &SessionWorker::tracesListed, this, &MainWindow::tracesListed);
    connect(worker_, &SessionWorker::runsListed, this, &MainWindow::runsListed);

    QSettings settings;
    bool restored = false;
    if (!headless_) {
        restored = restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
        restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    }
    // The Measured dock holds nothing until a measured run is compared (measuredReady
    // shows it): collapsed, whatever the saved layout says.
    for (QDockWidget* d : findChildren<QDockWidget*>())
        if (d->widget() == measured_) d->hide();
    if (!restored) {
        // No saved layout: 90% of the screen's available area.
        const QScreen* s = screen() != nullptr ? screen() : QGuiApplication::primaryScreen();
        const QRect available = s != nullptr ? s->availableGeometry() : QRect(0, 0, 1600, 1000);
        layOut(QSize(std::max(1000, available.width() * 9 / 10), std::max(700, available.height() * 9 / 10)));
    }
}

void MainWindow::showBlockHistory(int block) {
    // The arena clicked: this session's, or the compared run's.
    const auto* from = qobject_cast<const ArenaView*>(sender());
    QMessageBox box(this);
    box.setWindowTitle(tr("Block history"));
    box.setTextFormat(Qt::RichText);
    box.setText((from != nullptr ? from : arena_)->blockReport(block));
    box.exec();
}

void MainWindow::workerFailed(const QString& message) {
    failed_ = true;
    report(tr("Cannot open the trace"), message);
}

void MainWindow::workerRefused(const QString& message) {
    refused_ = message;
    report(tr("Cannot do that"), message);
}

void MainWindow::traceOpened(const QString& trace, quint64 events, int cpus, int) {
    trace_ = trace;
    log_model_->reset(events);
    timeline_->setOverview(nullptr, events);
    rememberRecent(db_);
    setWindowTitle(QStringLiteral("%1 — %2 — allocsim").arg(trace, QFileInfo(db_).fileName()));
    slider_->setRange(0, static_cast<int>(std::min<quint64>(events, 0x7FFFFFFF)));
    event_box_->setRange(0, static_cast<int>(std::min<quint64>(events == 0 ? 0 : events - 1, 0x7FFFFFFF)));
    {
        const QSignalBlocker block(filter_cpu_);
        filter_cpu_->clear();
        filter_cpu_->addItem(tr("any CPU"), -1);
        for (int c = 0; c < cpus; ++c) filter_cpu_->addItem(QStringLiteral("cpu %1").arg(c), c);
    }
    Q_EMIT traceShown(trace);
}

void MainWindow::showProgress(const QString& what, quint64 done, quint64 total) {
    if (what.isEmpty() || done >= total) {
        progress_->hide();
        return;
    }
    progress_->show();
    progress_->setFormat(what + QStringLiteral(" %p%"));
    progress_->setMaximum(1000);
    progress_->setValue(total == 0 ? 0 : static_cast<int>(1000 * done / total));
}

void MainWindow::showOverview(const OverviewPtr& o) {
    overview_ = o;
    timeline_->setOverview(o, frame_ ? frame_->events : o->kinds.size());
    log_model_->setOverview(o);
    followCurrentEvent();  // the model's reset put the view back at the top
}

void MainWindow::showMeasured(const MeasuredPtr& h) {
    measured_->setHistograms(h);
    timeline_->setMeasured(h->measured_cycles_per_op, tr("run %1 (%2)").arg(h->run).arg(QString::fromStdString(h->clock)));
    for (QDockWidget* d : findChildren<QDockWidget*>())
        if (d->widget() == measured_) {
            d->show();
            d->raise();
        }
}

void MainWindow::layOut(QSize size) {
    resize(size);
    QList<QDockWidget*> right, below;
    for (QDockWidget* d : findChildren<QDockWidget*>()) {
        if (d->isHidden()) continue;
        if (dockWidgetArea(d) == Qt::RightDockWidgetArea) right << d;
        if (dockWidgetArea(d) == Qt::BottomDockWidgetArea) below << d;
    }
    if (!right.isEmpty()) resizeDocks({right.front()}, {size.width() / 4}, Qt::Horizontal);
    if (!below.isEmpty()) resizeDocks({below.front()}, {size.height() / 5}, Qt::Vertical);
}

MainWindow::~MainWindow() {
    worker_->cancel = true;
    if (compare_worker_ != nullptr) compare_worker_->cancel = true;
    thread_.quit();
    compare_thread_.quit();
    thread_.wait();
    compare_thread_.wait();
}

void MainWindow::buildDocks() {
    auto dock = [this](const QString& title, const QString& name, QWidget* w, Qt::DockWidgetArea area) {
        auto* d = new QDockWidget(title, this);
        d->setObjectName(name);
        d->setWidget(w);
        addDockWidget(area, d);
        return d;
    };
    caches_ = new CachesView;
    dock(tr("Per-CPU caches"), QStringLiteral("caches"), caches_, Qt::RightDockWidgetArea);
    slabs_ = new SlabView;
    dock(tr("Slabs"), QStringLiteral("slabs"), slabs_, Qt::RightDockWidgetArea);
    connect(slabs_, &SlabView::classChosen, worker_, &SessionWorker::setSlabClass);

    free_lists_ = new FreeListModel(this);
    auto* free_view = new QTreeView;
    free_view->setModel(free_lists_);
    free_view->setUniformRowHeights(true);
    dock(tr("Free lists"), QStringLiteral("free-lists"), free_view, Qt::LeftDockWidgetArea)->hide();

    measured_ = new MeasuredView;
    dock(tr("Measured"), QStringLiteral("measured"), measured_, Qt::BottomDockWidgetArea);

    timeline_ = new TimelineView;
    dock(tr("Timeline"), QStringLiteral("timeline"), timeline_, Qt::BottomDockWidgetArea);
    connect(timeline_, &TimelineView::seekRequested, this, [this](std::uint64_t p) { seek(p); });
    connect(timeline_, &TimelineView::causeClicked, this, &MainWindow::showCauseHolders);

    auto* log = new QWidget;
    auto* layout = new QVBoxLayout(log);
    layout->setContentsMargins(2, 2, 2, 2);
    auto* filters = new QHBoxLayout;
    filter_cpu_ = new QComboBox;
    filter_cpu_->addItem(tr("any CPU"), -1);
    filter_op_ = new QComboBox;
    filter_op_->addItem(tr("any op"), -1);
    for (int op = 0; op < engine::catalog::kOpCount; ++op)
        filter_op_->addItem(QString::fromLatin1(engine::catalog::op_name(static_cast<engine::catalog::Op>(op))), op);
    filter_action_ = new QComboBox;
    filter_action_->addItem(tr("any action"), -1);
    for (int k = 0; k < kActionKindCount; ++k)
        filter_action_->addItem(QString::fromLatin1(action_name(static_cast<ActionKind>(k))), k);
    for (QComboBox* box : {filter_cpu_, filter_op_, filter_action_}) {
        filters->addWidget(box);
        connect(box, &QComboBox::currentIndexChanged, this, &MainWindow::applyFilter);
    }
    filters->addStretch(1);
    layout->addLayout(filters);
    log_model_ = new EventLogModel(this);
    log_view_ = new QTableView;
    log_view_->setModel(log_model_);
    log_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    log_view_->setSelectionMode(QAbstractItemView::SingleSelection);
    log_view_->verticalHeader()->hide();
    log_view_->verticalHeader()->setDefaultSectionSize(18);
    log_view_->horizontalHeader()->setStretchLastSection(true);
    layout->addWidget(log_view_, 1);
    connect(log_view_, &QTableView::clicked, this, [this](const QModelIndex& i) {
        if (i.isValid()) seek(log_model_->eventAt(i.row()) + 1);
    });
    dock(tr("Event log"), QStringLiteral("log"), log, Qt::BottomDockWidgetArea);
}

void MainWindow::buildTransport() {
    auto* bar = addToolBar(tr("Transport"));
    bar->setObjectName(QStringLiteral("transport"));
    back_ = bar->addAction(style()->standardIcon(QStyle::SP_MediaSeekBackward), tr("Step back"));
    back_->setShortcut(Qt::Key_Left);
    back_->setObjectName(QStringLiteral("back"));
    play_ = bar->addAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("Play"));
    play_->setShortcut(Qt::Key_Space);
    play_->setObjectName(QStringLiteral("play"));
    step_ = bar->addAction(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("Step"));
    step_->setShortcut(Qt::Key_Right);
    step_->setObjectName(QStringLiteral("step"));
    connect(back_, &QAction::triggered, worker_, &SessionWorker::stepBack);
    connect(step_, &QAction::triggered, worker_, &SessionWorker::stepForward);
    connect(play_, &QAction::triggered, this, [this] {
        if (playing_) pause();
        else play(static_cast<RunMode>(mode_->currentIndex()), speed_->value());
    });
    mode_ = new QComboBox;
    mode_->addItems({tr("animated"), tr("fast"), tr("express")});
    mode_->setToolTip(tr("animated: every event drawn; fast: 60 frames a second; express: no drawing until paused"));
    bar->addWidget(mode_);
    speed_ = new QDoubleSpinBox;
    speed_->setRange(0.5, 1e8);
    speed_->setDecimals(1);
    speed_->setValue(8);
    speed_->setSuffix(tr(" ev/s"));
    speed_->setToolTip(tr("Events per second in animated and fast modes"));
    bar->addWidget(speed_);
    bar->addSeparator();
    slider_ = new QSlider(Qt::Horizontal);
    slider_->setMinimumWidth(240);
    slider_->setTracking(false);
    bar->addWidget(slider_);
    connect(slider_, &QSlider::valueChanged, this, [this](int v) { seek(static_cast<quint64>(v)); });
    position_label_ = new QLabel;
    position_label_->setObjectName(QStringLiteral("position"));
    position_label_->setMinimumWidth(150);
    bar->addWidget(position_label_);
    bar->addSeparator();
    bar->addWidget(new QLabel(tr("Run until ")));
    until_ = new QComboBox;
    until_->addItems({tr("event…"), tr("next split"), tr("next coalesce"), tr("next miss"), tr("next remote free"),
                      tr("next failure"), tr("breakpoint…")});
    bar->addWidget(until_);
    event_box_ = new QSpinBox;
    event_box_->setToolTip(tr("The event index for \"Run until event\""));
    bar->addWidget(event_box_);
    breakpoint_ = new QLineEdit;
    breakpoint_->setObjectName(QStringLiteral("breakpoint"));
    breakpoint_->setPlaceholderText(tr("cpu=2 and op=free and size>1024"));
    breakpoint_->setToolTip(tr("The condition for \"Run until breakpoint\": terms joined by \"and\", each FIELD OP VALUE "
                               "with fields cpu, op, size, object, action, order, cycles, live (docs/GUI.md)"));
    breakpoint_->setMinimumWidth(200);
    bar->addWidget(breakpoint_);
    connect(breakpoint_, &QLineEdit::textChanged, this, [this](const QString& text) {
        QMetaObject::invokeMethod(worker_, [w = worker_, text] { w->setBreakpoint(text); });
        // Typing a condition means running until it.
        if (!text.isEmpty()) until_->setCurrentIndex(static_cast<int>(StopAt::Breakpoint));
    });
    auto* go = bar->addAction(tr("Go"));
    go->setObjectName(QStringLiteral("go"));
    // Enter in the condition runs until it, as Go does.
    connect(breakpoint_, &QLineEdit::returnPressed, go, &QAction::trigger);
    connect(go, &QAction::triggered, this, [this] {
        const int stop = until_->currentIndex();
        const auto target = static_cast<quint64>(event_box_->value());
        arena_->clearHistory();
        QMetaObject::invokeMethod(worker_, [w = worker_, stop, target] { w->runUntil(stop, target); });
    });
    gauge_ = new QLabel;
    progress_ = new QProgressBar;
    progress_->setMaximumWidth(220);
    progress_->hide();
    statusBar()->addPermanentWidget(progress_);
    statusBar()->addPermanentWidget(gauge_);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open database…"));
    open->setShortcut(QKeySequence::Open);
    connect(open, &QAction::triggered, this, [this] {
        const QString db = QFileDialog::getOpenFileName(this, tr("Open a trace database"), QFileInfo(db_).path(),
                                                        tr("allocsim databases (*.db *.sqlite);;All files (*)"));
        if (!db.isEmpty()) openDatabase(db);
    });
    QAction* other = file->addAction(tr("Open &trace of this database…"));
    connect(other, &QAction::triggered, this, [this] {
        if (!db_.isEmpty()) openDatabase(db_);
    });
    recent_menu_ = file->addMenu(tr("Open &recent"));
    refreshRecentMenu();
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(play_);
    run->addAction(step_);
    run->addAction(back_);
    QAction* start = run->addAction(tr("Go to the &start"));
    start->setShortcut(Qt::Key_Home);
    connect(start, &QAction::triggered, this, [this] { seek(0); });
    QAction* end = run->addAction(tr("Go to the &end"));
    end->setShortcut(Qt::Key_End);
    connect(end, &QAction::triggered, this, [this] {
        if (frame_) seek(frame_->events);
    });

    run->addSeparator();
    QAction* beside = run->addAction(tr("Compare with another stored &run…"));
    connect(beside, &QAction::triggered, this, &MainWindow::chooseRunToCompare);
    QAction* compare = run->addAction(tr("&Compare with a measured run…"));
    connect(compare, &QAction::triggered, this, &MainWindow::chooseMeasuredRun);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    buddy_tree_ = view->addAction(tr("Arena as a buddy &tree"));
    buddy_tree_->setCheckable(true);
    buddy_tree_->setShortcut(QKeySequence(Qt::Key_T));
    connect(buddy_tree_, &QAction::toggled, this, &MainWindow::showBuddyTree);
    QAction* fit = view->addAction(tr("&Fit the arena to the touched range"));
    fit->setShortcut(QKeySequence(Qt::Key_F));
    connect(fit, &QAction::triggered, this, &MainWindow::fitArena);
    view->addSeparator();
    for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    connect(help->addAction(tr("&About allocsim")), &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About allocsim"),
                           tr("<b>allocsim</b> animates a three-level kernel allocator (per-CPU caches, slabs, buddy) "
                              "replaying a workload trace. Drop a database on the window to open it."));
    });
}

void MainWindow::applyFilter() {
    log_model_->setFilter(filter_cpu_->currentData().toInt(), filter_op_->currentData().toInt(),
                          filter_action_->currentData().toInt());
    followCurrentEvent();
}

void MainWindow::seek(quint64 position) {
    arena_->clearHistory();
    QMetaObject::invokeMethod(worker_, [w = worker_, position] { w->seek(position); });
}

void MainWindow::play(RunMode mode, double events_per_second) {
    const int m = static_cast<int>(mode);
    QMetaObject::invokeMethod(worker_, [w = worker_, m, events_per_second] { w->play(m, events_per_second); });
}

void MainWindow::pause() { QMetaObject::invokeMethod(worker_, &SessionWorker::pause); }

void MainWindow::setPlaying(bool on) {
    playing_ = on;
    play_->setIcon(style()->standardIcon(on ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    play_->setText(on ? tr("Pause") : tr("Play"));
    Q_EMIT playingChanged(on);
}

void MainWindow::showFrame(const FramePtr& frame) {
    if (frame->events_per_second > 0) gauge_->setText(tr("%L1 events/s").arg(frame->events_per_second, 0, 'f', 0));
    else if (!playing_) gauge_->clear();
    position_label_->setText(frame->time_order
                                 ? tr("step %L1 of %L2, in simulated time").arg(frame->position == 0 ? 0 : frame->position - 1).arg(frame->events)
                                 : tr("event %L1 of %L2").arg(frame->position == 0 ? 0 : frame->position - 1).arg(frame->events));
    {
        const QSignalBlocker block(slider_);
        slider_->setValue(static_cast<int>(std::min<quint64>(frame->position, 0x7FFFFFFF)));
    }
    timeline_->setPosition(frame->position);
    Q_EMIT positionShown(frame->position);
    if (frame->gauge_only) return;
    frame_ = frame;
    arena_->setFrame(frame);
    if (compare_worker_ != nullptr && !compare_busy_ && compare_refusal_.isEmpty()) {
        // The compared run to the same event (one seek at a time: its next frame asks
        // again if this one has moved on meanwhile).
        seekCompared(frame->position);
    }
    caches_->setFrame(frame);
    free_lists_->setFrame(frame);
    slabs_->setFrame(frame);
    if (frame->position > 0) log_model_->setCurrent(frame->position - 1);
    followCurrentEvent();
    if (frame->last) {
        QStringList actions;
        for (const Action& a : frame->last->actions) actions << QString::fromLatin1(action_name(a.kind));
        // In simulated-time order the step and the trace's event differ: both, and when it started.
        const QString which = frame->time_order ? tr("event %1 (step %2, at cycle %3)")
                                                      .arg(frame->last->seq)
                                                      .arg(frame->last->index)
                                                      .arg(frame->last->span.start)
                                                : tr("event %1").arg(frame->last->index);
        statusBar()->showMessage(tr("%1: %2 %3 on cpu %4 — %5 (%6 modeled cycles)")
                                     .arg(which)
                                     .arg(QString::fromLatin1(engine::catalog::op_name(frame->last->event.op)))
                                     .arg(frame->last->event.size)
                                     .arg(frame->last->span.cpu)
                                     .arg(actions.join(QStringLiteral(", ")))
                                     .arg(frame->last->span.end - frame->last->span.start));
    }
}

void MainWindow::report(const QString& title, const QString& message) {
    if (headless_) std::fprintf(stderr, "allocsim-gui: %s\n", qPrintable(message));
    else QMessageBox::critical(this, title, message);
}

void MainWindow::openDatabase(const QString& db) {
    // The worker lists its traces (no database is read on this thread): tracesListed.
    QMetaObject::invokeMethod(worker_, [w = worker_, db] { w->listTraces(db); });
}

void MainWindow::tracesListed(const QString& db, const QStringList& names) {
    if (names.isEmpty()) {
        report(tr("No traces"), tr("%1 holds no trace (allocsim gen or allocsim import adds one)").arg(db));
        return;
    }
    if (names.size() == 1 || headless_) {
        openTrace(db, names.front());
        return;
    }
    bool ok = false;
    const QString chosen = QInputDialog::getItem(this, tr("Open a trace"), tr("Trace:"), names, 0, false, &ok);
    if (ok) openTrace(db, chosen);
}

// What opening a trace resets here; what was opened comes with traceOpened.
void MainWindow::startOpening(const QString& db) {
    db_ = db;
    trace_.clear();
    failed_ = false;
    overview_.reset();
    frame_.reset();
    log_model_->reset(0);
    timeline_->setOverview(nullptr, 0);
    arena_->clearHistory();
    worker_->cancel = true;
}

bool MainWindow::openRun(const QString& db, std::int64_t run) {
    startOpening(db);
    const qint64 id = run;
    QMetaObject::invokeMethod(worker_, [w = worker_, db, id] { w->openRun(db, id); });
    return true;
}

bool MainWindow::openTrace(const QString& db, const QString& trace, const QString& settings_json) {
    startOpening(db);
    trace_ = trace;
    QMetaObject::invokeMethod(worker_, [w = worker_, db, trace, settings_json] { w->open(db, trace, settings_json); });
    return true;
}

void MainWindow::compareMeasured(std::int64_t run) {
    refused_.clear();
    const qint64 id = run;
    QMetaObject::invokeMethod(worker_, [w = worker_, id] { w->compareMeasured(id); });
}

void MainWindow::followCurrentEvent() {
    if (!frame_ || frame_->position == 0) return;
    const int row = log_model_->rowFor(frame_->position - 1);
    if (row >= 0) log_view_->scrollTo(log_model_->index(row, 0), QAbstractItemView::PositionAtCenter);
}

QString MainWindow::causeHolders(int cause) const {
    if (!frame_ || cause < 0 || cause >= kFootprintCauses) return {};
    return cause_holders(static_cast<FootprintCause>(cause), *frame_);
}

void MainWindow::showCauseHolders(int cause) {
    const QString text = causeHolders(cause);
    if (text.isEmpty() || headless_) return;
    QMessageBox box(this);
    box.setWindowTitle(tr("Where the footprint goes: %1").arg(QString::fromLatin1(cause_name(static_cast<FootprintCause>(cause)))));
    box.setTextFormat(Qt::RichText);
    box.setText(text);
    box.exec();
}

void MainWindow::chooseMeasuredRun() {
    if (db_.isEmpty()) return;
    const QString db = db_, trace = trace_;
    QMetaObject::invokeMethod(worker_, [w = worker_, db, trace] { w->listRuns(db, trace, true); });
}

void MainWindow::chooseRunToCompare() {
    if (db_.isEmpty()) return;
    const QString db = db_, trace = trace_;
    QMetaObject::invokeMethod(worker_, [w = worker_, db, trace] { w->listRuns(db, trace, false); });
}

// The runs the worker listed, for the user to pick one: a measured run to compare the
// model with, or another stored run to show beside this one.
void MainWindow::runsListed(bool measured, const QStringList& lines, const QList<qint64>& ids) {
    const QString title = measured ? tr("Compare with a measured run") : tr("Compare with another stored run");
    if (lines.isEmpty()) {
        report(title, measured ? tr("%1 holds no measured run of '%2' (allocsim capture or allocsim measure makes one)").arg(db_, trace_)
                               : tr("%1 holds no stored run of '%2' (allocsim replay stores one)").arg(db_, trace_));
        return;
    }
    bool ok = false;
    const QString chosen = QInputDialog::getItem(this, title, tr("Run:"), lines, 0, false, &ok);
    if (!ok) return;
    const qint64 id = ids[lines.indexOf(chosen)];
    if (measured) compareMeasured(id);
    else compareWithRun(id);
}

bool MainWindow::compareWithRun(std::int64_t run) {
    if (db_.isEmpty()) return false;
    compare_refusal_.clear();
    if (compare_worker_ == nullptr) {
        compare_worker_ = new SessionWorker;
        compare_worker_->moveToThread(&compare_thread_);
        connect(&compare_thread_, &QThread::finished, compare_worker_, &QObject::deleteLater);
        compare_thread_.start();
        connect(compare_worker_, &SessionWorker::frameReady, this, &MainWindow::showComparedFrame);
        // Its failures are its own: this session goes on.
        connect(compare_worker_, &SessionWorker::failed, this, [this](const QString& m) {
            compare_refusal_ = m;
            report(tr("Cannot compare"), m);
        });
        connect(compare_worker_, &SessionWorker::opened, this, [this, run](const QString& trace) {
            if (trace == trace_) return;
            compare_refusal_ = tr("run %1 replayed trace '%2', not '%3'").arg(run).arg(trace, trace_);
            report(tr("Cannot compare"), compare_refusal_);
        });
        connect(compare_worker_, &SessionWorker::overviewReady, this, [this, run](const OverviewPtr& o) {
            timeline_->setCompared(o, tr("run %1").arg(run));
        });
        // The two arenas side by side, each under a line naming its run.
        compare_arena_ = new ArenaView;
        compare_arena_->setObjectName(QStringLiteral("compared-arena"));
        compare_arena_->setAnimated(!headless_);
        const auto panel = [](const QString& title, QWidget* w) {
            auto* box = new QWidget;
            auto* layout = new QVBoxLayout(box);
            layout->setContentsMargins(0, 0, 0, 0);
            layout->setSpacing(2);
            auto* label = new QLabel(title);
            label->setObjectName(QStringLiteral("panel-title"));
            layout->addWidget(label);
            layout->addWidget(w, 1);
            return box;
        };
        auto* split = new QSplitter(Qt::Horizontal);
        takeCentralWidget();
        split->addWidget(panel(tr("this session"), arena_));
        split->addWidget(panel(tr("run %1").arg(run), compare_arena_));
        setCentralWidget(split);
        connect(arena_, &ArenaView::viewChanged, this, &MainWindow::syncComparedView);
        connect(compare_arena_, &ArenaView::viewChanged, this, &MainWindow::syncComparedView);
        connect(compare_arena_, &ArenaView::blockClicked, this, &MainWindow::showBlockHistory);
        compare_arena_->setMode(arena_->mode());
    }
    compare_busy_ = false;
    compare_frame_.reset();
    compare_worker_->cancel = true;
    const QString db = db_;
    const qint64 id = run;
    QMetaObject::invokeMethod(compare_worker_, [w = compare_worker_, db, id] { w->openRun(db, id); });
    if (frame_) {
        seekCompared(frame_->position);
    }
    return true;
}

void MainWindow::seekCompared(quint64 position) {
    compare_busy_ = true;
    QMetaObject::invokeMethod(compare_worker_, [w = compare_worker_, position] { w->seek(position); });
}

void MainWindow::showComparedFrame(const FramePtr& frame) {
    if (frame->gauge_only || compare_arena_ == nullptr) return;
    compare_busy_ = false;
    compare_frame_ = frame;
    compare_arena_->setFrame(frame);
    syncComparedView();
    if (frame_ && frame_->position != frame->position) {
        seekCompared(frame_->position);
    }
}

void MainWindow::syncComparedView() {
    if (compare_arena_ == nullptr || syncing_views_) return;
    syncing_views_ = true;
    // The arena that moved leads: the one that sent the signal, else this session's.
    const ArenaView* from = sender() == compare_arena_ ? compare_arena_ : arena_;
    ArenaView* to = from == arena_ ? compare_arena_ : arena_;
    if (to->mode() != from->mode()) to->setMode(from->mode());
    if (from->fitsTouched()) to->fitTouched();
    else to->setView(from->viewFirst(), from->viewPages());
    if (from->mode() == ArenaView::Mode::Tree) to->setTreeBlock(from->treeBlock());
    syncing_views_ = false;
}

void MainWindow::showBuddyTree(bool on) {
    arena_->setMode(on ? ArenaView::Mode::Tree : ArenaView::Mode::Grid);
    if (compare_arena_ != nullptr) compare_arena_->setMode(arena_->mode());
    if (buddy_tree_ != nullptr && buddy_tree_->isChecked() != on) buddy_tree_->setChecked(on);
}

void MainWindow::fitArena() {
    showBuddyTree(false);
    arena_->fitTouched();
}

QWidget* MainWindow::view(const QString& name) {
    if (name == QLatin1String("arena")) return arena_;
    if (name == QLatin1String("caches")) return caches_;
    if (name == QLatin1String("slabs")) return slabs_;
    if (name == QLatin1String("timeline")) return timeline_;
    if (name == QLatin1String("measured")) return measured_;
    if (name == QLatin1String("log")) return log_view_->parentWidget();
    if (name == QLatin1String("window")) return this;
    return nullptr;
}

void MainWindow::rememberRecent(const QString& db) {
    if (headless_) return;
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recent")).toStringList();
    const QString path = QFileInfo(db).absoluteFilePath();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent) recent.removeLast();
    settings.setValue(QStringLiteral("recent"), recent);
    refreshRecentMenu();
}

void MainWindow::refreshRecentMenu() {
    recent_menu_->clear();
    const QStringList recent = QSettings().value(QStringLiteral("recent")).toStringList();
    for (const QString& path : recent)
        connect(recent_menu_->addAction(path), &QAction::triggered, this, [this, path] { openDatabase(path); });
    recent_menu_->setEnabled(!recent.isEmpty());
}

void MainWindow::closeEvent(QCloseEvent* e) {
    if (!headless_) {
        QSettings settings;
        settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
        settings.setValue(QStringLiteral("window/state"), saveState());
    }
    worker_->cancel = true;
    e->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    const auto urls = e->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile()) return;
    const QString db = urls.front().toLocalFile();
    openDatabase(db);
}

}  // namespace allocsim::gui
