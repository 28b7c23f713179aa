#include "ui/pages/hashespanel.h"

#include "core/format/model.h"
#include "core/publish/hashbatch.h"
#include "core/publish/hashcache.h"
#include "core/remote/modellocation.h"
#include "core/text/format.h"
#include "ui/models/metadatamodel.h"
#include "ui/window/latesttask.h"

#include <QApplication>
#include <QClipboard>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QToolButton>
#include <QTreeWidget>
#include <QUndoStack>
#include <QVBoxLayout>

namespace safescope {

namespace {

enum Column
{
    NameColumn,
    ValueColumn,
    CopyColumn,
    CheckColumn // last: it stretches, and elides a long reason (the whole one is its tooltip)
};

/// The verdict and, where it fits on a line, why; the whole reason is the tooltip.
QString verdictText(const ClaimedHash& claim)
{
    switch (claim.verdict) {
    case HashVerdict::Right:
        return QObject::tr("\u2714 right");
    case HashVerdict::Wrong:
        return claim.correct.isEmpty() ? QObject::tr("\u2718 wrong: %1").arg(claim.reason)
                                       : QObject::tr("\u2718 wrong: should be %1").arg(claim.correct);
    case HashVerdict::CannotTell:
        break;
    }
    return claim.key == "sshs_legacy_hash"
               ? QObject::tr("? cannot tell: kohya hashed a copy with only the ss_* keys in its header")
               : QObject::tr("? cannot tell: %1").arg(claim.reason);
}

QColor verdictColor(HashVerdict verdict)
{
    switch (verdict) {
    case HashVerdict::Right:
        return QColor(0x2e, 0x7d, 0x32);
    case HashVerdict::Wrong:
        return QColor(0xc6, 0x28, 0x28);
    case HashVerdict::CannotTell:
        break;
    }
    return QColor(0x8d, 0x6e, 0x00);
}

} // namespace

HashesPanel::HashesPanel(QWidget* parent)
    : QWidget(parent), m_task(new LatestTask(this)), m_compute(new QPushButton(tr("&Compute hashes"))),
      m_cancel(new QPushButton(tr("Cancel"))), m_update(new QPushButton(tr("&Update claimed hashes"))),
      m_progress(new QProgressBar), m_status(new QLabel), m_table(new QTreeWidget)
{
    m_compute->setObjectName(QStringLiteral("computeHashes"));
    m_update->setObjectName(QStringLiteral("updateClaimedHashes"));
    m_update->setToolTip(tr("Stage the right values of the hash keys marked wrong as a metadata edit (undoable); "
                            "a metadata save keeps the tensor data, so they stay right after it"));
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(true);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_table->setObjectName(QStringLiteral("hashesTable"));
    m_table->setHeaderLabels({tr("Hash"), tr("Value"), QString(), tr("Check")});
    m_table->setRootIsDecorated(false);
    m_table->setSelectionMode(QAbstractItemView::ContiguousSelection);
    m_table->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    // Every row in view without scrolling: the Overview scrolls as a whole, and a scroll bar would hide a row.
    m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_table->header()->setStretchLastSection(true);
    m_table->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->header()->setSectionResizeMode(CheckColumn, QHeaderView::Stretch);
    m_table->setWordWrap(false);
    m_table->setUniformRowHeights(true); // rows with and without a Copy button alike

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_compute);
    buttons->addWidget(m_progress, 1);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_update);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttons);
    layout->addWidget(m_status);
    layout->addWidget(m_table);
    layout->addStretch();

    connect(m_compute, &QPushButton::clicked, this, &HashesPanel::compute);
    connect(m_cancel, &QPushButton::clicked, this, &HashesPanel::cancel);
    connect(m_update, &QPushButton::clicked, this, &HashesPanel::updateClaimedHashes);
    setRunning(false);
    m_update->hide();
    m_table->hide();
}

HashesPanel::~HashesPanel() = default;

void HashesPanel::setMetadataModel(MetadataModel* metadata)
{
    m_metadata = metadata;
}

void HashesPanel::setModel(std::shared_ptr<const Model> model)
{
    m_task->cancel();
    setRunning(false);
    m_model = std::move(model);
    m_results.clear();
    m_claims.clear();
    m_table->clear();
    m_table->hide();
    m_update->hide();
    if (!m_model)
        return;
    m_compute->setEnabled(true);
    if (isRemoteModel(*m_model)) {
        // Hashing reads every byte; the cache is keyed by local files. Remote files are not hashed from here.
        m_compute->setEnabled(false);
        m_status->setText(tr("Hashes are computed for local files; download this remote model to hash it."));
        return;
    }
    // Already known (the cache answers from a stat per file): shown at once, whatever the size. The cache is read on
    // the pool, not on the GUI thread: it holds up to 5,000 entries, and a model of 163 shards costs 163 stats.
    QStringList paths;
    for (const Model::Shard& shard : m_model->shards())
        paths << shard.path;
    const QString cacheFile = m_cacheFile.isEmpty() ? HashCache::defaultFile() : m_cacheFile;
    const bool automatic = m_model->totalFileBytes() <= kAutomaticBytes;
    const QString bytes = format::bytes(m_model->totalFileBytes());
    m_status->setText(tr("Looking for these files in the hash cache\u2026"));
    m_task->start(
        [this, paths, cacheFile, automatic, bytes](const std::atomic_bool& cancel, const LatestTask::Post& post) {
            const HashCache cache(cacheFile);
            std::vector<FileHashes> cached;
            for (const QString& path : paths) {
                if (cancel.load())
                    return;
                const auto key = HashCacheKey::of(path);
                const auto hit = key ? cache.find(*key, path, true) : std::nullopt;
                if (!hit)
                    break;
                cached.push_back(*hit);
            }
            if (cached.size() == static_cast<size_t>(paths.size())) {
                post([this, cached = std::move(cached)]() mutable { showResults(std::move(cached)); });
                return;
            }
            post([this, automatic, bytes] {
                if (automatic) {
                    compute();
                    return;
                }
                m_status->setText(tr("Hashing reads all %1 of the model once. The results are cached, so the next look "
                                     "is instant.")
                                      .arg(bytes));
            });
        });
}

void HashesPanel::compute()
{
    if (!m_model)
        return;
    QStringList paths;
    for (const Model::Shard& shard : m_model->shards())
        paths << shard.path;
    HashBatchOptions options;
    options.cacheFile = m_cacheFile;
    setRunning(true);
    m_progress->setValue(0);
    m_status->setText(tr("Reading %1\u2026").arg(format::bytes(m_model->totalFileBytes())));
    m_task->start([this, paths, options](const std::atomic_bool& cancel, const LatestTask::Post& post) {
        std::atomic_int shown = -1;
        auto results = hashFiles(paths, options, cancel, [&](uint64_t done, uint64_t total) {
            // One update per permille: blocks arrive hundreds of times a second.
            const int permille = total > 0 ? int(done * 1000 / total) : 1000;
            if (shown.exchange(permille) != permille)
                post([this, permille] { m_progress->setValue(permille); });
        });
        std::vector<FileHashes> hashes;
        for (auto& result : results) {
            if (!result) {
                const QString message = result.error().describe();
                post([this, message] { showError(message); });
                return;
            }
            hashes.push_back(std::move(*result));
        }
        post([this, hashes = std::move(hashes)]() mutable { showResults(std::move(hashes)); });
    });
}

void HashesPanel::cancel()
{
    m_task->cancel();
    setRunning(false);
    m_status->setText(tr("Hashing cancelled."));
}

void HashesPanel::setRunning(bool running)
{
    m_compute->setVisible(!running);
    m_compute->setText(m_results.empty() ? tr("&Compute hashes") : tr("Re&compute"));
    m_progress->setVisible(running);
    m_cancel->setVisible(running);
}

void HashesPanel::showError(const QString& message)
{
    setRunning(false);
    m_status->setText(tr("Could not hash: %1").arg(message));
}

void HashesPanel::addRow(QTreeWidgetItem* parent, const QString& name, const QString& value, const QString& check,
                         bool copy)
{
    auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_table);
    item->setText(NameColumn, name);
    item->setText(ValueColumn, value);
    item->setFont(ValueColumn, QFontDatabase::systemFont(QFontDatabase::FixedFont));
    item->setText(CheckColumn, check);
    if (copy && !value.isEmpty()) {
        auto* button = new QToolButton;
        button->setText(tr("Copy"));
        button->setToolTip(tr("Copy %1 to the clipboard").arg(name));
        button->setAutoRaise(true);
        connect(button, &QToolButton::clicked, this, [value] { QApplication::clipboard()->setText(value); });
        m_table->setItemWidget(item, CopyColumn, button);
    }
}

void HashesPanel::showResults(std::vector<FileHashes> results)
{
    m_results = std::move(results);
    setRunning(false);
    m_table->clear();
    m_claims.clear();
    const bool several = m_results.size() > 1;
    m_table->setRootIsDecorated(several);
    int cachedCount = 0;
    int wrong = 0;
    for (size_t i = 0; i < m_results.size(); ++i) {
        const FileHashes& hashes = m_results[i];
        cachedCount += hashes.fromCache ? 1 : 0;
        QTreeWidgetItem* parent = nullptr;
        if (several) {
            parent = new QTreeWidgetItem(m_table, {QFileInfo(hashes.path).fileName()});
            parent->setFirstColumnSpanned(true);
        }
        addRow(parent, tr("SHA-256 of the file"), hashes.sha256);
        addRow(parent, tr("  Civitai AutoV2"), hashes.autoV2());
        addRow(parent, tr("SHA-256 of the tensor data"),
               hashes.dataSha256.isEmpty() ? tr("(no data region)") : hashes.dataSha256, {},
               !hashes.dataSha256.isEmpty());
        if (!hashes.dataSha256.isEmpty())
            addRow(parent, tr("  Civitai AutoV3"), hashes.autoV3());
        addRow(parent, tr("Legacy hash"), hashes.legacyHash);
        // Claims are checked against the metadata on disk: the hashes are those of the file on disk.
        const auto& shards = m_model->shards();
        std::vector<ClaimedHash> claims = i < shards.size() && shards[i].file
                                              ? verifyClaimedHashes(shards[i].file->header().metadata, hashes)
                                              : std::vector<ClaimedHash>{};
        for (const ClaimedHash& claim : claims) {
            addRow(parent, QString::fromStdString(claim.key), QString::fromStdString(claim.claimed), verdictText(claim),
                   false);
            QTreeWidgetItem* item = parent ? parent->child(parent->childCount() - 1)
                                           : m_table->topLevelItem(m_table->topLevelItemCount() - 1);
            item->setForeground(CheckColumn, verdictColor(claim.verdict));
            item->setToolTip(CheckColumn, claim.reason);
            item->setToolTip(ValueColumn, claim.reason);
            wrong += claim.verdict == HashVerdict::Wrong ? 1 : 0;
        }
        m_claims.push_back(std::move(claims));
    }
    m_table->expandAll();
    // The table shows every row: the Overview scrolls as a whole.
    int height = m_table->header()->sizeHint().height() + 2 * m_table->frameWidth();
    for (QTreeWidgetItemIterator it(m_table); *it; ++it)
        height += m_table->visualItemRect(*it).height();
    m_table->setFixedHeight(height + 4);
    m_table->show();

    QString status = cachedCount == int(m_results.size()) && cachedCount > 0
                         ? tr("From the cache (the files have not changed since they were hashed).")
                         : tr("Computed from one read of each file.");
    if (wrong > 0)
        status += QLatin1Char(' ') + tr("Wrong for this file: %n hash key(s) in the metadata.", nullptr, wrong);
    status += QLatin1Char(' ') + tr("A metadata edit changes the file's SHA-256 and keeps the tensor data's.");
    m_status->setText(status);
    m_update->setVisible(m_metadata && m_results.size() == 1);
    m_update->setEnabled(!corrections().empty());
    emit computed();
}

std::vector<MetadataEntry> HashesPanel::corrections() const
{
    return m_claims.size() == 1 ? correctedClaimedHashes(m_claims.front()) : std::vector<MetadataEntry>{};
}

bool HashesPanel::updateClaimedHashes()
{
    const std::vector<MetadataEntry> corrected = corrections();
    if (!m_metadata || corrected.empty())
        return false;
    // One macro: one Undo takes every corrected key back.
    m_metadata->undoStack()->beginMacro(tr("Update claimed hashes"));
    int staged = 0;
    for (const MetadataEntry& entry : corrected) {
        const QString key = QString::fromStdString(entry.key);
        for (int row = 0; row < m_metadata->headerRowCount(); ++row) {
            if (m_metadata->key(row) == key) {
                if (m_metadata->setValue(row, QString::fromStdString(entry.value)).isEmpty())
                    ++staged;
                break;
            }
        }
    }
    m_metadata->undoStack()->endMacro();
    m_status->setText(tr("%n corrected hash key(s) staged as a metadata edit: save to write them (Undo takes them "
                         "back).",
                         nullptr, staged));
    m_update->setEnabled(false);
    return staged > 0;
}

} // namespace safescope
