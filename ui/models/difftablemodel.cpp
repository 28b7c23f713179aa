#include "ui/models/difftablemodel.h"

#include "core/diff/quantpairdiff.h"
#include "core/text/format.h"

#include <QGuiApplication>
#include <QPalette>

#include <cmath>
#include <limits>

namespace safescope {

namespace {

QString number(double value)
{
    if (std::isnan(value))
        return QStringLiteral("nan");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    return QString::number(value, 'g', 4);
}

QString dtypeString(DType dtype)
{
    const std::string_view name = dtypeName(dtype);
    return QString::fromLatin1(name.data(), static_cast<qsizetype>(name.size()));
}

// A quantized side reads as its scheme and the dtype of its main stored part: "fp8 (F8_E4M3)", "gptq (I32)".
QString sideText(DType dtype, const std::string& scheme)
{
    return scheme.empty() ? dtypeString(dtype)
                          : QStringLiteral("%1 (%2)").arg(QString::fromStdString(scheme), dtypeString(dtype));
}

QString dtypeText(const TensorDiff& diff)
{
    const QString a = diff.indexA ? sideText(diff.dtypeA, diff.schemeA) : QString();
    const QString b = diff.indexB ? sideText(diff.dtypeB, diff.schemeB) : QString();
    if (a.isEmpty() || b.isEmpty() || a == b)
        return a.isEmpty() ? b : a;
    return a + QStringLiteral(" \u2192 ") + b;
}

QString shapeText(const TensorDiff& diff)
{
    if (!diff.indexA)
        return format::shape(diff.shapeB);
    if (!diff.indexB || diff.shapeA == diff.shapeB)
        return format::shape(diff.shapeA);
    return format::shape(diff.shapeA) + QStringLiteral(" \u2192 ") + format::shape(diff.shapeB);
}

} // namespace

DiffTableModel::DiffTableModel(QObject* parent) : QAbstractTableModel(parent) {}

DiffTableModel::~DiffTableModel() = default;

void DiffTableModel::appendRows(const std::vector<TensorDiff>& rows)
{
    if (rows.empty())
        return;
    const int first = static_cast<int>(m_rows.size());
    beginInsertRows({}, first, first + static_cast<int>(rows.size()) - 1);
    m_rows.insert(m_rows.end(), rows.begin(), rows.end());
    endInsertRows();
}

void DiffTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

int DiffTableModel::rowOfPair(size_t pair) const
{
    // Rows arrive in pair order from 0, so the pair is normally its own row.
    if (pair < m_rows.size() && m_rows[pair].pair == pair)
        return static_cast<int>(pair);
    for (size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].pair == pair)
            return static_cast<int>(i);
    }
    return -1;
}

QColor DiffTableModel::statusHue(DiffStatus status, bool withinTolerance)
{
    switch (status) {
    case DiffStatus::OnlyInA:
        return QColor(0xd6, 0x27, 0x28); // removed: red
    case DiffStatus::OnlyInB:
        return QColor(0x2c, 0xa0, 0x2c); // added: green
    case DiffStatus::ShapeChanged:
        return QColor(0x94, 0x67, 0xbd); // purple
    case DiffStatus::DTypeChanged:
        return QColor(0x1f, 0x77, 0xb4); // blue
    case DiffStatus::ValuesDiffer:
        return withinTolerance ? QColor() : QColor(0xff, 0x7f, 0x0e); // orange
    case DiffStatus::Identical:
        break;
    }
    return {};
}

QColor DiffTableModel::statusBackground(const TensorDiff& diff, const QPalette& palette)
{
    const QColor hue = statusHue(diff.status, diff.withinTolerance());
    if (!hue.isValid())
        return {};
    // A fixed share of the hue over the base: a tint on white, a muted shade on a dark base, text stays legible.
    const QColor base = palette.color(QPalette::Base);
    constexpr double share = 0.28;
    return QColor::fromRgbF(static_cast<float>(base.redF() * (1 - share) + hue.redF() * share),
                            static_cast<float>(base.greenF() * (1 - share) + hue.greenF() * share),
                            static_cast<float>(base.blueF() * (1 - share) + hue.blueF() * share));
}

int DiffTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int DiffTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DiffTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TensorDiff& diff = m_rows[static_cast<size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return display(diff, index.column());
    case SortRole:
        return sortValue(diff, index.column());
    case Qt::ToolTipRole:
        if (index.column() == NameColumn && !diff.nameB.empty())
            return tr("A: %1\nB: %2").arg(QString::fromStdString(diff.name), QString::fromStdString(diff.nameB));
        return diff.note.empty() ? QVariant() : QVariant(QString::fromStdString(diff.note));
    case Qt::BackgroundRole: {
        const QColor color = statusBackground(diff, QGuiApplication::palette());
        return color.isValid() ? QVariant(color) : QVariant();
    }
    case Qt::TextAlignmentRole:
        return index.column() >= MaxAbsColumn ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter)) : QVariant();
    case FullNameRole:
        return QString::fromStdString(diff.name);
    case StatusRole:
        return static_cast<int>(diff.status);
    case PairRole:
        return static_cast<qulonglong>(diff.pair);
    case ChangedRole:
        return !diff.withinTolerance();
    default:
        return {};
    }
}

QVariant DiffTableModel::display(const TensorDiff& diff, int column) const
{
    const DiffMetrics* m = diff.metrics ? &*diff.metrics : nullptr;
    switch (column) {
    case NameColumn:
        return QString::fromStdString(diff.name);
    case StatusColumn:
        return QString::fromLatin1(diffStatusName(diff.status));
    case DTypeColumn:
        return dtypeText(diff);
    case ShapeColumn:
        return shapeText(diff);
    case MaxAbsColumn:
        return m ? number(m->maxAbs) : QString();
    case MeanAbsColumn:
        return m ? number(m->meanAbs) : QString();
    case RmsColumn:
        return m ? number(m->rms) : QString();
    case RelL2Column:
        return m ? number(m->relL2) : QString();
    case CosineColumn:
        return m ? QString::number(m->cosine, 'f', 6) : QString();
    case SqnrColumn:
        return m ? QString::number(sqnrDb(*m), 'f', 1) : QString();
    case BeyondColumn:
        return m ? format::count(m->beyondTolerance) : QString();
    default:
        return {};
    }
}

QVariant DiffTableModel::sortValue(const TensorDiff& diff, int column) const
{
    constexpr double none = -std::numeric_limits<double>::infinity();
    const DiffMetrics* m = diff.metrics ? &*diff.metrics : nullptr;
    switch (column) {
    case NameColumn:
        return QString::fromStdString(diff.name);
    case StatusColumn:
        return static_cast<int>(diff.status);
    case DTypeColumn:
        return dtypeText(diff);
    case ShapeColumn: {
        uint64_t elements = 1;
        for (uint64_t d : diff.indexA ? diff.shapeA : diff.shapeB)
            elements *= d;
        return static_cast<qulonglong>(elements);
    }
    case MaxAbsColumn:
        return m ? m->maxAbs : none;
    case MeanAbsColumn:
        return m ? m->meanAbs : none;
    case RmsColumn:
        return m ? m->rms : none;
    case RelL2Column:
        return m ? m->relL2 : none;
    case CosineColumn:
        return m ? m->cosine : none;
    case SqnrColumn:
        return m && !std::isnan(sqnrDb(*m)) ? sqnrDb(*m) : none;
    case BeyondColumn:
        return m ? static_cast<qulonglong>(m->beyondTolerance) : qulonglong(0);
    default:
        return {};
    }
}

QVariant DiffTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Tensor");
    case StatusColumn:
        return tr("Status");
    case DTypeColumn:
        return tr("DType");
    case ShapeColumn:
        return tr("Shape");
    case MaxAbsColumn:
        return tr("Max |\u0394|");
    case MeanAbsColumn:
        return tr("Mean |\u0394|");
    case RmsColumn:
        return tr("RMS \u0394");
    case RelL2Column:
        return tr("Rel. L2");
    case CosineColumn:
        return tr("Cosine");
    case SqnrColumn:
        return tr("SQNR dB");
    case BeyondColumn:
        return tr("Beyond tol.");
    default:
        return {};
    }
}

} // namespace safescope
