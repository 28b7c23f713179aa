#include "ui/pages/problemspage.h"

#include "core/remote/fetchedtensor.h"
#include "core/remote/modellocation.h"
#include "core/text/format.h"
#include "core/values/healthscan.h"
#include "ui/models/problemsmodel.h"
#include "ui/models/roles.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace safescope {

ProblemsPage::ProblemsPage(QWidget* parent)
    : QWidget(parent), m_model(new ProblemsModel(this)), m_table(new QTableView(this)), m_empty(new QLabel(this)),
      m_status(new QLabel(this)), m_progress(new QProgressBar(this)),
      m_scanButton(new QPushButton(tr("Scan values"), this)), m_cancelButton(new QPushButton(tr("Cancel"), this)),
      m_poll(new QTimer(this))
{
    auto* sorted = new QSortFilterProxyModel(this);
    sorted->setSourceModel(m_model);
    sorted->setSortRole(SortRole);
    m_table->setModel(sorted);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(true);
    m_progress->hide();
    m_cancelButton->hide();
    m_scanButton->setToolTip(tr("Read every tensor once to find NaN, Inf, zero and constant tensors, values beyond "
                                "F16's range and duplicate tensors"));

    auto* bar = new QHBoxLayout;
    bar->addWidget(m_status, 1);
    bar->addWidget(m_progress);
    bar->addWidget(m_scanButton);
    bar->addWidget(m_cancelButton);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_empty, 1);
    layout->addWidget(m_table, 1);

    connect(m_scanButton, &QPushButton::clicked, this, &ProblemsPage::startScan);
    connect(m_cancelButton, &QPushButton::clicked, this, &ProblemsPage::cancelScan);
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &ProblemsPage::onScanDone);
    connect(m_table, &QAbstractItemView::activated, this,
            [this, sorted](const QModelIndex& index) { activateRow(sorted->mapToSource(index).row()); });
    // Progress is polled: the scan's threads never touch widgets, and ten updates a second are plenty.
    m_poll->setInterval(100);
    connect(m_poll, &QTimer::timeout, this, &ProblemsPage::updateStatus);
    updateStatus();
    updateEmpty();
}

ProblemsPage::~ProblemsPage()
{
    // The job owns what it reads (the model is shared); stopping it keeps the thread pool free at exit.
    if (m_job)
        m_job->cancel = true;
    m_watcher.waitForFinished();
}

void ProblemsPage::setModel(const Model& model, std::vector<Warning> extra)
{
    cancelScan();
    m_scanned.reset();
    showStructure(model, std::move(extra));
}

void ProblemsPage::setModel(std::shared_ptr<const Model> model, std::vector<Warning> extra)
{
    cancelScan();
    m_scanned = std::move(model);
    m_remote = m_scanned && isRemoteModel(*m_scanned);
    if (m_scanned)
        showStructure(*m_scanned, std::move(extra));
}

void ProblemsPage::showStructure(const Model& model, std::vector<Warning> extra)
{
    m_state = ScanState::NotScanned;
    m_autoScanTried = false;
    m_failure.clear();
    m_model->setModelProblems(model, std::move(extra));
    m_model->setValueProblems(model, structuralHealthProblems(model));
    m_table->resizeColumnsToContents();
    updateStatus();
    updateEmpty();
    emit countChanged(count());
    // Shown already (the user is looking at this page): the new model is scanned as if the page were opened now.
    if (isVisible())
        QTimer::singleShot(0, this, [this] {
            if (isVisible() && !m_autoScanTried && m_state == ScanState::NotScanned)
                showEvent(nullptr);
        });
}

int ProblemsPage::count() const
{
    return m_model->rowCount();
}

void ProblemsPage::showEvent(QShowEvent* event)
{
    if (event)
        QWidget::showEvent(event);
    if (m_autoScanTried || !m_scanned)
        return;
    m_autoScanTried = true;
    // A remote model is scanned only when asked: the scan downloads every byte of it.
    if (m_state == ScanState::NotScanned && !m_remote && m_scanned->totalTensorBytes() <= kAutoScanBytes)
        startScan();
}

void ProblemsPage::startScan()
{
    if (!m_scanned)
        return;
    cancelScan();
    auto job = std::make_shared<ScanJob>();
    job->total = m_scanned->totalTensorBytes();
    m_job = job;
    m_state = ScanState::Scanning;
    m_failure.clear();
    std::shared_ptr<const Model> model = m_scanned;
    const bool remote = m_remote;
    m_watcher.setFuture(QtConcurrent::run([job, model, remote] {
        const auto progress = [&](uint64_t done, uint64_t total) {
            job->done.store(done, std::memory_order_relaxed);
            (void)total;
        };
        // A remote model's tensors are fetched one at a time (several ranges in flight) and let go after their scan.
        job->result = remote ? scanHealth(*model, FetchedTensor::wholeTensorBytes(*model), job->cancel, progress)
                             : scanHealth(*model, job->cancel, progress);
    }));
    m_poll->start();
    updateStatus();
}

void ProblemsPage::cancelScan()
{
    if (!m_job)
        return;
    m_job->cancel = true;
    // Only the job started last reports; an abandoned one finishes on its own (it shares the model it reads).
    m_watcher.waitForFinished();
    onScanDone();
}

void ProblemsPage::onScanDone()
{
    // A finished signal of a job replaced meanwhile must not take the running job's place.
    if (!m_job || !m_watcher.isFinished()) {
        updateStatus();
        return;
    }
    const std::shared_ptr<ScanJob> job = std::exchange(m_job, nullptr);
    m_poll->stop();
    if (!job->result || !m_scanned) {
        m_state = ScanState::NotScanned;
        updateStatus();
        return;
    }
    Result<HealthReport>& result = *job->result;
    if (result) {
        m_state = ScanState::Scanned;
        m_model->setValueProblems(*m_scanned, std::move(result->problems));
        m_table->resizeColumnsToContents();
    } else if (result.error().kind == ErrorKind::Cancelled) {
        m_state = ScanState::Cancelled;
    } else {
        m_state = ScanState::Failed;
        m_failure = result.error().message;
    }
    updateStatus();
    updateEmpty();
    emit countChanged(count());
    emit scanFinished();
}

QString ProblemsPage::scanStatus() const
{
    const uint64_t total = m_scanned ? m_scanned->totalTensorBytes() : 0;
    switch (m_state) {
    case ScanState::NotScanned:
        if (!m_scanned)
            return tr("Values are not scanned.");
        if (m_remote)
            return tr("Values not scanned yet: finding NaN, Inf, zero, constant and duplicate tensors downloads all "
                      "%1 of the remote model once.")
                .arg(format::bytes(total));
        return tr("Values not scanned yet: finding NaN, Inf, zero, constant and duplicate tensors reads all %1 once.")
            .arg(format::bytes(total));
    case ScanState::Scanning: {
        const uint64_t done = m_job ? m_job->done.load(std::memory_order_relaxed) : 0;
        if (m_remote)
            return tr("Scanning values: %1 of %2 fetched\u2026").arg(format::bytes(done), format::bytes(total));
        return tr("Scanning values: %1 of %2\u2026").arg(format::bytes(done), format::bytes(total));
    }
    case ScanState::Scanned:
        return (m_remote
                    ? tr("Values scanned: %n tensor(s), %1 fetched.", nullptr,
                         static_cast<int>(m_scanned->tensorCount()))
                    : tr("Values scanned: %n tensor(s), %1 read.", nullptr, static_cast<int>(m_scanned->tensorCount())))
            .arg(format::bytes(total));
    case ScanState::Cancelled:
        return tr("Value scan cancelled: the values are not checked.");
    case ScanState::Failed:
        return tr("Value scan failed: %1").arg(m_failure);
    }
    return {};
}

void ProblemsPage::updateStatus()
{
    const bool scanning = m_state == ScanState::Scanning;
    m_status->setText(scanStatus());
    m_progress->setVisible(scanning);
    m_cancelButton->setVisible(scanning);
    m_scanButton->setVisible(!scanning && m_scanned != nullptr);
    m_scanButton->setText(m_state == ScanState::Scanned ? tr("Scan again") : tr("Scan values"));
    if (scanning && m_job && m_job->total > 0)
        m_progress->setValue(static_cast<int>(m_job->done.load(std::memory_order_relaxed) * 1000 / m_job->total));
    else
        m_progress->setValue(0);
}

void ProblemsPage::updateEmpty()
{
    const bool empty = count() == 0;
    // "Every check passed" only once the values were read: before that, the structure is all that was checked.
    m_empty->setText(m_state == ScanState::Scanned
                         ? tr("No problems found: every check passed.")
                         : tr("No structure or metadata problems found. The values are not checked until they are "
                              "scanned."));
    m_empty->setVisible(empty);
    m_table->setVisible(!empty);
}

void ProblemsPage::activateRow(int row)
{
    const QModelIndex index = m_model->index(row, 0);
    if (!index.isValid())
        return;
    const QString tensor = index.data(ProblemsModel::JumpTensorRole).toString();
    if (tensor.isEmpty())
        return;
    emit tensorActivated(tensor, index.data(ProblemsModel::JumpElementRole).toLongLong());
}

} // namespace safescope
