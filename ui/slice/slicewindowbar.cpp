#include "ui/slice/slicewindowbar.h"

#include "core/text/format.h"
#include "ui/models/slicetablemodel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

#include <algorithm>
#include <optional>

namespace safescope {

namespace {

constexpr uint64_t kWindow = SliceTableModel::kMaxSections;

// An index as typed: digits, optionally grouped the way format::count() shows them (or with spaces, '_', '\'').
std::optional<uint64_t> parseIndex(const QString& text)
{
    QString digits;
    for (const QChar c : text) {
        if (c.isDigit())
            digits += c;
        else if (c != u',' && c != u'_' && c != u'\'' && !c.isSpace())
            return std::nullopt;
    }
    bool ok = false;
    const qulonglong value = digits.toULongLong(&ok);
    return ok ? std::optional<uint64_t>(value) : std::nullopt;
}

} // namespace

SliceWindowBar::SliceWindowBar(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    buildAxis(m_rows, true);
    buildAxis(m_cols, false);
    layout->addWidget(m_rows.box);
    layout->addSpacing(12);
    layout->addWidget(m_cols.box);
    layout->addStretch(1);
    setWindow(0, 0, 0, 0);
}

SliceWindowBar::~SliceWindowBar() = default;

void SliceWindowBar::buildAxis(Axis& axis, bool rows)
{
    axis.box = new QWidget;
    axis.span = new QLabel;
    axis.first = new QLineEdit;
    axis.previous = new QToolButton;
    axis.next = new QToolButton;
    axis.span->setObjectName(rows ? QStringLiteral("rowWindow") : QStringLiteral("columnWindow"));
    axis.first->setObjectName(rows ? QStringLiteral("firstRow") : QStringLiteral("firstColumn"));
    axis.previous->setObjectName(rows ? QStringLiteral("previousRows") : QStringLiteral("previousColumns"));
    axis.next->setObjectName(rows ? QStringLiteral("nextRows") : QStringLiteral("nextColumns"));
    // Wide enough for the longest index a file can hold, grouped.
    axis.first->setMaximumWidth(fontMetrics().horizontalAdvance(format::count(UINT64_MAX)) + 16);
    axis.first->setToolTip(rows ? tr("The row to show at the top of the table; press Enter to go there")
                                : tr("The column to show at the left of the table; press Enter to go there"));
    axis.previous->setArrowType(rows ? Qt::UpArrow : Qt::LeftArrow);
    axis.next->setArrowType(rows ? Qt::DownArrow : Qt::RightArrow);
    axis.previous->setToolTip(rows ? tr("The previous %1 rows").arg(format::count(kWindow))
                                   : tr("The previous %1 columns").arg(format::count(kWindow)));
    axis.next->setToolTip(rows ? tr("The next %1 rows").arg(format::count(kWindow))
                               : tr("The next %1 columns").arg(format::count(kWindow)));

    auto* layout = new QHBoxLayout(axis.box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(axis.span);
    layout->addWidget(new QLabel(rows ? tr("Show from row:") : tr("Show from column:")));
    layout->addWidget(axis.first);
    layout->addWidget(axis.previous);
    layout->addWidget(axis.next);

    // Enter always goes (back) to the index; leaving the field goes only when the text was changed.
    connect(axis.first, &QLineEdit::returnPressed, this, [this, rows] { onFirstEdited(rows, true); });
    connect(axis.first, &QLineEdit::editingFinished, this, [this, rows] { onFirstEdited(rows, false); });
    connect(axis.previous, &QToolButton::clicked, this, [this, rows] {
        const uint64_t origin = (rows ? m_rows : m_cols).origin;
        request(rows, origin > kWindow ? origin - kWindow : 0);
    });
    connect(axis.next, &QToolButton::clicked, this, [this, rows] {
        const Axis& a = rows ? m_rows : m_cols;
        request(rows, std::min(a.origin + kWindow, a.count - 1));
    });
}

void SliceWindowBar::setWindow(uint64_t rows, uint64_t cols, uint64_t rowOrigin, uint64_t colOrigin)
{
    updateAxis(m_rows, true, rows, rowOrigin);
    updateAxis(m_cols, false, cols, colOrigin);
    setVisible(!m_rows.box->isHidden() || !m_cols.box->isHidden());
}

void SliceWindowBar::updateAxis(Axis& axis, bool rows, uint64_t count, uint64_t origin)
{
    axis.count = count;
    axis.origin = origin;
    axis.box->setVisible(count > kWindow);
    if (count <= kWindow)
        return;
    const uint64_t last = origin + std::min(count - origin, kWindow) - 1;
    axis.span->setText((rows ? tr("Rows %1 \u2013 %2 of %3") : tr("Columns %1 \u2013 %2 of %3"))
                           .arg(format::count(origin), format::count(last), format::count(count)));
    // The index the user asked for stays in the field (near the end the window stops short of it, to stay full);
    // a window moved any other way (another slice, a jump from the heatmap) shows its first index.
    if (!m_requesting || axis.wanted < origin || axis.wanted > last)
        axis.wanted = origin;
    axis.first->setText(format::count(axis.wanted));
    axis.previous->setEnabled(origin > 0);
    axis.next->setEnabled(last + 1 < count);
}

void SliceWindowBar::onFirstEdited(bool rows, bool always)
{
    Axis& axis = rows ? m_rows : m_cols;
    const std::optional<uint64_t> index = parseIndex(axis.first->text());
    if (!index || axis.count == 0) {
        axis.first->setText(format::count(axis.wanted)); // not an index: back to the one in force
        return;
    }
    const uint64_t wanted = std::min(*index, axis.count - 1);
    if (wanted == axis.wanted && !always) {
        axis.first->setText(format::count(wanted));
        return;
    }
    request(rows, wanted);
}

void SliceWindowBar::request(bool rows, uint64_t index)
{
    Axis& axis = rows ? m_rows : m_cols;
    axis.wanted = index;
    axis.first->setText(format::count(index)); // also when the window need not move
    m_requesting = true;
    emit firstIndexRequested(rows ? Qt::Vertical : Qt::Horizontal, index);
    m_requesting = false;
}

} // namespace safescope
