#include "ui/models/statstablemodel.h"

#include "core/text/format.h"
#include "ui/models/roles.h"

#include <cmath>

namespace safescope {

namespace {

QString real(double value)
{
    return std::isnan(value) ? QStringLiteral("\u2014") : QString::number(value, 'g', 7);
}

} // namespace

StatsTableModel::StatsTableModel(QObject* parent) : QAbstractTableModel(parent) {}

StatsTableModel::~StatsTableModel() = default;

void StatsTableModel::setStats(std::shared_ptr<const TensorStats> stats)
{
    beginResetModel();
    m_stats = std::move(stats);
    build();
    endResetModel();
}

void StatsTableModel::build()
{
    m_rows.clear();
    m_parts.clear();
    m_partNames.clear();
    if (!m_stats)
        return;
    const TensorStats& s = *m_stats;
    const QString marker = s.sampled ? tr(" (sample)") : QString();
    if (s.real && s.imag) {
        m_parts = {&s, &*s.real, &*s.imag};
        m_partNames = {tr("Magnitude") + marker, tr("Real") + marker, tr("Imaginary") + marker};
    } else {
        m_parts = {&s};
        m_partNames = {tr("Value") + marker};
    }

    const auto addReal = [this](const QString& key, const QString& label, auto member, const QString& tip = {}) {
        Row row{key, label, {}, {}, tip};
        for (const ValueStats* part : m_parts) {
            const double v = member(*part);
            row.values.emplace_back(v);
            row.texts.push_back(real(v));
        }
        m_rows.push_back(std::move(row));
    };
    const auto addCount = [this](const QString& key, const QString& label, auto member, const QString& tip = {}) {
        Row row{key, label, {}, {}, tip};
        for (const ValueStats* part : m_parts) {
            const uint64_t v = member(*part);
            row.values.emplace_back(static_cast<qulonglong>(v));
            row.texts.push_back(format::count(v));
        }
        m_rows.push_back(std::move(row));
    };

    if (s.bools) {
        const BoolCounts& b = *s.bools;
        const auto addBool = [this](const QString& key, const QString& label, uint64_t v) {
            m_rows.push_back({key, label, {QVariant(static_cast<qulonglong>(v))}, {format::count(v)}, {}});
        };
        addBool(QStringLiteral("count"), tr("Count"), s.count);
        addBool(QStringLiteral("true"), tr("True"), b.trueCount);
        addBool(QStringLiteral("false"), tr("False"), b.falseCount);
        addBool(QStringLiteral("other"), tr("Other bytes"), b.other);
        return;
    }

    addCount(QStringLiteral("count"), tr("Count"), [](const ValueStats& v) { return v.count; });
    addCount(QStringLiteral("finite"), tr("Finite"), [](const ValueStats& v) { return v.finite; });
    addReal(QStringLiteral("min"), tr("Min"), [](const ValueStats& v) { return v.min; });
    addReal(QStringLiteral("max"), tr("Max"), [](const ValueStats& v) { return v.max; });
    addReal(QStringLiteral("mean"), tr("Mean"), [](const ValueStats& v) { return v.mean; });
    addReal(
        QStringLiteral("std"), tr("Std dev"), [](const ValueStats& v) { return v.std; },
        tr("Population standard deviation of the finite values"));
    addReal(QStringLiteral("sum"), tr("Sum"), [](const ValueStats& v) { return v.sum; });
    addReal(QStringLiteral("l2"), tr("L2 norm"), [](const ValueStats& v) { return v.l2; });
    addCount(QStringLiteral("zeros"), tr("Zeros"), [](const ValueStats& v) { return v.zeros; });
    addCount(QStringLiteral("nan"), tr("NaN"), [](const ValueStats& v) { return v.nan; });
    addCount(QStringLiteral("posinf"), tr("+Inf"), [](const ValueStats& v) { return v.posinf; });
    addCount(QStringLiteral("neginf"), tr("\u2212Inf"), [](const ValueStats& v) { return v.neginf; });
    addCount(
        QStringLiteral("subnormal"), tr("Subnormal"), [](const ValueStats& v) { return v.subnormal; },
        tr("Non-zero values below the dtype's smallest normal number"));
    for (size_t i = 0; i < kPercentileLevels.size(); ++i) {
        const QString level = QString::number(kPercentileLevels[i]);
        const QString tip = s.exact
                                ? tr("Exact (from the count of every bit pattern)")
                                : tr("Within \u00b1%1 (read from a fine histogram)").arg(s.percentileError, 0, 'g', 3);
        addReal(
            QStringLiteral("p") + level, tr("p%1").arg(level), [i](const ValueStats& v) { return v.percentiles[i]; },
            tip);
    }
}

QString StatsTableModel::valueText(const QString& quantity, int part) const
{
    for (const Row& row : m_rows) {
        if (row.key == quantity && part >= 0 && static_cast<size_t>(part) < row.texts.size())
            return row.texts[static_cast<size_t>(part)];
    }
    return {};
}

int StatsTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int StatsTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_stats ? 0 : 1 + static_cast<int>(m_partNames.size());
}

QVariant StatsTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Row& row = m_rows[static_cast<size_t>(index.row())];
    const auto part = static_cast<size_t>(index.column() - 1);
    switch (role) {
    case Qt::DisplayRole:
        return index.column() == 0 ? row.label : row.texts[part];
    case SortRole:
        return index.column() == 0 ? QVariant(row.label) : row.values[part];
    case Qt::ToolTipRole:
        return row.toolTip.isEmpty() ? QVariant() : QVariant(row.toolTip);
    case Qt::TextAlignmentRole:
        return index.column() == 0 ? QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter)
                                   : QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant StatsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (section == 0)
        return tr("Quantity");
    return m_partNames.value(section - 1);
}

} // namespace safescope
