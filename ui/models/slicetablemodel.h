#pragma once

#include "core/model.h"
#include "core/tensorslice.h"
#include "ui/models/cellformat.h"
#include "ui/models/sliceblockcache.h"

#include <QAbstractTableModel>

#include <memory>

class QItemSelection;

namespace safescope {

/// A 2-D slice of one tensor as a table. Lazy: data() decodes only the blocks of cells that views ask for, so huge
/// slices scroll like small ones. Rows and columns are the slice's indices; DisplayRole is text in the chosen
/// NumberFormat, SortRole the decoded double.
class SliceTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SliceTableModel)

public:
    /// Most cells a TSV copy takes: enough for any sensible paste target, bounded so a stray "select all" on a
    /// billion-cell slice cannot freeze the window.
    static constexpr qint64 kMaxCopyCells = 4'000'000;
    /// Most rows (and columns) the table shows at once. Header views keep a record per section, so a 1-D tensor
    /// of 10^9 elements must not become 10^9 rows; longer axes are shown through a movable window (setOrigin).
    static constexpr uint64_t kMaxSections = uint64_t(1) << 20;

    explicit SliceTableModel(QObject* parent = nullptr);
    ~SliceTableModel() override;

    /// Shows tensor `index` of `model` with its default slice (last two axes). A null model clears the table.
    void setTensor(std::shared_ptr<const Model> model, size_t index);
    /// Shows another slice of the same tensor; false (and nothing changes) when the spec does not fit its shape.
    bool setSpec(const SliceSpec& spec);
    void setNumberFormat(NumberFormat format);
    /// Moves the window over an axis longer than kMaxSections: the table's row 0 shows slice row `firstRow`.
    /// Clamped so that the window stays full; a no-op for short axes.
    void setOrigin(uint64_t firstRow, uint64_t firstCol);
    uint64_t rowOrigin() const { return m_rowOrigin; }
    uint64_t colOrigin() const { return m_colOrigin; }
    /// The table index of slice cell (row, col), moving the window first when the cell lies outside it.
    QModelIndex revealCell(uint64_t row, uint64_t col);

    NumberFormat numberFormat() const { return m_format; }
    const SliceSpec& spec() const { return m_spec; }
    const TensorView& view() const { return m_cache.view(); }
    /// Slice size, which may exceed what the table shows at once (see kMaxSections).
    const SliceAddressing& addressing() const { return m_cache.addressing(); }
    /// Why the table is empty or partial (unknown dtype, truncated file); empty when all is well.
    QString error() const;

    /// The text of a slice cell (absolute indices, not table rows) as shown, and its decoded value.
    QString cellText(uint64_t row, uint64_t col) const;
    double cellValue(uint64_t row, uint64_t col) const;
    /// The selected cells' bounding rectangle as tab-separated text, rows ending in '\n'; empty when the selection
    /// is empty or larger than kMaxCopyCells.
    QString tsv(const QItemSelection& selection) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void rebuild();

    std::shared_ptr<const Model> m_model;
    size_t m_tensor = 0;
    SliceSpec m_spec;
    SliceBlockCache m_cache;
    NumberFormat m_format = NumberFormat::Fixed;
    QString m_specError;
    uint64_t m_rowOrigin = 0;
    uint64_t m_colOrigin = 0;
};

} // namespace safescope
