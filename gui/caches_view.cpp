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
        // A refill after a carve moves second (the run comes from the buddy first); a
        // run's return and a remote free follow the drain that caused them.
        bool carved = false;
        for (const Action& a : frame_->last->actions) carved = carved || a.kind == ActionKind::SlabCarve;
        for (const Action& a : frame_->last->actions) {
            const int cpu = static_cast<int>(index_of(a.cpu)), cls = static_cast<int>(index_of(a.size_class));
            const int n = static_cast<int>(a.objects);
            switch (a.kind) {
                case ActionKind::CacheHit:
                case ActionKind::CacheFree: flashes_.push_back({cpu, cls, palette::hit(), 0, false}); break;
                case ActionKind::CacheMiss:
                case ActionKind::CacheFull: flashes_.push_back({cpu, cls, palette::miss(), 0, false}); break;
                case ActionKind::Refill:
                    flashes_.push_back({cpu, cls, palette::refill(), n, false, Path::BinSlab, 0, carved ? 1 : 0});
                    break;
                case ActionKind::Drain: flashes_.push_back({cpu, cls, palette::drain(), n, true, Path::BinSlab, 0, 0}); break;
                case ActionKind::SlabCarve:
                    flashes_.push_back({cpu, cls, palette::free_block(0, 1), n, false, Path::SlabBuddy, 0, 0});
                    break;
                case ActionKind::PageReturn:
                    flashes_.push_back({cpu, cls, palette::free_block(0, 1), 1, true, Path::SlabBuddy, 0, 1});
                    break;
                case ActionKind::RemoteFree:
                    flashes_.push_back({cpu, cls, palette::object(engine::ObjectState::Remote), n, true, Path::SlabRemote,
                                        static_cast<int>(index_of(a.other_cpu)), 1});
                    break;
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
        if (f.path == Path::None) continue;
        // The token's progress along its path: its half of the motion (phase 0 the
        // first half, 1 the second), 0 at its start and 1 at its end.
        const double u = std::clamp((1 - t) * 2 - f.phase, 0.0, 1.0);
        if (u <= 0 || u >= 1) continue;
        const double slab_y = y + bar_h + row * 0.1 + slab_h / 2;
        QPointF from, to;
        QString text;
        switch (f.path) {
            case Path::BinSlab:
                from = f.down ? QPointF(cell.center().x(), cell.bottom()) : QPointF(cell.center().x(), slab_y);
                to = f.down ? QPointF(cell.center().x(), slab_y) : QPointF(cell.center().x(), cell.bottom());
                text = QStringLiteral("%1%2").arg(f.down ? "↓" : "↑").arg(f.batch);
                break;
            case Path::SlabBuddy: {
                const QPointF edge(width() - 10.0, slab_y);
                from = f.down ? QPointF(cell.center().x(), slab_y) : edge;
                to = f.down ? edge : QPointF(cell.center().x(), slab_y);
                text = f.down ? QStringLiteral("run → buddy") : QStringLiteral("buddy → run");
                break;
            }
            case Path::SlabRemote:
                from = QPointF(cell.center().x(), slab_y);
                to = QPointF(cell.center().x(), 6 + f.to_cpu * row + bar_h + row * 0.1 + slab_h / 2);
                text = QStringLiteral("%1 → cpu %2").arg(f.batch).arg(f.to_cpu);
                break;
            case Path::None: break;
        }
        const QPointF at = from + (to - from) * u;
        QColor solid = f.color;
        p.setPen(QPen(solid, 1));
        p.setBrush(solid);
        p.drawEllipse(at, 4.5, 4.5);
        p.drawText(QRectF(at.x() + 7, at.y() - 8, 90, 16), Qt::AlignLeft | Qt::AlignVCenter, text);
    }
    // Legend.
    p.setPen(Qt::white);
    const double ly = height() - 16;
    double x = label;
    for (const auto& [name, color] : {std::pair{"hit", palette::hit()}, std::pair{"miss", palette::miss()},
                                      std::pair{"refill", palette::refill()}, std::pair{"drain", palette::drain()},
                                      std::pair{"buddy", palette::free_block(0, 1)},
                                      std::pair{"remote", palette::object(engine::ObjectState::Remote)}}) {
        p.fillRect(QRectF(x, ly + 3, 10, 10), color);
        p.setPen(Qt::white);
        p.drawText(QPointF(x + 14, ly + 12), QString::fromLatin1(name));
        x += 24 + QFontMetricsF(font()).horizontalAdvance(QString::fromLatin1(name));
    }
}

void CachesView::holdMotionAt(int ms) {
    if (fade_.state() == QAbstractAnimation::Stopped) fade_.start();
    fade_.pause();
    fade_.setCurrentTime(ms);
    update();
}

std::vector<CachesView::Token> CachesView::tokens() const {
    std::vector<Token> out;
    for (const Flash& f : flashes_)
        if (f.path != Path::None) out.push_back({f.path, f.cpu, f.path == Path::SlabRemote ? f.to_cpu : -1, f.cls, f.phase});
    return out;
}

}  // namespace allocsim::gui
