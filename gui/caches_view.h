// The per-CPU ThreadCaches: one row per CPU, one bar per size class, filled to the
// bin's count against its capacity. The event just applied flashes where it
// happened: green a hit, red a miss, blue a refill (a batch coming from the slab),
// purple a drain (a batch going back).
//
// In animated mode an object's journey moves as a token, in the order it happened:
// a refill's batch up from the slab strip under the row to the bin (after a new run
// carved from the buddy comes in from the buddy edge on the right); a drain's batch
// down to the slab strip, then, if that emptied a run, the run out to the buddy
// edge; a remote free's batch from the freeing CPU's slab strip to its owner's row.
#pragma once

#include <QVariantAnimation>
#include <QWidget>

#include <vector>

#include "gui/frame.h"

namespace allocsim::gui {

class CachesView : public QWidget {
    Q_OBJECT

public:
    // Where a token moves: between a bin and its slab strip, between a slab strip and
    // the buddy edge, or from one CPU's slab strip to another's.
    enum class Path { None, BinSlab, SlabBuddy, SlabRemote };
    // For tests: the tokens the current event moves (from CPU, to CPU or -1, class,
    // and its half of the motion: 0 the first, 1 the second).
    struct Token {
        Path path;
        int cpu, to_cpu, cls, phase;
    };

    explicit CachesView(QWidget* parent = nullptr);
    void setFrame(const FramePtr& frame);
    QSize sizeHint() const override { return {420, 220}; }
    std::vector<Token> tokens() const;
    // The motion held `ms` milliseconds in (of 600; tests and screenshots).
    void holdMotionAt(int ms);

protected:
    void paintEvent(QPaintEvent*) override;

private:
    struct Flash {
        int cpu, cls;
        QColor color;
        int batch;  // objects moved (refill, drain, remote free), 0 otherwise
        bool down;  // BinSlab: from the bin to the slab; SlabBuddy: from the slab to the buddy
        Path path = Path::None;
        int to_cpu = 0;  // SlabRemote: the owner
        int phase = 0;   // 0 moves in the first half of the motion, 1 in the second
    };
    FramePtr frame_;
    std::vector<Flash> flashes_;
    QVariantAnimation fade_;
};

}  // namespace allocsim::gui
