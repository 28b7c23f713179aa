#include "ui/models/slicetablemodel.h"

#include "core/remote/tensorbytes.h"
#include "ui/models/valuesource.h"

#include <QFuture>
#include <QtConcurrent>

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
    if (m_fetchCancel)
        *m_fetchCancel = true;
    m_fetchCancel = std::make_shared<std::atomic_bool>(false);
    m_bytesFetched = 0;
    m_partsRequested = false;
    if (!m_model) {
        m_cache = {};
        return;
    }
    const LogicalTensor* logical = logicalTensorOf(*m_model, m_quant.get(), m_tensor);
    if (logical) {
        // A quantized weight: the dequantized values, read block by block as the table asks for them.
        Result<SliceAddressing> addressing = sliceAddressing(m_spec, logical->shape);
        if (!addressing) {
            m_specError = addressing.error().message;
            m_cache = {};
            return;
        }
        const std::optional<size_t> main = m_model->find(logical->parts.front().second);
        if (main && TensorBytes::isRemote(*m_model, *main)) {
            // A remote weight: its cells read "…" until its stored parts, fetched whole off the GUI thread when the
            // view first asks for cells, are in; then the table reads them through the dequantizer as for a local one.
            const TensorView shape{
                DType::F32, logical->shape, logical->elementCount, nullptr, logical->elementCount * 4, nullptr};
            m_cache = SliceBlockCache(
                m_model, shape, m_spec, *addressing,
                [this, tensor = *logical, at = *addressing](uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                                            uint64_t) { fetchParts(tensor, at); });
            return;
        }
        auto dequantizer = Dequantizer::create(*m_model, *logical);
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
    if (TensorBytes::isRemote(*m_model, m_tensor)) {
        m_cache =
            SliceBlockCache(m_model, view, m_spec, *addressing,
                            [this](uint64_t blockRow, uint64_t blockCol, uint64_t row0, uint64_t rows, uint64_t col0,
                                   uint64_t cols) { fetchBlock(blockRow, blockCol, row0, rows, col0, cols); });
        return;
    }
    m_cache = SliceBlockCache(m_model, view, m_spec, *addressing);
}

void SliceTableModel::fetchBlock(uint64_t blockRow, uint64_t blockCol, uint64_t row0, uint64_t rows, uint64_t col0,
                                 uint64_t cols)
{
    // Only the bytes this block of cells reads cross the network (FetchedTensor::windowRanges); the GUI thread
    // never waits. A result for a tensor or slice no longer shown is dropped (its cancel flag was raised).
    QFuture<Result<TensorBytes>> future = QtConcurrent::run(
        [model = m_model, index = m_tensor, spec = m_spec, row0, rows, col0, cols, cancel = m_fetchCancel] {
            return TensorBytes::window(*model, index, spec, row0, rows, col0, cols, cancel.get());
        });
    future.then(this, [this, blockRow, blockCol, cancel = m_fetchCancel](Result<TensorBytes> bytes) {
        if (*cancel)
            return;
        if (bytes) {
            m_bytesFetched += bytes->bytesFetched();
            m_cache.fill(blockRow, blockCol, bytes->view());
        } else {
            m_cache.failBlock(blockRow, blockCol, bytes.error().message);
        }
        if (rowCount() > 0 && columnCount() > 0)
            emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
        emit fetchStateChanged();
    });
    // Called from data(): the page hears of the fetch once the view has finished asking.
    QMetaObject::invokeMethod(this, &SliceTableModel::fetchStateChanged, Qt::QueuedConnection);
}

void SliceTableModel::fetchParts(const LogicalTensor& tensor, const SliceAddressing& addressing)
{
    if (m_partsRequested)
        return;
    m_partsRequested = true;
    using Fetched = std::pair<Result<std::unique_ptr<const Dequantizer>>, uint64_t>;
    QFuture<Fetched> future = QtConcurrent::run([model = m_model, tensor, cancel = m_fetchCancel] {
        uint64_t bytes = 0;
        auto dequantizer = TensorBytes::dequantizer(*model, tensor, cancel.get(), {}, &bytes);
        return Fetched{std::move(dequantizer), bytes};
    });
    future.then(this, [this, addressing, cancel = m_fetchCancel](Fetched fetched) {
        if (*cancel)
            return;
        m_bytesFetched += fetched.second;
        if (!fetched.first) {
            beginResetModel();
            m_specError = fetched.first.error().message;
            m_cache = {};
            endResetModel();
        } else {
            m_cache = SliceBlockCache(m_model, std::shared_ptr<const Dequantizer>(std::move(*fetched.first)), m_spec,
                                      addressing);
            if (rowCount() > 0 && columnCount() > 0)
                emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
        }
        emit fetchStateChanged();
    });
    QMetaObject::invokeMethod(this, &SliceTableModel::fetchStateChanged, Qt::QueuedConnection);
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
    if (cell.pending)
        return QStringLiteral("\u2026");
    return cellformat::text(m_cache.view().dtype, cell.value, cell.bits, numberFormat());
}

double SliceTableModel::cellValue(uint64_t row, uint64_t col) const
{
    return m_cache.cell(row, col).value;
}

} // namespace safescope
