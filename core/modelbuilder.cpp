#include "core/modelbuilder.h"

#include "core/localpath.h"
#include "core/modelfolder.h"
#include "core/shardindex.h"
#include "core/textutil.h"

#include <QDir>
#include <QFileInfo>

#include <unordered_set>

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

ModelBuilder::ModelBuilder(OpenMode mode) : m_mode(mode) {}

void ModelBuilder::start(Model::Source source, const QString& path)
{
    m_model.reset(new Model);
    m_model->m_source = source;
    m_model->m_path = path;
}

Result<std::shared_ptr<const Model>> ModelBuilder::openFile(const QString& path)
{
    auto file = SafetensorsFile::open(path, m_mode);
    if (!file)
        return file.error();
    start(Model::Source::SingleFile, path);
    addShard(std::move(*file), {});
    addEntries(0, nullptr);
    return finish();
}

std::shared_ptr<const Model> ModelBuilder::wrap(std::shared_ptr<const SafetensorsFile> file)
{
    start(Model::Source::SingleFile, file->path());
    addShard(std::move(file), {});
    addEntries(0, nullptr);
    return std::move(finish().value()); // cannot fail: there is a shard
}

Result<std::shared_ptr<const Model>> ModelBuilder::openIndex(const QString& path)
{
    start(Model::Source::ShardedIndex, path);
    if (Status status = addIndex(path, {}); !status)
        return status.error();
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
    auto parsed = readShardIndex(indexPath);
    if (!parsed)
        return parsed.error();
    const ShardIndex& index = *parsed;
    if (component.isEmpty()) {
        m_model->m_indexPath = indexPath;
        m_model->m_indexMetadata = index.metadata;
    }

    std::unordered_map<std::string_view, size_t> listed;
    Placement placement;
    placement.reserve(index.weightMap.size());
    for (const auto& [tensor, shard] : index.weightMap) {
        ++listed[shard];
        placement.emplace(tensor, shard);
    }

    const QDir dir = QFileInfo(indexPath).absoluteDir();
    std::vector<uint32_t> opened; // parallel to index.shards; UINT32_MAX when the shard could not be opened
    bool allOpened = true;
    for (const std::string& name : index.shards) {
        const size_t count = listed[name];
        const QString consequence = (count == 1 ? QStringLiteral("its tensor listed in %2 is absent")
                                                : QStringLiteral("its %1 tensors listed in %2 are absent").arg(count))
                                        .arg(inQuotes(QFileInfo(indexPath).fileName()));
        const auto shard = addShard(dir.filePath(fromStd(name)), component, consequence);
        opened.push_back(shard.value_or(UINT32_MAX));
        allOpened = allOpened && shard.has_value();
    }
    checkIndex(index, opened, placement, component, allOpened);
    for (const uint32_t shard : opened)
        if (shard != UINT32_MAX)
            addEntries(shard, &placement);
    return Ok{};
}

void ModelBuilder::checkIndex(const ShardIndex& index, const std::vector<uint32_t>& opened, const Placement& placement,
                              const QString& component, bool allOpened)
{
    const QString indexName =
        (component.isEmpty() ? QString() : component + QLatin1Char('/')) + QFileInfo(index.path).fileName();
    // Where each tensor really is, by shard name (names point into the shards' immutable headers).
    std::unordered_map<std::string_view, std::unordered_set<std::string_view>> contents;
    std::unordered_map<std::string_view, std::string_view> foundIn;
    for (size_t i = 0; i < index.shards.size(); ++i) {
        if (opened[i] == UINT32_MAX)
            continue;
        auto& names = contents[index.shards[i]];
        for (const TensorInfo& tensor : m_model->m_shards[opened[i]].file->header().tensors) {
            names.insert(tensor.name);
            foundIn.emplace(tensor.name, index.shards[i]);
        }
    }

    for (const auto& [tensor, shard] : index.weightMap) {
        const auto names = contents.find(shard);
        if (names == contents.end() || names->second.contains(tensor))
            continue; // an unopened shard was reported once, not once per tensor
        const std::string qualified = qualify(component, tensor);
        const QString label = (component.isEmpty() ? QString() : component + QLatin1Char('/')) + fromStd(shard);
        QString message = QStringLiteral("Tensor %1 is listed in %2 under shard %3, but that shard does not contain it")
                              .arg(inQuotes(qualified), inQuotes(indexName), inQuotes(label));
        if (const auto elsewhere = foundIn.find(tensor); elsewhere != foundIn.end())
            message += QStringLiteral(" (it is in %1)").arg(inQuotes(std::string(elsewhere->second)));
        warn("TensorNotInShard", message + QLatin1Char('.'), label, fromStd(qualified));
    }

    for (size_t i = 0; i < index.shards.size(); ++i) {
        if (opened[i] == UINT32_MAX)
            continue;
        for (const TensorInfo& tensor : m_model->m_shards[opened[i]].file->header().tensors) {
            if (placement.contains(tensor.name))
                continue;
            const std::string qualified = qualify(component, tensor.name);
            warn("TensorNotInIndex",
                 QStringLiteral("Tensor %1 is in shard %2 but not in the weight_map of %3; it is shown anyway.")
                     .arg(inQuotes(qualified), inQuotes(shardLabel(opened[i])), inQuotes(indexName)),
                 shardLabel(opened[i]), fromStd(qualified));
        }
    }

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
    for (const QString& path : files)
        if (const auto shard = addShard(path, component, QStringLiteral("its tensors are absent")))
            addEntries(*shard, nullptr);
}

std::optional<uint32_t> ModelBuilder::addShard(const QString& path, const QString& component,
                                               const QString& consequence)
{
    auto file = SafetensorsFile::open(path, m_mode);
    if (file) {
        addShard(std::move(*file), component);
        return static_cast<uint32_t>(m_model->m_shards.size() - 1);
    }
    const Error& error = file.error();
    const QString label = (component.isEmpty() ? QString() : component + QLatin1Char('/')) + QFileInfo(path).fileName();
    // A dangling symlink (an HF cache whose blob was never fetched) counts as missing too.
    const QString reason = QLatin1StringView(errorKindName(error.kind)) + QStringLiteral(": ") + error.message;
    if (!QFileInfo::exists(path))
        warn("MissingShard", QStringLiteral("Shard %1 is missing (%2); %3.").arg(inQuotes(label), reason, consequence),
             label);
    else
        warn("ShardUnreadable",
             QStringLiteral("Shard %1 cannot be opened (%2); %3.").arg(inQuotes(label), reason, consequence), label);
    if (!m_firstError)
        m_firstError = error;
    return std::nullopt;
}

void ModelBuilder::addShard(std::shared_ptr<const SafetensorsFile> file, const QString& component)
{
    const QString path = absoluteLocalPath(file->path()); // QFileInfo would lose a name's non-UTF-8 bytes
    m_model->m_shards.push_back(Model::Shard{path, component, std::move(file)});
}

void ModelBuilder::addEntries(uint32_t shard, const Placement* placement)
{
    const Model::Shard& owner = m_model->m_shards[shard];
    const std::vector<TensorInfo>& tensors = owner.file->header().tensors;
    m_model->m_entries.reserve(m_model->m_entries.size() + tensors.size());
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
        const std::string_view qualified = m_model->qualifiedName(m_model->m_entries.size() - 1);
        const auto [first, inserted] = m_firstShard.try_emplace(std::string(qualified), shard);
        // A repeated name inside one header is the header's own warning (lenient mode), not a sharding problem.
        if (!inserted && first->second != shard) {
            QString message =
                QStringLiteral("Tensor %1 is in both %2 and %3; looking it up by name gives the one in %2")
                    .arg(inQuotes(qualified), inQuotes(shardLabel(first->second)), inQuotes(shardLabel(shard)));
            if (placement != nullptr)
                if (const auto listed = placement->find(tensors[i].name); listed != placement->end())
                    message += QStringLiteral(", the index places it in %1").arg(inQuotes(std::string(listed->second)));
            warn("TensorInTwoShards", message + QLatin1Char('.'), shardLabel(shard), fromStd(qualified));
        }
    }
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
