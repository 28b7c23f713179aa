#include "ui/models/problemsmodel.h"

#include "core/leftovers.h"
#include "core/model.h"
#include "core/modelspec.h"
#include "core/shardmetadataagreement.h"
#include "ui/models/format.h"
#include "ui/models/roles.h"

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

int ProblemsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_warnings.size());
}

int ProblemsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ProblemsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Warning& warning = m_warnings[static_cast<size_t>(index.row())];
    const bool display = role == Qt::DisplayRole;
    switch (index.column()) {
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
