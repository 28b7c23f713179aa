#include "ui/window/tensorbrowser.h"

#include "core/text/format.h"
#include "ui/models/roles.h"
#include "ui/models/tensorfilterproxymodel.h"
#include "ui/models/tensortreemodel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>
#include <initializer_list>
#include <utility>

namespace safescope {

namespace {
// Expanding every group is cheap for a few thousand rows and makes filter hits visible at once;
// beyond that it would stall the GUI thread, so large results stay collapsed.
constexpr int kAutoExpandLimit = 3000;
constexpr int kDebounceMs = 150;
// Columns fit the first screen of rows. Qt's default measures 1,000 rows per column (8,000 data() calls), and
// "the visible rows" (0) means all of them while the view is not laid out yet, as it is when a model arrives:
// 20 ms of each open of a model whose first screen lists 1,563 blocks. 64 rows fill a tall screen.
constexpr int kFitRows = 64;
} // namespace

TensorBrowser::TensorBrowser(QWidget* parent)
    : QWidget(parent), m_filter(new QLineEdit(this)), m_regex(new QToolButton(this)), m_flat(new QToolButton(this)),
      m_error(new QLabel(this)), m_count(new QLabel(this)), m_view(new QTreeView(this)), m_debounce(new QTimer(this)),
      m_model(new TensorTreeModel(this)), m_proxy(new TensorFilterProxyModel(this))
{
    m_filter->setObjectName(QStringLiteral("tensorFilter"));
    m_filter->setPlaceholderText(tr("Filter: text, dtype:BF16, shape:[*,4096], numel>1e6, ndim:2"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setToolTip(tr("Words separated by spaces must all match.\n"
                            "text \u2014 part of the name\ndtype:BF16 or dtype:BF16,F16\n"
                            "shape:[*,4096] \u2014 * is any dimension\nnumel>1e6 (also <, <=, =, >=)\nndim:2"));
    m_regex->setText(QStringLiteral(".*"));
    m_regex->setCheckable(true);
    m_regex->setToolTip(tr("Treat words as regular expressions"));
    m_flat->setText(tr("Flat"));
    m_flat->setCheckable(true);
    m_flat->setToolTip(tr("Show a flat list of tensors instead of the module tree"));

    m_error->setObjectName(QStringLiteral("filterError"));
    m_error->setWordWrap(true);
    m_error->setForegroundRole(QPalette::LinkVisited); // the palette's attention colour, legible in dark themes
    m_error->hide();
    m_count->setObjectName(QStringLiteral("tensorCount"));
    m_count->setForegroundRole(QPalette::PlaceholderText);

    m_proxy->setSourceModel(m_model);
    m_view->setModel(m_proxy);
    m_view->setObjectName(QStringLiteral("tensorTree"));
    m_view->setUniformRowHeights(true); // lets the view skip measuring 100k rows
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(-1, Qt::AscendingOrder); // natural model order until the user clicks a header
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->header()->setStretchLastSection(false);
    // Names differ at both ends ("layers.1 ... q_proj.weight"): cut the middle, the tooltip has the whole name.
    m_view->setTextElideMode(Qt::ElideMiddle);

    m_debounce->setSingleShot(true);
    m_debounce->setInterval(kDebounceMs);
    connect(m_debounce, &QTimer::timeout, this, &TensorBrowser::applyFilter);
    connect(m_filter, &QLineEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_regex, &QToolButton::toggled, this, &TensorBrowser::applyFilter);
    connect(m_flat, &QToolButton::toggled, this, [this](bool flat) {
        // The model resets between modes: keep the selected row (a tensor or a quantized weight) selected and
        // visible across the switch. A group has no row in the flat list.
        const uint32_t node = m_model->nodeId(m_proxy->mapToSource(m_view->currentIndex()));
        m_model->setFlat(flat);
        applyFilter();
        if (!flat)
            expandWrappers();
        if (node != TensorTree::kNone) {
            const QModelIndex index = m_proxy->mapFromSource(m_model->indexOfNode(node));
            if (index.isValid()) {
                m_view->setCurrentIndex(index);
                m_view->scrollTo(index, QAbstractItemView::PositionAtCenter);
            }
        }
        fitColumns();
        emit flatChanged(flat);
    });
    // Deferred: the view lays the opened rows out first.
    connect(m_view, &QTreeView::expanded, this, [this](const QModelIndex& index) {
        if (showsPreview() && !m_openingWrappers) {
            if (std::vector<uint32_t> rows = rowsOf(index); !rows.empty())
                m_openedInPreview.push_back(std::move(rows));
        }
        if (!m_openingWrappers) // a model's own first expansion is measured by fitColumns() right after
            QTimer::singleShot(0, this, &TensorBrowser::growColumns);
    });
    // A row opened and closed again in a preview stays closed in the whole tree.
    connect(m_view, &QTreeView::collapsed, this, [this](const QModelIndex& index) {
        if (showsPreview())
            std::erase(m_openedInPreview, rowsOf(index));
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& current) {
        // A preview's node ids are its own: the pages only ever see nodes of the whole tree.
        if (!showsPreview())
            emit currentNodeChanged(m_model->nodeId(m_proxy->mapToSource(current)));
    });

    auto* filterRow = new QHBoxLayout;
    filterRow->setSpacing(4);
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(m_regex);
    filterRow->addWidget(m_flat);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addLayout(filterRow);
    layout->addWidget(m_error);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_count);
}

TensorBrowser::~TensorBrowser() = default;

void TensorBrowser::setTree(std::shared_ptr<const TensorTree> tree)
{
    const bool preview = tree && !tree->isComplete();
    for (QWidget* control : std::initializer_list<QWidget*>{m_filter, m_regex, m_flat})
        control->setEnabled(!preview);
    m_model->setTree(std::move(tree));
    applyFilter();
    expandWrappers();
    if (!preview)
        reopen(std::exchange(m_openedInPreview, {}));
    fitColumns();
}

bool TensorBrowser::showsPreview() const
{
    return m_model->tree() != nullptr && !m_model->tree()->isComplete();
}

std::vector<uint32_t> TensorBrowser::rowsOf(const QModelIndex& index) const
{
    std::vector<uint32_t> rows;
    const TensorTree* tree = m_model->tree();
    uint32_t node = m_model->nodeId(m_proxy->mapToSource(index));
    if (!tree || node == TensorTree::kNone)
        return rows;
    for (; node != TensorTree::rootId(); node = tree->parentOf(node))
        rows.push_back(tree->rowOf(node));
    std::reverse(rows.begin(), rows.end());
    return rows;
}

void TensorBrowser::reopen(const std::vector<std::vector<uint32_t>>& rowPaths)
{
    const TensorTree* tree = m_model->tree();
    if (!tree)
        return;
    // A preview's nodes have the rows the whole tree's have (TensorTree::buildPreview): following the rows finds the
    // very row that was opened, where following names could stop at a tensor named like its group, or open a
    // quantized weight named like a group.
    for (const std::vector<uint32_t>& rows : rowPaths) {
        uint32_t node = TensorTree::rootId();
        for (const uint32_t row : rows) {
            const std::span<const uint32_t> children = tree->childrenOf(node);
            if (row >= children.size()) {
                node = TensorTree::kNone;
                break;
            }
            node = children[row];
        }
        if (node != TensorTree::kNone && node != TensorTree::rootId())
            m_view->expand(m_proxy->mapFromSource(m_model->indexOfNode(node)));
    }
}

void TensorBrowser::expandWrappers()
{
    // Checkpoints usually have a few wrapper modules ("model.", "lm_head."): open them one level deep so the
    // first screen shows structure rather than two collapsed rows.
    if (!m_model->isFlat() && m_proxy->rowCount() <= 3) {
        m_openingWrappers = true;
        for (int row = 0; row < m_proxy->rowCount(); ++row)
            m_view->expand(m_proxy->index(row, 0));
        m_openingWrappers = false;
    }
}

void TensorBrowser::growColumns()
{
    // Rows opened later (a group expanded, a tensor selected by name) may need more room than the first screen did;
    // columns grow to them but never shrink under the user.
    QHeaderView* header = m_view->header();
    header->setResizeContentsPrecision(kFitRows);
    const int maxName = fontMetrics().averageCharWidth() * 60;
    const int length = header->length();
    for (int column = 0; column < TensorTreeModel::ColumnCount; ++column) {
        const int before = header->sectionSize(column);
        m_view->resizeColumnToContents(column);
        int wanted = std::max(before, header->sectionSize(column));
        if (column == TensorTreeModel::NameColumn)
            wanted = std::max(before, std::min(wanted, maxName));
        header->resizeSection(column, wanted);
    }
    if (header->length() != length)
        emit preferredWidthChanged();
}

void TensorBrowser::fitColumns()
{
    // Every column as wide as the rows on screen need; a name beyond ~60 characters elides in the middle.
    QHeaderView* header = m_view->header();
    // Set at each fit: set once in the constructor, it no longer held when a model arrived (still 8,000 calls).
    header->setResizeContentsPrecision(kFitRows);
    for (int column = 0; column < TensorTreeModel::ColumnCount; ++column)
        m_view->resizeColumnToContents(column);
    const int maxName = fontMetrics().averageCharWidth() * 60;
    if (header->sectionSize(TensorTreeModel::NameColumn) > maxName)
        header->resizeSection(TensorTreeModel::NameColumn, maxName);
}

int TensorBrowser::preferredWidth() const
{
    // The width at which every column shows whole: the sections, the frame and a vertical scroll bar.
    return m_view->header()->length() + 2 * m_view->frameWidth() + m_view->verticalScrollBar()->sizeHint().width();
}

void TensorBrowser::setFlat(bool flat)
{
    if (showsPreview())
        return; // a preview has no flat list: the mode can change once the whole tree is there
    m_flat->setChecked(flat);
}

bool TensorBrowser::isFlat() const
{
    return m_flat->isChecked();
}

void TensorBrowser::focusFilter()
{
    m_filter->setFocus(Qt::ShortcutFocusReason);
    m_filter->selectAll();
}

void TensorBrowser::setFilterText(const QString& text)
{
    m_filter->setText(text);
    m_debounce->stop();
    applyFilter();
}

bool TensorBrowser::selectTensor(const QString& name)
{
    const TensorTree* tree = m_model->tree();
    if (!tree)
        return false;
    // A quantized weight's logical name selects its row (the FP8 main part shares the name but sits beneath it).
    QModelIndex source = m_model->indexOfLogical(name.toStdString());
    if (!source.isValid()) {
        const std::optional<size_t> index = tree->model().find(name.toStdString());
        if (!index)
            return false;
        source = m_model->indexOfTensor(*index);
    }
    const QModelIndex proxyIndex = m_proxy->mapFromSource(source);
    if (!proxyIndex.isValid())
        return false; // filtered out
    m_view->scrollTo(proxyIndex);
    m_view->setCurrentIndex(proxyIndex);
    // A quantized weight asked for by name opens to show what it is stored as.
    if (m_model->tree()->logicalOf(m_model->nodeId(source)) != nullptr)
        m_view->expand(proxyIndex);
    return true;
}

QString TensorBrowser::filterError() const
{
    return m_error->isVisible() || !m_error->text().isEmpty() ? m_error->text() : QString();
}

QByteArray TensorBrowser::headerState() const
{
    return m_view->header()->saveState();
}

void TensorBrowser::restoreHeaderState(const QByteArray& state)
{
    if (!state.isEmpty())
        m_view->header()->restoreState(state);
}

void TensorBrowser::applyFilter()
{
    const TensorFilter filter = TensorFilter::parse(m_filter->text(), m_regex->isChecked());
    m_error->setText(filter.error());
    m_error->setVisible(!filter.isValid());
    // An invalid filter empties the list (rather than leaving the last results under its error message).
    m_proxy->setTensorFilter(filter);
    if (filter.isValid()) {
        const TensorTree* tree = m_model->tree();
        if (!filter.isEmpty() && !m_model->isFlat() && tree && tree->model().tensorCount() <= kAutoExpandLimit)
            m_view->expandAll();
        // Filtered rows say other things (groups count what matched; expandAll() opens rows without a signal per
        // row): the columns grow to them once the view has laid them out, as after an expansion.
        if (!filter.isEmpty() && tree)
            QTimer::singleShot(0, this, &TensorBrowser::growColumns);
    }
    updateCount();
}

void TensorBrowser::updateCount()
{
    const TensorTree* tree = m_model->tree();
    if (!tree) {
        m_count->clear();
        return;
    }
    const size_t total = tree->model().tensorCount();
    if (m_error->isVisibleTo(this)) {
        m_count->setText(tr("No tensors shown: the filter is not valid"));
        return;
    }
    if (m_proxy->tensorFilter().isEmpty()) {
        m_count->setText(format::counted(total, u"tensor", u"tensors"));
        return;
    }
    // Counting matches walks the snapshot, not the proxy, so it does not force the proxy to map every row.
    size_t matches = 0;
    for (size_t i = 0; i < total; ++i)
        matches += m_proxy->tensorFilter().matches(tree->model().tensor(i), tree->model().qualifiedName(i)) ? 1 : 0;
    m_count->setText(
        matches == 1 ? tr("1 of %1 matches").arg(format::counted(total, u"tensor", u"tensors"))
                     : tr("%1 of %2 match").arg(format::count(matches), format::counted(total, u"tensor", u"tensors")));
}

} // namespace safescope
