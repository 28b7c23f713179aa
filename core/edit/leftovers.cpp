#include "core/edit/leftovers.h"

#include "core/edit/savelock.h"
#include "core/edit/savetarget.h"
#include "core/edit/shardjournal.h"
#include "core/format/folderentries.h"
#include "core/format/model.h"
#include "core/format/shardindex.h"
#include "core/io/localpath.h"
#include "core/io/pathstatus.h"
#include "core/text/format.h"

#include <QFileInfo>

#include <algorithm>
#include <map>

namespace safescope {

namespace {

uint64_t sizeOf(const QString& path)
{
    const auto status = pathStatus(path, platform::FollowLinks::No);
    return status ? status->size : 0;
}

bool isDirectory(const QString& path)
{
    return isFolderPath(path);
}

void collectSafetensors(const QString& folder, QStringList& files, int depth)
{
    auto names = folderEntryNames(folder);
    if (!names || depth > 8)
        return;
    names->sort();
    for (const QString& name : *names) {
        const QString path = folder + QLatin1Char('/') + name;
        if (name.startsWith(QLatin1Char('.')))
            continue; // our own leftovers and other hidden files are not model files
        if (isDirectory(path))
            collectSafetensors(path, files, depth + 1);
        else if (name.endsWith(QLatin1StringView(".safetensors")))
            files << path;
    }
}

void addFileLeftovers(const QString& file, std::vector<Leftover>& found)
{
    const RecoveryInfo info = inspectRecovery(file);
    const QString name = QFileInfo(info.filePath).fileName();
    if (info.state != RecoveryState::None) {
        Leftover record;
        record.kind = Leftover::Kind::RecoveryRecord;
        record.path = info.recordPath;
        record.file = info.filePath;
        record.size = info.recordSize;
        record.state = info.state;
        RecoveryInfo recordOnly = info;
        recordOnly.tempFiles.clear();
        recordOnly.tempFileSizes.clear();
        record.message = recordOnly.describe();
        const bool restore = info.state == RecoveryState::NewHeaderIntact || info.state == RecoveryState::HeaderTorn;
        record.command =
            QStringLiteral("safescope-cli meta '%1' --recover %2")
                .arg(info.filePath, restore ? QStringLiteral("restore|discard") : QStringLiteral("discard"));
        if (info.state == RecoveryState::HeaderTorn)
            record.command = QStringLiteral("safescope-cli meta '%1' --recover restore").arg(info.filePath);
        found.push_back(std::move(record));
    }
    for (qsizetype i = 0; i < info.tempFiles.size(); ++i) {
        Leftover temp;
        temp.kind = Leftover::Kind::TempFile;
        temp.path = info.tempFiles[i];
        temp.file = info.filePath;
        temp.size = info.tempFileSizes[static_cast<size_t>(i)];
        temp.message = QStringLiteral("temporary file '%1' (%2) left by an interrupted rewrite of '%3'; the model was "
                                      "not changed")
                           .arg(QFileInfo(temp.path).fileName(), format::bytes(temp.size), name);
        temp.command = QStringLiteral("safescope-cli meta '%1' --recover discard").arg(info.filePath);
        found.push_back(std::move(temp));
    }
}

void addJournals(const QStringList& journals, const QString& modelPath, std::vector<Leftover>& found)
{
    for (const QString& journal : journals) {
        SystemFile guard; // held while the journal is described: a transaction cannot start or end meanwhile
        if (lockOutSaves(journal, guard) != SaveActivity::Idle)
            continue; // a transaction running now (not an interrupted one), or one that just ended
        Leftover leftover;
        leftover.kind = Leftover::Kind::TransactionJournal;
        leftover.path = journal;
        leftover.file = modelPath;
        leftover.size = sizeOf(journal);
        leftover.message = QStringLiteral("transaction journal '%1' (%2) of an interrupted edit of several shards: "
                                          "the shards may disagree until it is completed")
                               .arg(QFileInfo(journal).fileName(), format::bytes(leftover.size));
        leftover.command = QStringLiteral("safescope-cli meta '%1'").arg(modelPath);
        found.push_back(std::move(leftover));
    }
}

// Adds the leftovers of the files that have something of a save beside them: a recovery record or a temp file,
// both named ".NAME.safescope-..." in the folder of the file a save writes (a symlink's target). Each folder is
// listed once: inspecting every shard on its own listed its folder once per shard, 27,000 names for 163 shards.
void addFilesLeftovers(const QStringList& files, std::vector<Leftover>& found)
{
    std::map<QString, QStringList> hiddenByFolder; // folder -> its entries whose name starts with '.'
    for (const QString& file : files) {
        auto target = resolveSaveTarget(file);
        const QFileInfo saved(target ? *target : file);
        const QString folder = saved.absolutePath();
        auto listed = hiddenByFolder.find(folder);
        if (listed == hiddenByFolder.end()) {
            QStringList hidden;
            if (auto names = folderEntryNames(folder)) {
                for (const QString& name : *names)
                    if (name.startsWith(QLatin1Char('.')))
                        hidden << name;
            }
            listed = hiddenByFolder.emplace(folder, std::move(hidden)).first;
        }
        const QString prefix = QLatin1Char('.') + saved.fileName() + QStringLiteral(".safescope-");
        const bool saveLeftSomething = std::any_of(listed->second.cbegin(), listed->second.cend(),
                                                   [&prefix](const QString& name) { return name.startsWith(prefix); });
        if (saveLeftSomething)
            addFileLeftovers(file, found);
    }
}

} // namespace

const char* leftoverKindName(Leftover::Kind kind)
{
    switch (kind) {
    case Leftover::Kind::TempFile:
        return "temp-file";
    case Leftover::Kind::RecoveryRecord:
        return "recovery-record";
    case Leftover::Kind::TransactionJournal:
        return "transaction-journal";
    }
    return "unknown";
}

QStringList modelFilesWithoutParsing(const QString& path)
{
    QStringList files;
    const QFileInfo info(path);
    if (isDirectory(path)) {
        collectSafetensors(info.absoluteFilePath(), files, 0);
    } else if (isShardIndexName(info.fileName())) {
        if (auto index = readShardIndex(path)) {
            for (const std::string& shard : index->shards)
                files << info.absolutePath() + QLatin1Char('/') + QString::fromStdString(shard);
        }
    } else {
        files << path;
    }
    return files;
}

std::vector<Leftover> findLeftovers(const QString& modelPath)
{
    std::vector<Leftover> found;
    addJournals(findTransactionJournals(modelPath), modelPath, found);
    addFilesLeftovers(modelFilesWithoutParsing(modelPath), found);
    return found;
}

std::vector<Leftover> findLeftovers(const Model& model)
{
    std::vector<Leftover> found;
    QStringList journals = findTransactionJournals(model.indexPath().isEmpty() ? model.path() : model.indexPath());
    if (model.shards().size() > 1 && !model.indexPath().isEmpty() && isDirectory(model.path())) {
        for (const QString& journal : findTransactionJournals(model.path())) {
            if (!journals.contains(journal))
                journals << journal;
        }
    }
    addJournals(journals, model.path(), found);
    QStringList files;
    for (const Model::Shard& shard : model.shards())
        files << shard.path;
    addFilesLeftovers(files, found);
    return found;
}

} // namespace safescope
