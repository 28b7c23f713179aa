#include "ui/models/problemsmodel.h"

#include "core/edit/leftovers.h"
#include "core/edit/shardmetadataagreement.h"
#include "core/format/model.h"
#include "core/publish/modelspec.h"
#include "core/text/format.h"
#include "core/values/healthproblem.h"
#include "ui/models/roles.h"

#include <QColor>
#include <QFileInfo>

#include <algorithm>
#include <iterator>

namespace safescope {

ProblemsModel::ProblemsModel(QObject* parent) : QAbstractTableModel(parent) {}

ProblemsModel::~ProblemsModel() = default;

void ProblemsModel::setWarnings(std::vector<Warning> warnings)
{
    beginResetModel();
    m_warnings = std::move(warnings);
    endResetModel();
}

void ProblemsModel::setModelProblems(const Model& model, std::vector<Warning> extra)
{
    std::vector<Warning> warnings = model.warnings();
    for (const ShardMetadataDifference& difference : shardMetadataDifferences(model))
        warnings.push_back(difference.toWarning());
    for (const Leftover& leftover : findLeftovers(model))
        warnings.push_back(
            Warning{QStringLiteral("Leftover"),
                    tr("%1. Clean up with the banner's buttons or: %2").arg(leftover.message, leftover.command),
                    QString(), leftover.file, std::nullopt});
    std::move(extra.begin(), extra.end(), std::back_inserter(warnings));
    // ModelSpec's required keys, checked before publishing (issue 18); the first shard's metadata is what loaders read.
    if (!model.shards().empty())
        std::ranges::move(modelSpecWarnings(model.metadata(), model.shards().front().path),
                          std::back_inserter(warnings));
    setWarnings(std::move(warnings));
}

void ProblemsModel::setValueProblems(const Model& model, std::vector<HealthProblem> problems)
{
    std::vector<HealthRow> rows;
    rows.reserve(problems.size());
    for (HealthProblem& problem : problems) {
        HealthRow row;
        if (problem.tensor && *problem.tensor < model.tensorCount()) {
            const size_t index = *problem.tensor;
            const TensorInfo& info = model.tensor(index);
            row.tensor = QString::fromStdString(problem.tensorName);
            row.shard = model.shardOf(index).path;
            row.offset = model.absoluteOffset(index);
            const int bits = dtypeBits(info.dtype);
            if (problem.firstIndex && bits % 8 == 0)
                *row.offset += *problem.firstIndex * static_cast<uint64_t>(bits / 8);
        } else if (model.shards().size() == 1) {
            row.shard = model.shards().front().path;
        }
        row.problem = std::move(problem);
        rows.push_back(std::move(row));
    }
    beginResetModel();
    m_health = std::move(rows);
    endResetModel();
}

int ProblemsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_warnings.size() + m_health.size());
}

int ProblemsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ProblemsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto row = static_cast<size_t>(index.row());
    if (row >= m_warnings.size())
        return healthData(m_health[row - m_warnings.size()], index.column(), role);
    return warningData(m_warnings[row], index.column(), role);
}

QVariant ProblemsModel::warningData(const Warning& warning, int column, int role) const
{
    if (role == JumpTensorRole)
        return warning.tensor;
    if (role == JumpElementRole)
        return qlonglong{-1};
    const bool display = role == Qt::DisplayRole;
    switch (column) {
    case CodeColumn:
        return display || role == SortRole ? QVariant(warning.code) : QVariant();
    case TensorColumn:
        return display || role == SortRole ? QVariant(warning.tensor) : QVariant();
    case ShardColumn:
        if (display)
            return QFileInfo(warning.shard).fileName();
        if (role == Qt::ToolTipRole || role == SortRole)
            return warning.shard;
        return {};
    case OffsetColumn:
        if (display)
            return warning.offset ? format::count(*warning.offset) : QString();
        if (role == SortRole)
            return warning.offset ? qulonglong{*warning.offset} : QVariant();
        if (role == Qt::TextAlignmentRole)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case MessageColumn:
        return display || role == Qt::ToolTipRole || role == SortRole ? QVariant(warning.message) : QVariant();
    default:
        return {};
    }
}

QString ProblemsModel::kindLabel(HealthKind kind)
{
    switch (kind) {
    case HealthKind::Nan:
        return tr("NaN");
    case HealthKind::Inf:
        return tr("Inf");
    case HealthKind::AllZero:
        return tr("All zero");
    case HealthKind::Constant:
        return tr("Constant");
    case HealthKind::F16Overflow:
        return tr("F16 overflow");
    case HealthKind::Duplicate:
        return tr("Duplicate");
    case HealthKind::Misaligned:
        return tr("Misaligned");
    case HealthKind::Metadata:
        return tr("Metadata");
    }
    return {};
}

QVariant ProblemsModel::healthData(const HealthRow& row, int column, int role) const
{
    const HealthProblem& p = row.problem;
    const bool error = p.severity() == HealthSeverity::Error;
    switch (role) {
    case JumpTensorRole:
        return row.tensor;
    case JumpElementRole:
        return p.firstIndex ? qlonglong(*p.firstIndex) : qlonglong{-1};
    case SeverityRole:
        return QString::fromLatin1(healthSeverityName(p.severity()));
    case Qt::ForegroundRole:
        // Errors stand out from the warnings a healthy fresh model also shows.
        return error && column == CodeColumn ? QVariant(QColor(Qt::red).darker(120)) : QVariant();
    default:
        break;
    }
    const bool display = role == Qt::DisplayRole;
    switch (column) {
    case CodeColumn:
        if (display || role == SortRole)
            return kindLabel(p.kind);
        if (role == Qt::ToolTipRole)
            return error ? tr("Error (%1): the values cannot be used as they are")
                               .arg(QLatin1StringView(healthKindName(p.kind)))
                         : tr("Warning (%1)").arg(QLatin1StringView(healthKindName(p.kind)));
        return {};
    case TensorColumn:
        return display || role == SortRole || role == Qt::ToolTipRole ? QVariant(row.tensor) : QVariant();
    case ShardColumn:
        if (display)
            return QFileInfo(row.shard).fileName();
        if (role == Qt::ToolTipRole || role == SortRole)
            return row.shard;
        return {};
    case OffsetColumn:
        if (display)
            return row.offset ? format::count(*row.offset) : QString();
        if (role == SortRole)
            return row.offset ? qulonglong{*row.offset} : QVariant();
        if (role == Qt::TextAlignmentRole)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case MessageColumn:
        if (display || role == SortRole)
            return p.detail;
        if (role == Qt::ToolTipRole)
            return p.firstIndex ? tr("%1\nDouble-click to show the element in the slice view.").arg(p.detail)
                                : tr("%1\nDouble-click to show the tensor.").arg(p.detail);
        return {};
    default:
        return {};
    }
}

QVariant ProblemsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case CodeColumn:
        return tr("Code");
    case TensorColumn:
        return tr("Tensor");
    case ShardColumn:
        return tr("Shard");
    case OffsetColumn:
        return tr("Offset");
    case MessageColumn:
        return tr("Message");
    default:
        return {};
    }
}

} // namespace safescope
