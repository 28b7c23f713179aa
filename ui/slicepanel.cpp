#include "ui/slicepanel.h"

#include "ui/models/format.h"
#include "ui/models/slicecsv.h"
#include "ui/models/slicetablemodel.h"
#include "ui/slicecontrols.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTableView>
#include <QVBoxLayout>

#include <climits>

namespace safescope {

SlicePanel::SlicePanel(QWidget* parent)
    : QWidget(parent), m_controls(new SliceControls), m_format(new QComboBox),
      m_export(new QPushButton(tr("Export CSV\u2026"))), m_status(new QLabel), m_table(new QTableView),
      m_model(new SliceTableModel(this))
{
    m_format->addItems({tr("Fixed"), tr("Scientific"), tr("Raw bits (hex)")});
    m_format->setObjectName(QStringLiteral("numberFormat"));
    m_export->setToolTip(tr("Save every value of this slice as CSV, at full precision"));
    m_status->setForegroundRole(QPalette::PlaceholderText);
    m_status->setWordWrap(true);

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
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_controls);
    layout->addLayout(row);
    layout->addWidget(m_table, 1);

    connect(m_controls, &SliceControls::specChanged, this, &SlicePanel::onSpecPicked);
    connect(m_format, &QComboBox::currentIndexChanged, this,
            [this](int format) { m_model->setNumberFormat(static_cast<NumberFormat>(format)); });
    connect(m_export, &QPushButton::clicked, this, &SlicePanel::exportWithDialog);
}

SlicePanel::~SlicePanel() = default;

void SlicePanel::setModel(std::shared_ptr<const Model> model)
{
    m_document = std::move(model);
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
    m_model->setTensor(m_document, index);
    m_controls->setShape(m_document->tensor(index).shape, m_model->spec());
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
    QString text = m_model->error();
    const SliceAddressing& a = m_model->addressing();
    if (text.isEmpty() && (a.rows > INT_MAX || a.cols > INT_MAX))
        text = tr("Only the first %1 rows and columns can be shown in a table.").arg(format::count(INT_MAX));
    m_status->setText(text);
    m_export->setEnabled(m_tensor.has_value() && m_model->rowCount() > 0);
}

void SlicePanel::jumpTo(uint64_t row, uint64_t col)
{
    if (row >= static_cast<uint64_t>(m_model->rowCount()) || col >= static_cast<uint64_t>(m_model->columnCount()))
        return;
    const QModelIndex index = m_model->index(static_cast<int>(row), static_cast<int>(col));
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index, QAbstractItemView::PositionAtCenter);
    m_table->setFocus();
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

QString SlicePanel::exportCsv(const QString& path, QProgressDialog* progress)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return file.errorString();
    std::atomic_bool cancel{false};
    const ProgressFn report = [&](double fraction) {
        if (!progress)
            return;
        progress->setValue(static_cast<int>(fraction * 1000));
        if (progress->wasCanceled())
            cancel.store(true);
    };
    if (Status ok = writeSliceCsv(file, m_model->view(), m_model->spec(), cancel, report); !ok) {
        file.cancelWriting();
        return ok.error().kind == ErrorKind::Cancelled ? QString() : ok.error().message;
    }
    return file.commit() ? QString() : file.errorString();
}

void SlicePanel::exportWithDialog()
{
    if (!m_tensor || !m_document)
        return;
    const QString name = QString::fromStdString(m_document->qualifiedName(*m_tensor)).replace(u'/', u'_');
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export Slice"), QDir(dir).filePath(name + QStringLiteral(".csv")), tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    // Large slices take a while; the window-modal dialog keeps the window painted and lets the user stop.
    QProgressDialog progress(tr("Writing %1\u2026").arg(QDir::toNativeSeparators(path)), tr("Cancel"), 0, 1000, this);
    progress.setWindowModality(Qt::WindowModal);
    progress.setMinimumDuration(300);
    if (const QString error = exportCsv(path, &progress); !error.isEmpty())
        QMessageBox::warning(this, tr("Export Slice"), error);
}

} // namespace safescope
