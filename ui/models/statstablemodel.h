#pragma once

#include "core/values/tensorstats.h"

#include <QAbstractTableModel>

#include <memory>
#include <vector>

namespace safescope {

/// The statistics of one tensor as a two-or-more-column table: one row per quantity, one value column per part
/// (C64: magnitude, real, imaginary). DisplayRole is text, SortRole the number.
class StatsTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatsTableModel)

public:
    explicit StatsTableModel(QObject* parent = nullptr);
    ~StatsTableModel() override;

    /// Null clears the table.
    void setStats(std::shared_ptr<const TensorStats> stats);
    const std::shared_ptr<const TensorStats>& stats() const { return m_stats; }
    /// The text shown for a quantity ("mean", "p50", "nan", ...) in value column `part`; empty when absent.
    QString valueText(const QString& quantity, int part = 0) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        QString key;   ///< stable name for code and tests
        QString label; ///< what the user reads
        std::vector<QVariant> values;
        std::vector<QString> texts;
        QString toolTip;
    };
    void build();

    std::shared_ptr<const TensorStats> m_stats;
    std::vector<const ValueStats*> m_parts;
    QStringList m_partNames;
    std::vector<Row> m_rows;
};

} // namespace safescope
