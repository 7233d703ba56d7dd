// The per-CPU ThreadCaches: one row per CPU, one bar per size class, filled to the
// bin's count against its capacity. The event just applied flashes where it
// happened: green a hit, red a miss, blue a refill (a batch coming from the slab),
// purple a drain (a batch going back); a refill or drain also draws the batch as
// an arrow between the bin and the slab strip under the row.
#pragma once

#include <QVariantAnimation>
#include <QWidget>

#include <vector>

#include "gui/frame.h"

namespace allocsim::gui {

class CachesView : public QWidget {
    Q_OBJECT

public:
    explicit CachesView(QWidget* parent = nullptr);
    void setFrame(const FramePtr& frame);
    QSize sizeHint() const override { return {700, 260}; }

protected:
    void paintEvent(QPaintEvent*) override;

private:
    struct Flash {
        int cpu, cls;
        QColor color;
        int batch;  // objects moved (refill, drain), 0 otherwise
        bool down;  // a drain: from the bin to the slab
    };
    FramePtr frame_;
    std::vector<Flash> flashes_;
    QVariantAnimation fade_;
};

}  // namespace allocsim::gui
