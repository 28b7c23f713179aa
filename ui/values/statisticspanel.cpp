#include "ui/values/statisticspanel.h"

#include "core/remote/tensorbytes.h"
#include "core/text/format.h"
#include "ui/models/statstablemodel.h"
#include "ui/plots/histogramplot.h"
#include "ui/plots/plotexport.h"
#include "ui/values/statsrunner.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace safescope {

namespace {
constexpr int kDefaultBins = 256;
} // namespace

StatisticsPanel::StatisticsPanel(QWidget* parent)
    : QWidget(parent), m_runner(new StatsRunner(this)), m_table(new StatsTableModel(this)), m_bins(new QSpinBox),
      m_logBins(new QCheckBox(tr("Log bins"))), m_logY(new QCheckBox(tr("Log count"))), m_component(new QComboBox),
      m_fullRange(new QPushButton(tr("Full range"))), m_export(new QPushButton(tr("Export\u2026"))),
      m_progress(new QProgressBar), m_status(new QLabel), m_fetched(new QLabel),
      m_cancel(new QPushButton(tr("Cancel"))), m_plot(new HistogramPlot), m_special(new QLabel),
      m_tableView(new QTableView)
{
    m_bins->setRange(1, 65536);
    m_bins->setValue(kDefaultBins);
    m_bins->setPrefix(tr("Bins: "));
    m_bins->setAccelerated(true);
    m_bins->setKeyboardTracking(false);
    m_logBins->setObjectName(QStringLiteral("logBins"));
    m_logBins->setToolTip(tr("Bins of equal ratio over |x|, for values spanning decades; zeros are counted apart"));
    m_component->addItems({tr("Magnitude"), tr("Real part"), tr("Imaginary part")});
    m_component->setVisible(false);
    m_fullRange->setEnabled(false);
    m_fullRange->setToolTip(tr("Bin the whole value range again"));
    m_export->setToolTip(tr("Save the histogram as PNG or SVG"));
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_progress->setMaximumWidth(160);
    m_progress->setVisible(false);
    m_status->setForegroundRole(QPalette::PlaceholderText);
    // A long status must not widen the page: it shrinks (and elides) before the controls do.
    m_status->setWordWrap(true);
    m_special->setObjectName(QStringLiteral("specialCounts"));
    m_special->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* hint = new QLabel(tr("Wheel zooms, drag pans, Shift+drag re-bins a range, double-click resets the view."));
    hint->setForegroundRole(QPalette::PlaceholderText);
    hint->setWordWrap(true);

    m_tableView->setModel(m_table);
    m_tableView->verticalHeader()->hide();
    m_tableView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_tableView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_tableView->horizontalHeader()->setStretchLastSection(true);
    m_tableView->setAlternatingRowColors(true);
    m_tableView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tableView->setMinimumWidth(220);
    m_tableView->setObjectName(QStringLiteral("statsTable"));

    auto* controls = new QHBoxLayout;
    controls->addWidget(m_bins);
    controls->addWidget(m_logBins);
    controls->addWidget(m_logY);
    controls->addWidget(m_component);
    controls->addWidget(m_fullRange);
    controls->addWidget(m_export);
    controls->addStretch(1);
    // Progress and status sit under the plot, so the controls row stays narrow enough for an 800-pixel window.
    auto* statusRow = new QHBoxLayout;
    statusRow->addWidget(m_status, 1);
    statusRow->addWidget(m_fetched);
    statusRow->addWidget(m_progress);
    statusRow->addWidget(m_cancel);
    m_fetched->setObjectName(QStringLiteral("fetchedBytes"));
    m_fetched->setForegroundRole(QPalette::PlaceholderText);
    m_cancel->setObjectName(QStringLiteral("cancelFetch"));
    m_cancel->setVisible(false);

    auto* plotColumn = new QWidget;
    auto* plotLayout = new QVBoxLayout(plotColumn);
    plotLayout->setContentsMargins(0, 0, 0, 0);
    plotLayout->addWidget(m_plot, 1);
    plotLayout->addLayout(statusRow);
    plotLayout->addWidget(m_special);
    plotLayout->addWidget(hint);
    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(plotColumn);
    splitter->addWidget(m_tableView);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(splitter, 1);

    connect(m_runner, &StatsRunner::previewReady, this, &StatisticsPanel::onPreview);
    connect(m_runner, &StatsRunner::statsReady, this, &StatisticsPanel::onStats);
    connect(m_runner, &StatsRunner::failed, this, &StatisticsPanel::onFailed);
    connect(m_runner, &StatsRunner::progressChanged, this, [this](size_t index, double fraction) {
        if (m_tensor == index)
            m_progress->setValue(static_cast<int>(fraction * 1000));
    });
    connect(m_runner, &StatsRunner::fetched, this, [this](size_t index, uint64_t bytes, uint64_t total, bool done) {
        if (m_tensor != index)
            return;
        m_cancel->setVisible(!done);
        m_fetched->setText(done ? tr("Fetched %1").arg(format::bytes(bytes))
                                : tr("Fetching %1 of %2…").arg(format::bytes(bytes), format::bytes(total)));
    });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_runner->cancel();
        m_cancel->setVisible(false);
        m_progress->setVisible(false);
        m_fetched->setText(tr("Fetch cancelled"));
        m_status->setText(tr("Cancelled"));
    });
    connect(m_bins, &QSpinBox::valueChanged, this, &StatisticsPanel::updateHistogram);
    connect(m_logBins, &QCheckBox::toggled, this, [this] {
        // A dragged range is in the old axis' units (x or |x|): start again from the full range.
        setRange(0, 0);
    });
    connect(m_logY, &QCheckBox::toggled, m_plot, &HistogramPlot::setLogY);
    connect(m_component, &QComboBox::currentIndexChanged, this, [this] { showStats(m_stats); });
    connect(m_fullRange, &QPushButton::clicked, this, [this] { setRange(0, 0); });
    connect(m_plot, &HistogramPlot::rangeSelected, this, &StatisticsPanel::setRange);
    connect(m_export, &QPushButton::clicked, this,
            [this] { plotexport::saveWithDialog(m_plot->plot(), this, QStringLiteral("histogram")); });
}

StatisticsPanel::~StatisticsPanel() = default;

void StatisticsPanel::setModel(std::shared_ptr<const Model> model, std::shared_ptr<const QuantCatalog> quant)
{
    m_model = model;
    m_runner->setModel(std::move(model), std::move(quant));
    clearTensor();
}

void StatisticsPanel::clearTensor()
{
    m_runner->cancel();
    m_tensor.reset();
    m_stats.reset();
    m_custom.reset();
    m_range.reset();
    m_progress->setVisible(false);
    m_status->clear();
    m_fetched->clear();
    m_cancel->setVisible(false);
    m_deferred = false;
    m_table->setStats(nullptr);
    m_special->clear();
    m_plot->clear();
}

void StatisticsPanel::showTensor(size_t index)
{
    if (m_tensor == index)
        return;
    clearTensor();
    m_tensor = index;
    m_component->setVisible(m_model && index < m_model->tensorCount() && m_model->tensor(index).dtype == DType::C64);
    m_plot->clear();
    // Statistics of a remote tensor read all of it over the network: only once the user looks at this tab.
    m_deferred = m_model && TensorBytes::isRemote(*m_model, index) && !m_runner->cached(index, currentSpec());
    if (m_deferred && !isVisible()) {
        m_status->setText(tr("Remote tensor: its values are fetched when this tab is shown."));
        return;
    }
    requestShown();
}

void StatisticsPanel::requestShown()
{
    if (!m_tensor)
        return;
    m_deferred = false;
    m_status->setText(tr("Reading values\u2026"));
    m_progress->setValue(0);
    m_progress->setVisible(true);
    // The preview is binned as the controls say, so a tensor opened with log bins on shows log bins at once.
    m_runner->request(*m_tensor, currentSpec());
}

void StatisticsPanel::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    // Leaving the tab stops a remote download nobody looks at; showing it again starts over (the blocks fetched
    // so far come from the block cache then).
    if (m_tensor && m_model && m_runner->isBusy() && TensorBytes::isRemote(*m_model, *m_tensor)) {
        m_runner->cancel();
        m_progress->setVisible(false);
        m_cancel->setVisible(false);
        m_fetched->clear();
        m_deferred = true;
        m_status->setText(tr("Remote tensor: its values are fetched when this tab is shown."));
    }
}

void StatisticsPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_deferred)
        requestShown();
}

HistogramSpec StatisticsPanel::currentSpec() const
{
    return HistogramSpec{m_bins->value(), m_range, m_logBins->isChecked() ? BinScale::Log : BinScale::Linear};
}

void StatisticsPanel::onPreview(size_t index, const std::shared_ptr<const TensorStats>& stats,
                                const HistogramSpec& spec)
{
    if (m_tensor != index || (m_stats && !m_stats->sampled))
        return;
    m_statsSpec = spec;
    showStats(stats);
    emit statsChanged(index, stats);
}

void StatisticsPanel::onStats(size_t index, const std::shared_ptr<const TensorStats>& stats, const HistogramSpec& spec,
                              bool custom)
{
    if (m_tensor != index)
        return;
    m_progress->setVisible(false);
    if (custom) {
        m_custom = stats;
        m_customSpec = spec;
        m_status->setText(tr("Exact"));
        updateHistogram();
        return;
    }
    m_statsSpec = spec;
    showStats(stats);
    emit statsChanged(index, stats);
}

void StatisticsPanel::onFailed(size_t index, const QString& message)
{
    if (m_tensor != index)
        return;
    m_progress->setVisible(false);
    m_cancel->setVisible(false);
    m_status->setText(tr("Failed"));
    // A preview shown before the failure may be of a file that has since changed: show no numbers at all.
    showStats(nullptr);
    m_plot->clear(tr("Cannot compute statistics: %1").arg(message));
}

void StatisticsPanel::showStats(const std::shared_ptr<const TensorStats>& stats)
{
    m_stats = stats;
    m_table->setStats(stats);
    if (!stats)
        return;
    if (stats->sampled)
        m_status->setText(tr("Sample of %1 values; exact statistics follow").arg(format::count(stats->count)));
    else if (m_runner->isBusy() && m_custom)
        m_status->setText(tr("Re-binning\u2026"));
    else
        m_status->setText(stats->exact
                              ? tr("Exact")
                              : tr("Exact moments; percentiles \u00b1%1").arg(stats->percentileError, 0, 'g', 2));
    updateHistogram();
}

QString StatisticsPanel::fetchedText() const
{
    return m_fetched->text();
}

const ValueStats& StatisticsPanel::component(const TensorStats& stats) const
{
    if (m_component->currentIndex() == 1 && stats.real)
        return *stats.real;
    if (m_component->currentIndex() == 2 && stats.imag)
        return *stats.imag;
    return stats;
}

QString StatisticsPanel::note() const
{
    return m_stats && m_stats->sampled ? tr("SAMPLE \u00b7 %1 values").arg(format::count(m_stats->count)) : QString();
}

void StatisticsPanel::updateHistogram()
{
    if (!m_stats)
        return;
    m_fullRange->setEnabled(m_range.has_value());
    if (m_stats->bools) {
        m_plot->setBoolCounts(*m_stats->bools, note());
        m_special->setText(
            tr("%1 true \u00b7 %2 false")
                .arg(format::count(m_stats->bools->trueCount), format::count(m_stats->bools->falseCount)));
        return;
    }
    const HistogramSpec spec = currentSpec();
    const ValueStats& part = component(*m_stats);
    Histogram histogram;
    if (spec == m_statsSpec) {
        histogram = part.histogram;
    } else if (m_stats->patterns) {
        // <= 16-bit dtypes: exact re-binning from the counts of every code, no pass over the tensor.
        histogram = histogramFromCounts(*m_stats->patterns, spec);
    } else if (m_custom && spec == m_customSpec) {
        histogram = component(*m_custom).histogram;
    } else if (const auto hit = m_tensor ? m_runner->cached(*m_tensor, spec) : nullptr) {
        m_custom = hit;
        m_customSpec = spec;
        histogram = component(*hit).histogram;
    } else {
        // The old histogram stays on screen (drawn with its own binning) until the new one arrives.
        histogram = part.histogram;
        if (m_tensor) {
            m_custom.reset();
            m_progress->setValue(0);
            m_progress->setVisible(true);
            if (m_stats->sampled) {
                // Still on the preview: start again with the new binning, preview included, rather than
                // finish an exact pass whose histogram is no longer wanted.
                m_status->setText(tr("Reading values\u2026"));
                m_runner->request(*m_tensor, spec);
            } else {
                m_status->setText(tr("Re-binning\u2026"));
                m_runner->requestHistogram(*m_tensor, spec);
            }
        }
    }
    m_plot->setHistogram(histogram, note());
    m_special->setText(specialText());
}

QString StatisticsPanel::specialText() const
{
    if (!m_stats || m_stats->bools)
        return m_special->text();
    const ValueStats& part = component(*m_stats);
    QString text = tr("NaN %1 \u00b7 +Inf %2 \u00b7 \u2212Inf %3")
                       .arg(format::count(part.nan), format::count(part.posinf), format::count(part.neginf));
    const Histogram& shown = m_plot->histogram();
    if (shown.scale == BinScale::Log)
        text += tr(" \u00b7 zeros %1 (not in log bins)").arg(format::count(part.zeros));
    if (m_range)
        text += tr(" \u00b7 below range %1 \u00b7 above range %2")
                    .arg(format::count(shown.below), format::count(shown.above));
    return text;
}

void StatisticsPanel::setRange(double lo, double hi)
{
    if (lo < hi)
        m_range = std::pair{lo, hi};
    else
        m_range.reset();
    m_custom.reset();
    updateHistogram();
}

void StatisticsPanel::setBins(int bins)
{
    m_bins->setValue(bins);
}

void StatisticsPanel::setLogBins(bool logBins)
{
    m_logBins->setChecked(logBins);
}

void StatisticsPanel::setComponent(int component)
{
    m_component->setCurrentIndex(component);
}

} // namespace safescope
