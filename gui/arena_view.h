// The buddy arena: the region's pages laid out by address, row by row, each block
// coloured by its state (free by order, slab run by size class, page block, large
// run, metadata), with the free list of each order beside it.
//
// Two modes:
// - Grid: pages by address. By default the view fits the range touched so far (up
//   to the end of the last block that is not a free max-order block) and follows it
//   as it grows; the wheel zooms (from one page per cell to the whole region, about
//   the page under the cursor), a drag pans, a double-click fits again. A minimap
//   beside the grid shows the whole region and where the view is; a click on it
//   moves the view there.
// - Tree: one max-order block drawn as its buddy tree, one row per order, each
//   node a block of that order: a leaf coloured by its state, a split node drawn
//   dark, nothing below a leaf. The last event's splits are outlined, so its split
//   path reads from top to bottom. The wheel moves to the next or previous touched
//   max-order block.
//
// Splits and coalesces move: the two halves of a splitting block separate, those of
// a coalescing pair slide together, level by level, 250 ms per level (at most 1 s),
// at the display's frame rate. Off (express runs, headless screenshots) the state
// is drawn as it is.
//
// Hovering a block tells its address, order, state, owner and the event that last
// changed it; clicking shows its history (as far as this session has seen it).
// Where there are more pages than pixels, a cell stands for several pages (a power
// of two, so cells stay aligned with buddy blocks) and shows the first one's block.
#pragma once

#include <QImage>
#include <QVariantAnimation>
#include <QWidget>

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "gui/frame.h"

namespace allocsim::gui {

class ArenaView : public QWidget {
    Q_OBJECT

public:
    enum class Mode { Grid, Tree };

    explicit ArenaView(QWidget* parent = nullptr);

    void setFrame(const FramePtr& frame);
    // Off: splits and coalesces are not animated (headless screenshots show the state).
    void setAnimated(bool on) { animated_ = on; }
    bool animating() const { return motion_.has_value() && animation_.state() == QAbstractAnimation::Running; }
    // Forgets the history (after a seek, what came between is unknown).
    void clearHistory();

    void setMode(Mode mode);
    Mode mode() const { return mode_; }

    // The grid's view: pages [viewFirst(), viewFirst() + viewPages()).
    // (viewFirst() may be below 0: rows start on block boundaries, and the buddy's
    // blocks are aligned from a point before usable page 0.)
    std::int64_t viewFirst() const { return view_first_; }
    std::uint32_t viewPages() const { return view_pages_; }
    // True while the view follows the touched range (until a zoom or a pan).
    bool fitsTouched() const { return auto_fit_; }
    // Shows [first, first + pages), as near as cells aligned with blocks allow; stops
    // following the touched range.
    void setView(std::int64_t first, std::uint32_t pages);
    // Follows the touched range again.
    void fitTouched();
    // The end of the last block that is not a free max-order block (0: none).
    std::uint32_t touchedPages() const;
    // Zooms by 2^steps (steps > 0: in) about the page under `pos`.
    void zoomAt(QPoint pos, int steps);
    // The max-order block the tree shows (its first page).
    std::int64_t treeBlock() const { return tree_first_; }
    void setTreeBlock(std::int64_t page);
    // `page` down to a multiple of `pages` in the buddy's alignment.
    std::int64_t alignDown(std::int64_t page, std::uint32_t pages) const {
        return ((page + align_offset_) & ~static_cast<std::int64_t>(pages - 1)) - align_offset_;
    }

    // The page under a grid position, or ~0u.
    std::uint32_t pageAt(QPoint pos) const;
    // The motion's length (250 ms a level, at most 1 s), and a stop at `ms` into it
    // (tests and screenshots: the frame drawn then).
    int motionDuration() const { return animation_.duration(); }
    void holdMotionAt(int ms);
    // The block under a widget position, or -1 (either mode).
    int blockAt(QPoint p) const;
    // For tests: the grid's geometry.
    int pagesPerCell() const { return pages_per_cell_; }
    std::uint32_t pagesPerRow() const { return static_cast<std::uint32_t>(columns_ * pages_per_cell_); }
    // The widget rectangle of the cell that shows `page`; empty if out of the view.
    QRect cellForPage(std::uint32_t page) const;
    // The tree's node of `order` at `first_page`; empty if not in the tree shown.
    QRect treeNodeRect(int order, std::int64_t first_page) const;
    QRect minimapArea() const;
    // What the tooltip says, then the block's history as far as this session saw it.
    QString blockReport(int block) const;
    const FramePtr& frame() const { return frame_; }

    QSize sizeHint() const override { return {900, 600}; }
    QSize minimumSizeHint() const override { return {300, 200}; }

Q_SIGNALS:
    void blockClicked(int block);
    void viewChanged();

protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;
    void mouseDoubleClickEvent(QMouseEvent*) override;
    void wheelEvent(QWheelEvent*) override;
    bool event(QEvent* e) override;

private:
    struct Change {
        std::uint64_t event;
        QString what;
    };
    // The last split cascade or coalesce, for the motion and the tree's split path.
    struct Motion {
        bool split = true;
        std::uint32_t first_page = 0;  // of the top block (split) or the merged block (coalesce)
        int top_order = 0;
        int levels = 0;
    };
    void layout();
    void layoutMinimap();
    QRect cellRect(std::uint64_t cell) const;
    QRect gridArea() const;
    QRect freeListArea() const;
    QRect treeArea() const { return gridArea(); }
    void paintGrid(QPainter& p);
    void paintTree(QPainter& p);
    void paintMinimap(QPainter& p);
    void paintFreeLists(QPainter& p);
    void paintGridMotion(QPainter& p);
    // The page-range rectangle of [first, first + pages) in the grid (a part of a row,
    // or whole rows), clipped to the view; empty if outside.
    QRect pagesRect(std::uint32_t first, std::uint32_t pages) const;
    // Where motion level `level` stands: 0 before, 1 done.
    double levelProgress(int level) const;
    std::uint32_t pageOf(std::uintptr_t address) const;
    int blockOfPage(std::uint64_t page) const;
    void clampView();
    void record(const engine::StepRecord& r);
    QString describe(int block) const;
    std::uint32_t maxOrderPages() const { return frame_ ? 1u << frame_->core.max_order : 1; }

    FramePtr frame_;
    Mode mode_ = Mode::Grid;
    int columns_ = 1, rows_ = 1, cell_ = 1, pages_per_cell_ = 1;
    std::int64_t view_first_ = 0;
    std::uint32_t view_pages_ = 0;
    // Usable page 0's place in its max-order block: blocks are aligned from there.
    std::int64_t align_offset_ = 0;
    bool auto_fit_ = true;
    std::int64_t tree_first_ = 0;
    bool tree_chosen_ = false;  // the user picked the tree's block: the replay does not move it
    QImage image_;    // one pixel per cell of the view, scaled up when drawn
    QImage minimap_;  // one pixel per row of the whole region
    std::optional<Motion> motion_;
    std::vector<std::pair<int, std::uint32_t>> split_path_;  // (order, first page) split by the last event
    QVariantAnimation animation_;
    bool animated_ = true;
    // A drag: where it started, and the view then.
    std::optional<QPoint> press_;
    std::int64_t press_first_ = 0;
    bool dragged_ = false, minimap_drag_ = false;
    std::map<std::uint32_t, std::vector<Change>> history_;  // by block's first page
};

}  // namespace allocsim::gui
