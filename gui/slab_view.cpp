#include "gui/slab_view.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollArea>
#include <QVBoxLayout>

#include <cmath>

#include "gui/palette.h"

namespace allocsim::gui {

namespace {
constexpr double kRunGap = 10;
constexpr double kHeader = 16;
}  // namespace

SlabGrid::SlabGrid(QWidget* parent) : QWidget(parent) {}

void SlabGrid::setFrame(const FramePtr& frame) {
    if (!frame || frame->gauge_only) return;
    if (!frame_ || frame_->slab_class != frame->slab_class) selected_ = -1;
    frame_ = frame;
    if (selected_ >= static_cast<int>(frame_->slab_runs.size())) selected_ = -1;
    update();
}

void SlabGrid::selectRun(int run) {
    selected_ = run;
    update();
}

int SlabGrid::columns(int objects) const { return std::max(1, static_cast<int>(std::ceil(std::sqrt(objects * 2.0)))); }

// Runs flow left to right, wrapping; each a grid of objects two wide for one high.
QRectF SlabGrid::runRect(int run) const {
    const int objects = frame_->slab_runs.empty() ? 1 : static_cast<int>(frame_->slab_runs[0].objects.size());
    const int cols = columns(objects);
    const int rows = (objects + cols - 1) / cols;
    const double cell = std::clamp((width() - 20.0) / (cols * 4.0), 4.0, 18.0);
    const double w = cols * cell, h = rows * cell + kHeader;
    const int per_row = std::max(1, static_cast<int>((width() - kRunGap) / (w + kRunGap)));
    return QRectF(kRunGap + (run % per_row) * (w + kRunGap), kRunGap + (run / per_row) * (h + kRunGap), w, h);
}

QRectF SlabGrid::objectRect(int run, int object) const {
    const QRectF r = runRect(run);
    const int objects = static_cast<int>(frame_->slab_runs[static_cast<std::size_t>(run)].objects.size());
    const int cols = columns(objects);
    const double cell = r.width() / cols;
    return QRectF(r.left() + (object % cols) * cell, r.top() + kHeader + (object / cols) * cell, cell, cell);
}

void SlabGrid::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette::background());
    p.setRenderHint(QPainter::Antialiasing);
    if (!frame_) return;
    if (frame_->slab_runs.empty()) {
        p.setPen(Qt::white);
        p.drawText(rect(), Qt::AlignCenter, tr("No slab run of this size class yet"));
        return;
    }
    const auto& runs = frame_->slab_runs;
    for (int r = 0; r < static_cast<int>(runs.size()); ++r) {
        const QRectF box = runRect(r);
        if (box.top() > height()) break;
        p.setPen(r == selected_ ? QColor(255, 230, 90) : Qt::white);
        p.drawText(QRectF(box.left(), box.top(), box.width(), kHeader - 2), Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral("page %1, cpu %2").arg(runs[static_cast<std::size_t>(r)].first_page).arg(runs[static_cast<std::size_t>(r)].owner));
        const auto& objects = runs[static_cast<std::size_t>(r)].objects;
        for (int i = 0; i < static_cast<int>(objects.size()); ++i)
            p.fillRect(objectRect(r, i).adjusted(0.5, 0.5, -0.5, -0.5), palette::object(objects[static_cast<std::size_t>(i)]));
        if (r == selected_) p.drawRect(box.adjusted(-2, kHeader - 2, 2, 2));
    }
    // The selected run's free list, in order.
    if (selected_ >= 0) {
        const auto& list = runs[static_cast<std::size_t>(selected_)].free_list;
        p.setPen(QPen(QColor(255, 255, 255, 200), 1.5));
        for (std::size_t i = 0; i + 1 < list.size(); ++i) {
            const QPointF a = objectRect(selected_, static_cast<int>(list[i])).center();
            const QPointF b = objectRect(selected_, static_cast<int>(list[i + 1])).center();
            p.drawLine(a, b);
            // The arrow's head, a little before the next object.
            const QPointF d = b - a;
            const double len = std::hypot(d.x(), d.y());
            if (len > 4) {
                const QPointF u = d / len, tip = b - u * 3;
                const QPointF n(-u.y(), u.x());
                p.drawLine(tip, tip - u * 5 + n * 3);
                p.drawLine(tip, tip - u * 5 - n * 3);
            }
        }
        QFont f = font();
        f.setPointSizeF(std::max(5.0, objectRect(selected_, 0).height() * 0.45));
        p.setFont(f);
        p.setPen(Qt::black);
        for (std::size_t i = 0; i < list.size() && i < 400; ++i)
            p.drawText(objectRect(selected_, static_cast<int>(list[i])), Qt::AlignCenter, QString::number(i + 1));
    }
}

void SlabGrid::mousePressEvent(QMouseEvent* e) {
    if (!frame_) return;
    for (int r = 0; r < static_cast<int>(frame_->slab_runs.size()); ++r)
        if (runRect(r).contains(e->pos())) {
            selectRun(r);
            return;
        }
    selectRun(-1);
}

SlabView::SlabView(QWidget* parent) : QWidget(parent) {
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Size class:")));
    class_ = new QComboBox;
    top->addWidget(class_);
    auto* legend = new QLabel(tr("<span style='color:#e6963c'>■</span> used  <span style='color:#5aaa6e'>■</span> free "
                                 "<span style='color:#5a96e6'>■</span> cached  <span style='color:#c864c8'>■</span> remote "
                                 "— click a run to draw its free list"));
    legend->setWordWrap(true);  // a narrow dock wraps it rather than widening
    legend->setMinimumWidth(120);
    top->addWidget(legend, 1);
    grid_ = new SlabGrid;
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(grid_, 1);
    connect(class_, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (i >= 0) Q_EMIT classChosen(i);
    });
}

void SlabView::setFrame(const FramePtr& frame) {
    if (!frame || frame->gauge_only) return;
    const int classes = static_cast<int>(frame->core.class_sizes.size());
    if (classes != shown_classes_) {
        const QSignalBlocker block(class_);
        class_->clear();
        for (int c = 0; c < classes; ++c)
            class_->addItem(QStringLiteral("%1: %2 B").arg(c).arg(frame->core.class_sizes[static_cast<std::size_t>(c)]));
        shown_classes_ = classes;
    }
    {
        const QSignalBlocker block(class_);
        class_->setCurrentIndex(frame->slab_class);
    }
    grid_->setFrame(frame);
}

}  // namespace allocsim::gui
