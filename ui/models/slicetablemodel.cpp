#include "ui/models/slicetablemodel.h"

namespace safescope {

SliceTableModel::SliceTableModel(QObject* parent) : SliceWindowTableModel(parent) {}

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
    resetOrigin();
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

SliceWindowTableModel::Extent SliceTableModel::extent() const
{
    if (!m_cache.view().data)
        return {};
    return {m_cache.addressing().rows, m_cache.addressing().cols};
}

QString SliceTableModel::error() const
{
    return m_specError.isEmpty() ? m_cache.error() : m_specError;
}

QString SliceTableModel::cellText(uint64_t row, uint64_t col) const
{
    const SliceBlockCache::Cell cell = m_cache.cell(row, col);
    return cellformat::text(m_cache.view().dtype, cell.value, cell.bits, numberFormat());
}

double SliceTableModel::cellValue(uint64_t row, uint64_t col) const
{
    return m_cache.cell(row, col).value;
}

} // namespace safescope
