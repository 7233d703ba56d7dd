// The timeline: the whole trace's modeled cycles per operation for each CPU, the
// ThreadCache hit rate, and live bytes against the footprint (the gap between them
// is fragmentation and caching), in buckets of events from the session's overview.
// A line marks the current event; clicking or dragging seeks there.
#pragma once

#include <QWidget>

#include "gui/frame.h"

namespace allocsim::gui {

class TimelineView : public QWidget {
    Q_OBJECT

public:
    explicit TimelineView(QWidget* parent = nullptr);
    void setOverview(const OverviewPtr& overview, std::uint64_t events);
    void setPosition(std::uint64_t position);
    QSize sizeHint() const override { return {800, 300}; }

Q_SIGNALS:
    void seekRequested(std::uint64_t position);

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;

private:
    QRectF plotArea() const;
    std::uint64_t positionAt(double x) const;
    OverviewPtr overview_;
    std::uint64_t events_ = 0, position_ = 0;
};

}  // namespace allocsim::gui
