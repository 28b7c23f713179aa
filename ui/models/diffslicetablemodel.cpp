#include "ui/models/diffslicetablemodel.h"

#include "core/diff/deltaslice.h"

namespace safescope {

DiffSliceTableModel::DiffSliceTableModel(Side side, QObject* parent) : SliceWindowTableModel(parent), m_side(side) {}

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
    resetOrigin();
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

SliceWindowTableModel::Extent DiffSliceTableModel::extent() const
{
    if (!m_valid)
        return {};
    return {m_addressing.rows, m_addressing.cols};
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
        return cellformat::number(delta,
                                  numberFormat() == NumberFormat::HexBits ? NumberFormat::Scientific : numberFormat());
    }
    const SliceBlockCache& cache = m_side == Side::A ? m_cacheA : m_cacheB;
    const SliceBlockCache::Cell cell = cache.cell(row, col);
    return cellformat::text(cache.view().dtype, cell.value, cell.bits, numberFormat());
}

} // namespace safescope
