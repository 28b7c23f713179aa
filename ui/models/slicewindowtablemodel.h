#pragma once

#include "ui/models/cellformat.h"

#include <QAbstractTableModel>

#include <cstdint>

class QItemSelection;

namespace safescope {

/// What the single-tensor and the diff slice tables share: a 2-D slice shown through a window of at most
/// kMaxSections rows and columns, headers with the slice's own indices, the roles, the number format and the TSV
/// copy. Subclasses say how large the slice is and what each cell holds; cells are addressed by slice indices, so
/// only this class knows about the window.
class SliceWindowTableModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SliceWindowTableModel)

public:
    /// Most cells a TSV copy takes: enough for any sensible paste target, bounded so a stray "select all" on a
    /// billion-cell slice cannot freeze the window.
    static constexpr qint64 kMaxCopyCells = 4'000'000;
    /// Most rows (and columns) the table shows at once. Header views keep a record per section, so a 1-D tensor
    /// of 10^9 elements must not become 10^9 rows; longer axes are shown through a movable window (setOrigin).
    static constexpr uint64_t kMaxSections = uint64_t(1) << 20;

    ~SliceWindowTableModel() override;

    void setNumberFormat(NumberFormat format);
    NumberFormat numberFormat() const { return m_format; }
    /// Moves the window over an axis longer than kMaxSections: the table's row 0 shows slice row `firstRow`.
    /// Clamped so that the window stays full; a no-op for short axes.
    void setOrigin(uint64_t firstRow, uint64_t firstCol);
    uint64_t rowOrigin() const { return m_rowOrigin; }
    uint64_t colOrigin() const { return m_colOrigin; }
    /// The table index of slice cell (row, col), moving the window first when the cell lies outside it.
    QModelIndex revealCell(uint64_t row, uint64_t col);

    /// The text of a slice cell (absolute indices, not table rows) as shown, and its decoded value.
    virtual QString cellText(uint64_t row, uint64_t col) const = 0;
    virtual double cellValue(uint64_t row, uint64_t col) const = 0;
    /// The selected cells' bounding rectangle as tab-separated text, rows ending in '\n'; empty when the selection
    /// is empty or larger than kMaxCopyCells.
    QString tsv(const QItemSelection& selection) const;

    int rowCount(const QModelIndex& parent = {}) const final;
    int columnCount(const QModelIndex& parent = {}) const final;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const final;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const final;

protected:
    struct Extent
    {
        uint64_t rows = 0;
        uint64_t cols = 0;
    };

    explicit SliceWindowTableModel(QObject* parent = nullptr);

    /// Rows and columns of the slice on show, which may exceed the window; 0 by 0 when there is none.
    virtual Extent extent() const = 0;
    /// Back to the top-left corner: for a subclass between beginResetModel() and endResetModel() of a new slice.
    void resetOrigin();

private:
    uint64_t m_rowOrigin = 0;
    uint64_t m_colOrigin = 0;
    NumberFormat m_format = NumberFormat::Fixed;
};

} // namespace safescope
