#include "ui/models/slicewindowtablemodel.h"

#include "ui/models/roles.h"

#include <QItemSelection>

#include <algorithm>
#include <climits>

namespace safescope {

namespace {

// Sections a table shows along an axis of `count` slice indices from `origin`.
int shownSections(uint64_t count, uint64_t origin)
{
    return count <= origin ? 0 : static_cast<int>(std::min(count - origin, SliceWindowTableModel::kMaxSections));
}

// The origin that keeps a window of kMaxSections full and contains `wanted` (the window start when possible).
uint64_t clampOrigin(uint64_t wanted, uint64_t count)
{
    if (count <= SliceWindowTableModel::kMaxSections)
        return 0;
    return std::min(wanted, count - SliceWindowTableModel::kMaxSections);
}

} // namespace

SliceWindowTableModel::SliceWindowTableModel(QObject* parent) : QAbstractTableModel(parent) {}

SliceWindowTableModel::~SliceWindowTableModel() = default;

void SliceWindowTableModel::setNumberFormat(NumberFormat format)
{
    if (format == m_format)
        return;
    m_format = format;
    if (rowCount() > 0 && columnCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1), {Qt::DisplayRole});
}

void SliceWindowTableModel::resetOrigin()
{
    m_rowOrigin = 0;
    m_colOrigin = 0;
}

void SliceWindowTableModel::setOrigin(uint64_t firstRow, uint64_t firstCol)
{
    const Extent size = extent();
    const uint64_t row = clampOrigin(firstRow, size.rows);
    const uint64_t col = clampOrigin(firstCol, size.cols);
    if (row == m_rowOrigin && col == m_colOrigin)
        return;
    beginResetModel();
    m_rowOrigin = row;
    m_colOrigin = col;
    endResetModel();
}

QModelIndex SliceWindowTableModel::revealCell(uint64_t row, uint64_t col)
{
    const Extent size = extent();
    if (row >= size.rows || col >= size.cols)
        return {};
    // A cell outside the window gets a new window centred on it, so scrolling either way from it stays inside.
    const auto originFor = [](uint64_t i, uint64_t origin) {
        if (i >= origin && i - origin < kMaxSections)
            return origin;
        return i > kMaxSections / 2 ? i - kMaxSections / 2 : 0;
    };
    setOrigin(originFor(row, m_rowOrigin), originFor(col, m_colOrigin));
    return index(static_cast<int>(row - m_rowOrigin), static_cast<int>(col - m_colOrigin));
}

QString SliceWindowTableModel::tsv(const QItemSelection& selection) const
{
    if (selection.isEmpty())
        return {};
    int top = INT_MAX, left = INT_MAX, bottom = -1, right = -1;
    for (const QItemSelectionRange& range : selection) {
        top = std::min(top, range.top());
        left = std::min(left, range.left());
        bottom = std::max(bottom, range.bottom());
        right = std::max(right, range.right());
    }
    if (qint64(bottom - top + 1) * qint64(right - left + 1) > kMaxCopyCells)
        return {};
    QString text;
    for (int r = top; r <= bottom; ++r) {
        for (int c = left; c <= right; ++c) {
            if (c > left)
                text += u'\t';
            // Unselected cells inside the bounding box stay empty, like spreadsheets paste them.
            if (selection.contains(index(r, c)))
                text += cellText(m_rowOrigin + static_cast<uint64_t>(r), m_colOrigin + static_cast<uint64_t>(c));
        }
        text += u'\n';
    }
    return text;
}

int SliceWindowTableModel::rowCount(const QModelIndex& parent) const
{
    // An axis of length 0 empties the whole table: [2^63, 0] has no cells, and no row needs a header section.
    const Extent size = extent();
    return parent.isValid() || size.cols == 0 ? 0 : shownSections(size.rows, m_rowOrigin);
}

int SliceWindowTableModel::columnCount(const QModelIndex& parent) const
{
    const Extent size = extent();
    return parent.isValid() || size.rows == 0 ? 0 : shownSections(size.cols, m_colOrigin);
}

QVariant SliceWindowTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const uint64_t row = m_rowOrigin + static_cast<uint64_t>(index.row());
    const uint64_t col = m_colOrigin + static_cast<uint64_t>(index.column());
    switch (role) {
    case Qt::DisplayRole:
        return cellText(row, col);
    case SortRole:
        return cellValue(row, col);
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant SliceWindowTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    return QString::number((orientation == Qt::Vertical ? m_rowOrigin : m_colOrigin) + static_cast<uint64_t>(section));
}

} // namespace safescope
