#include "ui/slice/slicecontrols.h"

#include "core/text/format.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>

namespace safescope {

SliceControls::SliceControls(QWidget* parent)
    : QWidget(parent), m_rows(new QComboBox), m_cols(new QComboBox), m_fixed(new QGridLayout), m_summary(new QLabel)
{
    m_rows->setObjectName(QStringLiteral("rowDimension"));
    m_cols->setObjectName(QStringLiteral("columnDimension"));
    m_summary->setForegroundRole(QPalette::PlaceholderText);
    m_summary->setWordWrap(true); // a long summary wraps rather than widening the page
    auto* pickers = new QHBoxLayout;
    pickers->addWidget(new QLabel(tr("Rows:")));
    pickers->addWidget(m_rows);
    pickers->addSpacing(12);
    pickers->addWidget(new QLabel(tr("Columns:")));
    pickers->addWidget(m_cols);
    pickers->addSpacing(12);
    pickers->addWidget(m_summary, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(pickers);
    layout->addLayout(m_fixed);
    connect(m_rows, &QComboBox::activated, this, [this](int item) { onDimensionPicked(true, item - 1); });
    connect(m_cols, &QComboBox::activated, this, [this](int item) { onDimensionPicked(false, item - 1); });
}

SliceControls::~SliceControls() = default;

void SliceControls::setShape(std::span<const uint64_t> shape, const SliceSpec& spec)
{
    m_shape.assign(shape.begin(), shape.end());
    m_spec = spec;
    rebuild();
}

void SliceControls::setSpec(const SliceSpec& spec)
{
    if (spec == m_spec)
        return;
    m_spec = spec;
    rebuild();
}

void SliceControls::rebuild()
{
    m_updating = true;
    const QSignalBlocker rowsBlocker(m_rows);
    const QSignalBlocker colsBlocker(m_cols);
    m_rows->clear();
    m_cols->clear();
    m_rows->addItem(tr("none (one row)"));
    m_cols->addItem(tr("none (one column)"));
    for (size_t d = 0; d < m_shape.size(); ++d) {
        const QString text = tr("axis %1 (%2)").arg(d).arg(format::count(m_shape[d]));
        m_rows->addItem(text);
        m_cols->addItem(text);
    }
    m_rows->setCurrentIndex(m_spec.rowDim + 1);
    m_cols->setCurrentIndex(m_spec.colDim + 1);
    m_rows->setEnabled(!m_shape.empty());
    m_cols->setEnabled(!m_shape.empty());

    while (QLayoutItem* item = m_fixed->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    int row = 0;
    for (size_t d = 0; d < m_shape.size(); ++d) {
        const int axis = static_cast<int>(d);
        if (axis == m_spec.rowDim || axis == m_spec.colDim)
            continue;
        // Spin boxes and sliders take int; an axis longer than that (never seen in practice) is capped.
        const int last = static_cast<int>(std::min<uint64_t>(m_shape[d] == 0 ? 0 : m_shape[d] - 1, INT_MAX));
        const int value = static_cast<int>(std::min<uint64_t>(d < m_spec.index.size() ? m_spec.index[d] : 0, last));
        auto* label = new QLabel(tr("Index on axis %1:").arg(d));
        auto* spin = new QSpinBox;
        auto* slider = new QSlider(Qt::Horizontal);
        spin->setObjectName(QStringLiteral("axisIndex%1").arg(d));
        spin->setRange(0, last);
        slider->setRange(0, last);
        spin->setValue(value);
        slider->setValue(value);
        spin->setSuffix(tr(" of %1").arg(format::count(m_shape[d])));
        connect(slider, &QSlider::valueChanged, spin, &QSpinBox::setValue);
        connect(spin, &QSpinBox::valueChanged, slider, &QSlider::setValue);
        connect(spin, &QSpinBox::valueChanged, this, [this, axis](int v) { onIndexChanged(axis, v); });
        m_fixed->addWidget(label, row, 0);
        m_fixed->addWidget(spin, row, 1);
        m_fixed->addWidget(slider, row, 2);
        ++row;
    }
    m_fixed->setColumnStretch(2, 1);

    updateSummary();
    m_updating = false;
}

void SliceControls::updateSummary()
{
    if (Result<SliceAddressing> a = sliceAddressing(m_spec, m_shape))
        m_summary->setText(tr("%1 \u00d7 %2 values  [%3]")
                               .arg(format::count(a->rows), format::count(a->cols), formatSliceSpec(m_spec)));
    else
        m_summary->setText(a.error().message);
}

void SliceControls::onDimensionPicked(bool rows, int dim)
{
    SliceSpec spec = m_spec;
    int& mine = rows ? spec.rowDim : spec.colDim;
    int& other = rows ? spec.colDim : spec.rowDim;
    // Picking the axis the other picker holds swaps the two, which is what transposing means.
    if (dim >= 0 && dim == other)
        other = mine;
    mine = dim;
    spec.index.resize(m_shape.size(), 0);
    m_spec = spec;
    rebuild();
    emit specChanged(m_spec);
}

void SliceControls::onIndexChanged(int axis, int value)
{
    if (m_updating)
        return;
    m_spec.index.resize(m_shape.size(), 0);
    m_spec.index[static_cast<size_t>(axis)] = static_cast<uint64_t>(value);
    updateSummary();
    emit specChanged(m_spec);
}

} // namespace safescope
