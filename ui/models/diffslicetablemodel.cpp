#include "ui/models/diffslicetablemodel.h"

#include "ui/models/deltaslice.h"
#include "ui/models/roles.h"

#include <algorithm>
#include <climits>

namespace safescope {

namespace {

int clampToInt(uint64_t count)
{
    return static_cast<int>(std::min<uint64_t>(count, INT_MAX));
}

} // namespace

DiffSliceTableModel::DiffSliceTableModel(Side side, QObject* parent) : QAbstractTableModel(parent), m_side(side) {}

DiffSliceTableModel::~DiffSliceTableModel() = default;

void DiffSliceTableModel::setPair(std::shared_ptr<const void> ownerA, const TensorView& a,
                                  std::shared_ptr<const void> ownerB, const TensorView& b, const SliceSpec& spec)
{
    beginResetModel();
    m_ownerA = std::move(ownerA);
    m_ownerB = std::move(ownerB);
    m_a = a;
    m_b = b;
    m_spec = spec;
    rebuild();
    endResetModel();
}

bool DiffSliceTableModel::setSpec(const SliceSpec& spec)
{
    const TensorView& own = usesA() ? m_a : m_b;
    if (!own.data || !sliceAddressing(spec, own.shape))
        return false;
    if (spec == m_spec)
        return true;
    beginResetModel();
    m_spec = spec;
    rebuild();
    endResetModel();
    return true;
}

void DiffSliceTableModel::clear()
{
    beginResetModel();
    m_ownerA.reset();
    m_ownerB.reset();
    m_a = {};
    m_b = {};
    m_spec = {};
    rebuild();
    m_error.clear();
    endResetModel();
}

void DiffSliceTableModel::rebuild()
{
    m_valid = false;
    m_addressing = {};
    m_cacheA = {};
    m_cacheB = {};
    m_error.clear();
    if (m_side == Side::Delta) {
        m_error = deltaslice::incompatibility(m_a, m_b);
    } else {
        const TensorView& own = m_side == Side::A ? m_a : m_b;
        if (!own.data)
            m_error = tr("Not in this model.");
        else if (own.dtype == DType::Unknown)
            m_error = tr("The dtype is unknown, so the values cannot be decoded.");
    }
    if (!m_error.isEmpty())
        return;
    Result<SliceAddressing> addressing = sliceAddressing(m_spec, usesA() ? m_a.shape : m_b.shape);
    if (!addressing) {
        m_error = addressing.error().message;
        return;
    }
    m_addressing = *addressing;
    m_valid = true;
    if (usesA())
        m_cacheA = SliceBlockCache(m_ownerA, m_a, m_spec, m_addressing);
    if (usesB())
        m_cacheB = SliceBlockCache(m_ownerB, m_b, m_spec, m_addressing);
}

void DiffSliceTableModel::setNumberFormat(NumberFormat format)
{
    if (format == m_format)
        return;
    m_format = format;
    if (rowCount() > 0 && columnCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1), {Qt::DisplayRole});
}

QString DiffSliceTableModel::error() const
{
    if (!m_error.isEmpty())
        return m_error;
    return m_cacheA.error().isEmpty() ? m_cacheB.error() : m_cacheA.error();
}

double DiffSliceTableModel::cellValue(uint64_t row, uint64_t col) const
{
    switch (m_side) {
    case Side::A:
        return m_cacheA.cell(row, col).value;
    case Side::B:
        return m_cacheB.cell(row, col).value;
    case Side::Delta:
        break;
    }
    return m_cacheA.cell(row, col).value - m_cacheB.cell(row, col).value;
}

QString DiffSliceTableModel::cellText(uint64_t row, uint64_t col) const
{
    if (m_side == Side::Delta) {
        const double delta = cellValue(row, col);
        return cellformat::number(delta, m_format == NumberFormat::HexBits ? NumberFormat::Scientific : m_format);
    }
    const SliceBlockCache& cache = m_side == Side::A ? m_cacheA : m_cacheB;
    const SliceBlockCache::Cell cell = cache.cell(row, col);
    return cellformat::text(cache.view().dtype, cell.value, cell.bits, m_format);
}

int DiffSliceTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_valid ? 0 : clampToInt(m_addressing.rows);
}

int DiffSliceTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_valid ? 0 : clampToInt(m_addressing.cols);
}

QVariant DiffSliceTableModel::data(const QModelIndex& index, int role) const
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

QVariant DiffSliceTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    return QString::number(section);
}

} // namespace safescope
