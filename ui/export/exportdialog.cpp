#include "ui/export/exportdialog.h"

#include "core/export/exporter.h"
#include "core/export/renamerule.h"
#include "core/export/tensorselection.h"
#include "core/format/dtype.h"
#include "core/format/model.h"
#include "core/text/format.h"
#include "core/text/textutil.h"
#include "ui/export/exportchoices.h"
#include "ui/models/tensorcheckmodel.h"
#include "ui/models/tensorfilter.h"
#include "ui/models/tensortree.h"
#include "ui/models/tensortreemodel.h"
#include "ui/window/latesttask.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QTableWidget>
#include <QTreeView>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace safescope {

namespace {

// Renaming thousands of tensors per keystroke is cheap; the table shows at most this many rows.
constexpr int kPreviewRows = 2000;

} // namespace

ExportDialog::ExportDialog(std::shared_ptr<const Model> model, const QString& filter, QWidget* parent)
    : ExportDialog(TensorTree::build(std::move(model)), filter, parent)
{}

ExportDialog::ExportDialog(std::shared_ptr<const TensorTree> tree, const QString& filter, QWidget* parent)
    : QDialog(parent), m_model(tree->modelPointer()), m_filter(filter), m_all(new QRadioButton(tr("&All tensors"))),
      m_byFilter(new QRadioButton(filter.trimmed().isEmpty()
                                      ? tr("Tensors matching the browser's &filter (no filter is set)")
                                      : tr("Tensors matching the browser's &filter (\u201c%1\u201d)").arg(filter))),
      m_byTicks(new QRadioButton), m_treeModel(new TensorTreeModel(this)), m_checks(new TensorCheckModel(this)),
      m_tree(new QTreeView), m_include(new QLineEdit), m_exclude(new QLineEdit), m_renames(new QPlainTextEdit),
      m_dtype(new QComboBox), m_impact(new QLabel), m_impactButton(new QPushButton(tr("Preview &Impact"))),
      m_metadata(new QComboBox), m_sharded(new QCheckBox(tr("&Sharded, at most"))),
      m_shardSize(new QLineEdit(QStringLiteral("5GB"))), m_output(new QLineEdit), m_preview(new QTableWidget),
      m_planMessage(new QLabel), m_progress(new QProgressBar), m_exportButton(new QPushButton(tr("&Export"))),
      m_cancelButton(new QPushButton(tr("Cancel"))), m_impactTask(new LatestTask(this))
{
    setWindowTitle(tr("Export Tensors"));
    m_all->setChecked(true);
    m_byFilter->setEnabled(!filter.trimmed().isEmpty());
    m_include->setPlaceholderText(tr("regular expression, e.g. ^model\\.layers\\.(0|1)\\."));
    m_exclude->setPlaceholderText(tr("regular expression, e.g. lora_"));
    m_renames->setPlaceholderText(tr("One rule a line: s/REGEX/REPLACEMENT/, strip:PREFIX or add:PREFIX"));
    m_renames->setMaximumHeight(80);
    m_dtype->addItem(tr("Keep"), QString());
    for (const char* name : {"F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"})
        m_dtype->addItem(QString::fromLatin1(name), QString::fromLatin1(name));
    m_impact->setWordWrap(true);
    m_metadata->addItem(tr("Keep"));
    m_metadata->addItem(tr("Drop"));
    m_shardSize->setEnabled(false);
    m_output->setObjectName(QStringLiteral("exportOutput"));
    m_preview->setColumnCount(4);
    m_preview->setHorizontalHeaderLabels({tr("Tensor"), tr("New name"), tr("DType"), tr("Size")});
    m_preview->verticalHeader()->hide();
    m_preview->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // One line per tensor: long names are elided rather than wrapped into rows of different heights.
    m_preview->setWordWrap(false);
    m_preview->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_preview->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_preview->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_preview->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_preview->horizontalHeader()->setSectionResizeMode(3, QHeaderView::ResizeToContents);
    m_planMessage->setWordWrap(true);
    m_progress->setVisible(false);
    m_cancelButton->setEnabled(false);

    m_treeModel->setTree(std::move(tree));
    m_checks->setSourceModel(m_treeModel);
    m_tree->setObjectName(QStringLiteral("exportTickTree"));
    m_tree->setModel(m_checks);
    m_tree->setUniformRowHeights(true);
    for (const int column :
         {TensorTreeModel::ShapeColumn, TensorTreeModel::ParametersColumn, TensorTreeModel::OffsetColumn})
        m_tree->setColumnHidden(column, true);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(TensorTreeModel::NameColumn, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(TensorTreeModel::DTypeColumn, QHeaderView::ResizeToContents);
    m_tree->header()->setSectionResizeMode(TensorTreeModel::SizeColumn, QHeaderView::ResizeToContents);
    // Small models open fully; big ones show their top groups, which is where ticking a whole block happens.
    if (m_model->tensorCount() <= 200)
        m_tree->expandAll();
    else
        m_tree->expandToDepth(0);
    updateTickLabel();

    buildLayout();
    resize(1120, 820);

    for (QLineEdit* edit : {m_include, m_exclude, m_shardSize, m_output})
        connect(edit, &QLineEdit::textChanged, this, &ExportDialog::updatePlan);
    for (QLineEdit* edit : {m_include, m_exclude})
        connect(edit, &QLineEdit::textChanged, this, &ExportDialog::updateTickLabel);
    connect(m_renames, &QPlainTextEdit::textChanged, this, &ExportDialog::updatePlan);
    for (QRadioButton* choice : {m_all, m_byFilter, m_byTicks}) {
        connect(choice, &QRadioButton::toggled, this, [this](bool on) {
            if (on)
                updatePlan();
        });
    }
    connect(m_checks, &TensorCheckModel::checkedChanged, this, [this] {
        updateTickLabel();
        // Ticking is a choice of tensors in itself; making the user also pick the option would be a trap.
        if (m_byTicks->isChecked())
            updatePlan();
        else
            m_byTicks->setChecked(true);
    });
    connect(m_dtype, &QComboBox::currentIndexChanged, this, [this] {
        m_impact->clear();
        updatePlan();
    });
    connect(m_metadata, &QComboBox::currentIndexChanged, this, &ExportDialog::updatePlan);
    connect(m_sharded, &QCheckBox::toggled, m_shardSize, &QLineEdit::setEnabled);
    connect(m_sharded, &QCheckBox::toggled, this, &ExportDialog::updatePlan);
    connect(m_impactButton, &QPushButton::clicked, this, &ExportDialog::previewImpact);
    connect(m_exportButton, &QPushButton::clicked, this, &ExportDialog::startExport);
    connect(m_cancelButton, &QPushButton::clicked, this, &ExportDialog::cancelExport);
    updatePlan();
}

void ExportDialog::buildLayout()
{
    auto* tickAll = new QPushButton(tr("Tick A&ll"));
    auto* untickAll = new QPushButton(tr("&Untick All"));
    auto* tickFilter = new QPushButton(tr("Tick &Filter Matches"));
    tickFilter->setEnabled(m_byFilter->isEnabled());
    tickFilter->setToolTip(tr("Ticks exactly the tensors the browser's filter shows"));
    connect(tickAll, &QPushButton::clicked, this, [this] { m_checks->setAllChecked(true); });
    connect(untickAll, &QPushButton::clicked, this, [this] { m_checks->setAllChecked(false); });
    connect(tickFilter, &QPushButton::clicked, this, &ExportDialog::tickFilterMatches);
    auto* tickButtons = new QHBoxLayout;
    tickButtons->addWidget(tickAll);
    tickButtons->addWidget(untickAll);
    tickButtons->addWidget(tickFilter);
    tickButtons->addStretch(1);
    auto* treeColumn = new QVBoxLayout;
    treeColumn->setContentsMargins(0, 0, 0, 0);
    treeColumn->addWidget(m_tree, 1);
    treeColumn->addLayout(tickButtons);

    auto* hint = new QLabel(tr("Ticking a box in the tree selects the ticked tensors; a group ticks everything "
                               "below it. Include and exclude narrow whichever choice is made above."));
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    auto* rules = new QFormLayout;
    rules->addRow(m_all);
    rules->addRow(m_byFilter);
    rules->addRow(m_byTicks);
    rules->addRow(hint);
    rules->addRow(tr("&Include:"), m_include);
    rules->addRow(tr("E&xclude:"), m_exclude);
    rules->addRow(tr("&Rename:"), m_renames);

    auto* selection = new QGroupBox(tr("Tensors"));
    auto* selectionLayout = new QHBoxLayout(selection);
    selectionLayout->addLayout(treeColumn, 1);
    // The tree sets the group's height; the choices keep their natural spacing at the top.
    auto* rulesColumn = new QVBoxLayout;
    rulesColumn->addLayout(rules);
    rulesColumn->addStretch(1);
    selectionLayout->addLayout(rulesColumn, 1);

    auto* output = new QGroupBox(tr("Output"));
    auto* outputLayout = new QFormLayout(output);
    auto* dtypeRow = new QHBoxLayout;
    dtypeRow->addWidget(m_dtype);
    dtypeRow->addWidget(m_impactButton);
    dtypeRow->addWidget(m_impact, 1);
    const auto label = [](const QString& text, QWidget* buddy) {
        auto* l = new QLabel(text);
        l->setBuddy(buddy);
        return l;
    };
    outputLayout->addRow(label(tr("&Convert to:"), m_dtype), dtypeRow);
    outputLayout->addRow(tr("&Metadata:"), m_metadata);
    auto* shardRow = new QHBoxLayout;
    shardRow->addWidget(m_sharded);
    shardRow->addWidget(m_shardSize);
    shardRow->addStretch(1);
    outputLayout->addRow(tr("Files:"), shardRow);
    auto* pathRow = new QHBoxLayout;
    auto* browseButton = new QPushButton(tr("&Browse\u2026"));
    pathRow->addWidget(m_output, 1);
    pathRow->addWidget(browseButton);
    outputLayout->addRow(label(tr("&Save to:"), m_output), pathRow);

    auto* buttons = new QDialogButtonBox;
    buttons->addButton(m_exportButton, QDialogButtonBox::AcceptRole);
    buttons->addButton(m_cancelButton, QDialogButtonBox::ActionRole);
    buttons->addButton(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    connect(browseButton, &QPushButton::clicked, this, &ExportDialog::browse);

    // The tensors and the preview share the height: both grow with the dialog.
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(selection, 3);
    layout->addWidget(output);
    layout->addWidget(m_preview, 2);
    layout->addWidget(m_planMessage);
    layout->addWidget(m_progress);
    layout->addWidget(buttons);
}

void ExportDialog::updateTickLabel()
{
    // Include and Exclude narrow every choice: the tree greys what they leave out, and the count says what remains.
    SelectionRules rules;
    if (!m_include->text().isEmpty())
        rules.include.append(m_include->text());
    if (!m_exclude->text().isEmpty())
        rules.exclude.append(m_exclude->text());
    std::vector<char> leftOut;
    size_t kept = m_checks->checkedCount();
    if (!rules.include.isEmpty() || !rules.exclude.isEmpty()) {
        if (const auto selected = selectTensors(*m_model, rules)) {
            leftOut.assign(m_model->tensorCount(), 1);
            for (const size_t i : *selected)
                leftOut[i] = 0;
            kept = 0;
            for (const size_t i : m_checks->checkedTensors())
                kept += leftOut[i] == 0 ? 1 : 0;
        }
    }
    const bool narrowed = !leftOut.empty();
    m_checks->setLeftOut(std::move(leftOut));
    const QString ticked =
        tr("%1 of %2").arg(format::count(m_checks->checkedCount()), format::count(m_checks->tensorCount()));
    m_byTicks->setText(narrowed
                           ? tr("&Ticked in the tree (%1; %2 after Include/Exclude)").arg(ticked, format::count(kept))
                           : tr("&Ticked in the tree (%1)").arg(ticked));
}

void ExportDialog::tickFilterMatches()
{
    const TensorFilter filter = TensorFilter::parse(m_filter);
    std::vector<size_t> matching;
    for (size_t i = 0; i < m_model->tensorCount(); ++i) {
        if (filter.matches(m_model->tensor(i), m_model->qualifiedName(i)))
            matching.push_back(i);
    }
    m_checks->setCheckedTensors(matching);
}

ExportDialog::~ExportDialog()
{
    if (m_cancel)
        m_cancel->store(true);
}

void ExportDialog::setIncludePattern(const QString& pattern)
{
    m_include->setText(pattern);
}
void ExportDialog::setExcludePattern(const QString& pattern)
{
    m_exclude->setText(pattern);
}
void ExportDialog::setUseFilter(bool on)
{
    (on ? m_byFilter : m_all)->setChecked(true);
}
void ExportDialog::setUseTicks(bool on)
{
    (on ? m_byTicks : m_all)->setChecked(true);
}
bool ExportDialog::usesTicks() const
{
    return m_byTicks->isChecked();
}
void ExportDialog::setRenameRules(const QString& rules)
{
    m_renames->setPlainText(rules);
}
void ExportDialog::setDropMetadata(bool drop)
{
    m_metadata->setCurrentIndex(drop ? 1 : 0);
}
void ExportDialog::setOutputPath(const QString& path)
{
    m_output->setText(path);
}

void ExportDialog::setTargetDtype(const QString& name)
{
    m_dtype->setCurrentIndex(std::max(0, m_dtype->findData(name)));
}

void ExportDialog::setMaxShardSize(const QString& size)
{
    m_sharded->setChecked(!size.isEmpty());
    if (!size.isEmpty())
        m_shardSize->setText(size);
}

Result<ExportOptions> ExportDialog::options() const
{
    ExportChoices choices;
    choices.tensors = m_byFilter->isChecked()  ? ExportChoices::Tensors::MatchingFilter
                      : m_byTicks->isChecked() ? ExportChoices::Tensors::Ticked
                                               : ExportChoices::Tensors::All;
    choices.filter = m_filter;
    if (choices.tensors == ExportChoices::Tensors::Ticked)
        choices.ticked = m_checks->checkedTensors();
    choices.include = m_include->text();
    choices.exclude = m_exclude->text();
    choices.renameRules = m_renames->toPlainText();
    choices.dtype = m_dtype->currentData().toString();
    choices.dropMetadata = m_metadata->currentIndex() == 1;
    choices.sharded = m_sharded->isChecked();
    choices.shardSize = m_shardSize->text();
    choices.output = m_output->text();
    return choices.toOptions(*m_model);
}

QString ExportDialog::planMessage() const
{
    return m_planMessage->text();
}

QString ExportDialog::impactText() const
{
    return m_impact->text();
}

void ExportDialog::updatePlan()
{
    m_planOk = false;
    m_preview->setRowCount(0);
    const auto opts = options();
    if (!opts) {
        m_planMessage->setText(opts.error().message);
        m_exportButton->setEnabled(false);
        return;
    }
    const auto plan = planExport(*m_model, *opts);
    if (!plan) {
        m_planMessage->setText(plan.error().message);
        m_exportButton->setEnabled(false);
        return;
    }
    const int rows = static_cast<int>(std::min<size_t>(plan->tensors.size(), kPreviewRows));
    m_preview->setRowCount(rows);
    for (int row = 0; row < rows; ++row) {
        const ExportTensor& tensor = plan->tensors[static_cast<size_t>(row)];
        const QString oldName = toQString(m_model->qualifiedName(tensor.source));
        const QString newName = QString::fromStdString(tensor.name);
        m_preview->setItem(row, 0, new QTableWidgetItem(oldName));
        m_preview->setItem(row, 1, new QTableWidgetItem(newName == oldName ? QString() : newName));
        m_preview->setItem(row, 2, new QTableWidgetItem(QString::fromUtf8(dtypeName(tensor.dtype))));
        m_preview->setItem(row, 3, new QTableWidgetItem(format::bytes(tensor.byteSize)));
    }
    const bool hasOutput = !m_output->text().trimmed().isEmpty();
    m_planOk = !plan->tensors.empty();
    // Two counts, two nouns: one "(s)" form chosen by the tensor count wrote "in 1 files".
    m_planMessage->setText(
        tr("%1, %2 in %3.")
            .arg(format::counted(plan->tensors.size(), u"tensor", u"tensors"), format::bytes(plan->totalBytes),
                 format::counted(plan->files.size(), u"file", u"files")) +
        (plan->notConverted.empty() ? QString()
                                    : u' ' + tr("%n tensor(s) keep their dtype (only F32/F16/BF16 convert).", nullptr,
                                                static_cast<int>(plan->notConverted.size()))) +
        (hasOutput ? QString() : u' ' + tr("Choose where to save.")));
    m_exportButton->setEnabled(m_planOk && hasOutput && !m_exporting);
}

void ExportDialog::previewImpact()
{
    const auto opts = options();
    if (!opts || !opts->targetDtype)
        return;
    auto plan = planExport(*m_model, *opts);
    if (!plan)
        return;
    m_impact->setText(tr("Computing\u2026"));
    m_impactTask->start(
        [this, model = m_model, plan = std::move(*plan)](const std::atomic_bool& cancel, const LatestTask::Post& post) {
            auto preview = previewConversion(*model, plan, cancel);
            if (cancel)
                return;
            QString text;
            if (!preview) {
                text = preview.error().message;
            } else {
                const ConversionImpact& impact = preview->total;
                text = tr("%1 values: %2 overflow to \u00b1inf, %3 saturate, %4 underflow to 0; max abs error %5, "
                          "max rel error %6")
                           .arg(format::count(impact.values), format::count(impact.overflowToInf),
                                format::count(impact.saturated), format::count(impact.underflowToZero))
                           .arg(impact.maxAbsError, 0, 'g', 3)
                           .arg(impact.maxRelError, 0, 'g', 3);
            }
            post([this, text] {
                m_impact->setText(text);
                emit impactReady();
            });
        });
}

void ExportDialog::browse()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export To"), m_output->text(),
                                                      tr("Safetensors checkpoints (*.safetensors)"));
    if (!path.isEmpty())
        m_output->setText(path);
}

bool ExportDialog::startExport()
{
    if (m_exporting || !m_planOk || m_output->text().trimmed().isEmpty())
        return false;
    auto opts = options();
    if (!opts)
        return false;
    auto plan = planExport(*m_model, *opts);
    if (!plan) {
        m_planMessage->setText(plan.error().message);
        return false;
    }
    m_exporting = true;
    m_cancel = std::make_shared<std::atomic_bool>(false);
    m_exportButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_progress->setValue(0);
    m_progress->setVisible(true);
    QPointer<QProgressBar> bar(m_progress);
    const ProgressFn progress = [bar](double fraction) {
        QMetaObject::invokeMethod(
            bar.data(),
            [bar, fraction] {
                if (bar)
                    bar->setValue(static_cast<int>(fraction * 100.0));
            },
            Qt::QueuedConnection);
    };
    auto* watcher = new QFutureWatcher<QPair<bool, QString>>(this);
    connect(watcher, &QFutureWatcher<QPair<bool, QString>>::finished, this, [this, watcher] {
        const auto [ok, message] = watcher->result();
        watcher->deleteLater();
        m_exporting = false;
        m_cancelButton->setEnabled(false);
        m_progress->setVisible(false);
        m_planMessage->setText(message);
        m_exportButton->setEnabled(m_planOk);
        emit exportFinished(ok, message);
    });
    watcher->setFuture(QtConcurrent::run(
        [model = m_model, plan = std::move(*plan), opts = std::move(*opts), cancel = m_cancel, progress] {
            auto result = runExport(*model, plan, opts, *cancel, progress);
            if (!result)
                return qMakePair(false, result.error().describe());
            const QString where = result->indexPath.isEmpty() ? result->files.front() : result->indexPath;
            return qMakePair(true, tr("Exported %n tensor(s), %1, to %2; the output re-opened and validated.", nullptr,
                                      static_cast<int>(result->model->tensorCount()))
                                       .arg(format::bytes(result->bytesWritten), QDir::toNativeSeparators(where)));
        }));
    return true;
}

void ExportDialog::cancelExport()
{
    if (m_cancel)
        m_cancel->store(true);
}

} // namespace safescope
