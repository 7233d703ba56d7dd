// The event log: every event of the trace as a table row (index, CPU, op, object,
// size, time, and the actions it caused). The model reads no database: rows it does
// not hold it asks its source for, a chunk of kChunk events at a time (the session's
// worker reads them off the UI thread and answers with addRows), and shows "…" until
// they come; it keeps the last kKeptChunks chunks, so a 10M-event trace costs a few
// chunks of memory. Filtering by CPU,
// op and action works on the session's overview (engine::TraceOverview); until
// that is ready the log shows every event and the actions column is empty.
//
// Rows follow the session's steps: for a run replayed in simulated-time order, the
// order the operations ran (the overview's `seq` maps a step to its trace event, and
// the Index column shows the trace's index, so the reordering shows); until the
// overview is ready, the trace's order.
#pragma once

#include <QAbstractTableModel>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "gui/frame.h"
#include "engine/catalog/trace_catalog.h"

namespace allocsim::gui {

class EventLogModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Index, Cpu, Op, Object, Size, Time, Actions, ColumnCount };

    explicit EventLogModel(QObject* parent = nullptr);
    ~EventLogModel() override;

    static constexpr std::uint64_t kChunk = 1024;
    static constexpr std::size_t kKeptChunks = 32;
    using Events = std::shared_ptr<const std::vector<engine::catalog::TraceEvent>>;

    // A new trace of `events` events: no rows held, the overview and filters gone.
    void reset(std::uint64_t events);
    // Who reads rows: called with the first event of a chunk the model needs (once
    // until it comes); answers, now or later, with addRows.
    void setSource(std::function<void(std::uint64_t first)> request);
    // Rows for events [first, first + rows->size()), as the source read them.
    void addRows(quint64 first, const Events& rows);
    // Chunks asked for and not yet come.
    std::size_t pending() const { return requested_.size(); }
    void setOverview(const OverviewPtr& overview);
    // -1: any. `action` is an ActionKind.
    void setFilter(int cpu, int op, int action);
    void setCurrent(std::uint64_t event);  // highlighted

    // The row showing `event`, or the nearest row after it; -1 if none.
    int rowFor(std::uint64_t event) const;
    std::uint64_t eventAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // "cache_hit, refill" for a kinds mask.
    static QString actionNames(std::uint32_t kinds);

private:
    // The event, or null after asking the source for its chunk.
    const engine::catalog::TraceEvent* event(std::uint64_t index) const;
    void rebuild();

    std::function<void(std::uint64_t)> request_;
    mutable std::set<std::uint64_t> requested_;       // first events of chunks asked for
    std::map<std::uint64_t, Events> chunks_;          // by first event
    std::vector<std::uint64_t> chunk_order_;          // the oldest first (for eviction)
    std::uint64_t events_ = 0;
    OverviewPtr overview_;
    int cpu_ = -1, op_ = -1, action_ = -1;
    bool filter_active_ = false;
    std::vector<std::uint64_t> rows_;  // the matching events when filtering
    std::uint64_t current_ = ~std::uint64_t{0};
};

}  // namespace allocsim::gui

Q_DECLARE_METATYPE(allocsim::gui::EventLogModel::Events)
