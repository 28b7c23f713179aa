#include "ui/pages/overviewpage.h"

#include "core/modelinfo/architecturesummary.h"
#include "core/modelinfo/modelcard.h"
#include "core/modelinfo/modelfacts.h"
#include "core/remote/modellocation.h"
#include "core/text/format.h"
#include "ui/models/naturalcompare.h"
#include "ui/models/summaryrowsmodel.h"
#include "ui/pages/hashespanel.h"
#include "ui/plots/dtypechart.h"

#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace safescope {

namespace {

// Longer tables scroll inside the page: a checkpoint with thousands of top-level modules would otherwise make the
// overview thousands of rows tall.
constexpr int kMaxVisibleRows = 16;

void applyTableStyle(QTreeView* table, int columns)
{
    table->setRootIsDecorated(false);
    table->setAlternatingRowColors(true);
    table->setUniformRowHeights(true);
    table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    table->header()->setStretchLastSection(false);
    table->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int column = 1; column < columns; ++column)
        table->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    // Columns fit the rows on screen: measuring the default 1,000 rows of a long module list cost 10 ms of text
    // layout on the GUI thread at every open, for a page that may not even be shown.
    table->header()->setResizeContentsPrecision(0);
}

QLabel* sectionTitle(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    QFont font = label->font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.1);
    label->setFont(font);
    return label;
}

QString sourceName(Model::Source source)
{
    switch (source) {
    case Model::Source::SingleFile:
        return OverviewPage::tr("single file");
    case Model::Source::ShardedIndex:
        return OverviewPage::tr("sharded checkpoint (index file)");
    case Model::Source::Folder:
        return OverviewPage::tr("model folder");
    }
    return {};
}

} // namespace

OverviewPage::OverviewPage(QWidget* parent)
    : QWidget(parent), m_title(new QLabel), m_facts(new QFormLayout), m_chart(new DTypeChart),
      m_modulesTitle(sectionTitle(tr("Modules"), nullptr)),
      m_files(makeTable({tr("File"), tr("Size"), tr("Header"), tr("Padding"), tr("Tensors"), tr("Writer layout")})),
      m_filesTitle(sectionTitle(tr("Files"), nullptr)),
      m_largestRows(new SummaryRowsModel(SummaryRowsModel::Kind::Tensors, this)),
      m_moduleRows(new SummaryRowsModel(SummaryRowsModel::Kind::Modules, this)), m_largest(makeView(m_largestRows)),
      m_modules(makeView(m_moduleRows)), m_hashes(new HashesPanel)
{
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.4);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_facts->setLabelAlignment(Qt::AlignRight);
    // A shard's file name matters most: shown whole, the writer layout taking what is left; on a narrow page the
    // table scrolls sideways rather than eliding every name to "model-00...".
    m_files->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_files->header()->setSectionResizeMode(5, QHeaderView::Stretch);

    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(16, 12, 16, 16);
    layout->addWidget(m_title);
    layout->addLayout(m_facts);
    layout->addSpacing(12);
    layout->addWidget(m_filesTitle);
    layout->addWidget(m_files);
    layout->addWidget(sectionTitle(tr("Hashes"), content));
    layout->addWidget(m_hashes);
    layout->addWidget(sectionTitle(tr("Bytes per dtype"), content));
    layout->addWidget(m_chart);
    layout->addSpacing(8);
    layout->addWidget(sectionTitle(tr("Largest tensors"), content));
    layout->addWidget(m_largest);
    layout->addSpacing(8);
    layout->addWidget(m_modulesTitle);
    layout->addWidget(m_modules);
    layout->addStretch();

    auto* scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);
}

OverviewPage::~OverviewPage() = default;

QTreeWidget* OverviewPage::makeTable(const QStringList& headers)
{
    auto* table = new QTreeWidget;
    table->setHeaderLabels(headers);
    applyTableStyle(table, static_cast<int>(headers.size()));
    return table;
}

QTreeView* OverviewPage::makeView(SummaryRowsModel* model)
{
    auto* table = new QTreeView;
    table->setModel(model);
    applyTableStyle(table, model->columnCount());
    return table;
}

void OverviewPage::setModel(const std::shared_ptr<const LoadedModel>& loaded)
{
    while (m_facts->rowCount() > 0)
        m_facts->removeRow(0);
    m_problems = nullptr;
    const Model& model = *loaded->model;
    const ModelSummary& summary = loaded->summary;
    m_title->setText(model.displayName());

    addFact(tr("Path"), isRemoteModel(model) ? model.path() : QDir::toNativeSeparators(model.path()));
    addFact(tr("Kind"), sourceName(model.source()));
    const QuantCatalog* quant = loaded->quant && !loaded->quant->tensors.empty() ? loaded->quant.get() : nullptr;
    // Users compare a quantized model's size with its float original: the count is logical (companions excluded,
    // packed values expanded); the stored element count stands beside it.
    const uint64_t parameters = quant ? quant->logicalParameters : model.totalParameters();
    const ModelFacts facts = ModelFacts::of(model, parameters, loaded->card ? &*loaded->card : nullptr);
    addFact(tr("File size"), facts.fileSize);
    if (model.shards().size() == 1) {
        const Header& header = model.shards().front().file->header();
        addFact(tr("Header"), tr("%1 bytes, %2 of them padding; data starts at byte %3")
                                  .arg(format::count(header.headerLength), format::count(header.padding),
                                       format::count(header.dataStart)));
        addFact(tr("Writer layout"), QString::fromUtf8(writerLayoutName(header.layout)));
    }
    addFact(tr("Tensors"), model.tensorCount() == 0 ? tr("none — this file holds only a header and metadata")
                                                    : format::count(model.tensorCount()));
    QString parametersText = facts.parameters;
    if (quant)
        parametersText += tr("; %1 quantized weights, %2 stored elements")
                              .arg(format::count(quant->tensors.size()), format::count(quant->storedParameters));
    addFact(tr("Parameters"), parametersText);
    QStringList perDType;
    for (const auto& row : summary.dtypes)
        perDType.append(row.name + QStringLiteral(": ") + format::count(row.parameters));
    // A quantized model's count above is logical (companions excluded, packed values expanded); per dtype it is of
    // what is stored, scales included, as `info` prints it under "Stored": said so, or the rows would not add up.
    addFact(quant ? tr("Stored elements per dtype") : tr("Parameters per dtype"), perDType.join(QStringLiteral("\n")));
    addFact(tr("Tensor bytes"), facts.tensorBytes);
    if (!facts.bitsPerWeight.isEmpty())
        addFact(tr("Bits per weight"), facts.bitsPerWeight);
    addCardFacts(*loaded, facts);
    setProblemCount(static_cast<int>(model.warnings().size())); // until the Problems page says more

    fillFiles(model);
    m_hashes->setModel(loaded->model);
    m_chart->setRows(summary.dtypes);
    m_largestRows->setRows(summary.largest);
    fitRows(m_largest);
    m_modulesTitle->setText(summary.modulePrefix.isEmpty()
                                ? tr("Top-level modules")
                                : tr("Modules under \u201c%1\u201d").arg(summary.modulePrefix));
    m_moduleRows->setRows(summary.modules);
    fitRows(m_modules);
}

void OverviewPage::addCardFacts(const LoadedModel& loaded, const ModelFacts& facts)
{
    const QuantConfig& config = loaded.quantConfig;
    if (config.declared()) {
        QString text = config.method;
        if (config.bits > 0)
            text += tr(", %1 bits").arg(config.bits);
        if (config.groupSize > 0)
            text += tr(", group size %1").arg(config.groupSize);
        if (config.weightBlockSize.size() == 2)
            text += tr(", %1x%2 blocks").arg(config.weightBlockSize[0]).arg(config.weightBlockSize[1]);
        addFact(tr("Quantization"), text);
    }
    const auto known = [](const std::optional<uint64_t>& value) {
        return value ? format::count(*value) : QStringLiteral("?");
    };
    if (loaded.card) {
        const ModelCard& card = *loaded.card;
        QStringList architectures;
        for (const std::string& name : card.architectures)
            architectures << QString::fromStdString(name);
        QString architecture = architectures.join(QStringLiteral(", "));
        if (!card.modelType.empty())
            architecture += (architecture.isEmpty() ? QString() : QStringLiteral("  ")) +
                            tr("(model_type %1)").arg(QString::fromStdString(card.modelType));
        if (!architecture.isEmpty())
            addFact(tr("Architecture"), architecture);
        if (card.hiddenSize || card.layers)
            addFact(tr("Dimensions"),
                    tr("hidden %1, %2 layers, %3 heads, %4 KV heads%5")
                        .arg(known(card.hiddenSize), known(card.layers), known(card.attentionHeads),
                             known(card.kvHeads.has_value() ? card.kvHeads : card.attentionHeads),
                             card.headDim ? tr(", head_dim %1").arg(format::count(*card.headDim)) : QString()));
        if (card.experts)
            addFact(tr("Experts"),
                    tr("%1 routed, %2 per token, %3 shared")
                        .arg(known(card.experts), known(card.expertsPerToken),
                             card.sharedExperts ? format::count(*card.sharedExperts) : QStringLiteral("0")));
        if (card.vocabSize || card.maxPositions)
            addFact(tr("Vocabulary, context"),
                    tr("%1 tokens, %2 positions%3")
                        .arg(known(card.vocabSize), known(card.maxPositions),
                             card.slidingWindow ? tr(", sliding window %1").arg(format::count(*card.slidingWindow))
                                                : QString()));
        if (!card.torchDtype.empty())
            addFact(tr("torch_dtype"), QString::fromStdString(card.torchDtype));
        for (const QString& problem : card.problems)
            addFact(tr("Config problem"), problem);
    }
    if (!loaded.architecture.empty()) {
        QStringList lines;
        // Each run of layers on a line of its own: a MoE model's runs on one line made it wider than the page, and
        // a value of several lines does not wrap here (see addFact()).
        const QString runSeparator = QString::fromLatin1(kLayerRunSeparator);
        for (const std::string& line : loaded.architecture)
            lines << QString::fromStdString(line).split(runSeparator);
        addFact(tr("Layout"), lines.join(u'\n'));
    }
    QString formula;
    if (loaded.card && loaded.card->kvCacheBytes(1000))
        formula = QString::fromStdString(loaded.card->kvCacheFormula(1000));
    addFact(tr("Memory"), facts.memory)->setToolTip(formula);
}

void OverviewPage::fillFiles(const Model& model)
{
    m_files->clear();
    const bool several = model.shards().size() > 1;
    m_files->setVisible(several);
    m_filesTitle->setVisible(several);
    if (!several)
        return;
    // Shard names are relative to the folder holding them: an index file's folder, not the index file itself.
    // A remote model's shards are URLs: named relative to the index's URL, never through QFileInfo.
    const bool remote = isRemoteModel(model);
    const QString urlFolder = remote ? model.path().left(model.path().lastIndexOf(u'/') + 1) : QString();
    const QFileInfo source(remote ? QString() : model.path());
    const QDir folder(remote ? QString() : source.isDir() ? source.absoluteFilePath() : source.absolutePath());
    const auto shardName = [&](const QString& path) {
        if (!remote)
            return QDir::toNativeSeparators(folder.relativeFilePath(path));
        return !urlFolder.isEmpty() && path.startsWith(urlFolder) ? path.mid(urlFolder.size()) : path;
    };
    std::vector<size_t> tensorsPerShard(model.shards().size());
    for (size_t i = 0; i < model.tensorCount(); ++i)
        ++tensorsPerShard[model.shardIndexOf(i)];
    // Listed by file name, naturally: the model keeps its shards in the order the index first names them, which
    // for a name-sorted weight map reads 00163, 00001, 00020, ... (lm_head before model.*, layers.10 before 2).
    std::vector<std::pair<QByteArray, size_t>> byName;
    byName.reserve(model.shards().size());
    for (size_t i = 0; i < model.shards().size(); ++i)
        byName.emplace_back(shardName(model.shards()[i].path).toUtf8(), i);
    std::stable_sort(byName.begin(), byName.end(), [](const auto& a, const auto& b) {
        return naturalLess(std::string_view(a.first.constData(), static_cast<size_t>(a.first.size())),
                           std::string_view(b.first.constData(), static_cast<size_t>(b.first.size())));
    });
    for (const auto& [name, i] : byName) {
        const Model::Shard& shard = model.shards()[i];
        const Header& header = shard.file->header();
        auto* item = new QTreeWidgetItem(m_files);
        item->setText(0, QString::fromUtf8(name));
        item->setToolTip(0, remote ? shard.path : QDir::toNativeSeparators(shard.path));
        item->setText(1, format::bytes(header.fileSize));
        item->setText(2, format::count(header.headerLength));
        item->setText(3, format::count(header.padding));
        item->setText(4, format::count(tensorsPerShard[i]));
        item->setText(5, QString::fromUtf8(writerLayoutName(header.layout)));
        item->setToolTip(5, item->text(5)); // the last column gives way first: elided, its text on hover
        for (int column = 1; column < 5; ++column)
            item->setTextAlignment(column, Qt::AlignRight | Qt::AlignVCenter);
    }
    fitRows(m_files);
}

void OverviewPage::fitRows(QTreeView* table)
{
    // The page scrolls as a whole; a table is exactly as tall as its rows, up to kMaxVisibleRows.
    const int rows = table->model()->rowCount();
    const int rowHeight = rows == 0 ? 0 : table->sizeHintForRow(0);
    table->setVerticalScrollBarPolicy(rows > kMaxVisibleRows ? Qt::ScrollBarAsNeeded : Qt::ScrollBarAlwaysOff);
    table->setFixedHeight(table->header()->sizeHint().height() + std::min(rows, kMaxVisibleRows) * rowHeight + 4);
}

QLabel* OverviewPage::addFact(const QString& label, const QString& value)
{
    auto* field = new QLabel(value);
    field->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // A value of several lines keeps them as written: a word-wrapped label in this form is given the height of one
    // wrapped line and its second line was cut off (Parameters per dtype, Layout). One-line values wrap (paths).
    field->setWordWrap(!value.contains(u'\n'));
    field->setObjectName(label);
    m_facts->addRow(label + u':', field);
    return field;
}

void OverviewPage::setProblemCount(int count)
{
    if (!m_problems && count == 0)
        return;
    const QString text =
        count > 0
            ? tr("%1, see the Problems tab").arg(format::counted(static_cast<uint64_t>(count), u"problem", u"problems"))
            : tr("none found");
    if (m_problems)
        m_problems->setText(text);
    else
        m_problems = addFact(tr("Problems"), text);
}

QString OverviewPage::fact(const QString& label) const
{
    const auto* field = findChild<QLabel*>(label);
    return field ? field->text() : QString();
}

} // namespace safescope
