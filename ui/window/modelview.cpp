#include "ui/window/modelview.h"

#include "core/text/format.h"
#include "ui/metadata/metadatapage.h"
#include "ui/models/document.h"
#include "ui/models/metadatamodel.h"
#include "ui/pages/hashespanel.h"
#include "ui/pages/overviewpage.h"
#include "ui/pages/problemspage.h"
#include "ui/slice/slicepanel.h"
#include "ui/values/tensorpage.h"
#include "ui/window/tensorbrowser.h"

#include <QSettings>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace safescope {

namespace {
const QString kTreeWidthKey = QStringLiteral("modelView/treeWidth");
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
    // The pages give way when the window shrinks; the tree keeps the width its names need (fitTree).
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setChildrenCollapsible(false);
    m_splitter->setHandleWidth(std::max(m_splitter->handleWidth(), 8)); // something a mouse can find
    m_browser->setMinimumWidth(180);

    const QSettings settings;
    m_treeWidth = settings.value(kTreeWidthKey, 0).toInt();
    m_browser->restoreHeaderState(settings.value(kHeaderKey).toByteArray());
    m_browser->setFlat(settings.value(kFlatKey, false).toBool());

    // Layout is saved whenever the user changes it, so every tab and the next session share it.
    connect(m_splitter, &QSplitter::splitterMoved, this, [this] {
        // A width the user chose is the one to come back to when the window grows again.
        m_treeWidth = m_splitter->sizes().value(0);
        saveLayout();
    });
    connect(m_browser, &TensorBrowser::flatChanged, this, &ModelView::saveLayout);
    connect(m_browser, &TensorBrowser::currentNodeChanged, this, &ModelView::onCurrentNode);
    connect(m_browser, &TensorBrowser::preferredWidthChanged, this, &ModelView::fitTree);
    // The tab counts the keys as they are now, edits and undo included, and says when they are unsaved.
    MetadataModel* metadata = m_document->metadataModel();
    m_overviewPage->hashesPanel()->setMetadataModel(metadata);
    connect(metadata, &QAbstractItemModel::rowsInserted, this, &ModelView::updateMetadataTabText);
    connect(metadata, &QAbstractItemModel::rowsRemoved, this, &ModelView::updateMetadataTabText);
    connect(metadata, &QAbstractItemModel::modelReset, this, &ModelView::updateMetadataTabText);
    connect(metadata, &MetadataModel::modifiedChanged, this, &ModelView::updateMetadataTabText);
    // The value scan adds rows after the model is shown; its rows lead to their tensor and element.
    connect(m_problemsPage, &ProblemsPage::countChanged, this, &ModelView::updateProblemsTabText);
    connect(m_problemsPage, &ProblemsPage::tensorActivated, this, &ModelView::showProblemAt);

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
    if (m_treeWidth > 0)
        settings.setValue(kTreeWidthKey, m_treeWidth);
    settings.setValue(kHeaderKey, m_browser->headerState());
    settings.setValue(kFlatKey, m_browser->isFlat());
}

void ModelView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    fitTree();
}

void ModelView::fitTree()
{
    const int total = m_splitter->width() - m_splitter->handleWidth();
    if (total <= 0)
        return;
    const int pagesMin = m_pages->minimumSizeHint().width();
    const int treeMin = m_browser->minimumSizeHint().expandedTo(m_browser->minimumSize()).width();
    // What the tree asks for when the user has not chosen: its columns whole, but never more than 60 %.
    const int wanted = m_treeWidth > 0 ? m_treeWidth : std::min(m_browser->preferredWidth(), total * 3 / 5);
    const int tree = std::max(treeMin, std::min(wanted, total - pagesMin));
    if (m_splitter->sizes().value(0) != tree)
        m_splitter->setSizes({tree, total - tree});
}

void ModelView::setModel(std::shared_ptr<const LoadedModel> loaded)
{
    const bool firstModel = m_loaded == nullptr;
    m_loaded = std::move(loaded);
    m_tensorPage->setTree(m_loaded->tree);
    m_browser->setTree(m_loaded->tree);
    fitTree();
    // A model opens on its summary, not on an empty tensor page; a reload keeps the page the user is on.
    if (firstModel)
        m_pages->setCurrentIndex(OverviewPageIndex);
    m_overviewPage->setModel(m_loaded);
    // Quantization problems (a part missing or misshapen, a config that cannot be read) sit beside the file's own.
    std::vector<Warning> quantProblems = m_loaded->quantConfig.problems;
    if (m_loaded->quant)
        quantProblems.insert(quantProblems.end(), m_loaded->quant->problems.begin(), m_loaded->quant->problems.end());
    m_problemsPage->setModel(m_loaded->model, std::move(quantProblems));
    updateProblemsTabText();
    updateMetadataTabText();
    onCurrentNode(TensorTree::kNone);
}

void ModelView::showPreview(std::shared_ptr<const TensorTree> preview)
{
    m_browser->setTree(std::move(preview));
    fitTree();
}

void ModelView::updateProblemsTabText()
{
    const int problems = m_problemsPage->count();
    m_pages->setTabText(ProblemsPageIndex, problems > 0 ? tr("Problems (%1)").arg(problems) : tr("Problems"));
    m_overviewPage->setProblemCount(problems); // the Overview and the tab never disagree
}

void ModelView::showProblemAt(const QString& tensor, qint64 element)
{
    if (!m_browser->selectTensor(tensor))
        return; // filtered out of the browser: the row still names it
    if (element >= 0 && showPage(QStringLiteral("slice")))
        m_tensorPage->slicePanel()->jumpToElement(static_cast<uint64_t>(element));
    else
        m_pages->setCurrentIndex(TensorPageIndex);
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
