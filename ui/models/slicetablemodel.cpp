#include "ui/models/slicetablemodel.h"

#include "ui/models/roles.h"

#include <QItemSelection>

#include <algorithm>
#include <climits>

namespace safescope {

namespace {

// Sections a table shows along an axis of `count` slice indices from `origin`.
int shownSections(uint64_t count, uint64_t origin)
{
    return count <= origin ? 0 : static_cast<int>(std::min(count - origin, SliceTableModel::kMaxSections));
}

// The origin that keeps a window of kMaxSections full and contains `wanted` (the window start when possible).
uint64_t clampOrigin(uint64_t wanted, uint64_t count)
{
    if (count <= SliceTableModel::kMaxSections)
        return 0;
    return std::min(wanted, count - SliceTableModel::kMaxSections);
}

} // namespace

SliceTableModel::SliceTableModel(QObject* parent) : QAbstractTableModel(parent) {}

SliceTableModel::~SliceTableModel() = default;

void SliceTableModel::setTensor(std::shared_ptr<const Model> model, size_t index)
{
    beginResetModel();
    m_model = std::move(model);
    m_tensor = index;
    m_spec = m_model ? defaultSliceSpec(m_model->tensor(index).shape) : SliceSpec{};
    rebuild();
    endResetModel();
}

bool SliceTableModel::setSpec(const SliceSpec& spec)
{
    if (!m_model || !sliceAddressing(spec, m_model->tensor(m_tensor).shape))
        return false;
    if (spec == m_spec)
        return true;
    beginResetModel();
    m_spec = spec;
    rebuild();
    endResetModel();
    return true;
}

void SliceTableModel::rebuild()
{
    m_specError.clear();
    m_rowOrigin = 0;
    m_colOrigin = 0;
    if (!m_model) {
        m_cache = {};
        return;
    }
    const TensorView view = viewOf(*m_model, m_tensor);
    Result<SliceAddressing> addressing = sliceAddressing(m_spec, view.shape);
    if (!addressing) {
        m_specError = addressing.error().message;
        m_cache = {};
        return;
    }
    if (view.dtype == DType::Unknown) {
        m_specError = tr("The dtype is unknown, so the values cannot be decoded.");
        m_cache = {};
        return;
    }
    m_cache = SliceBlockCache(m_model, view, m_spec, *addressing);
}

void SliceTableModel::setNumberFormat(NumberFormat format)
{
    if (format == m_format)
        return;
    m_format = format;
    if (rowCount() > 0 && columnCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1), {Qt::DisplayRole});
}

void SliceTableModel::setOrigin(uint64_t firstRow, uint64_t firstCol)
{
    const uint64_t row = clampOrigin(firstRow, m_cache.addressing().rows);
    const uint64_t col = clampOrigin(firstCol, m_cache.addressing().cols);
    if (row == m_rowOrigin && col == m_colOrigin)
        return;
    beginResetModel();
    m_rowOrigin = row;
    m_colOrigin = col;
    endResetModel();
}

QModelIndex SliceTableModel::revealCell(uint64_t row, uint64_t col)
{
    const SliceAddressing& a = m_cache.addressing();
    if (row >= a.rows || col >= a.cols)
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

QString SliceTableModel::error() const
{
    return m_specError.isEmpty() ? m_cache.error() : m_specError;
}

QString SliceTableModel::cellText(uint64_t row, uint64_t col) const
{
    const SliceBlockCache::Cell cell = m_cache.cell(row, col);
    return cellformat::text(m_cache.view().dtype, cell.value, cell.bits, m_format);
}

double SliceTableModel::cellValue(uint64_t row, uint64_t col) const
{
    return m_cache.cell(row, col).value;
}

QString SliceTableModel::tsv(const QItemSelection& selection) const
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

int SliceTableModel::rowCount(const QModelIndex& parent) const
{
    // An axis of length 0 empties the whole table: [2^63, 0] has no cells, and no row needs a header section.
    const SliceAddressing& a = m_cache.addressing();
    return parent.isValid() || !m_cache.view().data || a.cols == 0 ? 0 : shownSections(a.rows, m_rowOrigin);
}

int SliceTableModel::columnCount(const QModelIndex& parent) const
{
    const SliceAddressing& a = m_cache.addressing();
    return parent.isValid() || !m_cache.view().data || a.rows == 0 ? 0 : shownSections(a.cols, m_colOrigin);
}

QVariant SliceTableModel::data(const QModelIndex& index, int role) const
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

QVariant SliceTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    return QString::number((orientation == Qt::Vertical ? m_rowOrigin : m_colOrigin) + static_cast<uint64_t>(section));
}

} // namespace safescope
