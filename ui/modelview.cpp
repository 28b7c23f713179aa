#include "ui/modelview.h"

#include "ui/hashespanel.h"
#include "ui/metadatapage.h"
#include "ui/models/document.h"
#include "ui/models/format.h"
#include "ui/models/metadatamodel.h"
#include "ui/overviewpage.h"
#include "ui/problemspage.h"
#include "ui/tensorbrowser.h"
#include "ui/tensorpage.h"

#include <QSettings>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

namespace safescope {

namespace {
const QString kSplitterKey = QStringLiteral("modelView/splitter");
const QString kHeaderKey = QStringLiteral("modelView/treeHeader");
const QString kFlatKey = QStringLiteral("modelView/flat");
} // namespace

ModelView::ModelView(Document* document, QWidget* parent)
    : QWidget(parent), m_document(document), m_splitter(new QSplitter(Qt::Horizontal, this)),
      m_browser(new TensorBrowser), m_pages(new QTabWidget), m_tensorPage(new TensorPage),
      m_overviewPage(new OverviewPage), m_metadataPage(new MetadataPage(document)), m_problemsPage(new ProblemsPage)
{
    m_pages->setObjectName(QStringLiteral("pages"));
    m_pages->addTab(m_tensorPage, tr("Tensor"));
    m_pages->addTab(m_overviewPage, tr("Overview"));
    m_pages->addTab(m_metadataPage, tr("Metadata"));
    m_pages->addTab(m_problemsPage, tr("Problems"));

    m_splitter->addWidget(m_browser);
    m_splitter->addWidget(m_pages);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    m_splitter->setChildrenCollapsible(false);

    const QSettings settings;
    if (!m_splitter->restoreState(settings.value(kSplitterKey).toByteArray()))
        m_splitter->setSizes({860, 740});
    m_browser->restoreHeaderState(settings.value(kHeaderKey).toByteArray());
    m_browser->setFlat(settings.value(kFlatKey, false).toBool());

    // Layout is saved whenever the user changes it, so every tab and the next session share it.
    connect(m_splitter, &QSplitter::splitterMoved, this, &ModelView::saveLayout);
    connect(m_browser, &TensorBrowser::flatChanged, this, &ModelView::saveLayout);
    connect(m_browser, &TensorBrowser::currentNodeChanged, this, &ModelView::onCurrentNode);
    // The tab counts the keys as they are now, edits and undo included, and says when they are unsaved.
    MetadataModel* metadata = m_document->metadataModel();
    m_overviewPage->hashesPanel()->setMetadataModel(metadata);
    connect(metadata, &QAbstractItemModel::rowsInserted, this, &ModelView::updateMetadataTabText);
    connect(metadata, &QAbstractItemModel::rowsRemoved, this, &ModelView::updateMetadataTabText);
    connect(metadata, &QAbstractItemModel::modelReset, this, &ModelView::updateMetadataTabText);
    connect(metadata, &MetadataModel::modifiedChanged, this, &ModelView::updateMetadataTabText);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_splitter);
}

ModelView::~ModelView()
{
    saveLayout();
}

void ModelView::saveLayout() const
{
    QSettings settings;
    settings.setValue(kSplitterKey, m_splitter->saveState());
    settings.setValue(kHeaderKey, m_browser->headerState());
    settings.setValue(kFlatKey, m_browser->isFlat());
}

void ModelView::setModel(std::shared_ptr<const LoadedModel> loaded)
{
    m_loaded = std::move(loaded);
    m_tensorPage->setTree(m_loaded->tree);
    m_browser->setTree(m_loaded->tree);
    m_overviewPage->setModel(m_loaded);
    // Quantization problems (a part missing or misshapen, a config that cannot be read) sit beside the file's own.
    std::vector<Warning> quantProblems = m_loaded->quantConfig.problems;
    if (m_loaded->quant)
        quantProblems.insert(quantProblems.end(), m_loaded->quant->problems.begin(), m_loaded->quant->problems.end());
    m_problemsPage->setModel(*m_loaded->model, std::move(quantProblems));
    const int problems = m_problemsPage->count();
    m_pages->setTabText(ProblemsPageIndex, problems > 0 ? tr("Problems (%1)").arg(problems) : tr("Problems"));
    updateMetadataTabText();
    onCurrentNode(TensorTree::kNone);
}

void ModelView::updateMetadataTabText()
{
    const MetadataModel* metadata = m_document->metadataModel();
    const int keys = metadata->rowCount();
    QString text = keys > 0 ? tr("Metadata (%1)").arg(keys) : tr("Metadata");
    if (metadata->isModified())
        text += QStringLiteral(" \u2022");
    m_pages->setTabText(MetadataPageIndex, text);
}

bool ModelView::selectMetadataKey(const QString& key)
{
    return m_metadataPage->selectKey(key);
}

bool ModelView::showPage(const QString& name)
{
    static const QStringList names{QStringLiteral("tensor"), QStringLiteral("overview"), QStringLiteral("metadata"),
                                   QStringLiteral("problems")};
    const qsizetype index = names.indexOf(name.toLower());
    if (index < 0) {
        // The values pages (values, slice, heatmap) are tabs inside the tensor page.
        if (!m_tensorPage->showValuesTab(name))
            return false;
        m_pages->setCurrentIndex(TensorPageIndex);
        return true;
    }
    m_pages->setCurrentIndex(static_cast<int>(index));
    return true;
}

void ModelView::onCurrentNode(uint32_t node)
{
    m_tensorPage->showNode(node);
    if (node == TensorTree::kNone || !m_loaded) {
        m_selection.clear();
    } else {
        const TensorTree::Node& n = m_loaded->tree->node(node);
        const QString name = QString::fromUtf8(n.path.data(), static_cast<qsizetype>(n.path.size()));
        m_selection = n.isLogical()
                          ? tr("%1 \u2014 %2, %3 stored").arg(name, n.logical->badge(), format::bytes(n.bytes))
                      : n.isGroup() ? tr("%1 \u2014 %n tensor(s)", nullptr, static_cast<int>(n.tensorCount)).arg(name)
                                    : tr("%1 \u2014 %2").arg(name, format::bytes(n.bytes));
        if (m_pages->currentIndex() != TensorPageIndex && (!n.isGroup() || n.isLogical()))
            m_pages->setCurrentIndex(TensorPageIndex);
    }
    emit selectionChanged(m_selection);
}

} // namespace safescope
