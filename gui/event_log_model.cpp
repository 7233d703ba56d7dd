#include "gui/event_log_model.h"

#include <QBrush>
#include <QColor>

#include <algorithm>

#include "alloc/action.h"

namespace allocsim::gui {

EventLogModel::EventLogModel(QObject* parent) : QAbstractTableModel(parent) {}
EventLogModel::~EventLogModel() = default;

void EventLogModel::reset(std::uint64_t events) {
    beginResetModel();
    chunks_.clear();
    chunk_order_.clear();
    requested_.clear();
    overview_.reset();
    rows_.clear();
    filter_active_ = false;
    events_ = events;
    endResetModel();
}

void EventLogModel::setSource(std::function<void(std::uint64_t)> request) { request_ = std::move(request); }

void EventLogModel::addRows(quint64 first, const Events& rows) {
    requested_.erase(first);
    if (!rows || rows->empty() || first >= events_) return;
    if (chunks_.emplace(first, rows).second) chunk_order_.push_back(first);
    while (chunk_order_.size() > kKeptChunks) {
        chunks_.erase(chunk_order_.front());
        chunk_order_.erase(chunk_order_.begin());
    }
    // The rows showing these events: a block of rows in trace order; anywhere in a
    // filtered or simulated-time list (the views repaint only what they show).
    if (rowCount() > 0) Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {Qt::DisplayRole});
}

void EventLogModel::setOverview(const OverviewPtr& overview) {
    overview_ = overview;
    rebuild();
}

void EventLogModel::setFilter(int cpu, int op, int action) {
    cpu_ = cpu;
    op_ = op;
    action_ = action;
    rebuild();
}

void EventLogModel::rebuild() {
    beginResetModel();
    rows_.clear();
    filter_active_ = overview_ && (cpu_ >= 0 || op_ >= 0 || action_ >= 0);
    if (filter_active_) {
        const auto& o = *overview_;
        const std::uint32_t bit = action_ >= 0 ? 1u << action_ : 0;
        for (std::uint64_t i = 0; i < o.kinds.size(); ++i)
            if ((cpu_ < 0 || o.cpu[i] == cpu_) && (op_ < 0 || o.op[i] == op_) && (bit == 0 || (o.kinds[i] & bit) != 0))
                rows_.push_back(i);
    }
    endResetModel();
}

void EventLogModel::setCurrent(std::uint64_t event) {
    const int before = rowFor(current_), after = rowFor(event);
    current_ = event;
    if (before >= 0) Q_EMIT dataChanged(index(before, 0), index(before, ColumnCount - 1));
    if (after >= 0) Q_EMIT dataChanged(index(after, 0), index(after, ColumnCount - 1));
}

int EventLogModel::rowFor(std::uint64_t event) const {
    if (event >= events_) return -1;
    if (!filter_active_) return static_cast<int>(event);
    const auto it = std::lower_bound(rows_.begin(), rows_.end(), event);
    return it == rows_.end() ? -1 : static_cast<int>(it - rows_.begin());
}

std::uint64_t EventLogModel::eventAt(int row) const {
    return filter_active_ ? rows_[static_cast<std::size_t>(row)] : static_cast<std::uint64_t>(row);
}

int EventLogModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid()) return 0;
    const std::uint64_t n = filter_active_ ? rows_.size() : events_;
    return static_cast<int>(std::min<std::uint64_t>(n, 0x7FFFFFFF));
}

int EventLogModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

const engine::catalog::TraceEvent* EventLogModel::event(std::uint64_t i) const {
    const std::uint64_t first = i / kChunk * kChunk;
    auto it = chunks_.find(first);
    if (it == chunks_.end() && request_ && requested_.insert(first).second) {
        request_(first);  // a source that answers at once has added the chunk now
        it = chunks_.find(first);
    }
    if (it == chunks_.end() || i - first >= it->second->size()) return nullptr;
    return &(*it->second)[static_cast<std::size_t>(i - first)];
}

QString EventLogModel::actionNames(std::uint32_t kinds) {
    QStringList names;
    for (int k = 0; k < kActionKindCount; ++k)
        if ((kinds >> k) & 1u) names << QString::fromLatin1(action_name(static_cast<ActionKind>(k)));
    return names.join(QStringLiteral(", "));
}

QVariant EventLogModel::data(const QModelIndex& idx, int role) const {
    if (!idx.isValid() || idx.row() >= rowCount()) return {};
    const std::uint64_t i = eventAt(idx.row());  // the step
    if (role == Qt::BackgroundRole) return i == current_ ? QVariant(QBrush(QColor(255, 220, 90, 120))) : QVariant();
    if (role == Qt::TextAlignmentRole)
        return idx.column() == Actions || idx.column() == Op ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                             : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole) return {};
    {
        // The trace event the step ran (the same index but in simulated-time order).
        const std::uint64_t seq = overview_ && i < overview_->seq.size() ? overview_->seq[i] : i;
        if (idx.column() == Index) return QVariant::fromValue<qulonglong>(seq);
        const engine::catalog::TraceEvent* held = event(seq);
        if (held == nullptr) return idx.column() == Actions ? QVariant() : QVariant(QStringLiteral("…"));  // on its way
        const engine::catalog::TraceEvent& e = *held;
        switch (idx.column()) {
            case Index: return QVariant::fromValue<qulonglong>(seq);
            case Cpu: return e.cpu;
            case Op: return QString::fromLatin1(engine::catalog::op_name(e.op));
            case Object: return QVariant::fromValue<qulonglong>(e.object);
            case Size:
                if (e.op == engine::catalog::Op::PageAlloc || e.op == engine::catalog::Op::PageFree) return QStringLiteral("order %1").arg(e.arg);
                return e.op == engine::catalog::Op::Free ? QVariant() : QVariant::fromValue<qulonglong>(e.size);
            case Time: return e.time_ns == engine::catalog::kNoTime ? QVariant() : QVariant::fromValue<qlonglong>(e.time_ns);
            case Actions: return overview_ && i < overview_->kinds.size() ? actionNames(overview_->kinds[i]) : QVariant();
            default: return {};
        }
    }
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Index: return tr("event");
        case Cpu: return tr("cpu");
        case Op: return tr("op");
        case Object: return tr("object");
        case Size: return tr("size");
        case Time: return tr("time (ns)");
        case Actions: return tr("actions");
        default: return {};
    }
}

}  // namespace allocsim::gui
