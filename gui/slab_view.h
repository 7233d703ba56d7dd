// The CpuSlabs of one size class: each slab run as a grid of its objects (used,
// free on the run's list, cached in a bin, on a remote queue). Clicking a run
// selects it and draws its intrusive free list in order: numbered, with arrows
// from each object to the next.
#pragma once

#include <QComboBox>
#include <QWidget>

#include "gui/frame.h"

namespace allocsim::gui {

class SlabGrid : public QWidget {
    Q_OBJECT

public:
    explicit SlabGrid(QWidget* parent = nullptr);
    void setFrame(const FramePtr& frame);
    void selectRun(int run);
    int selectedRun() const { return selected_; }
    QSize sizeHint() const override { return {420, 260}; }

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;

private:
    QRectF runRect(int run) const;
    QRectF objectRect(int run, int object) const;
    int columns(int objects) const;
    FramePtr frame_;
    int selected_ = -1;
};

class SlabView : public QWidget {
    Q_OBJECT

public:
    explicit SlabView(QWidget* parent = nullptr);
    void setFrame(const FramePtr& frame);
    SlabGrid* grid() const { return grid_; }
    QComboBox* classBox() const { return class_; }

Q_SIGNALS:
    void classChosen(int size_class);

private:
    QComboBox* class_;
    SlabGrid* grid_;
    int shown_classes_ = 0;
};

}  // namespace allocsim::gui
