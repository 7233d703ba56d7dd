#include "gui/measured_view.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

#include "gui/palette.h"

namespace allocsim::gui {

MeasuredView::MeasuredView(QWidget* parent) : QWidget(parent) {}

void MeasuredView::setHistograms(const MeasuredPtr& h) {
    histograms_ = h;
    update();
}

void MeasuredView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette::background());
    p.setPen(Qt::white);
    if (!histograms_) {
        p.drawText(rect().adjusted(10, 10, -10, -10), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("No measured run shown. Run ▸ Compare with a measured run… (allocsim capture and allocsim measure "
                      "make them)"));
        return;
    }
    const auto& classes = histograms_->classes;
    if (classes.empty()) {
        p.drawText(rect(), Qt::AlignCenter, tr("The measured run has no events that took the model's path"));
        return;
    }
    p.drawText(QRectF(8, 2, width() - 16, 16), Qt::AlignLeft | Qt::AlignVCenter,
               tr("measured run %1 (%2 ticks%3): outline = model, filled = measured, lines = medians; bins are powers of two")
                   .arg(histograms_->run)
                   .arg(QString::fromStdString(histograms_->clock))
                   .arg(histograms_->cycle_accurate ? QString() : tr(", NOT cycle-accurate")));
    const int n = static_cast<int>(classes.size());
    const int cols = std::max(1, std::min(n, width() / 220));
    const int rows = (n + cols - 1) / cols;
    const double cw = (width() - 8.0) / cols, ch = (height() - 22.0) / rows;
    std::size_t bins = 1;
    for (const ClassHistogram& c : classes) bins = std::max({bins, c.modeled.size(), c.measured.size()});
    for (int i = 0; i < n; ++i) {
        const ClassHistogram& c = classes[static_cast<std::size_t>(i)];
        const QRectF box(4 + (i % cols) * cw, 20 + (i / cols) * ch, cw - 6, ch - 6);
        p.setPen(QColor(90, 94, 104));
        p.setBrush(Qt::NoBrush);
        p.drawRect(box);
        p.setPen(Qt::white);
        p.drawText(QRectF(box.left() + 4, box.top() + 1, box.width() - 8, 14), Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral("%1  model %2 / measured %3").arg(QString::fromStdString(c.name)).arg(c.modeled_p50).arg(c.measured_p50));
        const QRectF plot = box.adjusted(4, 18, -4, -14);
        std::uint64_t most = 1;
        for (std::uint64_t v : c.modeled) most = std::max(most, v);
        for (std::uint64_t v : c.measured) most = std::max(most, v);
        const double bw = plot.width() / static_cast<double>(bins);
        for (std::size_t b = 0; b < bins; ++b) {
            const double x = plot.left() + static_cast<double>(b) * bw;
            if (b < c.measured.size() && c.measured[b] > 0) {
                const double h = plot.height() * static_cast<double>(c.measured[b]) / static_cast<double>(most);
                p.fillRect(QRectF(x + 1, plot.bottom() - h, bw - 2, h), palette::refill());
            }
            if (b < c.modeled.size() && c.modeled[b] > 0) {
                const double h = plot.height() * static_cast<double>(c.modeled[b]) / static_cast<double>(most);
                p.setPen(QPen(palette::page_block(), 1.5));
                p.setBrush(Qt::NoBrush);
                p.drawRect(QRectF(x + 1, plot.bottom() - h, bw - 2, h));
            }
        }
        // Medians, at their place on the log scale.
        const auto at = [&](std::uint64_t v) {
            return plot.left() + bw * (v == 0 ? 0.0 : std::log2(static_cast<double>(v)) + 0.5);
        };
        p.setPen(QPen(palette::page_block(), 1.5, Qt::DashLine));
        p.drawLine(QPointF(at(c.modeled_p50), plot.top()), QPointF(at(c.modeled_p50), plot.bottom()));
        p.setPen(QPen(palette::refill().lighter(130), 1.5, Qt::DashLine));
        p.drawLine(QPointF(at(c.measured_p50), plot.top()), QPointF(at(c.measured_p50), plot.bottom()));
        p.setPen(QColor(170, 170, 170));
        for (std::size_t b = 0; b < bins; b += 4)
            p.drawText(QRectF(plot.left() + static_cast<double>(b) * bw - 10, plot.bottom() + 1, 40, 12), Qt::AlignLeft,
                       QStringLiteral("2^%1").arg(b));
    }
}

}  // namespace allocsim::gui
