#include "gui/caches_view.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

#include "alloc/action.h"
#include "gui/palette.h"

namespace allocsim::gui {

CachesView::CachesView(QWidget* parent) : QWidget(parent) {
    fade_.setStartValue(1.0);
    fade_.setEndValue(0.0);
    fade_.setDuration(600);
    connect(&fade_, &QVariantAnimation::valueChanged, this, [this] { update(); });
}

void CachesView::setFrame(const FramePtr& frame) {
    if (!frame || frame->gauge_only) return;
    frame_ = frame;
    flashes_.clear();
    if (frame_->last) {
        for (const Action& a : frame_->last->actions) {
            const int cpu = static_cast<int>(index_of(a.cpu)), cls = static_cast<int>(index_of(a.size_class));
            switch (a.kind) {
                case ActionKind::CacheHit:
                case ActionKind::CacheFree: flashes_.push_back({cpu, cls, palette::hit(), 0, false}); break;
                case ActionKind::CacheMiss:
                case ActionKind::CacheFull: flashes_.push_back({cpu, cls, palette::miss(), 0, false}); break;
                case ActionKind::Refill: flashes_.push_back({cpu, cls, palette::refill(), static_cast<int>(a.objects), false}); break;
                case ActionKind::Drain: flashes_.push_back({cpu, cls, palette::drain(), static_cast<int>(a.objects), true}); break;
                default: break;
            }
        }
        if (!flashes_.empty()) {
            fade_.stop();
            fade_.start();
        }
    }
    update();
}

void CachesView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette::background());
    p.setRenderHint(QPainter::Antialiasing);
    if (!frame_ || frame_->core.bins.empty()) return;
    const auto& bins = frame_->core.bins;
    const int cpus = static_cast<int>(bins.size());
    const int classes = static_cast<int>(bins[0].size());
    const int label = 46;
    const double col = std::max(3.0, (width() - label - 8.0) / std::max(1, classes));
    const double row = std::max(24.0, (height() - 24.0) / std::max(1, cpus));
    const double bar_h = row * 0.62, slab_h = row * 0.14;
    p.setPen(Qt::white);
    for (int c = 0; c < cpus; ++c) {
        const double y = 6 + c * row;
        p.setPen(Qt::white);
        p.drawText(QRectF(2, y, label - 4, bar_h), Qt::AlignVCenter | Qt::AlignRight, QStringLiteral("cpu %1").arg(c));
        for (int k = 0; k < classes; ++k) {
            const engine::BinInfo& b = bins[static_cast<std::size_t>(c)][static_cast<std::size_t>(k)];
            const QRectF cell(label + k * col + 1, y, col - 2, bar_h);
            p.fillRect(cell, QColor(60, 63, 72));
            if (b.capacity > 0) {
                const double fill = static_cast<double>(b.count) / b.capacity;
                p.fillRect(QRectF(cell.left(), cell.bottom() - fill * cell.height(), cell.width(), fill * cell.height()),
                           palette::size_class(k));
            }
            // The slab strip: where batches come from and go back to.
            p.fillRect(QRectF(cell.left(), y + bar_h + row * 0.1, cell.width(), slab_h), palette::size_class(k).darker(170));
        }
    }
    const double t = fade_.currentValue().toDouble();
    for (const Flash& f : flashes_) {
        if (f.cpu >= cpus || f.cls >= classes) continue;
        const double y = 6 + f.cpu * row;
        const QRectF cell(label + f.cls * col + 1, y, col - 2, bar_h);
        QColor c = f.color;
        c.setAlphaF(static_cast<float>(0.85 * t));
        p.setPen(QPen(c, 3));
        p.setBrush(Qt::NoBrush);
        p.drawRect(cell.adjusted(-1, -1, 1, 1));
        if (f.batch > 0) {
            // The batch in flight between the bin and the slab strip.
            const double top = cell.bottom(), bottom = y + bar_h + row * 0.1;
            const double along = f.down ? (1 - t) : t;
            const double ypos = f.down ? top + along * (bottom - top) : bottom - along * (bottom - top);
            p.setBrush(c);
            p.drawEllipse(QPointF(cell.center().x(), ypos), 4, 4);
            p.setPen(c);
            p.drawText(QRectF(cell.right() + 2, ypos - 8, 40, 16), Qt::AlignLeft | Qt::AlignVCenter,
                       QStringLiteral("%1%2").arg(f.down ? "↓" : "↑").arg(f.batch));
        }
    }
    // Legend.
    p.setPen(Qt::white);
    const double ly = height() - 16;
    double x = label;
    for (const auto& [name, color] : {std::pair{"hit", palette::hit()}, std::pair{"miss", palette::miss()},
                                      std::pair{"refill", palette::refill()}, std::pair{"drain", palette::drain()}}) {
        p.fillRect(QRectF(x, ly + 3, 10, 10), color);
        p.drawText(QPointF(x + 14, ly + 12), QString::fromLatin1(name));
        x += 70;
    }
}

}  // namespace allocsim::gui
