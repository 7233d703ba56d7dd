#include "gui/free_list_model.h"

namespace allocsim::gui {

namespace {
// Internal ids: 0 for an order's row; order + 1 for a block's row under that order.
constexpr quintptr kOrderRow = 0;
}  // namespace

FreeListModel::FreeListModel(QObject* parent) : QAbstractItemModel(parent) {}

void FreeListModel::setFrame(const FramePtr& frame) {
    if (!frame || frame->gauge_only) return;
    beginResetModel();
    frame_ = frame;
    endResetModel();
}

QModelIndex FreeListModel::index(int row, int column, const QModelIndex& parent) const {
    if (!hasIndex(row, column, parent)) return {};
    if (!parent.isValid()) return createIndex(row, column, kOrderRow);
    return createIndex(row, column, static_cast<quintptr>(parent.row()) + 1);
}

QModelIndex FreeListModel::parent(const QModelIndex& child) const {
    if (!child.isValid() || child.internalId() == kOrderRow) return {};
    return createIndex(static_cast<int>(child.internalId() - 1), 0, kOrderRow);
}

int FreeListModel::rowCount(const QModelIndex& parent) const {
    if (!frame_) return 0;
    const auto& lists = frame_->core.free_lists;
    if (!parent.isValid()) return static_cast<int>(lists.size());
    if (parent.internalId() != kOrderRow || parent.column() != 0) return 0;
    return static_cast<int>(lists[static_cast<std::size_t>(parent.row())].size());
}

int FreeListModel::columnCount(const QModelIndex&) const { return ColumnCount; }

QVariant FreeListModel::data(const QModelIndex& idx, int role) const {
    if (!frame_ || !idx.isValid() || role != Qt::DisplayRole) return {};
    const auto& core = frame_->core;
    if (idx.internalId() == kOrderRow) {
        const auto order = static_cast<std::size_t>(idx.row());
        switch (idx.column()) {
            case Name: return tr("order %1 (%2 blocks)").arg(order).arg(core.free_lists[order].size());
            case Size: return QVariant::fromValue<qulonglong>(core.page_bytes << order);
            default: return {};
        }
    }
    const auto order = static_cast<std::size_t>(idx.internalId() - 1);
    const std::uint32_t page = core.free_lists[order][static_cast<std::size_t>(idx.row())];
    switch (idx.column()) {
        case Name: return tr("#%1").arg(idx.row() + 1);
        case Page: return page;
        case Offset: return QStringLiteral("0x%1").arg(std::uint64_t{page} * core.page_bytes, 0, 16);
        case Size: return QVariant::fromValue<qulonglong>(core.page_bytes << order);
        default: return {};
    }
}

QVariant FreeListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Name: return tr("free list");
        case Page: return tr("page");
        case Offset: return tr("offset");
        case Size: return tr("bytes");
        default: return {};
    }
}

}  // namespace allocsim::gui
