#include "gui/session_worker.h"

#include <algorithm>
#include <bit>
#include <map>

#include "engine/measure/comparison.h"
#include "engine/measure/measured_run.h"
#include "engine/measure/modeled_ops.h"
#include "engine/replay/settings.h"
#include "gui/breakpoint.h"

namespace allocsim::gui {

namespace {

constexpr int kTickMs = 16;  // about 60 frames per second

// The action kinds "run until" StopAt `stop` looks for (one of them suffices).
std::uint32_t stop_kinds(StopAt stop) {
    const auto bit = [](ActionKind k) { return 1u << static_cast<unsigned>(k); };
    switch (stop) {
        case StopAt::Split: return bit(ActionKind::BuddySplit);
        case StopAt::Coalesce: return bit(ActionKind::BuddyCoalesce);
        case StopAt::Miss: return bit(ActionKind::CacheMiss);
        case StopAt::RemoteFree: return bit(ActionKind::RemoteFree);
        case StopAt::Failure: return bit(ActionKind::AllocFailure) | bit(ActionKind::InvalidFree);
        default: return 0;
    }
}

std::uint32_t kinds_of(const engine::StepRecord& r) {
    std::uint32_t kinds = 0;
    for (const Action& a : r.actions) kinds |= 1u << static_cast<unsigned>(a.kind);
    return kinds;
}

}  // namespace

SessionWorker::SessionWorker(QObject* parent) : QObject(parent) {}
SessionWorker::~SessionWorker() = default;

void SessionWorker::open(const QString& db, const QString& trace_in, const QString& settings_json) {
    cancel = false;
    QString trace = trace_in;
    // The database and the trace, checked here (off the UI thread), in the words the
    // window reports.
    try {
        const std::vector<engine::catalog::TraceEntry> traces = engine::catalog::list_traces(db.toStdString());
        if (trace.isEmpty()) {
            if (traces.empty()) {
                Q_EMIT failed(tr("%1 holds no trace (allocsim gen or allocsim import adds one)").arg(db));
                return;
            }
            trace = QString::fromStdString(traces.front().name);
        }
        const auto found = std::find_if(traces.begin(), traces.end(), [&](const auto& t) { return t.name == trace.toStdString(); });
        if (found == traces.end()) {
            Q_EMIT failed(tr("%1: no trace named '%2' (allocsim traces lists them)").arg(db, trace));
            return;
        }
        if (found->events == 0) {
            Q_EMIT failed(tr("%1: trace '%2' has no events to show").arg(db, trace));
            return;
        }
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
        return;
    }
    try {
        session_ = nullptr;
        open_.reset();
        overview_.reset();
        engine::ReplaySettings settings;
        if (!settings_json.isEmpty()) engine::apply_settings_json(settings, settings_json.toStdString());
        session_ = nullptr;
        open_ = std::make_unique<engine::catalog::OpenTrace>(db.toStdString(), trace.toStdString(), settings);
        session_ = &open_->session();
        events_ = std::make_unique<engine::catalog::TraceEvents>(db.toStdString(), trace.toStdString());
        slab_class_chosen_ = false;
    } catch (const std::exception& e) {
        session_ = nullptr;
        open_.reset();
        events_.reset();
        Q_EMIT failed(QString::fromStdString(e.what()));
        return;
    }
    if (timer_ == nullptr) {
        timer_ = new QTimer(this);
        timer_->setInterval(kTickMs);
        connect(timer_, &QTimer::timeout, this, &SessionWorker::tick);
    }
    const engine::CoreSnapshot first = session_->snapshot();
    Q_EMIT opened(trace, session_->events(), static_cast<int>(session_->cpus()), static_cast<int>(first.class_sizes.size()));
    emit_frame(std::nullopt);
    const std::uint64_t total = session_->events();
    session_->build_checkpoints([&](std::uint64_t done) { Q_EMIT progress(QStringLiteral("indexing"), done, total); }, &cancel);
    if (!session_->overview().kinds.empty()) {
        overview_ = std::make_shared<engine::TraceOverview>(session_->overview());
        Q_EMIT overviewReady(overview_);
    }
    Q_EMIT progress(QString(), total, total);
}

namespace {

// The size class with the most objects in use in its slab runs (the lowest of equals);
// `otherwise` when no class has any.
int busiest_class(const engine::CoreSnapshot& core, int otherwise) {
    std::vector<std::uint64_t> used(core.class_sizes.size() + 1, 0);
    for (const engine::BlockInfo& b : core.blocks)
        if (b.state == engine::BlockState::Slab && b.size_class < used.size()) used[b.size_class] += b.objects - b.free_objects;
    const auto most = std::max_element(used.begin(), used.end());
    return *most == 0 ? otherwise : static_cast<int>(most - used.begin());
}

}  // namespace

void SessionWorker::emit_frame(std::optional<engine::StepRecord> last, double events_per_second) {
    if (!session_) return;
    auto f = std::make_shared<Frame>();
    f->position = session_->position();
    f->events = session_->events();
    f->cpus = session_->cpus();
    f->time_order = session_->time_order();
    f->core = session_->snapshot();
    f->last = std::move(last);
    f->summary = session_->summary();
    f->live_bytes = session_->live_bytes();
    if (!slab_class_chosen_) slab_class_ = busiest_class(f->core, slab_class_);
    f->slab_class = slab_class_;
    f->slab_runs = session_->slab_runs(static_cast<std::uint8_t>(slab_class_));
    f->events_per_second = events_per_second;
    Q_EMIT frameReady(f);
}

void SessionWorker::land_on(std::uint64_t index) {
    session_->seek(index, &cancel);
    engine::StepRecord r;
    if (session_->position() == index && session_->step(&r)) emit_frame(std::move(r));
    else emit_frame(std::nullopt);
}

void SessionWorker::seek(quint64 position) {
    if (!session_) return;
    cancel = false;
    position = std::min<quint64>(position, session_->events());
    if (position == 0) {
        session_->seek(0, &cancel);
        emit_frame(std::nullopt);
    } else {
        land_on(position - 1);
    }
}

void SessionWorker::stepForward() {
    if (!session_) return;
    engine::StepRecord r;
    if (session_->step(&r)) emit_frame(std::move(r));
}

void SessionWorker::stepBack() {
    if (!session_ || session_->position() == 0) return;
    seek(session_->position() - 1);
}

void SessionWorker::runUntil(int stop_code, quint64 target) {
    if (!session_) return;
    cancel = false;
    const auto stop = static_cast<StopAt>(stop_code);
    if (stop == StopAt::Event) {
        seek(target + 1);
        return;
    }
    if (stop == StopAt::Breakpoint) {
        std::string error;
        const std::optional<Breakpoint> condition = Breakpoint::parse(breakpoint_.toStdString(), error);
        if (!condition) {
            Q_EMIT refused(QStringLiteral("breakpoint: %1").arg(QString::fromStdString(error)));
            return;
        }
        step_until([&](const engine::StepRecord& r) { return condition->matches(r, session_->live_bytes()); });
        return;
    }
    // With the overview, the next matching event is a lookup; without, step and look.
    const std::uint32_t kinds = stop_kinds(stop);
    if (overview_) {
        for (std::uint64_t i = session_->position(); i < overview_->kinds.size(); ++i)
            if ((overview_->kinds[i] & kinds) != 0) {
                land_on(i);
                return;
            }
        seek(session_->events());
        return;
    }
    step_until([kinds](const engine::StepRecord& r) { return (kinds_of(r) & kinds) != 0; });
}

void SessionWorker::step_until(const std::function<bool(const engine::StepRecord&)>& match) {
    engine::StepRecord r;
    std::uint64_t polled = 0;
    while (session_->step(&r)) {
        if (match(r)) {
            emit_frame(std::move(r));
            return;
        }
        if ((++polled & 1023) == 0 && cancel) break;
    }
    emit_frame(std::nullopt);
}

void SessionWorker::play(int mode, double events_per_second) {
    if (!session_) return;
    cancel = false;
    mode_ = static_cast<RunMode>(mode);
    rate_ = std::max(0.1, events_per_second);
    owed_ = 0;
    run_start_ = std::chrono::steady_clock::now();
    run_from_ = session_->position();
    timer_->start();
    Q_EMIT playing(true);
}

void SessionWorker::pause() {
    if (timer_ != nullptr && timer_->isActive()) {
        timer_->stop();
        Q_EMIT playing(false);
        emit_frame(std::nullopt);
    }
}

void SessionWorker::setBreakpoint(const QString& condition) { breakpoint_ = condition; }

void SessionWorker::openRun(const QString& db, qint64 run) {
    engine::catalog::RunToOpen stored;
    try {
        stored = engine::catalog::stored_run(db.toStdString(), run);
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
        return;
    }
    open(db, QString::fromStdString(stored.trace), QString::fromStdString(stored.settings_json));
}

void SessionWorker::listTraces(const QString& db) {
    QStringList names;
    try {
        for (const auto& t : engine::catalog::list_traces(db.toStdString())) names << QString::fromStdString(t.name);
    } catch (const std::exception& e) {
        Q_EMIT refused(QString::fromStdString(e.what()));
        return;
    }
    Q_EMIT tracesListed(db, names);
}

void SessionWorker::listRuns(const QString& db, const QString& trace, bool measured) {
    QStringList lines;
    QList<qint64> ids;
    try {
        if (measured) {
            for (const auto& r : engine::catalog::list_measured(db.toStdString()))
                if (r.trace == trace.toStdString()) {
                    lines << tr("run %1: %2, %3, %4 runner(s), %5%6")
                                 .arg(r.id)
                                 .arg(QString::fromStdString(r.source), QString::fromStdString(r.clock))
                                 .arg(r.runners)
                                 .arg(QString::fromStdString(r.started))
                                 .arg(r.cycle_accurate ? QString() : tr(" (not cycle-accurate: %1)").arg(QString::fromStdString(r.clock_note)));
                    ids << r.id;
                }
        } else {
            for (const auto& r : engine::catalog::list_runs(db.toStdString()))
                if (r.trace == trace.toStdString()) {
                    lines << tr("run %1: %2 %3 %4")
                                 .arg(r.id)
                                 .arg(QString::fromStdString(r.allocator), QString::fromStdString(r.started), QString::fromStdString(r.label));
                    ids << r.id;
                }
        }
    } catch (const std::exception& e) {
        Q_EMIT refused(QString::fromStdString(e.what()));
        return;
    }
    Q_EMIT runsListed(measured, lines, ids);
}

void SessionWorker::readEvents(quint64 first, int count) {
    if (!events_) return;
    auto rows = std::make_shared<std::vector<engine::catalog::TraceEvent>>();
    try {
        const std::uint64_t end = std::min<std::uint64_t>(events_->events(), first + static_cast<std::uint64_t>(std::max(0, count)));
        rows->reserve(static_cast<std::size_t>(end > first ? end - first : 0));
        for (std::uint64_t i = first; i < end; ++i) rows->push_back(events_->at(i));
    } catch (const std::exception& e) {
        Q_EMIT refused(QString::fromStdString(e.what()));
        rows->clear();
    }
    Q_EMIT eventsRead(first, rows);
}

void SessionWorker::compareMeasured(qint64 run_id) {
    if (!open_) return;
    try {
        const engine::MeasuredRun run = open_->measured_run(run_id);
        engine::ReplaySettings settings;
        engine::apply_settings_json(settings, run.settings_json);
        Q_EMIT progress(QStringLiteral("modeling run %1").arg(run_id), 0, 1);
        const engine::ModeledOps model = open_->modeled_ops(run.trace, settings);
        Q_EMIT progress(QString(), 1, 1);
        if (model.ops.size() != run.ops.size())
            throw std::runtime_error("the measured run does not have one record per event of its trace");
        // Per class, the events that took the same path on both sides.
        std::map<std::string, std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>>> by_class;
        for (std::size_t i = 0; i < model.ops.size(); ++i) {
            if (model.ops[i].kinds != run.ops[i].kinds) continue;
            auto& [m, r] = by_class[engine::op_class_label(model.ops[i].kinds, model.ops[i].splits)];
            m.push_back(model.ops[i].cycles);
            r.push_back(run.ops[i].cycles);
        }
        auto h = std::make_shared<MeasuredHistograms>();
        h->run = run_id;
        h->clock = run.clock;
        h->cycle_accurate = run.cycle_accurate;
        // The timeline's buckets: its overview's, else the same rule (1000 of them).
        const std::uint64_t n = run.ops.size();
        h->bucket_events = overview_ ? overview_->bucket_events : std::max<std::uint64_t>(1, (n + 999) / 1000);
        const std::size_t buckets = static_cast<std::size_t>((n + h->bucket_events - 1) / h->bucket_events);
        std::vector<double> sum(buckets, 0);
        std::vector<std::uint64_t> count(buckets, 0);
        for (std::size_t i = 0; i < run.ops.size(); ++i) {
            const std::size_t b = static_cast<std::size_t>(i / h->bucket_events);
            sum[b] += static_cast<double>(run.ops[i].cycles);
            ++count[b];
        }
        h->measured_cycles_per_op.assign(buckets, -1);
        for (std::size_t b = 0; b < buckets; ++b)
            if (count[b] != 0) h->measured_cycles_per_op[b] = sum[b] / static_cast<double>(count[b]);
        const auto bin_of = [](std::uint64_t v) { return v == 0 ? 0u : static_cast<unsigned>(std::bit_width(v) - 1); };
        for (auto& [name, sides] : by_class) {
            ClassHistogram c;
            c.name = name;
            for (std::uint64_t v : sides.first) {
                if (bin_of(v) >= c.modeled.size()) c.modeled.resize(bin_of(v) + 1, 0);
                ++c.modeled[bin_of(v)];
            }
            for (std::uint64_t v : sides.second) {
                if (bin_of(v) >= c.measured.size()) c.measured.resize(bin_of(v) + 1, 0);
                ++c.measured[bin_of(v)];
            }
            c.modeled_p50 = engine::percentile(sides.first, 50);
            c.measured_p50 = engine::percentile(sides.second, 50);
            h->classes.push_back(std::move(c));
        }
        std::sort(h->classes.begin(), h->classes.end(), [](const ClassHistogram& a, const ClassHistogram& b) {
            std::uint64_t na = 0, nb = 0;
            for (auto v : a.measured) na += v;
            for (auto v : b.measured) nb += v;
            return na != nb ? na > nb : a.name < b.name;
        });
        Q_EMIT measuredReady(h);
    } catch (const std::exception& e) {
        Q_EMIT progress(QString(), 1, 1);
        Q_EMIT refused(QString::fromStdString(e.what()));
    }
}

void SessionWorker::setSlabClass(int size_class) {
    slab_class_ = std::max(0, size_class);
    slab_class_chosen_ = true;
    if (session_ && (timer_ == nullptr || !timer_->isActive())) emit_frame(std::nullopt);
}

void SessionWorker::tick() {
    if (!session_ || cancel) {
        pause();
        return;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start_).count();
    const double rate = seconds > 0 ? static_cast<double>(session_->position() - run_from_) / seconds : 0;
    std::optional<engine::StepRecord> last;
    switch (mode_) {
        case RunMode::Animated: {
            // `rate_` events a second, each drawn with its actions.
            owed_ += rate_ * kTickMs / 1000.0;
            engine::StepRecord r;
            bool stepped = false;
            while (owed_ >= 1) {
                owed_ -= 1;
                if (!session_->step(&r)) break;
                stepped = true;
            }
            if (stepped) last = std::move(r);
            break;
        }
        case RunMode::Fast: {
            // `rate_` events a second, one frame a tick; only the last is recorded.
            owed_ += rate_ * kTickMs / 1000.0;
            while (owed_ >= 2) {
                owed_ -= 1;
                if (!session_->step()) break;
            }
            engine::StepRecord r;
            if (owed_ >= 1) {
                owed_ -= 1;
                if (session_->step(&r)) last = std::move(r);
            }
            break;
        }
        case RunMode::Express: {
            // As fast as it goes, a tick's worth of time at a time; a frame now and then
            // for the gauge only.
            const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTickMs * 6);
            while (std::chrono::steady_clock::now() < until) {
                bool more = true;
                for (int i = 0; i < 4096 && more; ++i) more = session_->step();
                if (!more) break;
            }
            break;
        }
    }
    if (session_->position() >= session_->events()) {
        timer_->stop();
        Q_EMIT playing(false);
        emit_frame(std::move(last), rate);
        return;
    }
    if (mode_ == RunMode::Express) {
        Q_EMIT progress(QStringLiteral("express"), session_->position(), session_->events());
        // The gauge, in the status bar: through a frame without the heavy parts.
        auto f = std::make_shared<Frame>();
        f->position = session_->position();
        f->events = session_->events();
        f->events_per_second = rate;
        f->cpus = session_->cpus();
        f->time_order = session_->time_order();
        f->gauge_only = true;
        Q_EMIT frameReady(f);
        return;
    }
    if (last || mode_ == RunMode::Fast) emit_frame(std::move(last), rate);
}

}  // namespace allocsim::gui
