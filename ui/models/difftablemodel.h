#pragma once

#include "core/diff/tensordiff.h"
#include "ui/models/roles.h"

#include <QAbstractTableModel>
#include <QColor>

#include <vector>

class QPalette;

namespace safescope {

/// The tensor pairs of a model diff, one row each, filled as the diff streams rows in (appendRows) and emptied when
/// it is re-run (clear). DisplayRole is formatted text, SortRole the raw number (missing metrics sort first as
/// -inf), BackgroundRole the status colour.
class DiffTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DiffTableModel)

public:
    enum Column
    {
        NameColumn,
        StatusColumn,
        DTypeColumn,
        ShapeColumn,
        MaxAbsColumn,
        MeanAbsColumn,
        RmsColumn,
        RelL2Column,
        CosineColumn,
        SqnrColumn, ///< -20 log10(relative L2) in dB: the quantization error of a float original against B
        BeyondColumn,
        ColumnCount
    };
    enum DiffRoles
    {
        StatusRole = RawValueRole + 1, ///< DiffStatus as int
        PairRole,                      ///< TensorDiff::pair
        ChangedRole,                   ///< bool: not equal within tolerance
    };

    explicit DiffTableModel(QObject* parent = nullptr);
    ~DiffTableModel() override;

    void appendRows(const std::vector<TensorDiff>& rows);
    void clear();
    const std::vector<TensorDiff>& rows() const { return m_rows; }
    /// Row of a pair index, -1 when it has not arrived.
    int rowOfPair(size_t pair) const;

    /// A hue per status (none for identical), tuned to read on light and dark bases.
    static QColor statusHue(DiffStatus status, bool withinTolerance);
    /// The row background: the hue mixed into the palette's base, so the palette's text colour stays readable.
    static QColor statusBackground(const TensorDiff& diff, const QPalette& palette);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant display(const TensorDiff& diff, int column) const;
    QVariant sortValue(const TensorDiff& diff, int column) const;

    std::vector<TensorDiff> m_rows;
};

} // namespace safescope
