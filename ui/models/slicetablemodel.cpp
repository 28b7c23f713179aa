#include "ui/models/slicetablemodel.h"

#include "ui/models/valuesource.h"

namespace safescope {

SliceTableModel::SliceTableModel(QObject* parent) : SliceWindowTableModel(parent) {}

SliceTableModel::~SliceTableModel() = default;

void SliceTableModel::setTensor(std::shared_ptr<const Model> model, size_t index,
                                std::shared_ptr<const QuantCatalog> quant)
{
    beginResetModel();
    m_model = std::move(model);
    m_quant = std::move(quant);
    m_tensor = index;
    m_spec = m_model ? defaultSliceSpec(valueShape(*m_model, m_quant.get(), index)) : SliceSpec{};
    rebuild();
    endResetModel();
}

bool SliceTableModel::setSpec(const SliceSpec& spec)
{
    if (!m_model || !sliceAddressing(spec, valueShape(*m_model, m_quant.get(), m_tensor)))
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
    if (const LogicalTensor* logical = logicalTensorOf(*m_model, m_quant.get(), m_tensor)) {
        // A quantized weight: the dequantized values, read block by block as the table asks for them.
        Result<SliceAddressing> addressing = sliceAddressing(m_spec, logical->shape);
        auto dequantizer = addressing ? Dequantizer::create(*m_model, *logical)
                                      : Result<std::unique_ptr<const Dequantizer>>(addressing.error());
        if (!dequantizer) {
            m_specError = dequantizer.error().message;
            m_cache = {};
            return;
        }
        m_cache =
            SliceBlockCache(m_model, std::shared_ptr<const Dequantizer>(std::move(*dequantizer)), m_spec, *addressing);
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
    if (!m_cache.hasValues())
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
