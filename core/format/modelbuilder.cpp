#include "core/format/modelbuilder.h"

#include "core/format/foreachparallel.h"
#include "core/format/indexshardmatch.h"
#include "core/format/modelfolder.h"
#include "core/format/shardindex.h"
#include "core/format/shardprefetch.h"
#include "core/io/localpath.h"
#include "core/platform/heapprefault.h"
#include "core/text/textutil.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <unordered_map>

namespace safescope {

namespace {

QString fromStd(std::string_view text)
{
    return toQString(text);
}
QString inQuotes(std::string_view text)
{
    return fromStd(quoteForMessage(text));
}
QString inQuotes(const QString& text)
{
    return inQuotes(text.toStdString());
}
QString bytes(uint64_t value)
{
    return fromStd(groupDigits(value));
}

} // namespace

ModelBuilder::ModelBuilder(OpenMode mode, std::shared_ptr<const ModelFileSource> files)
    : m_mode(mode), m_files(std::move(files)), m_names([this](uint32_t entry) { return m_model->qualifiedName(entry); })
{}

void ModelBuilder::start(Model::Source source, const QString& path)
{
    m_model.reset(new Model);
    m_model->m_source = source;
    m_model->m_path = path;
}

Result<std::shared_ptr<const Model>> ModelBuilder::openFile(const QString& path)
{
    auto file = m_files ? std::move(m_files->openFiles({path}, m_mode).front()) : SafetensorsFile::open(path, m_mode);
    if (!file)
        return file.error();
    start(Model::Source::SingleFile, path);
    addShard(std::move(*file), {});
    addEntries(0);
    return finish();
}

std::shared_ptr<const Model> ModelBuilder::wrap(std::shared_ptr<const SafetensorsFile> file)
{
    start(Model::Source::SingleFile, file->path());
    addShard(std::move(file), {});
    addEntries(0);
    return std::move(finish().value()); // cannot fail: there is a shard
}

Result<std::shared_ptr<const Model>> ModelBuilder::openIndex(const QString& path)
{
    start(Model::Source::ShardedIndex, path);
    if (Status status = addIndex(path, {}); !status)
        return status.error();
    return finish();
}

Result<std::shared_ptr<const Model>> ModelBuilder::openFileList(const QString& path, const QStringList& files)
{
    start(Model::Source::Folder, path);
    addFiles(files, {});
    return finish();
}

Result<std::shared_ptr<const Model>> ModelBuilder::openFolder(const QString& path)
{
    start(Model::Source::Folder, path);
    const FolderContents top = scanModelFolder(path);
    if (!top.index.isEmpty()) {
        if (Status status = addIndex(top.index, {}); !status)
            return status.error();
        return finish();
    }
    if (!top.files.isEmpty()) {
        addFiles(top.files, {});
        return finish();
    }
    const QStringList components = componentFolders(path);
    if (components.isEmpty())
        return makeError(ErrorKind::IoError,
                         QStringLiteral("no safetensors files in folder %1 (no index, no .safetensors file and no "
                                        "component subfolder such as unet/ holding them)")
                             .arg(inQuotes(QDir(path).dirName())),
                         path);
    for (const QString& folder : components) {
        const QString component = QFileInfo(folder).fileName();
        const FolderContents contents = scanModelFolder(folder);
        if (contents.index.isEmpty()) {
            addFiles(contents.files, component);
            continue;
        }
        // One broken component must not hide the others: the viewer shows what it can.
        if (Status status = addIndex(contents.index, component); !status) {
            const QString label = component + QLatin1Char('/') + QFileInfo(contents.index).fileName();
            warn("ShardUnreadable",
                 QStringLiteral("Component %1 cannot be opened, its tensors are absent: %2")
                     .arg(inQuotes(component), status.error().message),
                 label);
            if (!m_firstError)
                m_firstError = status.error();
        }
    }
    return finish();
}

Status ModelBuilder::addIndex(const QString& indexPath, const QString& component)
{
    Result<ShardIndex> parsed = makeError(ErrorKind::IoError, {});
    std::unique_ptr<ShardPrefetch> prefetch; // local shards are opened while the index is still being parsed
    if (m_files) {
        auto text = m_files->readIndex(indexPath);
        parsed = text ? parseShardIndex(*text, indexPath) : Result<ShardIndex>(text.error());
    } else {
        prefetch = std::make_unique<ShardPrefetch>(QFileInfo(indexPath).absoluteDir(), m_mode);
        // This thread fills about three times the index's size in heap (its text, the weight map, then the names of
        // every shard joined): made resident at once instead of a page fault at a time. Each shard's header does
        // the same as it is opened, on whichever thread opens it.
        platform::prefaultHeap(static_cast<size_t>(std::max<qint64>(0, QFileInfo(indexPath).size())) * 3);
        parsed = readShardIndex(indexPath, [&prefetch](std::string_view shard) { prefetch->offer(shard); });
    }
    if (!parsed)
        return parsed.error();
    const ShardIndex& index = *parsed;
    if (component.isEmpty()) {
        m_model->m_indexPath = indexPath;
        m_model->m_indexMetadata = index.metadata;
    }

    std::vector<size_t> listed(index.shards.size(), 0);
    for (const WeightMapEntry& entry : index.weightMap)
        ++listed[entry.shard];

    QStringList paths;
    QStringList consequences;
    for (size_t i = 0; i < index.shards.size(); ++i) {
        const size_t count = listed[i];
        paths << (m_files ? m_files->sibling(indexPath, fromStd(index.shards[i])) : prefetch->pathOf(index.shards[i]));
        consequences << (count == 1 ? QStringLiteral("its tensor listed in %2 is absent")
                                    : QStringLiteral("its %1 tensors listed in %2 are absent").arg(count))
                            .arg(inQuotes(QFileInfo(indexPath).fileName()));
    }
    // parallel to index.shards; UINT32_MAX when the shard could not be opened
    const std::vector<uint32_t> opened = addShards(paths, component, consequences, prefetch.get());
    const bool allOpened = std::ranges::none_of(opened, [](uint32_t shard) { return shard == UINT32_MAX; });
    const size_t firstEntry = m_model->m_entries.size();
    std::vector<std::shared_ptr<const SafetensorsFile>> files;
    size_t held = 0;
    for (const uint32_t shard : opened) {
        files.push_back(shard == UINT32_MAX ? nullptr : m_model->m_shards[shard].file);
        held += shard == UINT32_MAX ? 0 : files.back()->header().tensors.size();
    }
    m_model->m_entries.reserve(firstEntry + held);
    m_firstOf.reserve(firstEntry + held);
    if (indexMatchesShards(index, files)) {
        for (const uint32_t shard : opened)
            if (shard != UINT32_MAX)
                addEntries(shard, false);
        checkTotalSize(index, opened, component, allOpened);
        return Ok{};
    }
    m_names.reserve(firstEntry + index.weightMap.size());
    for (const uint32_t shard : opened)
        if (shard != UINT32_MAX)
            addEntries(shard);
    std::vector<uint32_t> listedShard;
    checkIndex(index, opened, component, allOpened, firstEntry, listedShard);
    reportRepeats([&](uint32_t first) -> std::string_view {
        if (first < firstEntry || listedShard[first - firstEntry] == UINT32_MAX)
            return {};
        return index.shards[listedShard[first - firstEntry]];
    });
    return Ok{};
}

void ModelBuilder::checkIndex(const ShardIndex& index, const std::vector<uint32_t>& opened, const QString& component,
                              bool allOpened, size_t firstEntry, std::vector<uint32_t>& listedShard)
{
    const QString indexName =
        (component.isEmpty() ? QString() : component + QLatin1Char('/')) + QFileInfo(index.path).fileName();
    const std::vector<Model::Entry>& entries = m_model->m_entries;
    const size_t count = entries.size() - firstEntry;
    // Shard number -> position in index.shards, for names in messages.
    std::vector<uint32_t> ordinalOf(m_model->m_shards.size(), UINT32_MAX);
    for (size_t i = 0; i < opened.size(); ++i)
        if (opened[i] != UINT32_MAX)
            ordinalOf[opened[i]] = static_cast<uint32_t>(i);
    // A name held by several shards: the shards after the first (rare, so a small map).
    std::unordered_multimap<uint32_t, uint32_t> alsoIn;
    for (size_t e = firstEntry; e < entries.size(); ++e)
        if (m_firstOf[e] != e && entries[m_firstOf[e]].shard != entries[e].shard)
            alsoIn.emplace(m_firstOf[e], entries[e].shard);

    listedShard.assign(count, UINT32_MAX);
    std::string qualified;
    for (const WeightMapEntry& entry : index.weightMap) {
        const std::string_view tensor = entry.tensor;
        const uint32_t ordinal = entry.shard;
        const uint32_t shard = opened[ordinal];
        if (shard == UINT32_MAX)
            continue; // an unopened shard was reported once, not once per tensor
        std::string_view name = tensor;
        if (!component.isEmpty()) {
            qualified = qualify(component, tensor);
            name = qualified;
        }
        auto found = m_names.find(name);
        if (found && *found < firstEntry)
            found.reset();
        if (found)
            listedShard[*found - firstEntry] = ordinal;
        bool contains = found && entries[*found].shard == shard;
        if (found && !contains) {
            const auto [begin, end] = alsoIn.equal_range(*found);
            contains = std::any_of(begin, end, [&](const auto& other) { return other.second == shard; });
        }
        if (contains)
            continue;
        const std::string qualifiedName = qualify(component, tensor);
        const QString label =
            (component.isEmpty() ? QString() : component + QLatin1Char('/')) + fromStd(index.shards[ordinal]);
        QString message = QStringLiteral("Tensor %1 is listed in %2 under shard %3, but that shard does not contain it")
                              .arg(inQuotes(qualifiedName), inQuotes(indexName), inQuotes(label));
        if (found)
            message += QStringLiteral(" (it is in %1)").arg(inQuotes(index.shards[ordinalOf[entries[*found].shard]]));
        warn("TensorNotInShard", message + QLatin1Char('.'), label, fromStd(qualifiedName));
    }

    for (size_t e = firstEntry; e < entries.size(); ++e) {
        if (listedShard[m_firstOf[e] - firstEntry] != UINT32_MAX)
            continue;
        const std::string qualifiedName(m_model->qualifiedName(e));
        const QString label = shardLabel(entries[e].shard);
        warn("TensorNotInIndex",
             QStringLiteral("Tensor %1 is in shard %2 but not in the weight_map of %3; it is shown anyway.")
                 .arg(inQuotes(qualifiedName), inQuotes(label), inQuotes(indexName)),
             label, fromStd(qualifiedName));
    }

    checkTotalSize(index, opened, component, allOpened);
}

void ModelBuilder::checkTotalSize(const ShardIndex& index, const std::vector<uint32_t>& opened,
                                  const QString& component, bool allOpened)
{
    const QString indexName =
        (component.isEmpty() ? QString() : component + QLatin1Char('/')) + QFileInfo(index.path).fileName();
    if (!index.unusableTotalSize.empty()) {
        warn("TotalSizeMismatch",
             QStringLiteral("%1 gives total_size as %2, which is not a byte count.")
                 .arg(inQuotes(indexName), inQuotes(index.unusableTotalSize)),
             indexName);
    } else if (index.totalSize && allOpened) { // with a shard missing the sums are bound to disagree
        uint64_t tensorBytes = 0;
        uint64_t fileBytes = 0;
        for (const uint32_t shard : opened) {
            const Header& header = m_model->m_shards[shard].file->header();
            fileBytes += header.fileSize;
            for (const TensorInfo& tensor : header.tensors)
                tensorBytes += tensor.byteSize();
        }
        if (*index.totalSize != tensorBytes) {
            QString message = QStringLiteral("%1 gives total_size as %2 bytes, but the shards' tensors hold %3 bytes")
                                  .arg(inQuotes(indexName), bytes(*index.totalSize), bytes(tensorBytes));
            if (*index.totalSize == fileBytes)
                message += QStringLiteral("; %1 is the sum of the shard file sizes (headers included), which some "
                                          "third-party tools write instead")
                               .arg(bytes(fileBytes));
            warn("TotalSizeMismatch", message + QLatin1Char('.'), indexName);
        }
    }
}

void ModelBuilder::addFiles(const QStringList& files, const QString& component)
{
    QStringList consequences;
    for (qsizetype i = 0; i < files.size(); ++i)
        consequences << QStringLiteral("its tensors are absent");
    for (const uint32_t shard : addShards(files, component, consequences)) {
        if (shard == UINT32_MAX)
            continue;
        addEntries(shard);
        reportRepeats(nullptr);
    }
}

std::vector<uint32_t> ModelBuilder::addShards(const QStringList& paths, const QString& component,
                                              const QStringList& consequences, ShardPrefetch* prefetch)
{
    // Each open maps a file and parses its header: independent work, so a 163-shard checkpoint reads its headers on
    // every core. Results are then taken in order, so shard numbers and warnings do not depend on timing.
    std::vector<std::optional<Result<std::shared_ptr<const SafetensorsFile>>>> files(static_cast<size_t>(paths.size()));
    if (m_files) { // a remote store fetches its headers concurrently itself
        auto opened = m_files->openFiles(paths, m_mode);
        for (size_t i = 0; i < files.size(); ++i)
            files[i].emplace(std::move(opened[i]));
    } else {
        // With a prefetch, its worker keeps opening shards on a core of its own, and the threads here skip the shard
        // it is opening rather than wait for it: waiting, they were idle behind it (it always took the next shard
        // first), and a 163-shard index was read on one core. The skipped ones are collected at the end.
        std::vector<char> skipped(files.size(), 0);
        forEachParallel(
            files.size(), 8,
            [&](size_t i) {
                const QString& path = paths[static_cast<qsizetype>(i)];
                if (!prefetch) {
                    files[i].emplace(SafetensorsFile::open(path, m_mode));
                } else if (auto taken = prefetch->takeUnlessOpening(path)) {
                    files[i].emplace(std::move(*taken));
                } else {
                    skipped[i] = 1;
                }
            },
            prefetch ? 1 : 0);
        for (size_t i = 0; i < files.size(); ++i)
            if (skipped[i] != 0)
                files[i].emplace(prefetch->take(paths[static_cast<qsizetype>(i)]));
    }

    std::vector<uint32_t> shards;
    shards.reserve(files.size());
    for (size_t i = 0; i < files.size(); ++i) {
        auto& file = *files[i];
        const QString& path = paths[static_cast<qsizetype>(i)];
        if (file) {
            addShard(std::move(*file), component);
            shards.push_back(static_cast<uint32_t>(m_model->m_shards.size() - 1));
            continue;
        }
        shards.push_back(UINT32_MAX);
        const Error& error = file.error();
        const QString label =
            (component.isEmpty() ? QString() : component + QLatin1Char('/')) + QFileInfo(path).fileName();
        const QString& consequence = consequences[static_cast<qsizetype>(i)];
        // A dangling symlink (an HF cache whose blob was never fetched) counts as missing too.
        const QString reason = QLatin1StringView(errorKindName(error.kind)) + QStringLiteral(": ") + error.message;
        if (m_files ? m_files->isMissing(path, error) : !QFileInfo::exists(path))
            warn("MissingShard",
                 QStringLiteral("Shard %1 is missing (%2); %3.").arg(inQuotes(label), reason, consequence), label);
        else
            warn("ShardUnreadable",
                 QStringLiteral("Shard %1 cannot be opened (%2); %3.").arg(inQuotes(label), reason, consequence),
                 label);
        if (!m_firstError)
            m_firstError = error;
    }
    return shards;
}

void ModelBuilder::addShard(std::shared_ptr<const SafetensorsFile> file, const QString& component)
{
    // QFileInfo would lose a name's non-UTF-8 bytes; a remote file keeps its URL.
    const QString path = m_files ? file->path() : absoluteLocalPath(file->path());
    m_model->m_shards.push_back(Model::Shard{path, component, std::move(file)});
}

void ModelBuilder::addEntries(uint32_t shard, bool trackNames)
{
    const Model::Shard& owner = m_model->m_shards[shard];
    const std::vector<TensorInfo>& tensors = owner.file->header().tensors;
    // Growing geometrically: reserving exactly this shard's count moved every earlier entry once per shard, which
    // was quadratic in shards (163 copies of up to 92,000 entries).
    if (const size_t needed = m_model->m_entries.size() + tensors.size(); needed > m_model->m_entries.capacity())
        m_model->m_entries.reserve(std::max(needed, 2 * m_model->m_entries.capacity()));
    const bool severalFiles = m_model->m_source != Model::Source::SingleFile;
    for (size_t i = 0; i < tensors.size(); ++i) {
        // Only component folders need a name of their own; elsewhere the entry reads the tensor's name.
        uint32_t componentName = Model::Entry::kOwnName;
        if (!owner.component.isEmpty()) {
            componentName = static_cast<uint32_t>(m_model->m_componentNames.size());
            m_model->m_componentNames.push_back(qualify(owner.component, tensors[i].name));
        }
        m_model->m_entries.push_back(Model::Entry{shard, static_cast<uint32_t>(i), componentName});
        if (!severalFiles)
            continue; // one header: a repeated name is that header's own warning (lenient mode)
        const auto entry = static_cast<uint32_t>(m_model->m_entries.size() - 1);
        if (!trackNames) {
            m_firstOf.push_back(entry);
            continue;
        }
        const uint32_t first = m_names.insert(entry, m_model->qualifiedName(entry));
        m_firstOf.push_back(first);
        // A repeated name inside one header is the header's own warning (lenient mode), not a sharding problem.
        if (first != entry && m_model->m_entries[first].shard != shard)
            m_repeats.push_back(Repeat{entry, first});
    }
}

void ModelBuilder::reportRepeats(const std::function<std::string_view(uint32_t first)>& placedIn)
{
    for (const Repeat& repeat : m_repeats) {
        const uint32_t shard = m_model->m_entries[repeat.entry].shard;
        const uint32_t firstShard = m_model->m_entries[repeat.first].shard;
        const std::string_view qualified = m_model->qualifiedName(repeat.entry);
        QString message = QStringLiteral("Tensor %1 is in both %2 and %3; looking it up by name gives the one in %2")
                              .arg(inQuotes(qualified), inQuotes(shardLabel(firstShard)), inQuotes(shardLabel(shard)));
        if (placedIn)
            if (const std::string_view listed = placedIn(repeat.first); !listed.empty())
                message += QStringLiteral(", the index places it in %1").arg(inQuotes(listed));
        warn("TensorInTwoShards", message + QLatin1Char('.'), shardLabel(shard), fromStd(qualified));
    }
    m_repeats.clear();
}

QString ModelBuilder::shardLabel(uint32_t shard) const
{
    const Model::Shard& owner = m_model->m_shards[shard];
    const QString name = QFileInfo(owner.path).fileName();
    return owner.component.isEmpty() ? name : owner.component + QLatin1Char('/') + name;
}

std::string ModelBuilder::qualify(const QString& component, std::string_view name)
{
    return component.isEmpty() ? std::string(name) : component.toStdString() + '/' + std::string(name);
}

void ModelBuilder::warn(const char* code, const QString& message, const QString& shard, const QString& tensor)
{
    m_consistency.push_back(Warning{QString::fromLatin1(code), message, tensor, shard, std::nullopt});
}

Result<std::shared_ptr<const Model>> ModelBuilder::finish()
{
    if (m_model->m_shards.empty())
        return m_firstError ? *m_firstError
                            : makeError(ErrorKind::IoError, QStringLiteral("no safetensors files could be opened"),
                                        m_model->m_path);
    const bool severalFiles = m_model->m_source != Model::Source::SingleFile;
    for (uint32_t shard = 0; shard < m_model->m_shards.size(); ++shard) {
        const Model::Shard& owner = m_model->m_shards[shard];
        for (Warning warning : owner.file->header().warnings) {
            warning.shard = shardLabel(shard);
            if (!owner.component.isEmpty() && !warning.tensor.isEmpty())
                warning.tensor = owner.component + QLatin1Char('/') + warning.tensor;
            // The header's message names the tensor but not the file: in a multi-file model, say which one.
            if (severalFiles)
                warning.message = warning.shard + QStringLiteral(": ") + warning.message;
            m_model->m_warnings.push_back(std::move(warning));
        }
    }
    m_model->m_warnings.insert(m_model->m_warnings.end(), std::make_move_iterator(m_consistency.begin()),
                               std::make_move_iterator(m_consistency.end()));
    m_model->finalize();
    return std::shared_ptr<const Model>(std::move(m_model));
}

} // namespace safescope
