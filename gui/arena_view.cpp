#include "gui/arena_view.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

#include "alloc/action.h"
#include "gui/palette.h"

namespace allocsim::gui {

namespace {

constexpr int kFreeListWidth = 190;
constexpr int kMargin = 6;

QString bytes_text(std::uint64_t b) {
    if (b >= (1ull << 30) && b % (1ull << 30) == 0) return QStringLiteral("%1 GiB").arg(b >> 30);
    if (b >= (1ull << 20) && b % (1ull << 20) == 0) return QStringLiteral("%1 MiB").arg(b >> 20);
    if (b >= 1024 && b % 1024 == 0) return QStringLiteral("%1 KiB").arg(b >> 10);
    return QStringLiteral("%1 B").arg(b);
}

}  // namespace

ArenaView::ArenaView(QWidget* parent) : QWidget(parent) {
    setAttribute(Qt::WA_OpaquePaintEvent);
    animation_.setStartValue(0.0);
    animation_.setEndValue(1.0);
    animation_.setDuration(700);
    connect(&animation_, &QVariantAnimation::valueChanged, this, [this] { update(); });
}

void ArenaView::clearHistory() { history_.clear(); }

std::uint32_t ArenaView::pageOf(std::uintptr_t address) const {
    if (!frame_ || address < frame_->core.usable_begin) return 0;
    return static_cast<std::uint32_t>((address - frame_->core.usable_begin) / frame_->core.page_bytes);
}

void ArenaView::record(const engine::StepRecord& r) {
    for (const Action& a : r.actions) {
        if (a.address == 0) continue;
        switch (a.kind) {
            case ActionKind::BuddyAlloc:
            case ActionKind::BuddyFree:
            case ActionKind::BuddySplit:
            case ActionKind::BuddyCoalesce:
            case ActionKind::SlabCarve:
            case ActionKind::PageReturn:
            case ActionKind::LargeAlloc:
            case ActionKind::LargeFree: {
                auto& h = history_[pageOf(a.address)];
                h.push_back(Change{r.index, QStringLiteral("%1 (order %2, cpu %3)")
                                                .arg(action_name(a.kind))
                                                .arg(index_of(a.order))
                                                .arg(index_of(a.cpu))});
                if (h.size() > 64) h.erase(h.begin());
                break;
            }
            default: break;
        }
    }
}

void ArenaView::setFrame(const FramePtr& frame) {
    if (!frame || frame->gauge_only) return;
    const bool fresh = !frame_ || frame_->core.pages != frame->core.pages;
    frame_ = frame;
    if (fresh) history_.clear();
    motion_.reset();
    if (frame_->last) {
        record(*frame_->last);
        // The largest split (a cascade starts at its top) or the last coalesce.
        int top = -1, levels = 0;
        std::uint32_t first = 0;
        bool split = true;
        for (const Action& a : frame_->last->actions) {
            if (a.kind == ActionKind::BuddySplit) {
                ++levels;
                if (static_cast<int>(index_of(a.order)) > top) {
                    top = static_cast<int>(index_of(a.order));
                    first = pageOf(a.address);
                }
            }
        }
        if (levels == 0) {
            for (const Action& a : frame_->last->actions)
                if (a.kind == ActionKind::BuddyCoalesce) {
                    ++levels;
                    split = false;
                    top = static_cast<int>(index_of(a.order)) + 1;  // the merged block's order
                    first = pageOf(a.address) & ~((1u << top) - 1);
                }
        }
        if (levels > 0 && animated_) {
            motion_ = Motion{split, first, top, levels};
            animation_.stop();
            animation_.start();
        }
    }
    layout();
    update();
}

QRect ArenaView::gridArea() const {
    return QRect(kMargin, kMargin, std::max(10, width() - kFreeListWidth - 3 * kMargin), std::max(10, height() - 2 * kMargin));
}

QRect ArenaView::freeListArea() const {
    const QRect g = gridArea();
    return QRect(g.right() + kMargin, kMargin, kFreeListWidth, g.height());
}

void ArenaView::layout() {
    if (!frame_ || frame_->core.pages == 0) return;
    const QRect area = gridArea();
    const std::uint64_t pages = frame_->core.pages;
    // Pages per cell: the smallest power of two for which cells of at least 3 px fit.
    pages_per_cell_ = 1;
    for (;;) {
        const std::uint64_t cells = (pages + pages_per_cell_ - 1) / pages_per_cell_;
        const double side = std::sqrt(static_cast<double>(area.width()) * area.height() / static_cast<double>(cells));
        if (side >= 3 || pages_per_cell_ >= (1 << 20)) {
            cell_ = std::max(1, static_cast<int>(side));
            break;
        }
        pages_per_cell_ *= 2;
    }
    const std::uint64_t cells = (pages + pages_per_cell_ - 1) / pages_per_cell_;
    // Columns: a power of two, so a row starts on a block boundary; the one that
    // gives the biggest cells in the area.
    cell_ = 1;
    columns_ = 1;
    for (int c = 1; c <= area.width() && static_cast<std::uint64_t>(c) <= cells * 2; c *= 2) {
        const int r = static_cast<int>((cells + c - 1) / c);
        const int side = std::min(area.width() / c, area.height() / r);
        if (side >= cell_) {
            cell_ = std::max(1, side);
            columns_ = c;
        }
    }
    rows_ = static_cast<int>((cells + columns_ - 1) / columns_);
    image_ = QImage(columns_, rows_, QImage::Format_RGB32);
    image_.fill(palette::background());
    const int max_order = static_cast<int>(frame_->core.max_order);
    for (const engine::BlockInfo& b : frame_->core.blocks) {
        const QRgb color = palette::block(b, max_order).rgb();
        const std::uint64_t first = b.first_page / pages_per_cell_;
        const std::uint64_t last = (std::uint64_t{b.first_page} + b.pages - 1) / pages_per_cell_;
        for (std::uint64_t c = first; c <= last; ++c) {
            // A cell shows the block of its first page.
            if (c != first || b.first_page % pages_per_cell_ == 0)
                reinterpret_cast<QRgb*>(image_.scanLine(static_cast<int>(c / columns_)))[c % columns_] = color;
        }
    }
}

QRect ArenaView::cellRect(std::uint64_t cell) const {
    const QRect area = gridArea();
    return QRect(area.left() + static_cast<int>(cell % columns_) * cell_, area.top() + static_cast<int>(cell / columns_) * cell_,
                 cell_, cell_);
}

void ArenaView::resizeEvent(QResizeEvent*) { layout(); }

void ArenaView::outlinePages(QPainter& p, std::uint32_t first, std::uint32_t pages) {
    // A block covers whole rows, or a part of one row (blocks are aligned).
    const std::uint64_t c0 = first / pages_per_cell_;
    const std::uint64_t c1 = (std::uint64_t{first} + pages - 1) / pages_per_cell_;
    const QRect a = cellRect(c0), b = cellRect(c1);
    if (c0 / columns_ == c1 / columns_) p.drawRect(a.united(b).adjusted(0, 0, -1, -1));
    else p.drawRect(QRect(gridArea().left(), a.top(), columns_ * cell_, b.bottom() - a.top() + 1).adjusted(0, 0, -1, -1));
}

void ArenaView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette::background());
    if (!frame_) {
        p.setPen(Qt::white);
        p.drawText(rect(), Qt::AlignCenter, tr("No trace open"));
        return;
    }
    const QRect area = gridArea();
    p.drawImage(QRect(area.left(), area.top(), columns_ * cell_, rows_ * cell_), image_);
    // Block outlines where cells are big enough to show them.
    if (pages_per_cell_ == 1 && cell_ >= 5 && frame_->core.blocks.size() < 50000) {
        p.setPen(QColor(0, 0, 0, 90));
        for (const engine::BlockInfo& b : frame_->core.blocks) outlinePages(p, b.first_page, b.pages);
    }
    paintAnimation(p);
    paintFreeLists(p);
}

void ArenaView::paintAnimation(QPainter& p) {
    if (!motion_) return;
    const double t = animation_.currentValue().toDouble();
    const int levels = motion_->levels;
    // Split: level by level, the halves appear; coalesce: the merged outline grows.
    const int shown = std::clamp(static_cast<int>(std::ceil(t * levels)), 1, levels);
    p.setBrush(Qt::NoBrush);
    for (int level = 0; level < shown; ++level) {
        const int order = motion_->split ? motion_->top_order - 1 - level : motion_->top_order - levels + 1 + level;
        if (order < 0) break;
        const std::uint32_t pages = 1u << order;
        QPen pen(motion_->split ? QColor(255, 255, 255) : QColor(255, 230, 90));
        pen.setWidth(level + 1 == shown ? 3 : 1);
        p.setPen(pen);
        if (motion_->split) {
            // The two halves of the block split at this level (the lower half is split further).
            outlinePages(p, motion_->first_page, pages);
            outlinePages(p, motion_->first_page + pages, pages);
        } else {
            outlinePages(p, motion_->first_page & ~(pages - 1), pages);
        }
    }
    p.setPen(QPen(QColor(255, 255, 255, static_cast<int>(255 * (1 - t))), 2));
    outlinePages(p, motion_->first_page, 1u << motion_->top_order);
}

void ArenaView::paintFreeLists(QPainter& p) {
    const QRect area = freeListArea();
    p.setPen(Qt::white);
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    p.setFont(f);
    p.drawText(area.left(), area.top() + 12, tr("free lists"));
    const int max_order = static_cast<int>(frame_->core.max_order);
    const int row = std::clamp((area.height() - 20) / (max_order + 1), 12, 40);
    std::size_t most = 1;
    for (const auto& list : frame_->core.free_lists) most = std::max(most, list.size());
    for (int k = 0; k <= max_order && k < static_cast<int>(frame_->core.free_lists.size()); ++k) {
        const int y = area.top() + 20 + k * row;
        const std::size_t n = frame_->core.free_lists[static_cast<std::size_t>(k)].size();
        p.setPen(Qt::white);
        p.drawText(QRect(area.left(), y, 60, row - 2), Qt::AlignVCenter | Qt::AlignLeft,
                   QStringLiteral("%1 %2").arg(k).arg(bytes_text(frame_->core.page_bytes << k)));
        const int bar = static_cast<int>((area.width() - 100) * static_cast<double>(n) / static_cast<double>(most));
        p.fillRect(QRect(area.left() + 62, y + 2, std::max(n > 0 ? 2 : 0, bar), row - 6), palette::free_block(k, max_order));
        p.drawText(QRect(area.right() - 36, y, 36, row - 2), Qt::AlignVCenter | Qt::AlignRight, QString::number(n));
    }
}

int ArenaView::blockAt(QPoint pos) const {
    if (!frame_ || !gridArea().contains(pos)) return -1;
    const QRect area = gridArea();
    const int col = (pos.x() - area.left()) / cell_, row = (pos.y() - area.top()) / cell_;
    if (col >= columns_ || row >= rows_) return -1;
    const std::uint64_t page = (static_cast<std::uint64_t>(row) * columns_ + static_cast<std::uint64_t>(col)) * pages_per_cell_;
    if (page >= frame_->core.pages) return -1;
    const auto& blocks = frame_->core.blocks;
    const auto it = std::upper_bound(blocks.begin(), blocks.end(), page,
                                     [](std::uint64_t pg, const engine::BlockInfo& b) { return pg < b.first_page; });
    if (it == blocks.begin()) return -1;
    return static_cast<int>(it - blocks.begin()) - 1;
}

QString ArenaView::describe(int index) const {
    const engine::BlockInfo& b = frame_->core.blocks[static_cast<std::size_t>(index)];
    const std::uint64_t offset = std::uint64_t{b.first_page} * frame_->core.page_bytes;
    QString text = QStringLiteral("<b>%1</b><br>page %2 (offset 0x%3), %4 pages = %5, order %6")
                       .arg(palette::state_name(b.state))
                       .arg(b.first_page)
                       .arg(offset, 0, 16)
                       .arg(b.pages)
                       .arg(bytes_text(std::uint64_t{b.pages} * frame_->core.page_bytes))
                       .arg(b.order);
    if (b.state == engine::BlockState::Slab) {
        const std::uint32_t size = b.size_class < frame_->core.class_sizes.size() ? frame_->core.class_sizes[b.size_class] : 0;
        text += QStringLiteral("<br>size class %1 (%2 B), owner cpu %3, %4 of %5 objects on its free list")
                    .arg(b.size_class)
                    .arg(size)
                    .arg(b.owner)
                    .arg(b.free_objects)
                    .arg(b.objects);
    }
    const auto h = history_.find(b.first_page);
    if (h != history_.end() && !h->second.empty())
        text += QStringLiteral("<br>last changed by event %1: %2").arg(h->second.back().event).arg(h->second.back().what);
    else text += tr("<br>not changed in the events stepped through since opening or seeking");
    return text;
}

QString ArenaView::blockReport(int index) const {
    if (!frame_ || index < 0 || index >= static_cast<int>(frame_->core.blocks.size())) return {};
    QString text = describe(index);
    const auto h = history_.find(frame_->core.blocks[static_cast<std::size_t>(index)].first_page);
    if (h == history_.end()) return text;
    text += tr("<br><br><b>history</b> (newest last)");
    for (const Change& c : h->second) text += QStringLiteral("<br>event %1: %2").arg(c.event).arg(c.what);
    return text;
}

bool ArenaView::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(e);
        const int b = blockAt(help->pos());
        if (b >= 0) QToolTip::showText(help->globalPos(), describe(b), this);
        else QToolTip::hideText();
        return true;
    }
    return QWidget::event(e);
}

void ArenaView::mousePressEvent(QMouseEvent* e) {
    const int b = blockAt(e->pos());
    if (b >= 0) Q_EMIT blockClicked(b);
}

}  // namespace allocsim::gui
