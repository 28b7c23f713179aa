#include "ui/pages/hashespanel.h"

#include "core/format/model.h"
#include "core/io/bytesource.h"
#include "core/publish/filehasher.h"
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
#include <QUrl>
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

/// A computed SHA-256 against what the server published for the file.
QString publishedVerdict(const ByteSource& source, const QString& computed)
{
    const QString published = QString::fromLatin1(source.sha256());
    if (published.isEmpty())
        return QObject::tr("computed; the server published none");
    return published == computed ? QObject::tr("\u2714 equals the Hub's published value")
                                 : QObject::tr("\u2718 differs from the Hub's published %1").arg(published);
}

/// Every shard of a remote model streamed through the hashers (hashByteSource, as `hash --verify` does), one after
/// the other; progress in bytes over all of them.
std::vector<Result<FileHashes>> hashRemoteShards(const Model& model, const std::atomic_bool& cancel,
                                                 const std::function<void(uint64_t, uint64_t)>& progress)
{
    const uint64_t total = model.totalFileBytes();
    std::atomic<uint64_t> done{0};
    std::vector<Result<FileHashes>> results;
    for (const Model::Shard& shard : model.shards()) {
        auto hashed = hashByteSource(*shard.file->byteSource(), HashOptions{}, cancel,
                                     [&](uint64_t bytes) { progress(done.fetch_add(bytes) + bytes, total); });
        const bool failed = !hashed;
        results.push_back(std::move(hashed));
        if (failed)
            break;
    }
    return results;
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
    m_remote = false;
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
    m_remote = isRemoteModel(*m_model);
    if (m_remote) {
        // What the Hub published is shown at once, said to be unverified; Verify streams every byte (never by itself:
        // it downloads the whole model), and the cache, keyed by local files, is not used.
        showPublished();
        setRunning(false);
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
    m_status->setText((m_remote ? tr("Downloading and hashing %1\u2026") : tr("Reading %1\u2026"))
                          .arg(format::bytes(m_model->totalFileBytes())));
    std::shared_ptr<const Model> model = m_remote ? m_model : nullptr;
    m_task->start([this, paths, options, model](const std::atomic_bool& cancel, const LatestTask::Post& post) {
        std::atomic_int shown = -1;
        const auto report = [&](uint64_t done, uint64_t total) {
            // One update per permille: blocks arrive hundreds of times a second.
            const int permille = total > 0 ? int(done * 1000 / total) : 1000;
            if (shown.exchange(permille) != permille)
                post([this, permille] { m_progress->setValue(permille); });
        };
        auto results = model ? hashRemoteShards(*model, cancel, report) : hashFiles(paths, options, cancel, report);
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

bool HashesPanel::isHashing() const
{
    return m_task->isRunning();
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
    if (m_remote)
        m_compute->setText(m_results.empty()
                               ? tr("&Verify (downloads %1)").arg(format::bytes(m_model->totalFileBytes()))
                               : tr("&Verify again"));
    else
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
        const auto& shards = m_model->shards();
        const SafetensorsFile* file = i < shards.size() ? shards[i].file.get() : nullptr;
        addRow(parent, tr("SHA-256 of the file"), hashes.sha256,
               m_remote && file ? publishedVerdict(*file->byteSource(), hashes.sha256) : QString());
        addRow(parent, tr("  Civitai AutoV2"), hashes.autoV2());
        addRow(parent, tr("SHA-256 of the tensor data"),
               hashes.dataSha256.isEmpty() ? tr("(no data region)") : hashes.dataSha256, {},
               !hashes.dataSha256.isEmpty());
        if (!hashes.dataSha256.isEmpty())
            addRow(parent, tr("  Civitai AutoV3"), hashes.autoV3());
        addRow(parent, tr("Legacy hash"), hashes.legacyHash);
        // Claims are checked against the metadata on disk: the hashes are those of the file on disk.
        std::vector<ClaimedHash> claims =
            file ? verifyClaimedHashes(file->header().metadata, hashes) : std::vector<ClaimedHash>{};
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
    fitTable();

    QString status =
        cachedCount == int(m_results.size()) && cachedCount > 0
            ? tr("From the cache (the files have not changed since they were hashed).")
        : m_remote
            ? tr("Verified: computed from every byte downloaded (%1).").arg(format::bytes(m_model->totalFileBytes()))
            : tr("Computed from one read of each file.");
    if (wrong > 0)
        status += QLatin1Char(' ') + tr("Wrong for this file: %n hash key(s) in the metadata.", nullptr, wrong);
    status += QLatin1Char(' ') + tr("A metadata edit changes the file's SHA-256 and keeps the tensor data's.");
    m_status->setText(status);
    m_update->setVisible(m_metadata && m_results.size() == 1);
    m_update->setEnabled(!corrections().empty());
    emit computed();
}

void HashesPanel::showPublished()
{
    m_table->clear();
    const auto& shards = m_model->shards();
    const bool several = shards.size() > 1;
    m_table->setRootIsDecorated(several);
    int published = 0;
    for (const Model::Shard& shard : shards) {
        QTreeWidgetItem* parent = nullptr;
        if (several) {
            parent = new QTreeWidgetItem(m_table, {QUrl(shard.path).fileName()});
            parent->setFirstColumnSpanned(true);
        }
        const QString sha256 = QString::fromLatin1(shard.file->byteSource()->sha256());
        published += sha256.isEmpty() ? 0 : 1;
        addRow(parent, tr("SHA-256 of the file"), sha256.isEmpty() ? tr("(not published by the server)") : sha256,
               sha256.isEmpty() ? QString() : tr("published by the Hub, not verified"), !sha256.isEmpty());
        if (!sha256.isEmpty())
            addRow(parent, tr("  Civitai AutoV2"), sha256.left(10).toUpper());
    }
    m_table->expandAll();
    fitTable();
    m_status->setText((published == int(shards.size()) ? tr("The SHA-256 values the Hub published, not verified.")
                                                       : tr("The server published no SHA-256 for %n file(s).", nullptr,
                                                            int(shards.size()) - published)) +
                      QLatin1Char(' ') +
                      tr("Verify downloads every byte (%1) to compute every hash and compare.")
                          .arg(format::bytes(m_model->totalFileBytes())));
}

void HashesPanel::fitTable()
{
    // The table shows every row: the Overview scrolls as a whole.
    int height = m_table->header()->sizeHint().height() + 2 * m_table->frameWidth();
    for (QTreeWidgetItemIterator it(m_table); *it; ++it)
        height += m_table->visualItemRect(*it).height();
    m_table->setFixedHeight(height + 4);
    m_table->show();
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
