#pragma once

#include "core/values/healthproblem.h"
#include "core/format/warning.h"
#include "ui/models/roles.h"

#include <QAbstractTableModel>

#include <optional>
#include <vector>

namespace safescope {

class Model;

/// Lenient-open warnings and sharding inconsistencies of a model, one row each, followed by the findings of the value
/// health scan (setValueProblems()).
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

    /// What a row points at: the tensor to show (every row naming one) and, for value findings, the flat index of the
    /// first offending element (-1 when there is none).
    enum ProblemRole
    {
        JumpTensorRole = RawValueRole + 32,
        JumpElementRole,
        SeverityRole ///< "error" or "warning" for scan findings, empty for the warnings above them
    };

    explicit ProblemsModel(QObject* parent = nullptr);
    ~ProblemsModel() override;

    void setWarnings(std::vector<Warning> warnings);
    /// The model's warnings, plus a row per metadata key its shards disagree on ("ShardMetadataDiffers") and per
    /// file left by an interrupted save ("Leftover", with its size and the command that cleans it).
    /// The model's warnings, then `extra` ones found beside it (quantized weights whose parts are missing or
    /// misshapen, unreadable quantization configs), each naming its tensor or file.
    void setModelProblems(const Model& model, std::vector<Warning> extra = {});

    /// The value health scan's findings (core/values/healthscan.h), shown after the warnings; replaces the previous ones.
    /// Called with structuralHealthProblems() at once and with the whole report once the values are scanned.
    void setValueProblems(const Model& model, std::vector<HealthProblem> problems);
    int valueProblemCount() const { return static_cast<int>(m_health.size()); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct HealthRow
    {
        HealthProblem problem;
        QString tensor;
        QString shard;
        std::optional<uint64_t> offset; ///< of the first offending element, else of the tensor's data
    };
    static QString kindLabel(HealthKind kind);
    QVariant warningData(const Warning& warning, int column, int role) const;
    QVariant healthData(const HealthRow& row, int column, int role) const;

    std::vector<Warning> m_warnings;
    std::vector<HealthRow> m_health;
};

} // namespace safescope
