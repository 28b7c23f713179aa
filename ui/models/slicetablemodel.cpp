#include "ui/models/slicetablemodel.h"

#include "ui/models/roles.h"

#include <QItemSelection>

#include <algorithm>
#include <climits>

namespace safescope {

namespace {

int clampToInt(uint64_t count)
{
    return static_cast<int>(std::min<uint64_t>(count, INT_MAX));
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
                text += cellText(static_cast<uint64_t>(r), static_cast<uint64_t>(c));
        }
        text += u'\n';
    }
    return text;
}

int SliceTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_cache.view().data ? 0 : clampToInt(m_cache.addressing().rows);
}

int SliceTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_cache.view().data ? 0 : clampToInt(m_cache.addressing().cols);
}

QVariant SliceTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const auto row = static_cast<uint64_t>(index.row());
    const auto col = static_cast<uint64_t>(index.column());
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
    return QString::number(section);
}

} // namespace safescope
