#include "ui/values/tensorpage.h"

#include "core/format/safetensorsfile.h"
#include "core/text/format.h"
#include "core/text/textutil.h"
#include "ui/heatmap/heatmappanel.h"
#include "ui/slice/slicepanel.h"
#include "ui/values/statisticspanel.h"
#include "ui/values/statsrunner.h"
#include "ui/window/elidedlabel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QTabWidget>
#include <QVBoxLayout>

namespace safescope {

namespace {

QString fromView(std::string_view text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

} // namespace

TensorPage::TensorPage(QWidget* parent)
    : QWidget(parent), m_title(new ElidedLabel(this)), m_kind(new QLabel(this)), m_facts(new QFormLayout),
      m_values(new QTabWidget(this)), m_codesBar(new QWidget(this)),
      m_storedCodes(new QCheckBox(tr("Stored codes"), m_codesBar)), m_storedPart(new QComboBox(m_codesBar)),
      m_statistics(new StatisticsPanel), m_slice(new SlicePanel), m_heatmap(new HeatmapPanel)
{
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.3);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setObjectName(QStringLiteral("tensorName"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_kind->setForegroundRole(QPalette::PlaceholderText);
    m_facts->setLabelAlignment(Qt::AlignRight);
    m_facts->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_values->setObjectName(QStringLiteral("valuesTabs"));
    m_values->addTab(m_statistics, tr("Statistics"));
    m_values->addTab(m_slice, tr("Slice"));
    m_values->addTab(m_heatmap, tr("Heatmap"));
    // The slice and heatmap tabs show the same slice; statistics give the heatmap its colour range.
    connect(m_slice, &SlicePanel::specChanged, m_heatmap, &HeatmapPanel::setSpec);
    connect(m_heatmap, &HeatmapPanel::specChanged, m_slice, &SlicePanel::setSpec);
    connect(m_statistics, &StatisticsPanel::statsChanged, m_heatmap, &HeatmapPanel::setStats);
    connect(m_heatmap, &HeatmapPanel::cellActivated, this, [this](uint64_t row, uint64_t col) {
        m_values->setCurrentWidget(m_slice);
        m_slice->jumpTo(row, col);
    });
    m_values->setDocumentMode(true);

    // A quantized weight's values are its dequantized values; this switch shows what is stored instead.
    m_storedCodes->setObjectName(QStringLiteral("storedCodes"));
    m_storedCodes->setToolTip(tr("Show the raw codes of a stored part (the packed weights, the scales, ...) "
                                 "instead of the dequantized values"));
    m_storedPart->setObjectName(QStringLiteral("storedPart"));
    m_storedPart->setEnabled(false);
    auto* codesLayout = new QHBoxLayout(m_codesBar);
    codesLayout->setContentsMargins(0, 0, 0, 0);
    codesLayout->addWidget(m_storedCodes);
    codesLayout->addWidget(m_storedPart);
    codesLayout->addStretch(1);
    m_codesBar->setVisible(false);
    connect(m_storedCodes, &QCheckBox::toggled, this, [this](bool on) {
        m_storedPart->setEnabled(on);
        showLogicalValues();
    });
    connect(m_storedPart, &QComboBox::currentIndexChanged, this, [this] {
        if (m_storedCodes->isChecked())
            showLogicalValues();
    });

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_kind);
    layout->addSpacing(6);
    layout->addLayout(m_facts);
    layout->addSpacing(12);
    layout->addWidget(m_codesBar);
    layout->addWidget(m_values, 1);
    showNode(TensorTree::kNone);
}

TensorPage::~TensorPage() = default;

void TensorPage::setTree(std::shared_ptr<const TensorTree> tree)
{
    m_tree = std::move(tree);
    m_statistics->setModel(m_tree ? m_tree->modelPointer() : nullptr, m_tree ? m_tree->quant() : nullptr);
    m_slice->setModel(m_tree ? m_tree->modelPointer() : nullptr, m_tree ? m_tree->quant() : nullptr);
    m_heatmap->setModel(m_tree ? m_tree->modelPointer() : nullptr, m_tree ? m_tree->quant() : nullptr);
    showNode(TensorTree::kNone);
}

void TensorPage::showNode(uint32_t node)
{
    while (m_facts->rowCount() > 0)
        m_facts->removeRow(0);
    m_logicalNode = TensorTree::kNone;
    m_codesBar->setVisible(false);
    if (!m_tree || node == TensorTree::kNone || node == TensorTree::rootId()) {
        const bool empty = m_tree && m_tree->model().tensorCount() == 0;
        m_title->setFullText(empty ? tr("No tensors") : tr("No tensor selected"));
        m_kind->setText(empty ? tr("This file holds no tensors: only a header and its metadata.")
                              : tr("Select a tensor or a module in the tree to see its details."));
        m_values->setEnabled(false);
        // Empty axes say nothing: the values tabs appear with the first tensor selected.
        m_values->setVisible(false);
        clearValues();
        return;
    }
    const TensorTree::Node& n = m_tree->node(node);
    m_title->setFullText(fromView(n.path));
    m_values->setVisible(true);
    if (n.isLogical()) {
        m_logicalNode = node;
        showLogical(n);
    } else if (n.isGroup())
        showGroup(n);
    else
        showTensor(n.tensor);
}

void TensorPage::showTensor(size_t index)
{
    const Model& model = m_tree->model();
    const TensorInfo& info = model.tensor(index);
    const uint64_t offset = model.absoluteOffset(index);
    m_kind->setText(tr("Tensor"));
    m_values->setEnabled(true);
    m_statistics->showTensor(index);
    m_slice->showTensor(index);
    m_heatmap->showTensor(index);

    addFact(tr("DType"), format::dtype(info));
    addFact(tr("Shape"), format::shape(info.shape) + tr("  (%n dimension(s))", nullptr, static_cast<int>(info.rank())));
    addFact(tr("Elements"), format::count(info.elementCount));
    addFact(tr("Size"), format::bytes(info.byteSize()) + tr("  (%1 bytes)").arg(format::count(info.byteSize())));
    addFact(tr("Byte range"),
            tr("%1 \u2013 %2 of the data region").arg(format::count(info.begin), format::count(info.end)));
    addFact(tr("File offset"), tr("%1 (0x%2)").arg(format::count(offset)).arg(offset, 0, 16));

    const uint64_t alignment = offsetAlignment(offset);
    const uint64_t elementBytes = static_cast<uint64_t>(std::max(dtypeBits(info.dtype), 8) / 8);
    QString aligned = tr("%1-byte aligned").arg(alignment);
    if (info.dtype != DType::Unknown && alignment < elementBytes)
        aligned += tr(" \u2014 less than the %1-byte element size, so readers must copy").arg(elementBytes);
    addFact(tr("Alignment"), aligned);

    const Model::Shard& shard = model.shardOf(index);
    QString shardText = QDir::toNativeSeparators(shard.path);
    if (!shard.component.isEmpty())
        shardText = tr("%1 (component %2)").arg(shardText, shard.component);
    addFact(tr("File"), shardText);
    if (info.dtype == DType::Unknown)
        addFact(tr("Note"), tr("Unknown dtype: its size cannot be checked against the shape."));
}

void TensorPage::showGroup(const TensorTree::Node& node)
{
    m_kind->setText(tr("Module"));
    m_values->setEnabled(false);
    clearValues();
    addFact(tr("Tensors"), format::count(node.tensorCount));
    addFact(tr("Parameters"),
            format::count(node.parameters) + QStringLiteral("  (") + format::compactCount(node.parameters) + u')');
    addFact(tr("Size"), format::bytes(node.bytes) + tr("  (%1 bytes)").arg(format::count(node.bytes)));
    addFact(tr("DTypes"), format::dtypeMix(node.dtypes));
    addFact(tr("First offset"), format::count(node.firstOffset));
}

void TensorPage::showLogical(const TensorTree::Node& node)
{
    const LogicalTensor& logical = *node.logical;
    const Model& model = m_tree->model();
    m_kind->setText(tr("Quantized weight \u2014 values are dequantized from its stored parts"));
    m_values->setEnabled(true);
    addFact(tr("Scheme"), logical.badge());
    addFact(tr("Shape"),
            format::shape(logical.shape) + tr("  (%n dimension(s))", nullptr, static_cast<int>(logical.shape.size())));
    addFact(tr("Elements"), format::count(logical.elementCount));
    addFact(tr("Stored size"), format::bytes(node.bytes) + tr("  (%1 bytes)").arg(format::count(node.bytes)));
    if (logical.elementCount > 0)
        addFact(
            tr("Bits per weight"),
            QString::number(8.0 * static_cast<double>(node.bytes) / static_cast<double>(logical.elementCount), 'f', 2));
    QStringList parts;
    const QSignalBlocker blocker(m_storedPart);
    m_storedPart->clear();
    for (const auto& [role, name] : logical.parts) {
        const std::optional<size_t> index = model.find(name);
        if (!index)
            continue;
        const TensorInfo& info = model.tensor(*index);
        parts << tr("%1: %2 %3").arg(toQString(role), format::dtype(info), format::shape(info.shape));
        m_storedPart->addItem(toQString(role), qulonglong{*index});
    }
    addFact(tr("Stored parts"), parts.join(u'\n'));
    m_codesBar->setVisible(true);
    showLogicalValues();
}

void TensorPage::showLogicalValues()
{
    if (!m_tree || m_logicalNode == TensorTree::kNone)
        return;
    if (m_storedCodes->isChecked() && m_storedPart->currentIndex() >= 0) {
        const auto index = static_cast<size_t>(m_storedPart->currentData().toULongLong());
        m_statistics->showTensor(index);
        m_slice->showTensor(index);
        m_heatmap->showTensor(index);
        return;
    }
    const TensorTree::Node node = m_tree->node(m_logicalNode);
    const auto k = static_cast<size_t>(node.logical - m_tree->quant()->tensors.data());
    const size_t index = StatsRunner::logicalIndex(m_tree->model(), k);
    m_statistics->showTensor(index);
    m_slice->showTensor(index);
    m_heatmap->showTensor(index);
}

void TensorPage::addFact(const QString& label, const QString& value)
{
    auto* field = new QLabel(value);
    field->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    field->setWordWrap(true);
    field->setObjectName(label);
    m_facts->addRow(label + u':', field);
}

QString TensorPage::fact(const QString& label) const
{
    const auto* field = findChild<QLabel*>(label);
    return field ? field->text() : QString();
}

void TensorPage::clearValues()
{
    m_statistics->clearTensor();
    m_slice->clearTensor();
    m_heatmap->clearTensor();
}

bool TensorPage::showValuesTab(const QString& name)
{
    static const QStringList names{QStringLiteral("values"), QStringLiteral("slice"), QStringLiteral("heatmap")};
    const QString key = name.toLower() == QStringLiteral("statistics") ? names.first() : name.toLower();
    const qsizetype index = names.indexOf(key);
    if (index < 0)
        return false;
    m_values->setCurrentIndex(static_cast<int>(index));
    return true;
}

QString TensorPage::title() const
{
    return m_title->fullText();
}

} // namespace safescope
