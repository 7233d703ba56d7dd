// The buddy's free lists as a tree: one row per order (its block size and count),
// its blocks under it in list order (most recently freed first), each with its page,
// offset and size. Shown in the "Free lists" dock beside the arena's bars, for when
// the exact order of a list matters.
#pragma once

#include <QAbstractItemModel>

#include "gui/frame.h"

namespace allocsim::gui {

class FreeListModel : public QAbstractItemModel {
    Q_OBJECT

public:
    enum Column { Name, Page, Offset, Size, ColumnCount };

    explicit FreeListModel(QObject* parent = nullptr);
    void setFrame(const FramePtr& frame);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    FramePtr frame_;
};

}  // namespace allocsim::gui
