#include "ui/diff/diffview.h"

#include "core/diff/diffreport.h"
#include "core/remote/location.h"
#include "core/text/format.h"
#include "ui/diff/diffheatmap.h"
#include "ui/diff/diffjob.h"
#include "ui/diff/diffmetadatatable.h"
#include "ui/diff/diffpairpanel.h"
#include "ui/models/difffilterproxymodel.h"
#include "ui/models/difflayergrid.h"
#include "ui/models/difftablemodel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace safescope {

DiffView::DiffView(const QString& pathA, const QString& pathB, QWidget* parent)
    : QWidget(parent), m_pathA(pathA), m_pathB(pathB), m_job(new DiffJob(this)), m_model(new DiffTableModel(this)),
      m_proxy(new DiffFilterProxyModel(this)), m_summary(new QLabel(this)), m_pages(new QTabWidget(this)),
      m_metadata(new DiffMetadataTable(this)), m_pairPanel(new DiffPairPanel(this)),
      m_splitter(new QSplitter(Qt::Vertical, this))
{
    setObjectName(QStringLiteral("diffView"));
    m_proxy->setSourceModel(m_model);

    auto* layout = new QVBoxLayout(this);
    auto* paths = new QLabel(
        tr("<b>A</b> %1<br><b>B</b> %2")
            .arg(QDir::toNativeSeparators(pathA).toHtmlEscaped(), QDir::toNativeSeparators(pathB).toHtmlEscaped()),
        this);
    paths->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(paths);
    layout->addWidget(createOptionsRow());
    m_summary->setObjectName(QStringLiteral("diffSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);

    m_pages->setDocumentMode(true);
    m_pages->addTab(createTablePage(), tr("&Tensors"));
    m_pages->addTab(createHeatmapPage(), tr("&Heatmap"));
    m_pages->addTab(m_metadata, tr("&Metadata"));
    m_splitter->addWidget(m_pages);
    m_splitter->addWidget(m_pairPanel);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    layout->addWidget(m_splitter, 1);

    connect(m_job, &DiffJob::modelsOpened, m_pairPanel, &DiffPairPanel::setModels);
    connect(m_job, &DiffJob::rowsReady, this, &DiffView::onRows);
    connect(m_job, &DiffJob::progressChanged, this,
            [this](double fraction) { m_progress->setValue(static_cast<int>(fraction * 1000)); });
    connect(m_job, &DiffJob::bytesFetchedChanged, this, [this](quint64 bytes) {
        // A remote diff says what crossed the network while it runs, not only in the final summary.
        m_progress->setFormat(tr("%1 fetched").arg(format::bytes(bytes)));
        m_progress->setTextVisible(true);
    });
    connect(m_job, &DiffJob::remoteCost, this, [this](size_t bySha256, uint64_t bytes) {
        m_remoteCost = std::pair{bySha256, bytes};
    });
    connect(m_job, &DiffJob::finished, this, &DiffView::onFinished);
    connect(m_job, &DiffJob::failed, this, &DiffView::onFailed);
    connect(m_heatmap, &DiffHeatmap::pairClicked, this, [this](qint64 pair) { selectPair(static_cast<size_t>(pair)); });
    rerun();
}

DiffView::~DiffView() = default;

QString DiffView::title() const
{
    return QStringLiteral("%1 \u21c4 %2").arg(locationName(m_pathA), locationName(m_pathB));
}

QWidget* DiffView::createOptionsRow()
{
    auto* row = new QWidget(this);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    m_rules = new QLineEdit(row);
    m_rules->setObjectName(QStringLiteral("diffRules"));
    m_rules->setPlaceholderText(tr("Name rules for A, e.g. s/^model\\.// (several: separate with ;)"));
    m_rules->setToolTip(tr("Rewrites A's tensor names before pairing: s/REGEX/REPL/, strip:PREFIX, add:PREFIX"));
    m_rules->setClearButtonEnabled(true);
    m_atol = new QLineEdit(QStringLiteral("0"), row);
    m_rtol = new QLineEdit(QStringLiteral("0"), row);
    m_atol->setObjectName(QStringLiteral("diffAtol"));
    m_rtol->setObjectName(QStringLiteral("diffRtol"));
    for (QLineEdit* edit : {m_atol, m_rtol}) {
        edit->setMaximumWidth(90);
        edit->setToolTip(tr("Values count as equal when |a \u2212 b| \u2264 atol + rtol \u00b7 |b|"));
    }
    m_run = new QPushButton(tr("Co&mpare"), row);
    m_cancel = new QPushButton(tr("Cancel"), row);
    m_export = new QPushButton(tr("&Export Report\u2026"), row);
    m_progress = new QProgressBar(row);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(200);
    m_progress->setTextVisible(false);
    layout->addWidget(new QLabel(tr("Rules:"), row));
    layout->addWidget(m_rules, 1);
    layout->addWidget(new QLabel(tr("atol:"), row));
    layout->addWidget(m_atol);
    layout->addWidget(new QLabel(tr("rtol:"), row));
    layout->addWidget(m_rtol);
    layout->addWidget(m_run);
    layout->addWidget(m_progress);
    layout->addWidget(m_cancel);
    layout->addWidget(m_export);
    for (QLineEdit* edit : {m_rules, m_atol, m_rtol})
        connect(edit, &QLineEdit::returnPressed, this, &DiffView::rerun);
    connect(m_run, &QPushButton::clicked, this, &DiffView::rerun);
    connect(m_cancel, &QPushButton::clicked, this, &DiffView::cancel);
    connect(m_export, &QPushButton::clicked, this, &DiffView::exportDialog);
    return row;
}

QWidget* DiffView::createTablePage()
{
    auto* page = new QWidget(this);
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 4, 0, 0);
    auto* filters = new QHBoxLayout;
    m_filter = new QLineEdit(page);
    m_filter->setObjectName(QStringLiteral("diffFilter"));
    m_filter->setPlaceholderText(tr("Filter tensor names"));
    m_filter->setClearButtonEnabled(true);
    m_status = new QComboBox(page);
    m_status->setObjectName(QStringLiteral("diffStatusFilter"));
    m_status->addItem(tr("All pairs"), DiffFilterProxyModel::AllStatuses);
    m_status->addItem(tr("Changed (beyond tolerance)"), DiffFilterProxyModel::ChangedOnly);
    for (int i = 0; i < kDiffStatusCount; ++i)
        m_status->addItem(QString::fromLatin1(diffStatusName(static_cast<DiffStatus>(i))), i);
    filters->addWidget(m_filter, 1);
    filters->addWidget(m_status);
    layout->addLayout(filters);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &DiffFilterProxyModel::setNameFilter);
    connect(m_status, &QComboBox::currentIndexChanged, this,
            [this] { m_proxy->setStatusFilter(m_status->currentData().toInt()); });

    m_table = new QTableView(page);
    m_table->setObjectName(QStringLiteral("diffTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // pair order until the user picks a column
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setSectionResizeMode(DiffTableModel::NameColumn, QHeaderView::Stretch);
    m_table->setWordWrap(false);
    layout->addWidget(m_table, 1);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &DiffView::onCurrentRowChanged);
    return page;
}

QWidget* DiffView::createHeatmapPage()
{
    auto* page = new QWidget(this);
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 4, 0, 0);
    auto* top = new QHBoxLayout;
    m_metric = new QComboBox(page);
    m_metric->setObjectName(QStringLiteral("diffHeatMetric"));
    m_metric->addItem(tr("Relative L2 \u2016\u0394\u2016/\u2016A\u2016"), static_cast<int>(DiffHeatMetric::RelativeL2));
    m_metric->addItem(tr("1 \u2212 cosine"), static_cast<int>(DiffHeatMetric::OneMinusCosine));
    m_metric->addItem(tr("SQNR (dB): quantization error"), static_cast<int>(DiffHeatMetric::Sqnr));
    top->addWidget(new QLabel(tr("Colour:"), page));
    top->addWidget(m_metric);
    m_logScale = new QCheckBox(tr("&Log scale"), page);
    m_logScale->setObjectName(QStringLiteral("diffHeatLog"));
    m_logScale->setToolTip(tr("Colour by log10 of the metric: relative changes of 1e-6 and 0.3 both show. "
                              "Unchanged pairs take the lowest colour."));
    top->addWidget(m_logScale);
    top->addStretch(1);
    m_heatNote = new QLabel(page);
    top->addWidget(m_heatNote);
    layout->addLayout(top);
    m_heatmap = new DiffHeatmap(page);
    layout->addWidget(m_heatmap, 1);
    connect(m_metric, &QComboBox::currentIndexChanged, this, &DiffView::updateHeatmap);
    connect(m_metric, &QComboBox::activated, this, [this] { m_metricChosen = true; });
    connect(m_logScale, &QCheckBox::toggled, m_heatmap, &DiffHeatmap::setLogScale);
    return page;
}

void DiffView::rerun()
{
    DiffOptions options;
    const QStringList rules = m_rules->text().split(QLatin1Char(';'), Qt::SkipEmptyParts);
    QStringList trimmed;
    for (const QString& rule : rules)
        trimmed.append(rule.trimmed());
    auto mapper = NameMapper::fromRules(trimmed);
    bool atolOk = false;
    bool rtolOk = false;
    options.tolerance.atol = m_atol->text().trimmed().toDouble(&atolOk);
    options.tolerance.rtol = m_rtol->text().trimmed().toDouble(&rtolOk);
    QString problem;
    if (!mapper)
        problem = mapper.error().message;
    else if (!atolOk || !rtolOk || options.tolerance.atol < 0 || options.tolerance.rtol < 0)
        problem = tr("atol and rtol must be numbers \u2265 0.");
    if (!problem.isEmpty()) {
        m_summary->setText(tr("<b>Cannot compare:</b> %1").arg(problem.toHtmlEscaped()));
        return;
    }
    options.mapper = std::move(*mapper);
    m_tolerance = options.tolerance;
    m_diff.reset();
    m_remoteCost.reset();
    m_error.clear();
    m_summaryData = {};
    m_model->clear();
    m_metadata->setDiff({});
    m_pairPanel->clear();
    m_progress->setValue(0);
    m_progress->setTextVisible(false);
    m_progress->setVisible(true);
    m_cancel->setEnabled(true);
    m_export->setEnabled(false);
    m_job->start(m_pathA, m_pathB, options);
    updateSummary();
    updateHeatmap();
}

void DiffView::cancel()
{
    if (!m_job->isRunning())
        return;
    m_job->cancel();
    m_error = tr("Cancelled: the table shows the pairs compared so far.");
    m_cancel->setEnabled(false);
    m_progress->setVisible(false);
    updateSummary();
}

bool DiffView::isRunning() const
{
    return m_job->isRunning();
}

void DiffView::onRows(const std::vector<TensorDiff>& rows)
{
    for (const TensorDiff& row : rows)
        m_summaryData.add(row);
    m_model->appendRows(rows);
    if (m_table->horizontalHeader()->sectionSize(DiffTableModel::StatusColumn) < 40)
        m_table->resizeColumnsToContents();
    updateSummary();
    updateHeatmap();
}

void DiffView::onFinished(const std::shared_ptr<const ModelDiff>& diff)
{
    m_diff = diff;
    m_summaryData = diff->summary;
    m_metadata->setDiff(diff->metadata);
    m_pages->setTabText(2, diff->metadata.empty() ? tr("&Metadata") : tr("&Metadata (%1)").arg(diff->metadata.size()));
    m_progress->setVisible(false);
    m_cancel->setEnabled(false);
    m_export->setEnabled(true);
    m_table->resizeColumnsToContents();
    m_table->horizontalHeader()->setSectionResizeMode(DiffTableModel::NameColumn, QHeaderView::Stretch);
    updateSummary();
    // A float original against its quantization: the map shows the quantization error, unless the user chose.
    const bool quantized = std::any_of(diff->tensors.begin(), diff->tensors.end(),
                                       [](const TensorDiff& t) { return !t.schemeA.empty() || !t.schemeB.empty(); });
    if (quantized && !m_metricChosen)
        m_metric->setCurrentIndex(m_metric->findData(static_cast<int>(DiffHeatMetric::Sqnr)));
    updateHeatmap();
    // Show something useful at once: the pair that moved most (relative L2), unless the user already chose one.
    if (!m_table->currentIndex().isValid()) {
        const TensorDiff* most = nullptr;
        for (const TensorDiff& t : diff->tensors) {
            if (t.metrics && !t.withinTolerance() && (!most || t.metrics->relL2 > most->metrics->relL2))
                most = &t;
        }
        if (most)
            selectPair(most->pair);
    }
    emit finished();
}

void DiffView::onFailed(const Error& error)
{
    m_error = error.kind == ErrorKind::Cancelled ? tr("Cancelled.") : error.describe();
    m_progress->setVisible(false);
    m_cancel->setEnabled(false);
    updateSummary();
    emit failed(m_error);
}

void DiffView::updateSummary()
{
    const DiffSummary& s = m_summaryData;
    QStringList parts;
    for (int i = 0; i < kDiffStatusCount; ++i) {
        const auto status = static_cast<DiffStatus>(i);
        if (s.count(status) == 0)
            continue;
        const QColor hue = DiffTableModel::statusHue(status, false);
        const QString name = QString::fromLatin1(diffStatusName(status));
        parts.append(hue.isValid() ? QStringLiteral("<span style=\"color:%1\">\u25a0</span> %2 %3")
                                         .arg(hue.name(), format::count(s.count(status)), name)
                                   : QStringLiteral("%1 %2").arg(format::count(s.count(status)), name));
    }
    QString text = QStringLiteral("<b>%1</b>").arg(format::counted(s.pairs, u"pair", u"pairs"));
    if (!parts.isEmpty())
        text += QStringLiteral(": ") + parts.join(QStringLiteral(" \u00b7 "));
    // The status counts say what changed in kind; this says what changed in value. They used to read as two
    // clashing counts of "changed tensors" (75 dtype_changed, "in 58 changed tensors") when some pairs change
    // dtype but keep every value within tolerance: say how many pairs are not equal, and which dtype changes are.
    const uint64_t notEqual = s.pairs - s.withinTolerance;
    text += tr(" \u2014 %1 not equal within tolerance (%2), %3 of %4 parameters beyond tolerance")
                .arg(format::counted(notEqual, u"pair", u"pairs"),
                     format::counted(s.parametersInChangedTensors, u"parameter", u"parameters"),
                     format::count(s.parametersChanged), format::count(s.parametersA));
    if (m_diff && s.count(DiffStatus::DTypeChanged) > 0) {
        uint64_t castOnly = 0;
        for (const TensorDiff& t : m_diff->tensors)
            castOnly += t.status == DiffStatus::DTypeChanged && t.withinTolerance() ? 1 : 0;
        if (castOnly > 0)
            text += tr("; %1 of the %2 dtype changes keep every value within tolerance")
                        .arg(format::count(castOnly), format::count(s.count(DiffStatus::DTypeChanged)));
    }
    if (m_diff) {
        const MetadataDiff& md = m_diff->metadata;
        text += md.empty() ? tr(" \u2014 metadata unchanged")
                           : tr(" \u2014 metadata: %1 added, %2 removed, %3 changed")
                                 .arg(md.added.size())
                                 .arg(md.removed.size())
                                 .arg(md.changed.size());
        text += m_diff->equal() ? tr(" \u2014 <b>equal within tolerance</b>") : tr(" \u2014 <b>different</b>");
        if (m_remoteCost)
            text +=
                tr("<br>Remote: %1 identical by published SHA-256 (no data fetched), %2 of tensor data fetched")
                    .arg(format::counted(m_remoteCost->first, u"pair", u"pairs"), format::bytes(m_remoteCost->second));
    } else if (m_error.isEmpty()) {
        text += tr(" \u2014 comparing\u2026");
    }
    if (!m_error.isEmpty())
        text += QStringLiteral("<br><b>") + m_error.toHtmlEscaped() + QStringLiteral("</b>");
    m_summary->setText(text);
    emit statusChanged();
}

QString DiffView::statusText() const
{
    const DiffSummary& s = m_summaryData;
    // Words rather than the report's identifiers: this is read at a glance, at the bottom of the window.
    static const char* const words[kDiffStatusCount] = {QT_TR_NOOP("only in A"),     QT_TR_NOOP("only in B"),
                                                        QT_TR_NOOP("shape changed"), QT_TR_NOOP("dtype changed"),
                                                        QT_TR_NOOP("identical"),     QT_TR_NOOP("differ")};
    QStringList parts{tr("%1 pairs").arg(format::count(s.pairs))};
    for (const DiffStatus status : {DiffStatus::ValuesDiffer, DiffStatus::DTypeChanged, DiffStatus::ShapeChanged,
                                    DiffStatus::OnlyInA, DiffStatus::OnlyInB, DiffStatus::Identical}) {
        if (s.count(status) > 0)
            parts.append(format::count(s.count(status)) + QLatin1Char(' ') + tr(words[static_cast<int>(status)]));
    }
    QString text = tr("A vs B: %1").arg(parts.join(QStringLiteral(", ")));
    if (!m_error.isEmpty())
        text += QStringLiteral(" \u2014 ") + m_error;
    else if (!m_diff)
        text += tr(" \u2014 comparing\u2026");
    if (const auto pair = selectedPair()) {
        const int row = m_model->rowOfPair(*pair);
        if (row >= 0)
            text +=
                tr(" \u00b7 selected: %1").arg(QString::fromStdString(m_model->rows()[static_cast<size_t>(row)].name));
    }
    return text;
}

void DiffView::updateHeatmap()
{
    const auto metric = static_cast<DiffHeatMetric>(m_metric->currentData().toInt());
    m_logScale->setEnabled(metric != DiffHeatMetric::Sqnr); // decibels are a log scale already
    m_heatNote->setText(
        metric == DiffHeatMetric::Sqnr
            ? tr("Blank: missing, not compared or identical (no error). Click a cell to select its pair.")
            : tr("Blank: missing or not compared. Click a cell to select its pair."));
    m_heatmap->setGrid(DiffLayerGrid::build(m_model->rows(), metric), m_metric->currentText());
}

bool DiffView::selectPair(size_t pair)
{
    const int row = m_model->rowOfPair(pair);
    if (row < 0)
        return false;
    QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid()) {
        m_filter->clear();
        m_status->setCurrentIndex(0);
        index = m_proxy->mapFromSource(m_model->index(row, 0));
    }
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index);
    return true;
}

std::optional<size_t> DiffView::selectedPair() const
{
    const QModelIndex current = m_table->currentIndex();
    if (!current.isValid())
        return std::nullopt;
    return static_cast<size_t>(current.data(DiffTableModel::PairRole).toULongLong());
}

void DiffView::onCurrentRowChanged()
{
    const auto pair = selectedPair();
    const int row = pair ? m_model->rowOfPair(*pair) : -1;
    if (row < 0)
        m_pairPanel->clear();
    else
        m_pairPanel->showPair(m_model->rows()[static_cast<size_t>(row)]);
    emit statusChanged();
}

void DiffView::showPage(const QString& name)
{
    if (name.compare(QLatin1String("slice"), Qt::CaseInsensitive) == 0) {
        m_pairPanel->showSlice(true);
        // A heatmap and three tables need more height than two histograms: split evenly.
        const int total = m_splitter->sizes().value(0) + m_splitter->sizes().value(1);
        if (total > 0)
            m_splitter->setSizes({total * 2 / 5, total - total * 2 / 5});
        else
            m_splitter->setStretchFactor(1, 3);
        return;
    }
    const QStringList names{QStringLiteral("tensors"), QStringLiteral("heatmap"), QStringLiteral("metadata")};
    if (names.contains(name.toLower()))
        m_pages->setCurrentIndex(static_cast<int>(names.indexOf(name.toLower())));
}

Status DiffView::exportReport(const QString& path) const
{
    if (!m_diff)
        return makeError(ErrorKind::InvalidArgument, tr("The comparison has not finished."), path);
    const DiffReport report{*m_diff, m_tolerance, m_pathA, m_pathB};
    return report.save(path, DiffReport::formatFor(path));
}

void DiffView::exportDialog()
{
    // A remote side is named by its URL's last part, never through QFileInfo.
    const auto baseName = [](const QString& path) {
        return isRemoteLocation(path) ? QUrl(path).fileName().section(u'.', 0, 0) : QFileInfo(path).completeBaseName();
    };
    const QString suggested = baseName(m_pathA) + QStringLiteral("-vs-") + baseName(m_pathB) + QStringLiteral(".json");
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Diff Report"), suggested,
                                                      tr("JSON report (*.json);;CSV table (*.csv);;Markdown (*.md)"));
    if (path.isEmpty())
        return;
    const Status status = exportReport(path);
    if (!status)
        QMessageBox::warning(this, tr("Export Failed"), status.error().describe());
}

} // namespace safescope
