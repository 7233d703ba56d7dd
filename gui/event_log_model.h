// The event log: every event of the trace as a table row (index, CPU, op, object,
// size, time, and the actions it caused), read on demand chunk by chunk from the
// database, so a 10M-event trace costs a few chunks of memory. Filtering by CPU,
// op and action works on the session's overview (engine::TraceOverview); until
// that is ready the log shows every event and the actions column is empty.
//
// Rows follow the session's steps: for a run replayed in simulated-time order, the
// order the operations ran (the overview's `seq` maps a step to its trace event, and
// the Index column shows the trace's index, so the reordering shows); until the
// overview is ready, the trace's order.
#pragma once

#include <QAbstractTableModel>

#include <memory>
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

    // Opens its own read-only connection (engine::catalog::TraceEvents). Throws.
    void open(const QString& db, const QString& trace);
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
    const engine::catalog::TraceEvent& event(std::uint64_t index) const;
    void rebuild();

    mutable std::unique_ptr<engine::catalog::TraceEvents> events_source_;  // read a chunk at a time
    std::uint64_t events_ = 0;
    OverviewPtr overview_;
    int cpu_ = -1, op_ = -1, action_ = -1;
    bool filter_active_ = false;
    std::vector<std::uint64_t> rows_;  // the matching events when filtering
    std::uint64_t current_ = ~std::uint64_t{0};
};

}  // namespace allocsim::gui
