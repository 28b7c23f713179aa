#include "ui/heatmap/heatmappanel.h"

#include "core/remote/tensorbytes.h"
#include "core/text/format.h"
#include "ui/models/valuesource.h"
#include "ui/plots/colorgradients.h"
#include "ui/plots/plotexport.h"
#include "ui/slice/slicecontrols.h"
#include "ui/window/latesttask.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>
#include <limits>

namespace safescope {

namespace {

/// Slice rows of a quantized weight, dequantized piece by piece (never the whole tensor); empty without one.
RowPieceReader dequantizedRows(std::shared_ptr<const Dequantizer> dequantizer, const SliceAddressing& a)
{
    if (!dequantizer)
        return {};
    return [dequantizer = std::move(dequantizer), a](uint64_t row, uint64_t col, uint64_t width, double* out) {
        std::vector<float> values(static_cast<size_t>(width));
        const uint64_t first = a.base + row * a.rowStride + col * a.colStride;
        if (a.colStride == 1 || width == 1) {
            if (!dequantizer->read(first, width, values.data()))
                return false;
        } else {
            for (uint64_t c = 0; c < width; ++c) {
                if (!dequantizer->read(first + c * a.colStride, 1, &values[static_cast<size_t>(c)]))
                    return false;
            }
        }
        std::copy(values.begin(), values.end(), out);
        return true;
    };
}

// The values of `window` reduced to `pixels`: dequantized rows when `read` is set, else the tensor's bytes (fetched
// first for a remote tensor, and left in `bytes` so hovering can read them).
Result<Downsampled> downsampleWindow(const Model& model, size_t tensor, const SliceSpec& spec,
                                     const HeatmapPlot::Window& window, QSize pixels, Reduction reduction,
                                     const RowPieceReader& read, const std::atomic_bool& cancel, TensorBytes& bytes)
{
    const auto outRows = uint64_t(pixels.height());
    const auto outCols = uint64_t(pixels.width());
    if (read)
        return downsampleRows(window.rows, window.cols, outRows, outCols, reduction, cancel, {}, read);
    Result<TensorBytes> fetched = TensorBytes::window(model, tensor, spec, window.rows.begin, window.rows.count,
                                                      window.cols.begin, window.cols.count, &cancel);
    if (!fetched)
        return fetched.error();
    bytes = std::move(*fetched);
    return downsample(bytes.view(), spec, window.rows, window.cols, outRows, outCols, reduction, cancel);
}

QDoubleSpinBox* rangeBox(const QString& prefix)
{
    auto* box = new QDoubleSpinBox;
    box->setDecimals(6);
    box->setRange(-std::numeric_limits<float>::max(), std::numeric_limits<float>::max());
    box->setPrefix(prefix);
    box->setKeyboardTracking(false);
    box->setEnabled(false);
    // The range of a float asks for a 40-digit box; typed limits are short.
    box->setMinimumWidth(box->fontMetrics().horizontalAdvance(prefix + QStringLiteral("-0.000000")) + 28);
    return box;
}

} // namespace

HeatmapPanel::HeatmapPanel(QWidget* parent)
    : QWidget(parent), m_controls(new SliceControls), m_palette(new QComboBox), m_scale(new QComboBox),
      m_reduction(new QComboBox), m_rangeMode(new QComboBox), m_min(rangeBox(tr("min "))), m_max(rangeBox(tr("max "))),
      m_export(new QPushButton(tr("Export\u2026"))), m_status(new QLabel), m_plot(new HeatmapPlot),
      m_overviewTask(new LatestTask(this)), m_detailTask(new LatestTask(this)), m_refine(new QTimer(this))
{
    m_palette->addItems({tr("Auto colours"), tr("Sequential"), tr("Diverging around 0")});
    m_palette->setToolTip(tr("Auto: diverging when the values have both signs, sequential otherwise"));
    m_scale->addItems({tr("Linear"), tr("Symlog")});
    m_scale->setToolTip(tr("Symlog: linear near 0, logarithmic beyond, so small values and outliers both show"));
    m_reduction->addItems({tr("Mean"), tr("Max |x|")});
    m_reduction->setToolTip(tr("How the values under one pixel are combined when the slice is larger than the "
                               "plot; Max |x| keeps outliers visible"));
    m_rangeMode->addItems({tr("Range: p0.1\u2013p99.9"), tr("Range: min\u2013max"), tr("Range: manual")});
    m_rangeMode->setToolTip(tr("Colour range from the tensor's statistics, or typed in"));
    m_export->setToolTip(tr("Save the heatmap as PNG or SVG"));
    m_status->setForegroundRole(QPalette::PlaceholderText);
    m_refine->setSingleShot(true);
    m_refine->setInterval(150);

    // Two short rows rather than one long one: the page must fit beside the tree in an 800-pixel window.
    auto* colours = new QHBoxLayout;
    for (QWidget* widget : {static_cast<QWidget*>(m_palette), static_cast<QWidget*>(m_scale),
                            static_cast<QWidget*>(m_reduction), static_cast<QWidget*>(m_export)})
        colours->addWidget(widget);
    colours->addStretch(1);
    auto* range = new QHBoxLayout;
    for (QWidget* widget :
         {static_cast<QWidget*>(m_rangeMode), static_cast<QWidget*>(m_min), static_cast<QWidget*>(m_max)})
        range->addWidget(widget);
    range->addStretch(1);
    m_status->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_controls);
    layout->addLayout(colours);
    layout->addLayout(range);
    layout->addWidget(m_plot, 1);
    layout->addWidget(m_status);

    connect(m_controls, &SliceControls::specChanged, this, [this](const SliceSpec& spec) {
        m_spec = spec;
        loadSlice();
        emit specChanged(spec);
    });
    connect(m_palette, &QComboBox::currentIndexChanged, this, &HeatmapPanel::applyColors);
    connect(m_scale, &QComboBox::currentIndexChanged, this, &HeatmapPanel::applyColors);
    connect(m_min, &QDoubleSpinBox::valueChanged, this, &HeatmapPanel::applyColors);
    connect(m_max, &QDoubleSpinBox::valueChanged, this, &HeatmapPanel::applyColors);
    connect(m_rangeMode, &QComboBox::currentIndexChanged, this, [this](int mode) {
        m_min->setEnabled(mode == 2);
        m_max->setEnabled(mode == 2);
        applyColors();
    });
    connect(m_reduction, &QComboBox::currentIndexChanged, this, [this] {
        m_stale = true;
        if (isVisible())
            requestOverview();
    });
    connect(m_plot, &HeatmapPlot::viewChanged, m_refine, qOverload<>(&QTimer::start));
    connect(m_refine, &QTimer::timeout, this, [this] { m_stale ? requestOverview() : requestDetail(); });
    connect(m_plot, &HeatmapPlot::cellClicked, this, &HeatmapPanel::cellActivated);
    connect(m_export, &QPushButton::clicked, this,
            [this] { plotexport::saveWithDialog(m_plot->plot(), this, QStringLiteral("heatmap")); });
    applyColors();
}

HeatmapPanel::~HeatmapPanel() = default;

void HeatmapPanel::setModel(std::shared_ptr<const Model> model, std::shared_ptr<const QuantCatalog> quant)
{
    m_document = std::move(model);
    m_fileCheck = m_document ? ModelFileCheck(*m_document) : ModelFileCheck();
    m_quant = std::move(quant);
    clearTensor();
}

void HeatmapPanel::clearTensor()
{
    m_overviewTask->cancel();
    m_detailTask->cancel();
    m_tensor.reset();
    m_dequantizer.reset();
    m_stats.reset();
    m_dataExtent.reset();
    m_fetchedBytes = 0;
    m_fetchingParts = false;
    m_controls->setShape({}, {});
    m_plot->clear();
    m_status->clear();
}

void HeatmapPanel::showTensor(size_t index)
{
    if (!m_document || m_tensor == index)
        return;
    clearTensor();
    m_tensor = index;
    const std::span<const uint64_t> shape = valueShape(*m_document, m_quant.get(), index);
    m_spec = defaultSliceSpec(shape);
    m_controls->setShape(shape, m_spec);
    if (const LogicalTensor* logical = logicalTensorOf(*m_document, m_quant.get(), index)) {
        const std::optional<size_t> main = m_document->find(logical->parts.front().second);
        if (main && TensorBytes::isRemote(*m_document, *main)) {
            fetchParts(*logical, index);
            return;
        }
        auto dequantizer = Dequantizer::create(*m_document, *logical);
        if (!dequantizer) {
            m_status->setText(dequantizer.error().message);
            return;
        }
        m_dequantizer = std::move(*dequantizer);
    }
    loadSlice();
}

void HeatmapPanel::fetchParts(const LogicalTensor& logical, size_t index)
{
    // A remote weight: its stored parts are fetched whole off the GUI thread (a new tensor cancels the fetch), then
    // it is drawn through its dequantizer as a local one is.
    uint64_t total = 0;
    for (const auto& [role, name] : logical.parts)
        if (const std::optional<size_t> part = m_document->find(name))
            total += m_document->tensor(*part).byteSize();
    m_status->setText(tr("Fetching %1 of stored parts\u2026").arg(format::bytes(total)));
    m_fetchingParts = true;
    m_overviewTask->start([this, model = m_document, logical, index, total](const std::atomic_bool& cancel,
                                                                            const LatestTask::Post& post) {
        double reported = -1.0;
        const ProgressFn progress = [&](double fraction) {
            if (fraction - reported < 0.01 && fraction < 1.0)
                return;
            reported = fraction;
            const auto done = static_cast<uint64_t>(fraction * static_cast<double>(total));
            post([this, done, total] {
                m_status->setText(
                    tr("Fetching stored parts: %1 of %2\u2026").arg(format::bytes(done), format::bytes(total)));
            });
        };
        uint64_t bytes = 0;
        auto made = TensorBytes::dequantizer(*model, logical, &cancel, progress, &bytes);
        if (!made) {
            if (made.error().kind != ErrorKind::Cancelled)
                post([this, message = made.error().message] {
                    m_fetchingParts = false;
                    m_status->setText(message);
                });
            return;
        }
        post([this, index, bytes, dequantizer = std::shared_ptr<const Dequantizer>(std::move(*made))] {
            if (m_tensor != index)
                return;
            m_fetchingParts = false;
            m_dequantizer = dequantizer;
            loadSlice();
            m_fetchedBytes = bytes;
        });
    });
}

void HeatmapPanel::setSpec(const SliceSpec& spec)
{
    if (!m_tensor || spec == m_spec)
        return;
    m_spec = spec;
    m_controls->setSpec(spec);
    loadSlice();
}

void HeatmapPanel::setStats(size_t index, std::shared_ptr<const TensorStats> stats)
{
    if (m_tensor != index)
        return;
    m_stats = std::move(stats);
    applyColors();
}

void HeatmapPanel::setManualRange(double lo, double hi)
{
    if (lo >= hi) {
        m_rangeMode->setCurrentIndex(0);
        return;
    }
    m_rangeMode->setCurrentIndex(2);
    const QSignalBlocker blockMin(m_min);
    const QSignalBlocker blockMax(m_max);
    m_min->setValue(lo);
    m_max->setValue(hi);
    applyColors();
}

void HeatmapPanel::setScaleKind(ColorScale::Kind kind)
{
    m_scale->setCurrentIndex(kind == ColorScale::Kind::SymLog ? 1 : 0);
}

void HeatmapPanel::setPalette(Palette palette)
{
    m_palette->setCurrentIndex(static_cast<int>(palette));
}

void HeatmapPanel::loadSlice()
{
    // A slice asked for while a remote weight's parts are fetched is drawn when they arrive (the fetch reads
    // m_spec then); cancelling the fetch here left "Nothing to draw" until the tensor was selected again.
    if (m_fetchingParts)
        return;
    m_overviewTask->cancel();
    m_detailTask->cancel();
    m_dataExtent.reset();
    if (!m_tensor || !m_document) {
        m_plot->clear();
        return;
    }
    const TensorView view = currentView();
    Result<SliceAddressing> addressing = sliceAddressing(m_spec, view.shape);
    if (!addressing || view.dtype == DType::Unknown || addressing->rows * addressing->cols == 0) {
        m_plot->clear();
        m_status->setText(addressing ? tr("Nothing to draw.") : addressing.error().message);
        return;
    }
    m_plot->setSlice(m_document, view, m_spec, *addressing, m_dequantizer);
    m_stale = true;
    if (isVisible())
        requestOverview();
}

void HeatmapPanel::requestOverview()
{
    if (!m_tensor || !m_document)
        return;
    m_stale = false;
    m_detailTask->cancel();
    m_plot->clearDetail();
    const TensorView view = currentView();
    const Result<SliceAddressing> addressing = sliceAddressing(m_spec, view.shape);
    // loadSlice() already said why an unusable slice is not drawn.
    if (!addressing || view.dtype == DType::Unknown || addressing->rows * addressing->cols == 0)
        return;
    const SliceAddressing& a = *addressing;
    const HeatmapPlot::Window window{{0, a.rows}, {0, a.cols}};
    const QSize pixels = m_plot->pixelSize();
    const auto reduction = static_cast<Reduction>(m_reduction->currentIndex());
    m_status->setText(tr("Drawing %1 \u00d7 %2 values\u2026").arg(format::count(a.rows), format::count(a.cols)));
    m_overviewTask->start(
        [this, model = m_document, spec = m_spec, window, pixels, reduction, check = m_fileCheck, tensor = *m_tensor,
         read = dequantizedRows(m_dequantizer, a)](const std::atomic_bool& cancel, const LatestTask::Post& post) {
            // A remote tensor: the bytes of the whole slice are fetched first (every value is drawn or reduced).
            TensorBytes bytes;
            Result<Downsampled> result =
                downsampleWindow(*model, tensor, spec, window, pixels, reduction, read, cancel, bytes);
            if (result) {
                if (auto changed = check.changed(*model, tensor))
                    result = std::move(*changed);
            }
            if (!result) {
                post([this, error = result.error()] {
                    // Values drawn before the file changed are of another file now: show none.
                    if (error.kind == ErrorKind::FileChanged)
                        m_plot->clear();
                    m_status->setText(error.message);
                });
                return;
            }
            post([this, data = std::move(*result), window, bytes] {
                if (bytes.isFetched()) { // hovering reads the fetched values, never the (absent) mapping
                    m_plot->setValues(bytes.owner(), bytes.view());
                    m_fetchedBytes = bytes.bytesFetched();
                }
                double lo = std::numeric_limits<double>::infinity();
                double hi = -lo;
                for (double v : data.values) {
                    if (std::isfinite(v)) {
                        lo = std::min(lo, v);
                        hi = std::max(hi, v);
                    }
                }
                if (lo <= hi)
                    m_dataExtent = std::pair{lo, hi};
                m_plot->setOverview(data, window);
                applyColors();
                showDrawn(data, window);
                m_overviewStatus = m_status->text();
                requestDetail();
            });
        });
}

void HeatmapPanel::requestDetail()
{
    if (!m_tensor || !m_document || !m_plot->hasOverview())
        return;
    const TensorView view = currentView();
    const Result<SliceAddressing> addressing = sliceAddressing(m_spec, view.shape);
    if (!addressing)
        return;
    const SliceAddressing& a = *addressing;
    const HeatmapPlot::Window window = m_plot->visibleWindow();
    const QSize pixels = m_plot->pixelSize();
    // The overview already holds every value the visible window needs when it is not downsampled.
    const bool overviewExact = a.rows <= uint64_t(pixels.height()) && a.cols <= uint64_t(pixels.width());
    const bool wholeSlice = window.rows.count == a.rows && window.cols.count == a.cols;
    if (overviewExact || wholeSlice || window.rows.count == 0 || window.cols.count == 0) {
        m_detailTask->cancel();
        m_plot->clearDetail();
        m_plot->plot()->replot();
        if (!m_overviewStatus.isEmpty())
            m_status->setText(m_overviewStatus); // zoomed back out: the overview is what is drawn
        return;
    }
    const auto reduction = static_cast<Reduction>(m_reduction->currentIndex());
    m_detailTask->start(
        [this, model = m_document, spec = m_spec, window, pixels, reduction, check = m_fileCheck, tensor = *m_tensor,
         read = dequantizedRows(m_dequantizer, a)](const std::atomic_bool& cancel, const LatestTask::Post& post) {
            TensorBytes bytes;
            Result<Downsampled> result =
                downsampleWindow(*model, tensor, spec, window, pixels, reduction, read, cancel, bytes);
            // A failure leaves the overview on screen: its next request says why (a fetch failed, the file changed);
            // a refined corner of another file must not be drawn.
            if (!result || check.changed(*model, tensor))
                return;
            post([this, data = std::move(*result), window] {
                m_plot->setDetail(data, window);
                showDrawn(data, window); // the footer follows the refinement
            });
        });
}

void HeatmapPanel::showDrawn(const Downsampled& cells, const HeatmapPlot::Window& window)
{
    const bool exact = cells.rows == window.rows.count && cells.cols == window.cols.count;
    const QString fetched = m_fetchedBytes > 0 ? tr("Fetched %1. ").arg(format::bytes(m_fetchedBytes)) : QString();
    m_status->setText(fetched +
                      (exact ? tr("Every value in view drawn (%1 \u00d7 %2). Click a cell to see it in the slice "
                                  "table.")
                                   .arg(format::count(window.rows.count), format::count(window.cols.count))
                             : tr("%1 \u00d7 %2 values drawn as %3 \u00d7 %4 cells; zoom in (wheel) to refine. "
                                  "Click a cell to see it in the slice table.")
                                   .arg(format::count(window.rows.count), format::count(window.cols.count))
                                   .arg(cells.rows)
                                   .arg(cells.cols)));
}

QString HeatmapPanel::statusText() const
{
    return m_status->text();
}

TensorView HeatmapPanel::currentView() const
{
    if (!m_tensor || !m_document)
        return {};
    if (!m_dequantizer) // a logical tensor whose reader could not be made draws nothing (showTensor() said why)
        return *m_tensor < m_document->tensorCount() ? viewOf(*m_document, *m_tensor) : TensorView{};
    TensorView view;
    view.dtype = DType::F32;
    view.shape = m_dequantizer->tensor().shape;
    view.elementCount = m_dequantizer->elementCount();
    return view;
}

void HeatmapPanel::applyColors()
{
    double lo = 0.0;
    double hi = 1.0;
    const int mode = m_rangeMode->currentIndex();
    const ValueStats* stats = m_stats ? (m_stats->real ? &*m_stats->real : m_stats.get()) : nullptr;
    if (mode == 2) {
        lo = m_min->value();
        hi = m_max->value();
    } else if (stats && stats->finite > 0) {
        // The slice shows a C64's real part; its statistics are the matching ones.
        lo = mode == 0 ? stats->percentiles.front() : stats->min;
        hi = mode == 0 ? stats->percentiles.back() : stats->max;
    } else if (m_dataExtent) {
        std::tie(lo, hi) = *m_dataExtent;
    }
    const int palette = m_palette->currentIndex();
    const bool diverging = palette == 2 || (palette == 0 && lo < 0.0 && hi > 0.0);
    const auto kind = m_scale->currentIndex() == 1 ? ColorScale::Kind::SymLog : ColorScale::Kind::Linear;
    const ColorScale scale = ColorScale::make(kind, lo, hi, diverging);
    if (mode != 2) {
        // Manual mode starts from the automatic range.
        const QSignalBlocker blockMin(m_min);
        const QSignalBlocker blockMax(m_max);
        m_min->setValue(scale.lo());
        m_max->setValue(scale.hi());
    }
    const QColor nanColor = QWidget::palette().color(QPalette::Mid);
    m_plot->setColors(scale, diverging ? colorgradients::diverging(nanColor) : colorgradients::sequential(nanColor));
}

void HeatmapPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_stale && m_tensor)
        m_refine->start();
}

void HeatmapPanel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    // A new size deserves new pixels; the timer collapses a window drag into one request.
    if (m_tensor && m_plot->hasOverview()) {
        m_stale = true;
        m_refine->start();
    }
}

} // namespace safescope
