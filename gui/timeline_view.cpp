#include "gui/timeline_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <array>
#include <cmath>

#include "gui/footprint_causes.h"
#include "gui/palette.h"

namespace allocsim::gui {

namespace {

constexpr double kLeft = 64, kRight = 12, kTop = 8, kBottom = 18, kGap = 6;
constexpr double kStrip = 15;  // above each plot: its series' names

QColor cpu_color(int cpu) { return QColor::fromHsvF(std::fmod(0.12f + static_cast<float>(cpu) * 0.21f, 1.0f), 0.6f, 0.95f); }

QString human_bytes(double b) {
    if (b >= 1 << 30) return QStringLiteral("%1 GiB").arg(b / (1 << 30), 0, 'f', 1);
    if (b >= 1 << 20) return QStringLiteral("%1 MiB").arg(b / (1 << 20), 0, 'f', 1);
    if (b >= 1 << 10) return QStringLiteral("%1 KiB").arg(b / (1 << 10), 0, 'f', 1);
    return QStringLiteral("%1 B").arg(b, 0, 'f', 0);
}

// One series as a polyline over [0, n) buckets in `box`, scaled to [0, top].
void plot(QPainter& p, const QRectF& box, const std::vector<double>& v, double top, const QColor& color, double skip = -1,
          Qt::PenStyle style = Qt::SolidLine) {
    if (v.empty() || top <= 0) return;
    QPainterPath path;
    bool started = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == skip) continue;
        const double x = box.left() + box.width() * (static_cast<double>(i) + 0.5) / static_cast<double>(v.size());
        const double y = box.bottom() - box.height() * std::min(1.0, v[i] / top);
        if (!started) path.moveTo(x, y);
        else path.lineTo(x, y);
        started = true;
    }
    p.setPen(QPen(color, 1.4, style));
    p.setBrush(Qt::NoBrush);
    p.drawPath(path);
}

}  // namespace

TimelineView::TimelineView(QWidget* parent) : QWidget(parent) { setMouseTracking(false); }

void TimelineView::setOverview(const OverviewPtr& overview, std::uint64_t events) {
    overview_ = overview;
    events_ = events;
    update();
}

void TimelineView::setCompared(const OverviewPtr& overview, const QString& name) {
    compared_ = overview;
    compared_name_ = name;
    update();
}

void TimelineView::setMeasured(const std::vector<double>& cycles_per_op, const QString& name) {
    measured_ = cycles_per_op;
    measured_name_ = name;
    update();
}

void TimelineView::setPosition(std::uint64_t position) {
    if (position == position_) return;
    position_ = position;
    update();
}

QRectF TimelineView::plotArea() const { return QRectF(kLeft, kTop, width() - kLeft - kRight, height() - kTop - kBottom); }

std::uint64_t TimelineView::positionAt(double x) const {
    const QRectF a = plotArea();
    const double t = std::clamp((x - a.left()) / a.width(), 0.0, 1.0);
    return static_cast<std::uint64_t>(t * static_cast<double>(events_));
}

void TimelineView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette::background());
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::white);
    if (!overview_ || overview_->kinds.empty()) {
        p.drawText(rect(), Qt::AlignCenter, tr("Indexing the trace: the timeline comes when it is done"));
        return;
    }
    const auto& o = *overview_;
    const QRectF area = plotArea();
    // Three plots, each under a strip that holds its series' names: no label is
    // drawn over the data.
    const double h = (area.height() - 2 * kGap) / 3;
    const auto plot_under_strip = [&](double top) { return QRectF(area.left(), top + kStrip, area.width(), h - kStrip); };
    const QRectF cycles = plot_under_strip(area.top());
    const QRectF hits = plot_under_strip(cycles.bottom() + kGap);
    const QRectF memory = plot_under_strip(hits.bottom() + kGap);
    for (const QRectF& box : {cycles, hits, memory}) {
        p.setPen(QColor(90, 94, 104));
        p.drawRect(box);
    }
    const auto label_at = [&](const QRectF& box, double x) { return QPointF(box.left() + x, box.top() - 3); };
    // 1. Modeled cycles per op, per CPU (scaled to the 99th percentile of buckets).
    std::vector<double> all;
    for (const auto& cpu : o.cycles_per_op)
        for (double v : cpu)
            if (v > 0) all.push_back(v);
    double top = 1;
    if (!all.empty()) {
        std::sort(all.begin(), all.end());
        top = all[std::min(all.size() - 1, all.size() * 99 / 100)] * 1.1;
    }
    for (std::size_t c = 0; c < o.cycles_per_op.size(); ++c) plot(p, cycles, o.cycles_per_op[c], top, cpu_color(static_cast<int>(c)), 0);
    p.setPen(Qt::white);
    p.drawText(QRectF(0, cycles.top(), kLeft - 4, 14), Qt::AlignRight, QString::number(top, 'f', 0));
    p.drawText(QRectF(0, cycles.top() + 14, kLeft - 4, 28), Qt::AlignRight | Qt::TextWordWrap, tr("cycles/op"));
    for (std::size_t c = 0; c < o.cycles_per_op.size() && c < 16; ++c) {
        p.setPen(cpu_color(static_cast<int>(c)));
        p.drawText(label_at(cycles, 6 + static_cast<double>(c) * 48), QStringLiteral("cpu %1").arg(c));
    }
    if (!measured_.empty()) {
        // The measured run's cycles per operation, dashed, on the same scale.
        plot(p, cycles, measured_, top, Qt::white, -1, Qt::DashLine);
        p.setPen(Qt::white);
        p.drawText(label_at(cycles, 6 + static_cast<double>(std::min<std::size_t>(o.cycles_per_op.size(), 16)) * 48),
                   tr("dashed: measured, %1").arg(measured_name_));
    }
    // 2. Hit rate, and fragmentation: the share of the footprint not holding live bytes.
    plot(p, hits, o.hit_rate, 1.0, palette::hit(), -1);
    std::vector<double> fragmentation(o.live_bytes.size(), -1);
    for (std::size_t b = 0; b < fragmentation.size(); ++b)
        if (o.footprint_bytes[b] > 0)
            fragmentation[b] = 1.0 - std::min(1.0, static_cast<double>(o.live_bytes[b]) / static_cast<double>(o.footprint_bytes[b]));
    plot(p, hits, fragmentation, 1.0, palette::drain(), -1);
    p.setPen(Qt::white);
    p.drawText(QRectF(0, hits.top(), kLeft - 4, 14), Qt::AlignRight, QStringLiteral("100%"));
    p.setPen(palette::hit());
    p.drawText(label_at(hits, 6), tr("hit rate"));
    p.setPen(palette::drain());
    p.drawText(label_at(hits, 70), tr("fragmentation (1 - live / footprint)"));
    if (compared_ && compared_->hit_rate.size() == o.hit_rate.size()) {
        // The compared run's hit rate, dashed; its name in the strip.
        plot(p, hits, compared_->hit_rate, 1.0, Qt::white, -1, Qt::DashLine);
        p.setPen(Qt::white);
        p.drawText(label_at(hits, 320), tr("dashed: %1 (hit rate; footprint below)").arg(compared_name_));
    }
    // 3. The footprint by cause, stacked: live bytes at the bottom, metadata on top.
    //    Each name in the strip above is a button: a click lists what holds it.
    legend_.clear();
    const std::size_t buckets = o.footprint_parts.size();
    if (buckets > 0) {
        std::vector<std::array<double, kFootprintCauses>> layers(buckets);
        double most = 1;
        for (std::size_t b = 0; b < buckets; ++b) {
            layers[b] = cause_bytes(o.footprint_parts[b], o.live_bytes[b]);
            double sum = 0;
            for (double v : layers[b]) sum += v;
            most = std::max(most, sum);
        }
        const auto x_of = [&](std::size_t b) {
            return memory.left() + memory.width() * (static_cast<double>(b) + 0.5) / static_cast<double>(buckets);
        };
        std::vector<double> below(buckets, 0);
        for (int k = 0; k < kFootprintCauses; ++k) {
            QPainterPath area_path;
            for (std::size_t b = 0; b < buckets; ++b) {
                const double y = memory.bottom() - memory.height() * std::min(1.0, (below[b] + layers[b][k]) / most);
                if (b == 0) area_path.moveTo(x_of(b), y);
                else area_path.lineTo(x_of(b), y);
            }
            for (std::size_t b = buckets; b-- > 0;)
                area_path.lineTo(x_of(b), memory.bottom() - memory.height() * std::min(1.0, below[b] / most));
            area_path.closeSubpath();
            p.setPen(Qt::NoPen);
            p.setBrush(cause_color(static_cast<FootprintCause>(k)));
            p.drawPath(area_path);
            for (std::size_t b = 0; b < buckets; ++b) below[b] += layers[b][k];
        }
        // The compared run's footprint (all its causes), dashed, on the same scale.
        if (compared_ && compared_->footprint_parts.size() == buckets) {
            QPainterPath line;
            for (std::size_t b = 0; b < buckets; ++b) {
                const double total = static_cast<double>(compared_->footprint_parts[b].total());
                const double y = memory.bottom() - memory.height() * std::min(1.0, total / most);
                if (b == 0) line.moveTo(x_of(b), y);
                else line.lineTo(x_of(b), y);
            }
            p.setPen(QPen(Qt::white, 1.6, Qt::DashLine));
            p.setBrush(Qt::NoBrush);
            p.drawPath(line);
        }
        p.setPen(Qt::white);
        p.drawText(QRectF(0, memory.top(), kLeft - 4, 14), Qt::AlignRight, human_bytes(most));
        p.drawText(QRectF(0, memory.top() + 14, kLeft - 4, 28), Qt::AlignRight | Qt::TextWordWrap, tr("footprint"));
        double x = 6;
        const QFontMetricsF metrics(font());
        for (int k = 0; k < kFootprintCauses; ++k) {
            const auto cause = static_cast<FootprintCause>(k);
            const QString name = QString::fromLatin1(cause_name(cause));
            const QRectF swatch(memory.left() + x, memory.top() - kStrip + 3, 9, 9);
            p.fillRect(swatch, cause_color(cause));
            p.setPen(Qt::white);
            p.drawText(label_at(memory, x + 12), name);
            const double w = 12 + metrics.horizontalAdvance(name);
            legend_.push_back({QRectF(memory.left() + x, memory.top() - kStrip, w, kStrip), k});
            x += w + 12;
        }
    }
    // The current event.
    if (events_ > 0) {
        const double x = area.left() + area.width() * static_cast<double>(position_) / static_cast<double>(events_);
        p.setPen(QPen(QColor(255, 230, 90), 1.5));
        p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
        p.drawText(QRectF(x - 60, area.bottom() + 2, 120, kBottom - 2), Qt::AlignCenter, QString::number(position_));
    }
}

void TimelineView::mousePressEvent(QMouseEvent* e) {
    for (const auto& [rect, cause] : legend_)
        if (rect.contains(e->position())) {
            Q_EMIT causeClicked(cause);
            return;
        }
    if (events_ > 0) Q_EMIT seekRequested(positionAt(e->position().x()));
}

QRectF TimelineView::causeRect(int cause) const {
    for (const auto& [rect, k] : legend_)
        if (k == cause) return rect;
    return {};
}

void TimelineView::mouseMoveEvent(QMouseEvent* e) {
    if ((e->buttons() & Qt::LeftButton) && events_ > 0) Q_EMIT seekRequested(positionAt(e->position().x()));
}

}  // namespace allocsim::gui
