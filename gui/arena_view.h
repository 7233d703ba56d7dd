// The buddy arena: the region's pages laid out by address, row by row, each block
// coloured by its state (free by order, slab run by size class, page block, large
// run, metadata), with the free list of each order beside it. A split animates as
// the block dividing into halves level by level, a coalesce as buddies merging.
// Hovering a block tells its address, order, state, owner and the event that last
// changed it; clicking shows its history (as far as this session has seen it).
//
// Where there are more pages than pixels, a cell stands for several pages (a power
// of two, so cells stay aligned with buddy blocks) and shows the first one's block.
#pragma once

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
    explicit ArenaView(QWidget* parent = nullptr);

    void setFrame(const FramePtr& frame);
    // Off: splits and coalesces are not animated (headless screenshots show the state).
    void setAnimated(bool on) { animated_ = on; }
    // Forgets the history (after a seek, what came between is unknown).
    void clearHistory();
    // The block under a widget position, or -1.
    int blockAt(QPoint p) const;
    // For tests: the grid's geometry and the order of the block at a page.
    int pagesPerCell() const { return pages_per_cell_; }
    // The widget rectangle of the cell that shows `page` (for tests and overlays).
    QRect cellForPage(std::uint32_t page) const { return cellRect(page / pages_per_cell_); }
    // What the tooltip says, then the block's history as far as this session saw it.
    QString blockReport(int block) const;
    const FramePtr& frame() const { return frame_; }

    QSize sizeHint() const override { return {900, 600}; }
    QSize minimumSizeHint() const override { return {300, 200}; }

Q_SIGNALS:
    void blockClicked(int block);

protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    bool event(QEvent* e) override;

private:
    struct Change {
        std::uint64_t event;
        QString what;
    };
    void layout();
    QRect cellRect(std::uint64_t cell) const;
    QRect gridArea() const;
    QRect freeListArea() const;
    void paintFreeLists(QPainter& p);
    void paintAnimation(QPainter& p);
    std::uint32_t pageOf(std::uintptr_t address) const;
    void outlinePages(QPainter& p, std::uint32_t first, std::uint32_t pages);
    void record(const engine::StepRecord& r);
    QString describe(int block) const;

    FramePtr frame_;
    int columns_ = 1, rows_ = 1, cell_ = 1, pages_per_cell_ = 1;
    QImage image_;  // one pixel per cell, scaled up when drawn
    // The animation of the last split or coalesce: the block, its order and the levels.
    struct Motion {
        bool split = true;
        std::uint32_t first_page = 0;
        int top_order = 0;
        int levels = 0;
    };
    std::optional<Motion> motion_;
    QVariantAnimation animation_;
    bool animated_ = true;
    std::map<std::uint32_t, std::vector<Change>> history_;  // by block's first page
};

}  // namespace allocsim::gui
