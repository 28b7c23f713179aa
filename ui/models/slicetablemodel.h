#pragma once

#include "core/format/model.h"
#include "core/quant/quantcatalog.h"
#include "core/values/tensorslice.h"
#include "ui/models/sliceblockcache.h"
#include "ui/models/slicewindowtablemodel.h"

#include <atomic>
#include <memory>

namespace safescope {

/// A 2-D slice of one tensor as a table. Lazy: data() decodes only the blocks of cells that views ask for, so huge
/// slices scroll like small ones. Rows and columns are the slice's indices; DisplayRole is text in the chosen
/// NumberFormat, SortRole the decoded double. Axes longer than kMaxSections are shown through a movable window.
class SliceTableModel final : public SliceWindowTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SliceTableModel)

public:
    explicit SliceTableModel(QObject* parent = nullptr);
    ~SliceTableModel() override;

    /// Shows tensor `index` of `model` with its default slice (last two axes). A null model clears the table.
    /// With `quant`, an index from model->tensorCount() on is a logical tensor, shown dequantized (valuesource.h).
    void setTensor(std::shared_ptr<const Model> model, size_t index, std::shared_ptr<const QuantCatalog> quant = {});
    /// Shows another slice of the same tensor; false (and nothing changes) when the spec does not fit its shape.
    bool setSpec(const SliceSpec& spec);
    const SliceSpec& spec() const { return m_spec; }
    const TensorView& view() const { return m_cache.view(); }
    /// Set when the table shows a logical tensor's dequantized values (view() then has no bytes).
    const std::shared_ptr<const Dequantizer>& dequantizer() const { return m_cache.dequantizer(); }
    /// Slice size, which may exceed what the table shows at once (see kMaxSections).
    const SliceAddressing& addressing() const { return m_cache.addressing(); }
    /// Why the table is empty or partial (unknown dtype, truncated file); empty when all is well.
    QString error() const;

    /// A remote tensor: blocks of cells are fetched off the GUI thread as the view asks for them; their cells read
    /// "…" until then. True while a fetch runs.
    bool isFetching() const { return m_cache.pendingBlocks() > 0; }
    bool isRemote() const { return m_cache.isRemote(); }
    /// Bytes fetched for the shown tensor's blocks so far (cache hits included).
    uint64_t bytesFetched() const { return m_bytesFetched; }

    QString cellText(uint64_t row, uint64_t col) const override;
    double cellValue(uint64_t row, uint64_t col) const override;

signals:
    /// A remote block arrived (or failed), or a fetch started: the page updates its "Fetching..." line.
    void fetchStateChanged();

private:
    Extent extent() const override;
    void rebuild();
    void fetchBlock(uint64_t blockRow, uint64_t blockCol, uint64_t row0, uint64_t rows, uint64_t col0, uint64_t cols);
    /// A remote quantized weight: fetches its stored parts whole once, then shows it through its dequantizer.
    void fetchParts(const LogicalTensor& tensor, const SliceAddressing& addressing);

    std::shared_ptr<const Model> m_model;
    std::shared_ptr<const QuantCatalog> m_quant;
    size_t m_tensor = 0;
    SliceSpec m_spec;
    SliceBlockCache m_cache;
    QString m_specError;
    /// Raised when the tensor or slice changes: fetches for the old one stop and their results are dropped.
    std::shared_ptr<std::atomic_bool> m_fetchCancel;
    uint64_t m_bytesFetched = 0;
    bool m_partsRequested = false; ///< fetchParts() ran for the shown slice
};

} // namespace safescope
