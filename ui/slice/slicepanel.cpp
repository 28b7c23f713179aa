#include "ui/slice/slicepanel.h"

#include "core/remote/tensorbytes.h"
#include "core/text/format.h"
#include "core/text/textutil.h"
#include "ui/models/slicecsv.h"
#include "ui/models/slicetablemodel.h"
#include "ui/models/valuesource.h"
#include "ui/slice/slicecontrols.h"
#include "ui/slice/slicewindowbar.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollBar>
#include <QStandardPaths>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>

namespace safescope {

SlicePanel::SlicePanel(QWidget* parent)
    : QWidget(parent), m_controls(new SliceControls), m_format(new QComboBox),
      m_export(new QPushButton(tr("Export CSV\u2026"))), m_status(new QLabel), m_exportStatus(new QLabel),
      m_exportProgress(new QProgressBar), m_cancelExport(new QPushButton(tr("Cancel"))),
      m_windowBar(new SliceWindowBar), m_table(new QTableView), m_model(new SliceTableModel(this))
{
    m_format->addItems({tr("Decimal"), tr("Scientific"), tr("Raw bits (hex)")});
    m_format->setToolTip(tr("Values show the digits their dtype holds (no more) and read back exactly; Decimal "
                            "switches to an exponent where plain digits would hide a value"));
    m_format->setObjectName(QStringLiteral("numberFormat"));
    m_export->setToolTip(tr("Save every value of this slice as CSV, at full precision"));
    m_status->setForegroundRole(QPalette::PlaceholderText);
    m_status->setWordWrap(true);
    m_exportStatus->setObjectName(QStringLiteral("exportStatus"));
    m_exportStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_exportProgress->setRange(0, 1000);
    m_exportProgress->setTextVisible(false);
    m_exportProgress->setMaximumWidth(160);
    m_exportProgress->setVisible(false);
    m_cancelExport->setToolTip(tr("Stop the export; no file is written"));
    m_cancelExport->setVisible(false);

    m_table->setObjectName(QStringLiteral("sliceTable"));
    m_table->setModel(m_model);
    // Fixed section sizes: measuring contents would decode every row of a huge slice.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setDefaultSectionSize(
        fontMetrics().horizontalAdvance(QStringLiteral("-0.0000000e+00")) + 12);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setWordWrap(false);

    auto* copy = new QAction(tr("Copy as TSV"), m_table);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_table->addAction(copy);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(copy, &QAction::triggered, this, &SlicePanel::copySelection);

    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Format:")));
    row->addWidget(m_format);
    row->addWidget(m_export);
    row->addWidget(m_status, 1);
    row->addWidget(m_exportStatus);
    row->addWidget(m_exportProgress);
    row->addWidget(m_cancelExport);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_controls);
    layout->addLayout(row);
    layout->addWidget(m_windowBar);
    layout->addWidget(m_table, 1);

    connect(m_controls, &SliceControls::specChanged, this, &SlicePanel::onSpecPicked);
    connect(m_windowBar, &SliceWindowBar::firstIndexRequested, this, &SlicePanel::showFrom);
    // Every change of the window (another tensor or slice, the bar, a jump to a cell) resets the model.
    connect(m_model, &QAbstractItemModel::modelReset, this, &SlicePanel::updateWindowBar);
    connect(m_model, &SliceTableModel::fetchStateChanged, this, &SlicePanel::updateStatus);
    connect(m_format, &QComboBox::currentIndexChanged, this,
            [this](int format) { m_model->setNumberFormat(static_cast<NumberFormat>(format)); });
    connect(m_export, &QPushButton::clicked, this, &SlicePanel::exportWithDialog);
    connect(m_cancelExport, &QPushButton::clicked, this, &SlicePanel::cancelExport);
    connect(&m_exportJob, &QFutureWatcherBase::progressValueChanged, m_exportProgress, &QProgressBar::setValue);
    connect(&m_exportJob, &QFutureWatcherBase::finished, this, &SlicePanel::onExportDone);
}

SlicePanel::~SlicePanel()
{
    // The worker owns everything it touches, but a half-written export of a closed window helps nobody.
    cancelExport();
    m_exportJob.waitForFinished();
}

void SlicePanel::setModel(std::shared_ptr<const Model> model, std::shared_ptr<const QuantCatalog> quant)
{
    m_document = std::move(model);
    m_quant = std::move(quant);
    clearTensor();
}

void SlicePanel::clearTensor()
{
    m_tensor.reset();
    m_model->setTensor(nullptr, 0);
    m_controls->setShape({}, {});
    updateStatus();
}

void SlicePanel::showTensor(size_t index)
{
    if (!m_document || m_tensor == index)
        return;
    m_tensor = index;
    m_model->setTensor(m_document, index, m_quant);
    m_controls->setShape(valueShape(*m_document, m_quant.get(), index), m_model->spec());
    updateStatus();
}

void SlicePanel::setSpec(const SliceSpec& spec)
{
    if (m_model->setSpec(spec))
        m_controls->setSpec(spec);
    updateStatus();
}

void SlicePanel::onSpecPicked(const SliceSpec& spec)
{
    m_model->setSpec(spec);
    updateStatus();
    emit specChanged(spec);
}

void SlicePanel::updateStatus()
{
    // Every row and column can be reached through the window bar, so only errors (and a remote tensor's fetches)
    // need saying here.
    QString status = m_model->error();
    if (status.isEmpty() && m_model->isRemote())
        status =
            m_model->isFetching()
                ? tr("Fetching the values in view\u2026")
                : tr("Remote tensor: fetched %1 for the values in view").arg(format::bytes(m_model->bytesFetched()));
    m_status->setText(status);
    m_export->setEnabled(m_tensor.has_value() && m_model->rowCount() > 0 && !isExporting());
}

void SlicePanel::updateWindowBar()
{
    const SliceAddressing& a = m_model->addressing();
    // An empty table (no tensor, an error, an axis of length 0) has no window to move.
    const bool shown = m_model->rowCount() > 0 && m_model->columnCount() > 0;
    m_windowBar->setWindow(shown ? a.rows : 0, shown ? a.cols : 0, m_model->rowOrigin(), m_model->colOrigin());
}

void SlicePanel::showFrom(Qt::Orientation orientation, uint64_t index)
{
    const bool rows = orientation == Qt::Vertical;
    const int keptRow = std::max(m_table->rowAt(0), 0);
    const int keptCol = std::max(m_table->columnAt(0), 0);
    const uint64_t row = rows ? index : m_model->rowOrigin() + static_cast<uint64_t>(keptRow);
    const uint64_t col = rows ? m_model->colOrigin() + static_cast<uint64_t>(keptCol) : index;
    m_model->setOrigin(rows ? index : m_model->rowOrigin(), rows ? m_model->colOrigin() : index);
    // Near the end the window stops short of `index` to stay full: the asked-for row (column) may not be the
    // window's first, so it is scrolled to the top (left) and made current, like a jump from the heatmap.
    const QModelIndex cell =
        m_model->index(static_cast<int>(row - m_model->rowOrigin()), static_cast<int>(col - m_model->colOrigin()));
    if (!cell.isValid())
        return;
    m_table->setCurrentIndex(cell);
    m_table->scrollTo(cell, QAbstractItemView::PositionAtTop);
    // PositionAtTop aligns rows only: a column right of the viewport would end up at its right edge.
    if (!rows)
        m_table->horizontalScrollBar()->setValue(m_table->horizontalScrollMode() == QAbstractItemView::ScrollPerItem
                                                     ? cell.column()
                                                     : m_table->horizontalHeader()->sectionPosition(cell.column()));
}

void SlicePanel::jumpTo(uint64_t row, uint64_t col)
{
    const QModelIndex index = m_model->revealCell(row, col); // moves the window over a very long axis
    if (!index.isValid())
        return;
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index, QAbstractItemView::PositionAtCenter);
    m_table->setFocus();
}

bool SlicePanel::jumpToElement(uint64_t element)
{
    if (!m_tensor || !m_document)
        return false;
    const std::span<const uint64_t> shape = valueShape(*m_document, m_quant.get(), *m_tensor);
    uint64_t elements = 1;
    for (uint64_t dim : shape)
        elements *= dim;
    if (element >= elements)
        return false;
    // Row-major coordinates, last axis fastest.
    std::vector<uint64_t> at(shape.size());
    for (size_t d = shape.size(); d-- > 0;) {
        at[d] = element % shape[d];
        element /= shape[d];
    }
    SliceSpec spec = defaultSliceSpec(shape);
    for (size_t d = 0; d < spec.index.size() && d < at.size(); ++d)
        spec.index[d] = at[d];
    if (m_model->setSpec(spec))
        m_controls->setSpec(spec);
    updateStatus();
    emit specChanged(spec); // the heatmap shows the same slice
    jumpTo(spec.rowDim >= 0 ? at[static_cast<size_t>(spec.rowDim)] : 0,
           spec.colDim >= 0 ? at[static_cast<size_t>(spec.colDim)] : 0);
    return true;
}

QString SlicePanel::copySelection()
{
    const QItemSelection selection = m_table->selectionModel()->selection();
    const QString text = m_model->tsv(selection);
    if (text.isEmpty()) {
        if (!selection.isEmpty())
            m_status->setText(tr("The selection is too large to copy (at most %1 values); export CSV instead.")
                                  .arg(format::count(SliceTableModel::kMaxCopyCells)));
        return {};
    }
    QGuiApplication::clipboard()->setText(text);
    return text;
}

QString SlicePanel::exportCsv(const QString& path)
{
    if (isExporting())
        return tr("An export is already running.");
    if (!m_tensor || !m_document || m_model->rowCount() == 0)
        return tr("There is no slice to export.");
    // Everything the worker needs is copied: the table may show another tensor or document before it ends, and
    // the Model keeps the mapped bytes of `view` (and the dequantizer's parts) alive. A quantized weight shown
    // dequantized is exported as the values it means, as the table shows them.
    std::shared_ptr<const Model> owner = m_document;
    std::shared_ptr<const Dequantizer> dequantizer = m_model->dequantizer();
    const bool remote = m_model->isRemote();
    const TensorView view = m_model->view();
    if (view.data == nullptr && !dequantizer && !remote)
        return tr("There is no slice to export.");
    const SliceSpec spec = m_model->spec();
    const size_t tensor = *m_tensor;
    const uint64_t rows = m_model->addressing().rows;
    const uint64_t cols = m_model->addressing().cols;
    auto cancel = std::make_shared<std::atomic_bool>(false);
    m_exportCancel = cancel;
    m_exportPath = path;
    m_exportJob.setFuture(QtConcurrent::run([owner, dequantizer, view, spec, path, cancel, remote, tensor, rows,
                                             cols](QPromise<std::optional<QString>>& promise) {
        promise.setProgressRange(0, 1000);
        // A remote tensor: the bytes the whole slice reads are fetched first (several ranges in flight), the first
        // half of the bar, then written from the fetched view exactly as a local slice is, the second half.
        const double writeStart = remote ? 0.5 : 0.0;
        const auto reportSpan = [&promise](double start, double span) {
            return [&promise, start, span](double fraction) {
                promise.setProgressValue(static_cast<int>((start + fraction * span) * 1000));
            };
        };
        TensorBytes fetched;
        if (remote) {
            auto bytes =
                TensorBytes::window(*owner, tensor, spec, 0, rows, 0, cols, cancel.get(), reportSpan(0.0, writeStart));
            if (!bytes) {
                if (bytes.error().kind == ErrorKind::Cancelled)
                    promise.addResult(std::nullopt);
                else
                    promise.addResult(bytes.error().message);
                return;
            }
            fetched = std::move(*bytes);
        }
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly)) {
            promise.addResult(file.errorString());
            return;
        }
        const ProgressFn report = reportSpan(writeStart, 1.0 - writeStart);
        Status ok = dequantizer ? writeSliceCsv(file, *dequantizer, spec, *cancel, report)
                                : writeSliceCsv(file, remote ? fetched.view() : view, spec, *cancel, report);
        if (ok && cancel->load())
            ok = makeError(ErrorKind::Cancelled, QStringLiteral("export cancelled")); // after the last band
        if (!ok) {
            file.cancelWriting(); // the temporary file goes, the final name is never touched
            if (ok.error().kind == ErrorKind::Cancelled)
                promise.addResult(std::nullopt);
            else
                promise.addResult(ok.error().message);
            return;
        }
        promise.addResult(file.commit() ? QString() : file.errorString());
    }));
    m_exportStatus->setText((remote ? tr("Fetching the slice and writing %1\u2026") : tr("Writing %1\u2026"))
                                .arg(QFileInfo(path).fileName()));
    m_exportProgress->setValue(0);
    m_exportProgress->setVisible(true);
    m_cancelExport->setVisible(true);
    m_cancelExport->setEnabled(true);
    updateStatus();
    return {};
}

void SlicePanel::cancelExport()
{
    if (!isExporting())
        return;
    m_exportCancel->store(true);
    m_cancelExport->setEnabled(false);
    m_exportStatus->setText(tr("Cancelling\u2026"));
}

QString SlicePanel::exportStatus() const
{
    return m_exportStatus->text();
}

void SlicePanel::onExportDone()
{
    const std::optional<QString> outcome =
        m_exportJob.future().resultCount() > 0 ? m_exportJob.result() : std::optional<QString>(std::nullopt);
    m_exportCancel.reset();
    m_exportProgress->setVisible(false);
    m_cancelExport->setVisible(false);
    const QString name = QDir::toNativeSeparators(m_exportPath);
    if (!outcome)
        m_exportStatus->setText(tr("Export cancelled; nothing was written to %1.").arg(name));
    else if (outcome->isEmpty())
        m_exportStatus->setText(tr("Saved %1.").arg(name));
    else
        m_exportStatus->setText(tr("Could not export to %1: %2").arg(name, *outcome));
    updateStatus();
    emit exportFinished(m_exportPath, outcome.value_or(QString()), !outcome);
}

void SlicePanel::exportWithDialog()
{
    if (!m_tensor || !m_document)
        return;
    const LogicalTensor* logical = logicalTensorOf(*m_document, m_quant.get(), *m_tensor);
    const QString name =
        (logical ? QString::fromStdString(logical->name) : toQString(m_document->qualifiedName(*m_tensor)))
            .replace(u'/', u'_');
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export Slice"), QDir(dir).filePath(name + QStringLiteral(".csv")), tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    if (const QString error = exportCsv(path); !error.isEmpty())
        QMessageBox::warning(this, tr("Export Slice"), error);
}

} // namespace safescope
