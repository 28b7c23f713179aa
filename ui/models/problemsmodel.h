#pragma once

#include "core/warning.h"

#include <QAbstractTableModel>

#include <vector>

namespace safescope {

class Model;

/// Lenient-open warnings and sharding inconsistencies of a model, one row each.
class ProblemsModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProblemsModel)

public:
    enum Column
    {
        CodeColumn,
        TensorColumn,
        ShardColumn,
        OffsetColumn,
        MessageColumn,
        ColumnCount
    };

    explicit ProblemsModel(QObject* parent = nullptr);
    ~ProblemsModel() override;

    void setWarnings(std::vector<Warning> warnings);
    /// The model's warnings, plus a row per metadata key its shards disagree on ("ShardMetadataDiffers") and per
    /// file left by an interrupted save ("Leftover", with its size and the command that cleans it).
    /// The model's warnings, then `extra` ones found beside it (quantized weights whose parts are missing or
    /// misshapen, unreadable quantization configs), each naming its tensor or file.
    void setModelProblems(const Model& model, std::vector<Warning> extra = {});

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<Warning> m_warnings;
};

} // namespace safescope
