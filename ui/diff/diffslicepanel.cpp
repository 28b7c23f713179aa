#include "ui/diff/diffslicepanel.h"

#include "core/diff/deltaslice.h"
#include "core/remote/diffsidevalues.h"
#include "core/text/format.h"
#include "ui/diff/diffsliceplot.h"
#include "ui/slice/slicecontrols.h"
#include "ui/slice/slicewindowbar.h"
#include "ui/window/latesttask.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace safescope {

namespace {

QString dtypeText(DType dtype)
{
    const std::string_view name = dtypeName(dtype);
    return QString::fromLatin1(name.data(), static_cast<qsizetype>(name.size()));
}

} // namespace

DiffSlicePanel::DiffSlicePanel(QWidget* parent)
    : QWidget(parent), m_controls(new SliceControls), m_format(new QComboBox), m_scale(new QComboBox),
      m_reduction(new QComboBox), m_status(new QLabel), m_plot(new DiffSlicePlot), m_windowBar(new SliceWindowBar),
      m_overviewTask(new LatestTask(this)), m_detailTask(new LatestTask(this)), m_refine(new QTimer(this))
{
    m_format->addItems({tr("Decimal"), tr("Scientific"), tr("Raw bits (hex)")});
    m_format->setToolTip(tr("Values show the digits their dtype holds (no more) and read back exactly; Decimal "
                            "switches to an exponent where plain digits would hide a value"));
    m_format->setObjectName(QStringLiteral("diffSliceFormat"));
    m_scale->addItems({tr("Linear"), tr("Symlog")});
    m_scale->setObjectName(QStringLiteral("diffSliceScale"));
    m_scale->setToolTip(tr("Symlog: linear near 0, logarithmic beyond, so small and large differences both show"));
    m_reduction->addItems({tr("Max |\u0394|"), tr("Mean \u0394")});
    m_reduction->setToolTip(tr("How the differences under one pixel are combined when the slice is larger than the "
                               "plot; Max |\u0394| keeps a single changed element visible"));
    m_status->setForegroundRole(QPalette::PlaceholderText);
    m_status->setObjectName(QStringLiteral("diffSliceStatus"));
    m_refine->setSingleShot(true);
    m_refine->setInterval(150);

    // The options share the pickers' row: the plot and tables below need every line of height they can get.
    auto* options = new QHBoxLayout;
    options->addWidget(m_controls, 1);
    options->addSpacing(12);
    options->addWidget(new QLabel(tr("Format:")), 0, Qt::AlignTop);
    options->addWidget(m_format, 0, Qt::AlignTop);
    options->addSpacing(12);
    options->addWidget(new QLabel(tr("\u0394 colours:")), 0, Qt::AlignTop);
    options->addWidget(m_scale, 0, Qt::AlignTop);
    options->addWidget(m_reduction, 0, Qt::AlignTop);
    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(m_plot);
    splitter->addWidget(createTables());
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->addLayout(options);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);

    connect(m_controls, &SliceControls::specChanged, this, &DiffSlicePanel::setSpec);
    connect(m_format, &QComboBox::currentIndexChanged, this, [this](int format) {
        for (DiffSliceTableModel* model : m_models)
            model->setNumberFormat(static_cast<NumberFormat>(format));
    });
    connect(m_scale, &QComboBox::currentIndexChanged, this, [this](int kind) {
        m_plot->setScaleKind(kind == 1 ? ColorScale::Kind::SymLog : ColorScale::Kind::Linear);
    });
    connect(m_reduction, &QComboBox::currentIndexChanged, this, [this] {
        m_stale = true;
        if (isVisible())
            requestOverview();
    });
    connect(m_plot, &DiffSlicePlot::viewChanged, m_refine, qOverload<>(&QTimer::start));
    connect(m_refine, &QTimer::timeout, this, [this] { m_stale ? requestOverview() : requestDetail(); });
    connect(m_plot, &DiffSlicePlot::cellClicked, this, &DiffSlicePanel::jumpTo);
    connect(m_windowBar, &SliceWindowBar::firstIndexRequested, this, &DiffSlicePanel::showFrom);
    // Every change of a window (another pair or slice, the bar, a jump from the Δ map) resets the models.
    for (DiffSliceTableModel* model : m_models)
        connect(model, &QAbstractItemModel::modelReset, this, &DiffSlicePanel::updateWindowBar);
    clear();
}

DiffSlicePanel::~DiffSlicePanel() = default;

QWidget* DiffSlicePanel::createTables()
{
    auto* box = new QWidget;
    auto* outer = new QVBoxLayout(box);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(m_windowBar);
    auto* layout = new QHBoxLayout;
    outer->addLayout(layout, 1);
    const char* names[] = {"diffSliceTableA", "diffSliceTableB", "diffSliceTableDelta"};
    for (size_t i = 0; i < m_tables.size(); ++i) {
        m_models[i] = new DiffSliceTableModel(static_cast<Side>(i), this);
        m_titles[i] = new QLabel;
        m_tables[i] = new QTableView;
        QTableView* table = m_tables[i];
        table->setObjectName(QString::fromLatin1(names[i]));
        table->setModel(m_models[i]);
        // Fixed section sizes: measuring contents would decode every row of a huge slice.
        table->horizontalHeader()->setDefaultSectionSize(
            fontMetrics().horizontalAdvance(QStringLiteral("-0.000000e+00")) + 12);
        table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
        table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
        table->setSelectionMode(QAbstractItemView::SingleSelection);
        table->setWordWrap(false);
        auto* column = new QVBoxLayout;
        column->addWidget(m_titles[i]);
        column->addWidget(table, 1);
        layout->addLayout(column, 1);
    }
    // One scroll position and one current cell for all three, so a row of A sits next to the same row of B and Δ.
    for (QTableView* from : m_tables) {
        for (QTableView* to : m_tables) {
            if (from == to)
                continue;
            connect(from->verticalScrollBar(), &QScrollBar::valueChanged, to->verticalScrollBar(),
                    &QScrollBar::setValue);
            connect(from->horizontalScrollBar(), &QScrollBar::valueChanged, to->horizontalScrollBar(),
                    &QScrollBar::setValue);
            connect(from->selectionModel(), &QItemSelectionModel::currentChanged, to, [to](const QModelIndex& current) {
                const QModelIndex same = to->model()->index(current.row(), current.column());
                if (current.isValid() && same != to->currentIndex())
                    to->setCurrentIndex(same);
            });
        }
    }
    return box;
}

void DiffSlicePanel::setModels(const std::shared_ptr<const Model>& a, const std::shared_ptr<const Model>& b,
                               const std::shared_ptr<const QuantCatalog>& quantA,
                               const std::shared_ptr<const QuantCatalog>& quantB)
{
    clear();
    m_a = a;
    m_b = b;
    m_quantA = quantA;
    m_quantB = quantB;
}

void DiffSlicePanel::clear()
{
    m_overviewTask->cancel();
    m_detailTask->cancel();
    m_hasPair = false;
    m_stale = false;
    m_viewA = {};
    m_viewB = {};
    m_controls->setShape({}, {});
    for (DiffSliceTableModel* model : m_models)
        model->clear();
    m_titles[0]->setText(tr("<b>A</b>"));
    m_titles[1]->setText(tr("<b>B</b>"));
    m_titles[2]->setText(tr("<b>\u0394 = A \u2212 B</b>"));
    m_plot->clear(tr("Select a tensor pair to see its differences."));
    m_status->clear();
    m_valuesA = {}; // after everything that pointed into them
    m_valuesB = {};
}

bool DiffSlicePanel::isComputing() const
{
    return m_overviewTask->isRunning() || m_detailTask->isRunning();
}

bool DiffSlicePanel::hasDelta() const
{
    return m_hasPair && m_incompatibility.isEmpty();
}

void DiffSlicePanel::showPair(const TensorDiff& diff)
{
    clear();
    if (!m_a || !m_b)
        return;
    const bool remote = (diff.indexA && TensorBytes::isRemote(*m_a, *diff.indexA)) ||
                        (diff.indexB && TensorBytes::isRemote(*m_b, *diff.indexB));
    const LogicalTensor* quantizedA = diffside::quantizedWeightOf(m_quantA.get(), diff, true);
    const LogicalTensor* quantizedB = diffside::quantizedWeightOf(m_quantB.get(), diff, false);
    if (remote || quantizedA || quantizedB) {
        // Element-wise differences need every value of both tensors: a remote side is fetched first and a quantized
        // one dequantized (off the GUI thread, through the block cache), then the pair is shown as a local one.
        const QString waiting = remote ? tr("Fetching the pair's values\u2026") : tr("Dequantizing\u2026");
        m_plot->clear(waiting);
        m_status->setText(waiting);
        // The catalogs ride along: quantizedA/B point into them.
        m_overviewTask->start([this, keepA = m_a, keepB = m_b, quantA = m_quantA, quantB = m_quantB, quantizedA,
                               quantizedB, diff](const std::atomic_bool& cancel, const LatestTask::Post& post) {
            const auto valuesOf = [&cancel](const Model& model, std::optional<size_t> index,
                                            const LogicalTensor* quantized) -> Result<SideValues> {
                SideValues values;
                if (!index)
                    return values;
                if (quantized) {
                    auto dequantized = diffside::dequantizeWhole(model, *quantized, cancel);
                    if (!dequantized)
                        return dequantized.error();
                    values.dequantized = std::move(*dequantized);
                    return values;
                }
                auto bytes = TensorBytes::whole(model, *index, &cancel);
                if (!bytes)
                    return bytes.error();
                values.bytes = std::move(*bytes);
                return values;
            };
            Result<SideValues> a = valuesOf(*keepA, diff.indexA, quantizedA);
            Result<SideValues> b = a ? valuesOf(*keepB, diff.indexB, quantizedB) : Result<SideValues>(a.error());
            if (!b) {
                if (b.error().kind != ErrorKind::Cancelled)
                    post([this, error = b.error()] {
                        m_plot->clear(error.message);
                        m_status->setText(error.message);
                    });
                return;
            }
            post([this, diff, a = *a, b = *b] { showFetchedPair(diff, a, b); });
        });
        return;
    }
    showFetchedPair(diff, {}, {});
}

namespace {

// A side's view: a quantized weight's dequantized values (F32), its fetched bytes, or its mapping.
TensorView sideView(const Model& model, std::optional<size_t> index, const std::vector<uint64_t>& shape,
                    const std::shared_ptr<const std::vector<float>>& dequantized, const TensorBytes& bytes)
{
    if (!index)
        return {};
    if (dequantized)
        return TensorView{DType::F32,
                          shape,
                          dequantized->size(),
                          reinterpret_cast<const unsigned char*>(dequantized->data()),
                          dequantized->size() * sizeof(float),
                          nullptr};
    return bytes.isFetched() ? bytes.view() : viewOf(model, *index);
}

} // namespace

void DiffSlicePanel::showFetchedPair(const TensorDiff& diff, const SideValues& a, const SideValues& b)
{
    m_valuesA = a;
    m_valuesB = b;
    // The views point into the models' mappings, the fetched bytes or the dequantized values, which the shared
    // pointers keep alive for the workers too.
    m_viewA = sideView(*m_a, diff.indexA, diff.shapeA, a.dequantized, a.bytes);
    m_viewB = sideView(*m_b, diff.indexB, diff.shapeB, b.dequantized, b.bytes);
    m_incompatibility = diff.transposed ? tr("the MXFP4 side is [..., out, in] and the float side [..., in, out], so "
                                             "elements at the same position do not correspond")
                                        : deltaslice::incompatibility(m_viewA, m_viewB);
    m_hasPair = true;
    const auto title = [this](const char* side, const std::optional<size_t>& index, const TensorView& view,
                              const std::string& scheme) {
        if (!index)
            return QStringLiteral("<b>%1</b>").arg(QLatin1String(side));
        const QString type =
            scheme.empty() ? dtypeText(view.dtype)
                           : tr("%1, dequantized to %2").arg(QString::fromStdString(scheme), dtypeText(view.dtype));
        return QStringLiteral("<b>%1</b> \u00b7 %2").arg(QLatin1String(side), type);
    };
    m_titles[0]->setText(title("A", diff.indexA, m_viewA, a.dequantized ? diff.schemeA : std::string()));
    m_titles[1]->setText(title("B", diff.indexB, m_viewB, b.dequantized ? diff.schemeB : std::string()));
    const std::vector<uint64_t>& shape = m_viewA.data ? m_viewA.shape : m_viewB.shape;
    m_spec = defaultSliceSpec(shape);
    m_controls->setShape(shape, m_spec);
    m_models[0]->setPair(m_a, m_viewA, m_b, m_viewB, m_spec);
    m_models[1]->setPair(m_a, m_viewA, m_b, m_viewB, m_spec);
    m_models[2]->setPair(m_a, m_viewA, m_b, m_viewB, m_spec);
    loadSlice();
}

void DiffSlicePanel::setSpec(const SliceSpec& spec)
{
    if (!m_hasPair)
        return;
    m_spec = spec;
    m_controls->setSpec(spec);
    for (DiffSliceTableModel* model : m_models)
        model->setSpec(spec);
    loadSlice();
}

void DiffSlicePanel::loadSlice()
{
    m_overviewTask->cancel();
    m_detailTask->cancel();
    if (!hasDelta()) {
        m_plot->clear(tr("No \u0394: %1.").arg(m_incompatibility));
        m_status->setText(m_models[0]->error().isEmpty() ? m_models[1]->error() : m_models[0]->error());
        return;
    }
    const Result<SliceAddressing> addressing = sliceAddressing(m_spec, m_viewA.shape);
    if (!addressing || addressing->rows * addressing->cols == 0) {
        m_plot->clear(addressing ? tr("The slice is empty.") : addressing.error().message);
        return;
    }
    m_plot->setSlice(m_a, m_viewA, m_b, m_viewB, m_spec, *addressing);
    m_stale = true;
    if (isVisible())
        requestOverview();
}

void DiffSlicePanel::requestOverview()
{
    if (!hasDelta())
        return;
    const Result<SliceAddressing> addressing = sliceAddressing(m_spec, m_viewA.shape);
    if (!addressing || addressing->rows * addressing->cols == 0)
        return;
    m_stale = false;
    m_detailTask->cancel();
    m_plot->clearDetail();
    const DiffSlicePlot::Window window{{0, addressing->rows}, {0, addressing->cols}};
    const QSize pixels = m_plot->pixelSize();
    const auto reduction = m_reduction->currentIndex() == 0 ? Reduction::MaxAbs : Reduction::Mean;
    m_status->setText(tr("Computing \u0394 of %1 \u00d7 %2 values\u2026")
                          .arg(format::count(addressing->rows), format::count(addressing->cols)));
    m_overviewTask->start([this, keepA = m_a, keepB = m_b, ownA = m_valuesA, ownB = m_valuesB, a = m_viewA, b = m_viewB,
                           spec = m_spec, window, pixels,
                           reduction](const std::atomic_bool& cancel, const LatestTask::Post& post) {
        Result<Downsampled> result =
            deltaslice::downsample(a, b, spec, window.rows, window.cols, uint64_t(pixels.height()),
                                   uint64_t(pixels.width()), reduction, cancel);
        if (!result) {
            post([this, message = result.error().message] { m_status->setText(message); });
            return;
        }
        post([this, data = std::move(*result), window] {
            m_plot->setOverview(data, window);
            const bool exact = data.rows == window.rows.count && data.cols == window.cols.count;
            m_status->setText(exact ? tr("Every element drawn. Hover for A, B and \u0394; click to find it in the "
                                         "tables.")
                                    : tr("%1 \u00d7 %2 values drawn as %3 \u00d7 %4 cells; zoom in (wheel) to refine.")
                                          .arg(format::count(window.rows.count), format::count(window.cols.count))
                                          .arg(data.rows)
                                          .arg(data.cols));
            emit deltaShown();
            requestDetail();
        });
    });
}

void DiffSlicePanel::requestDetail()
{
    if (!hasDelta() || !m_plot->hasOverview())
        return;
    const Result<SliceAddressing> addressing = sliceAddressing(m_spec, m_viewA.shape);
    if (!addressing)
        return;
    const DiffSlicePlot::Window window = m_plot->visibleWindow();
    const QSize pixels = m_plot->pixelSize();
    // The overview already holds every element the window needs when it was not downsampled.
    const bool overviewExact =
        addressing->rows <= uint64_t(pixels.height()) && addressing->cols <= uint64_t(pixels.width());
    const bool wholeSlice = window.rows.count == addressing->rows && window.cols.count == addressing->cols;
    if (overviewExact || wholeSlice || window.rows.count == 0 || window.cols.count == 0) {
        m_detailTask->cancel();
        m_plot->clearDetail();
        return;
    }
    const auto reduction = m_reduction->currentIndex() == 0 ? Reduction::MaxAbs : Reduction::Mean;
    m_detailTask->start([this, keepA = m_a, keepB = m_b, ownA = m_valuesA, ownB = m_valuesB, a = m_viewA, b = m_viewB,
                         spec = m_spec, window, pixels,
                         reduction](const std::atomic_bool& cancel, const LatestTask::Post& post) {
        Result<Downsampled> result =
            deltaslice::downsample(a, b, spec, window.rows, window.cols, uint64_t(pixels.height()),
                                   uint64_t(pixels.width()), reduction, cancel);
        if (result)
            post([this, data = std::move(*result), window] { m_plot->setDetail(data, window); });
    });
}

void DiffSlicePanel::jumpTo(uint64_t row, uint64_t col)
{
    // Every table moves its window over a very long axis, so the three keep showing the same rows side by side.
    std::array<QModelIndex, 3> revealed;
    for (size_t i = 0; i < m_models.size(); ++i)
        revealed[i] = m_models[i]->revealCell(row, col);
    const size_t shown = revealed[0].isValid() ? 0 : 2;
    if (!revealed[shown].isValid())
        return;
    m_tables[shown]->setCurrentIndex(revealed[shown]);
    m_tables[shown]->scrollTo(revealed[shown], QAbstractItemView::PositionAtCenter);
}

size_t DiffSlicePanel::windowSide() const
{
    for (size_t i = 0; i < m_models.size(); ++i) {
        if (m_models[i]->rowCount() > 0 && m_models[i]->columnCount() > 0)
            return i;
    }
    return m_models.size();
}

void DiffSlicePanel::updateWindowBar()
{
    const size_t side = windowSide();
    if (side == m_models.size()) {
        m_windowBar->setWindow(0, 0, 0, 0); // no cells, no window to move
        return;
    }
    const DiffSliceTableModel* model = m_models[side];
    m_windowBar->setWindow(model->addressing().rows, model->addressing().cols, model->rowOrigin(), model->colOrigin());
}

void DiffSlicePanel::showFrom(Qt::Orientation orientation, uint64_t index)
{
    const size_t side = windowSide();
    if (side == m_models.size())
        return;
    DiffSliceTableModel* model = m_models[side];
    QTableView* table = m_tables[side];
    const bool rows = orientation == Qt::Vertical;
    // The other axis keeps the row (column) at the top (left) of the tables.
    const uint64_t row = rows ? index : model->rowOrigin() + uint64_t(std::max(table->rowAt(0), 0));
    const uint64_t col = rows ? model->colOrigin() + uint64_t(std::max(table->columnAt(0), 0)) : index;
    const uint64_t rowOrigin = rows ? index : model->rowOrigin();
    const uint64_t colOrigin = rows ? model->colOrigin() : index;
    for (DiffSliceTableModel* each : m_models)
        each->setOrigin(rowOrigin, colOrigin);
    // Near the end the window stops short of `index` to stay full: the asked-for row (column) is then scrolled to
    // the top (left) and made current, as on the values page; the other tables follow the scroll and the cell.
    const QModelIndex cell =
        model->index(static_cast<int>(row - model->rowOrigin()), static_cast<int>(col - model->colOrigin()));
    if (!cell.isValid())
        return;
    table->setCurrentIndex(cell);
    table->scrollTo(cell, QAbstractItemView::PositionAtTop);
    // PositionAtTop aligns rows only: a column right of the viewport would end up at its right edge.
    if (!rows)
        table->horizontalScrollBar()->setValue(table->horizontalScrollMode() == QAbstractItemView::ScrollPerItem
                                                   ? cell.column()
                                                   : table->horizontalHeader()->sectionPosition(cell.column()));
}

void DiffSlicePanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_stale && hasDelta())
        m_refine->start();
}

void DiffSlicePanel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    // New pixels deserve a new overview; the timer folds a window drag into one request.
    if (hasDelta() && m_plot->hasOverview()) {
        m_stale = true;
        m_refine->start();
    }
}

} // namespace safescope
