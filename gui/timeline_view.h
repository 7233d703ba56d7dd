// The timeline: the whole trace's modeled cycles per operation for each CPU, the
// ThreadCache hit rate and the fragmentation, and the footprint by cause as a stacked
// area chart (gui/footprint_causes.h), in buckets of events from the session's
// overview. A line marks the current event; clicking or dragging seeks there; a click
// on a cause's name asks for what holds it (causeClicked).
#pragma once

#include <QWidget>

#include <utility>
#include <vector>

#include "gui/frame.h"

namespace allocsim::gui {

class TimelineView : public QWidget {
    Q_OBJECT

public:
    explicit TimelineView(QWidget* parent = nullptr);
    void setOverview(const OverviewPtr& overview, std::uint64_t events);
    void setPosition(std::uint64_t position);
    // Another run of the same trace, overlaid: its hit rate and its footprint drawn
    // dashed over this one's (null: none). `name` labels it.
    void setCompared(const OverviewPtr& overview, const QString& name);
    // A measured run's cycles per operation (all CPUs, per bucket, -1: none), drawn
    // dashed over the modeled ones; empty: none.
    void setMeasured(const std::vector<double>& cycles_per_op, const QString& name);
    QSize sizeHint() const override { return {800, 180}; }
    // Where a cause's name is (tests): empty before the first paint.
    QRectF causeRect(int cause) const;

Q_SIGNALS:
    void seekRequested(std::uint64_t position);
    void causeClicked(int cause);  // a FootprintCause

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;

private:
    QRectF plotArea() const;
    std::uint64_t positionAt(double x) const;
    OverviewPtr overview_;
    OverviewPtr compared_;
    std::vector<double> measured_;
    QString measured_name_;
    QString compared_name_;
    std::vector<std::pair<QRectF, int>> legend_;  // the causes' names, as painted
    std::uint64_t events_ = 0, position_ = 0;
};

}  // namespace allocsim::gui
