#include "gui/arena_view.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QWheelEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

#include "alloc/action.h"
#include "gui/palette.h"

namespace allocsim::gui {

namespace {

constexpr int kFreeListWidth = 190;
constexpr int kMinimapWidth = 14;
constexpr int kCaptionHeight = 64;  // under the free lists: what the view shows
constexpr int kMargin = 6;
constexpr int kMaxCell = 48;            // px: zoomed in, a page is at most this big
constexpr std::uint32_t kMinViewPages = 16;
constexpr int kLevelMs = 250;           // a split or coalesce level's motion
constexpr int kMaxMotionMs = 1000;      // a whole cascade's

QString bytes_text(std::uint64_t b) {
    if (b >= (1ull << 30) && b % (1ull << 30) == 0) return QStringLiteral("%1 GiB").arg(b >> 30);
    if (b >= (1ull << 20) && b % (1ull << 20) == 0) return QStringLiteral("%1 MiB").arg(b >> 20);
    if (b >= 1024 && b % 1024 == 0) return QStringLiteral("%1 KiB").arg(b >> 10);
    return QStringLiteral("%1 B").arg(b);
}

}  // namespace

ArenaView::ArenaView(QWidget* parent) : QWidget(parent) {
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMouseTracking(false);
    animation_.setStartValue(0.0);
    animation_.setEndValue(1.0);
    animation_.setDuration(kLevelMs);
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
    align_offset_ = static_cast<std::int64_t>((frame_->core.usable_begin / frame_->core.page_bytes) & (maxOrderPages() - 1));
    if (fresh) {
        history_.clear();
        auto_fit_ = true;
        tree_chosen_ = false;
    }
    motion_.reset();
    split_path_.clear();
    if (frame_->last) {
        record(*frame_->last);
        // The largest split (a cascade starts at its top) or the last coalesce.
        int top = -1, levels = 0;
        std::uint32_t first = 0;
        bool split = true;
        for (const Action& a : frame_->last->actions) {
            if (a.kind == ActionKind::BuddySplit) {
                ++levels;
                split_path_.emplace_back(static_cast<int>(index_of(a.order)), pageOf(a.address));
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
                    first = static_cast<std::uint32_t>(std::max<std::int64_t>(0, alignDown(pageOf(a.address), 1u << top)));
                }
        }
        if (levels > 0) {
            motion_ = Motion{split, first, top, levels};
            if (!tree_chosen_) tree_first_ = alignDown(first, maxOrderPages());
            animation_.stop();
            animation_.setDuration(std::min(kMaxMotionMs, kLevelMs * levels));
            if (animated_) animation_.start();
        }
    }
    if (!tree_chosen_ && !motion_ && fresh) {
        // The tree starts on the first max-order block in use.
        const std::uint32_t touched = touchedPages();
        tree_first_ = touched == 0 ? alignDown(0, maxOrderPages()) : alignDown(touched - 1, maxOrderPages());
        for (const engine::BlockInfo& b : frame_->core.blocks)
            if (!(b.state == engine::BlockState::Free && b.order == frame_->core.max_order)) {
                tree_first_ = alignDown(b.first_page, maxOrderPages());
                break;
            }
    }
    layout();
    update();
}

void ArenaView::holdMotionAt(int ms) {
    if (!motion_) return;
    animation_.setDuration(std::min(kMaxMotionMs, kLevelMs * motion_->levels));
    if (animation_.state() == QAbstractAnimation::Stopped) animation_.start();
    animation_.pause();
    animation_.setCurrentTime(ms);
    update();
}

void ArenaView::setMode(Mode mode) {
    mode_ = mode;
    update();
}

std::uint32_t ArenaView::touchedPages() const {
    if (!frame_) return 0;
    const auto& blocks = frame_->core.blocks;
    for (auto it = blocks.rbegin(); it != blocks.rend(); ++it)
        if (it->state != engine::BlockState::Free) return it->first_page + it->pages;
    return 0;
}

void ArenaView::setView(std::int64_t first, std::uint32_t pages) {
    if (!auto_fit_ && first == view_first_ && pages == view_pages_) return;  // nothing moves: no viewChanged
    auto_fit_ = false;
    view_first_ = first;
    view_pages_ = pages;
    layout();
    update();
    Q_EMIT viewChanged();
}

void ArenaView::fitTouched() {
    if (auto_fit_) return;
    auto_fit_ = true;
    layout();
    update();
    Q_EMIT viewChanged();
}

void ArenaView::setTreeBlock(std::int64_t page) {
    tree_first_ = alignDown(page, maxOrderPages());
    tree_chosen_ = true;
    update();
}

std::uint32_t ArenaView::pageAt(QPoint pos) const {
    const QRect area = gridArea();
    if (!frame_ || !area.contains(pos)) return ~0u;
    const int col = (pos.x() - area.left()) / cell_, row = (pos.y() - area.top()) / cell_;
    if (col >= columns_ || row >= rows_) return ~0u;
    const std::int64_t page =
        view_first_ + (static_cast<std::int64_t>(row) * columns_ + static_cast<std::int64_t>(col)) * pages_per_cell_;
    return page >= 0 && page < std::int64_t{frame_->core.pages} ? static_cast<std::uint32_t>(page) : ~0u;
}

void ArenaView::zoomAt(QPoint pos, int steps) {
    if (!frame_ || steps == 0) return;
    const std::uint32_t total = frame_->core.pages;
    std::uint32_t anchor = pageAt(pos);
    if (anchor == ~0u) anchor = static_cast<std::uint32_t>(std::max<std::int64_t>(0, view_first_ + view_pages_ / 2));
    const double fraction = view_pages_ == 0 ? 0.5 : (static_cast<double>(anchor) - static_cast<double>(view_first_)) / view_pages_;
    std::uint64_t pages = view_pages_;
    for (int i = 0; i < std::abs(steps); ++i) pages = steps > 0 ? pages / 2 : pages * 2;
    pages = std::clamp<std::uint64_t>(pages, std::min<std::uint32_t>(kMinViewPages, total), total);
    const double first = anchor - fraction * static_cast<double>(pages);
    setView(static_cast<std::int64_t>(std::clamp(first, 0.0, static_cast<double>(total - pages))), static_cast<std::uint32_t>(pages));
}

void ArenaView::clampView() {
    const std::uint32_t total = frame_->core.pages;
    if (auto_fit_) {
        // The touched range, in whole max-order blocks.
        const std::uint64_t touched = std::max<std::uint32_t>(touchedPages(), 1);
        view_first_ = 0;
        view_pages_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(
            total, (touched + maxOrderPages() - 1) / maxOrderPages() * maxOrderPages()));
    }
    view_pages_ = std::clamp<std::uint32_t>(view_pages_, std::min<std::uint32_t>(kMinViewPages, total), total);
    view_first_ = std::clamp<std::int64_t>(view_first_, -align_offset_, std::int64_t{total} - view_pages_);
}

QRect ArenaView::gridArea() const {
    return QRect(kMargin, kMargin, std::max(10, width() - kFreeListWidth - kMinimapWidth - 4 * kMargin),
                 std::max(10, height() - 2 * kMargin));
}

QRect ArenaView::minimapArea() const {
    const QRect g = gridArea();
    return QRect(g.right() + kMargin, g.top(), kMinimapWidth, g.height());
}

QRect ArenaView::freeListArea() const {
    const QRect m = minimapArea();
    return QRect(m.right() + kMargin, kMargin, kFreeListWidth, m.height());
}

void ArenaView::layout() {
    if (!frame_ || frame_->core.pages == 0) return;
    clampView();
    const QRect area = gridArea();
    const std::uint64_t pages = view_pages_;
    // Pages per cell: the smallest power of two for which cells of at least 3 px fit.
    pages_per_cell_ = 1;
    for (;;) {
        const std::uint64_t cells = (pages + pages_per_cell_ - 1) / pages_per_cell_;
        const double side = std::sqrt(static_cast<double>(area.width()) * area.height() / static_cast<double>(cells));
        if (side >= 3 || pages_per_cell_ >= (1 << 20)) break;
        pages_per_cell_ *= 2;
    }
    const std::uint64_t cells = (pages + pages_per_cell_ - 1) / pages_per_cell_;
    // Columns: a power of two, so a row starts on a block boundary; the one that
    // gives the biggest cells in the area (at most kMaxCell px).
    cell_ = 1;
    columns_ = 1;
    for (int c = 1; c <= area.width() && static_cast<std::uint64_t>(c) <= cells * 2; c *= 2) {
        const int r = static_cast<int>((cells + c - 1) / c);
        const int side = std::min({area.width() / c, area.height() / r, kMaxCell});
        if (side > cell_ || (side == cell_ && c <= static_cast<int>(cells))) {
            cell_ = std::max(1, side);
            columns_ = c;
        }
    }
    // The view starts on a row boundary, so rows stay aligned with blocks.
    const std::uint64_t row_pages = std::uint64_t{static_cast<std::uint32_t>(columns_)} * pages_per_cell_;
    const std::int64_t want_end = view_first_ + view_pages_;
    view_first_ = alignDown(view_first_, static_cast<std::uint32_t>(row_pages));
    rows_ = static_cast<int>((static_cast<std::uint64_t>(want_end - view_first_) + row_pages - 1) / row_pages);
    image_ = QImage(columns_, rows_, QImage::Format_RGB32);
    image_.fill(palette::background());
    const int max_order = static_cast<int>(frame_->core.max_order);
    const std::int64_t end = view_first_ + static_cast<std::int64_t>(rows_) * static_cast<std::int64_t>(row_pages);
    const auto& blocks = frame_->core.blocks;
    auto it = std::upper_bound(blocks.begin(), blocks.end(), std::max<std::int64_t>(0, view_first_),
                               [](std::int64_t pg, const engine::BlockInfo& b) { return pg < b.first_page; });
    if (it != blocks.begin()) --it;
    for (; it != blocks.end() && it->first_page < end; ++it) {
        const engine::BlockInfo& b = *it;
        const QRgb color = palette::block(b, max_order).rgb();
        const std::int64_t from = std::max<std::int64_t>(b.first_page, view_first_);
        const std::int64_t to = std::min<std::int64_t>(std::int64_t{b.first_page} + b.pages, end);
        if (from >= to) continue;
        const auto first = static_cast<std::uint64_t>((from - view_first_) / pages_per_cell_);
        const auto last = static_cast<std::uint64_t>((to - 1 - view_first_) / pages_per_cell_);
        for (std::uint64_t c = first; c <= last; ++c) {
            // A cell shows the block of its first page.
            if (c != first || (from - view_first_) % pages_per_cell_ == 0)
                reinterpret_cast<QRgb*>(image_.scanLine(static_cast<int>(c / columns_)))[c % columns_] = color;
        }
    }
    layoutMinimap();
}

void ArenaView::layoutMinimap() {
    const QRect m = minimapArea();
    const int h = std::max(1, m.height());
    minimap_ = QImage(1, h, QImage::Format_RGB32);
    minimap_.fill(palette::background());
    const std::uint64_t total = frame_->core.pages;
    const int max_order = static_cast<int>(frame_->core.max_order);
    // Each pixel row: the block at its first page.
    std::size_t at = 0;
    const auto& blocks = frame_->core.blocks;
    for (int y = 0; y < h; ++y) {
        const std::uint64_t page = total * static_cast<std::uint64_t>(y) / static_cast<std::uint64_t>(h);
        while (at + 1 < blocks.size() && blocks[at + 1].first_page <= page) ++at;
        if (at < blocks.size()) minimap_.setPixel(0, y, palette::block(blocks[at], max_order).rgb());
    }
}

QRect ArenaView::cellRect(std::uint64_t cell) const {
    const QRect area = gridArea();
    return QRect(area.left() + static_cast<int>(cell % columns_) * cell_, area.top() + static_cast<int>(cell / columns_) * cell_,
                 cell_, cell_);
}

QRect ArenaView::cellForPage(std::uint32_t page) const {
    if (!frame_ || std::int64_t{page} < view_first_) return {};
    const auto cell = static_cast<std::uint64_t>((page - view_first_) / pages_per_cell_);
    if (cell >= static_cast<std::uint64_t>(columns_) * rows_) return {};
    return cellRect(cell);
}

void ArenaView::resizeEvent(QResizeEvent*) { layout(); }

QRect ArenaView::pagesRect(std::uint32_t first, std::uint32_t pages) const {
    // A block covers whole rows, or a part of one row (blocks are aligned).
    const std::uint64_t row_pages = std::uint64_t{static_cast<std::uint32_t>(columns_)} * pages_per_cell_;
    const std::int64_t end = view_first_ + static_cast<std::int64_t>(rows_ * row_pages);
    const std::int64_t from = std::max<std::int64_t>(first, view_first_);
    const std::int64_t to = std::min<std::int64_t>(std::int64_t{first} + pages, end);
    if (from >= to) return {};
    const auto c0 = static_cast<std::uint64_t>((from - view_first_) / pages_per_cell_);
    const auto c1 = static_cast<std::uint64_t>((to - 1 - view_first_) / pages_per_cell_);
    const QRect a = cellRect(c0), b = cellRect(c1);
    if (c0 / columns_ == c1 / columns_) return a.united(b);
    return QRect(gridArea().left(), a.top(), columns_ * cell_, b.bottom() - a.top() + 1);
}

double ArenaView::levelProgress(int level) const {
    if (!motion_) return 1;
    const double t = animation_.state() != QAbstractAnimation::Stopped ? animation_.currentValue().toDouble() : 1.0;
    return std::clamp(t * motion_->levels - level, 0.0, 1.0);
}

void ArenaView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette::background());
    if (!frame_) {
        p.setPen(Qt::white);
        p.drawText(rect(), Qt::AlignCenter, tr("No trace open"));
        return;
    }
    if (mode_ == Mode::Grid) paintGrid(p);
    else paintTree(p);
    paintMinimap(p);
    paintFreeLists(p);
}

void ArenaView::paintGrid(QPainter& p) {
    const QRect area = gridArea();
    p.drawImage(QRect(area.left(), area.top(), columns_ * cell_, rows_ * cell_), image_);
    // Block outlines where cells are big enough to show them.
    if (pages_per_cell_ == 1 && cell_ >= 5) {
        p.setPen(QColor(0, 0, 0, 90));
        const std::int64_t end = view_first_ + static_cast<std::int64_t>(columns_) * rows_;
        for (const engine::BlockInfo& b : frame_->core.blocks) {
            if (std::int64_t{b.first_page} + b.pages <= view_first_) continue;
            if (b.first_page >= end) break;
            const QRect r = pagesRect(b.first_page, b.pages);
            if (!r.isEmpty()) p.drawRect(r.adjusted(0, 0, -1, -1));
        }
    }
    paintGridMotion(p);
}

// A split: at each level, the two halves of the block split there move apart and
// back, leaving the boundary between them; a coalesce: the halves start apart and
// slide together. Halves of a block narrower than a row sit side by side, and
// move sideways; those of a block of whole rows sit above each other, and move up
// and down.
void ArenaView::paintGridMotion(QPainter& p) {
    if (!motion_ || animation_.state() == QAbstractAnimation::Stopped) return;
    const QRect area = gridArea();
    const std::uint64_t row_pages = std::uint64_t{static_cast<std::uint32_t>(columns_)} * pages_per_cell_;
    const double reach = std::max(3.0, cell_ * 1.5);
    for (int level = 0; level < motion_->levels; ++level) {
        const double t = levelProgress(level);
        if (t <= 0 || t >= 1) continue;
        // The block that splits (or merges) at this level, and its halves.
        const int order = motion_->split ? motion_->top_order - level : motion_->top_order - motion_->levels + 1 + level;
        if (order <= 0) continue;
        const std::uint32_t pages = 1u << order, half = pages / 2;
        const auto first = static_cast<std::uint32_t>(std::max<std::int64_t>(0, alignDown(motion_->first_page, pages)));
        const QRect lower = pagesRect(first, half), upper = pagesRect(first + half, half);
        if (lower.isEmpty() || upper.isEmpty()) continue;
        const double offset = motion_->split ? reach * std::sin(M_PI * t) : reach * (1 - t);
        const bool sideways = pages <= row_pages;
        const QPoint d = sideways ? QPoint(static_cast<int>(offset), 0) : QPoint(0, static_cast<int>(offset));
        const QRect both = lower.united(upper);
        p.fillRect(both, palette::background());
        const auto source = [&](const QRect& r) {
            return QRect((r.left() - area.left()) / cell_, (r.top() - area.top()) / cell_, r.width() / cell_,
                         r.height() / cell_);
        };
        p.drawImage(lower.translated(-d), image_, source(lower));
        p.drawImage(upper.translated(d), image_, source(upper));
        p.setPen(QPen(motion_->split ? QColor(255, 255, 255) : QColor(255, 230, 90), 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(lower.translated(-d).adjusted(0, 0, -1, -1));
        p.drawRect(upper.translated(d).adjusted(0, 0, -1, -1));
    }
}

QRect ArenaView::treeNodeRect(int order, std::int64_t first_page) const {
    if (!frame_) return {};
    const int max_order = static_cast<int>(frame_->core.max_order);
    if (order < 0 || order > max_order) return {};
    const std::uint32_t span = maxOrderPages();
    if (first_page < tree_first_ || first_page >= tree_first_ + span || alignDown(first_page, 1u << order) != first_page) return {};
    const QRect area = treeArea();
    const int levels = max_order + 1;
    const int row = std::clamp(area.height() / levels, 6, 64);
    const int level = max_order - order;
    const double width = static_cast<double>(area.width()) / span;  // per page
    const int x0 = area.left() + static_cast<int>(static_cast<double>(first_page - tree_first_) * width);
    const int x1 = area.left() + static_cast<int>(static_cast<double>(first_page - tree_first_ + (1u << order)) * width);
    return QRect(x0, area.top() + level * row, std::max(1, x1 - x0), row - 2);
}

int ArenaView::blockOfPage(std::uint64_t page) const {
    const auto& blocks = frame_->core.blocks;
    const auto it = std::upper_bound(blocks.begin(), blocks.end(), page,
                                     [](std::uint64_t pg, const engine::BlockInfo& b) { return pg < b.first_page; });
    if (it == blocks.begin()) return -1;
    const int i = static_cast<int>(it - blocks.begin()) - 1;
    return page < std::uint64_t{blocks[static_cast<std::size_t>(i)].first_page} + blocks[static_cast<std::size_t>(i)].pages ? i : -1;
}

// Node (order k, first page s): a leaf if a block is exactly it; under a leaf (not
// drawn) if a bigger block covers it; else split (its pages hold several blocks).
void ArenaView::paintTree(QPainter& p) {
    const int max_order = static_cast<int>(frame_->core.max_order);
    const std::uint32_t span = maxOrderPages();
    if (tree_first_ >= std::int64_t{frame_->core.pages}) return;
    const auto& blocks = frame_->core.blocks;
    for (int order = max_order; order >= 0; --order) {
        const std::uint32_t size = 1u << order;
        for (std::int64_t node = tree_first_; node < tree_first_ + span && node < std::int64_t{frame_->core.pages}; node += size) {
            const QRect r = treeNodeRect(order, node);
            if (node < 0) {
                // Before usable page 0: the buddy's metadata. A node all of it is drawn
                // once, at its top; one that reaches past it holds blocks: split.
                const bool all_metadata = node + size <= 0;
                const bool parent_all_metadata = order < max_order && alignDown(node, size << 1) + (size << 1) <= 0;
                if (all_metadata && !parent_all_metadata) p.fillRect(r, palette::reserved());
                if (!all_metadata) {
                    p.fillRect(r, QColor(62, 64, 72));
                    p.setPen(QColor(110, 112, 120));
                    if (r.width() >= 3) p.drawRect(r.adjusted(0, 0, -1, -1));
                }
                continue;
            }
            const auto s = static_cast<std::uint32_t>(node);
            const int bi = blockOfPage(s);
            if (bi < 0 || r.isEmpty()) continue;
            const engine::BlockInfo& b = blocks[static_cast<std::size_t>(bi)];
            if (b.first_page == s && b.pages == size) {
                p.fillRect(r, palette::block(b, max_order));
                if (r.width() >= 4) {
                    p.setPen(QColor(0, 0, 0, 120));
                    p.drawRect(r.adjusted(0, 0, -1, -1));
                }
            } else if (b.first_page <= s && std::uint64_t{b.first_page} + b.pages >= std::uint64_t{s} + size) {
                // Inside a bigger block: drawn at the top-most node it covers (a leaf's
                // own node, or for a run of pages that is no power of two, the nodes
                // it fills), nothing under it.
                const std::int64_t parent = alignDown(s, size << 1);
                const bool covers_parent = order < max_order && std::int64_t{b.first_page} <= parent &&
                                           std::int64_t{b.first_page} + b.pages >= parent + (size << 1);
                if (!covers_parent && !(std::int64_t{b.first_page} == parent && b.pages == (size << 1)))
                    p.fillRect(r, palette::block(b, max_order));
                continue;
            } else {
                p.fillRect(r, QColor(62, 64, 72));
                p.setPen(QColor(110, 112, 120));
                if (r.width() >= 3) p.drawRect(r.adjusted(0, 0, -1, -1));
            }
        }
    }
    // The last event's split path, top to bottom.
    p.setBrush(Qt::NoBrush);
    for (const auto& [order, first] : split_path_) {
        const QRect r = treeNodeRect(order, alignDown(first, 1u << order));
        if (r.isEmpty()) continue;
        p.setPen(QPen(QColor(255, 255, 255), 2));
        p.drawRect(r.adjusted(1, 1, -1, -1));
    }
    // The motion: a splitting node's halves slide out of it; a merging pair slides in.
    if (motion_ && animation_.state() != QAbstractAnimation::Stopped) {
        for (int level = 0; level < motion_->levels; ++level) {
            const double t = levelProgress(level);
            if (t <= 0 || t >= 1) continue;
            const int order = motion_->split ? motion_->top_order - level : motion_->top_order - motion_->levels + 1 + level;
            if (order <= 0) continue;
            const std::int64_t first = alignDown(motion_->first_page, 1u << order);
            const QRect parent = treeNodeRect(order, first);
            const QRect lower = treeNodeRect(order - 1, first), upper = treeNodeRect(order - 1, first + (1u << (order - 1)));
            if (parent.isEmpty() || lower.isEmpty()) continue;
            const double k = motion_->split ? t : 1 - t;  // 0: together at the parent, 1: in place
            const auto at = [&](const QRect& r, int from_x) {
                return QRect(static_cast<int>(from_x + (r.left() - from_x) * k), r.top(), r.width(), r.height());
            };
            p.setPen(QPen(motion_->split ? QColor(255, 255, 255) : QColor(255, 230, 90), 2));
            // Both start on the parent's middle, and move out to their own places.
            const int middle = parent.center().x() - lower.width() / 2;
            p.fillRect(at(lower, middle), QColor(255, 255, 255, 60));
            p.fillRect(at(upper, middle), QColor(255, 255, 255, 60));
            p.drawRect(at(lower, middle).adjusted(0, 0, -1, -1));
            p.drawRect(at(upper, middle).adjusted(0, 0, -1, -1));
        }
    }
}

void ArenaView::paintMinimap(QPainter& p) {
    const QRect m = minimapArea();
    p.drawImage(m, minimap_);
    const double total = frame_->core.pages;
    std::int64_t first = view_first_;
    std::uint32_t pages = view_pages_;
    if (mode_ == Mode::Tree) {
        first = tree_first_;
        pages = maxOrderPages();
    }
    const int y0 = m.top() + static_cast<int>(std::max(0.0, static_cast<double>(first)) / total * m.height());
    const int y1 = m.top() + static_cast<int>(static_cast<double>(first + pages) / total * m.height());
    p.setPen(QPen(Qt::white, 2));
    p.setBrush(Qt::NoBrush);
    p.drawRect(QRect(m.left(), y0, m.width(), std::max(2, y1 - y0)).adjusted(1, 0, -1, -1));
}

void ArenaView::paintFreeLists(QPainter& p) {
    const QRect area = freeListArea();
    p.setPen(Qt::white);
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    p.setFont(f);
    p.drawText(area.left(), area.top() + 12, tr("free lists"));
    const int max_order = static_cast<int>(frame_->core.max_order);
    const int row = std::clamp((area.height() - 20 - kCaptionHeight) / (max_order + 1), 12, 40);  // the caption below
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
    // What the grid shows, under the lists (never over the data).
    const int y = area.top() + 20 + (max_order + 1) * row + 8;
    QString view;
    if (mode_ == Mode::Grid) {
        view = tr("view: pages %1-%2 of %3%4; a cell is %5 page(s). Wheel: zoom; drag: pan; double-click: fit.")
                   .arg(view_first_)
                   .arg(view_first_ + view_pages_ - 1)
                   .arg(frame_->core.pages)
                   .arg(auto_fit_ ? tr(", the range in use") : QString())
                   .arg(pages_per_cell_);
    } else {
        view = tr("buddy tree of pages %1-%2, one row per order. Wheel: the next block in use.")
                   .arg(tree_first_)
                   .arg(tree_first_ + maxOrderPages() - 1);
    }
    p.drawText(QRect(area.left(), y, area.width(), std::max(0, area.bottom() - y)), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
               view);
}

int ArenaView::blockAt(QPoint pos) const {
    if (!frame_) return -1;
    if (mode_ == Mode::Tree) {
        // The leaf under pos: the deepest node whose rectangle holds it and is a block.
        const int max_order = static_cast<int>(frame_->core.max_order);
        for (int order = max_order; order >= 0; --order) {
            const QRect area = treeArea();
            if (!area.contains(pos)) return -1;
            const double per_page = static_cast<double>(area.width()) / maxOrderPages();
            const std::int64_t page = tree_first_ + static_cast<std::int64_t>((pos.x() - area.left()) / per_page);
            const std::int64_t first = alignDown(page, 1u << order);
            if (!treeNodeRect(order, first).contains(pos)) continue;
            if (first < 0) return -1;
            const int b = blockOfPage(static_cast<std::uint64_t>(first));
            if (b >= 0 && std::int64_t{frame_->core.blocks[static_cast<std::size_t>(b)].first_page} == first &&
                frame_->core.blocks[static_cast<std::size_t>(b)].pages == (1u << order))
                return b;
            return -1;
        }
        return -1;
    }
    const std::uint32_t page = pageAt(pos);
    return page == ~0u ? -1 : blockOfPage(page);
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
    if (e->button() != Qt::LeftButton || !frame_) return;
    press_ = e->pos();
    press_first_ = view_first_;
    dragged_ = false;
    minimap_drag_ = minimapArea().contains(e->pos());
    if (minimap_drag_) mouseMoveEvent(e);
}

void ArenaView::mouseMoveEvent(QMouseEvent* e) {
    if (!press_ || !frame_) return;
    if (minimap_drag_) {
        // The view (or the tree) centred on the page under the pointer.
        const QRect m = minimapArea();
        const double f = std::clamp((e->pos().y() - m.top()) / static_cast<double>(std::max(1, m.height())), 0.0, 1.0);
        const auto page = static_cast<std::uint32_t>(f * (frame_->core.pages - 1));
        if (mode_ == Mode::Tree) setTreeBlock(page);
        else setView(std::int64_t{page} - view_pages_ / 2, view_pages_);
        dragged_ = true;
        return;
    }
    if (mode_ != Mode::Grid) return;
    const QPoint d = e->pos() - *press_;
    if (!dragged_ && d.manhattanLength() < 4) return;
    dragged_ = true;
    // A drag moves the pages with the pointer, a row per cell of height.
    const std::int64_t rows = -d.y() / std::max(1, cell_);
    const std::int64_t row_pages = std::int64_t{columns_} * pages_per_cell_;
    const std::int64_t first = std::clamp<std::int64_t>(press_first_ + rows * row_pages, -align_offset_,
                                                        std::int64_t{frame_->core.pages} - view_pages_);
    if (first != view_first_ || auto_fit_) setView(first, view_pages_);
}

void ArenaView::mouseReleaseEvent(QMouseEvent* e) {
    if (press_ && !dragged_ && !minimap_drag_) {
        const int b = blockAt(e->pos());
        if (b >= 0) Q_EMIT blockClicked(b);
    }
    press_.reset();
    dragged_ = minimap_drag_ = false;
}

void ArenaView::mouseDoubleClickEvent(QMouseEvent* e) {
    if (mode_ == Mode::Grid && gridArea().contains(e->pos())) fitTouched();
}

void ArenaView::wheelEvent(QWheelEvent* e) {
    if (!frame_) return;
    const int steps = e->angleDelta().y() / 120;
    if (steps == 0) return;
    if (mode_ == Mode::Grid) {
        zoomAt(e->position().toPoint(), steps);
    } else {
        // The next (wheel down) or previous touched max-order block.
        const std::uint32_t span = maxOrderPages(), total = frame_->core.pages;
        std::int64_t first = tree_first_;  // steps of a max-order block, in the buddy's alignment
        for (int i = 0; i < std::abs(steps); ++i) {
            for (std::int64_t next = first + (steps < 0 ? span : -std::int64_t{span}); next >= 0 && next < total;
                 next += steps < 0 ? span : -std::int64_t{span}) {
                const int b = blockOfPage(static_cast<std::uint64_t>(std::max<std::int64_t>(0, next)));
                const bool untouched = b >= 0 && frame_->core.blocks[static_cast<std::size_t>(b)].state == engine::BlockState::Free &&
                                       frame_->core.blocks[static_cast<std::size_t>(b)].pages == span;
                if (!untouched) {
                    first = next;
                    break;
                }
            }
        }
        setTreeBlock(static_cast<std::uint32_t>(first));
    }
    e->accept();
}

}  // namespace allocsim::gui
