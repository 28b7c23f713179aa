#include "core/format/model.h"

#include "core/format/modelbuilder.h"
#include "core/format/shardindex.h"
#include "core/io/localpath.h"
#include "core/io/pathstatus.h"
#include "core/io/regularfile.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace safescope {

Result<std::shared_ptr<const Model>> Model::open(const QString& path, OpenMode mode)
{
    const QFileInfo info(path);
    ModelBuilder builder(mode);
    if (const auto status = pathStatus(path)) { // by bytes: also non-UTF-8 names
        if (status->kind == platform::FileKind::Folder)
            return builder.openFolder(path);
        // A FIFO named like an index would block its reader: refuse it (and devices, sockets) before any open().
        if (Status regular = requireRegularFile(path, *status); !regular)
            return regular.error();
    }
    if (isShardIndexName(info.fileName()))
        return builder.openIndex(path);
    return builder.openFile(path);
}

std::shared_ptr<const Model> Model::fromFile(std::shared_ptr<const SafetensorsFile> file)
{
    return ModelBuilder(OpenMode::Lenient).wrap(std::move(file));
}

QString Model::displayName() const
{
    // QFileInfo("models/x/").fileName() is empty: a folder is named by QDir.
    const QString name = m_source == Source::Folder ? QDir(m_path).dirName() : QFileInfo(m_path).fileName();
    return name.isEmpty() ? m_path : name;
}

const TensorInfo& Model::tensor(size_t index) const
{
    if (m_entries.empty())
        return m_shards.front().file->header().tensors[index];
    const Entry& entry = m_entries[index];
    return m_shards[entry.shard].file->header().tensors[entry.tensor];
}

const unsigned char* Model::tensorData(size_t index) const
{
    return shardOf(index).file->tensorData(tensor(index));
}

uint64_t Model::absoluteOffset(size_t index) const
{
    return shardOf(index).file->absoluteOffset(tensor(index));
}

const NameIndex& Model::nameIndex() const
{
    std::call_once(m_byNameBuilt, [this] {
        // The first of two equal names wins.
        m_byName = NameIndex(static_cast<uint32_t>(m_tensorCount), [this](uint32_t i) { return qualifiedName(i); });
    });
    return m_byName;
}

std::optional<size_t> Model::find(std::string_view name) const
{
    if (const auto found = nameIndex().find(name, [this](uint32_t i) { return qualifiedName(i); }))
        return size_t{*found};
    return std::nullopt;
}

bool Model::hasRepeatedNames() const
{
    return nameIndex().hasRepeats();
}

const std::vector<MetadataEntry>& Model::metadata() const
{
    static const std::vector<MetadataEntry> none;
    return m_shards.empty() ? none : m_shards.front().file->header().metadata;
}

MetadataState Model::metadataState() const
{
    return m_shards.empty() ? MetadataState::Absent : m_shards.front().file->header().metadataState;
}

uint64_t Model::totalFileBytes() const
{
    uint64_t total = 0;
    for (const Shard& shard : m_shards)
        total += shard.file->header().fileSize;
    return total;
}

void Model::finalize()
{
    m_tensorCount = m_entries.size();
    const bool identity = m_shards.size() == 1 && std::ranges::all_of(m_entries, [&](const Entry& entry) {
                              return entry.shard == 0 &&
                                     entry.tensor == static_cast<uint32_t>(&entry - m_entries.data()) &&
                                     entry.componentName == Entry::kOwnName;
                          });
    if (identity)
        std::vector<Entry>().swap(m_entries); // entry() answers without them
    m_totalParameters = 0;
    m_totalBytes = 0;
    for (size_t i = 0; i < m_tensorCount; ++i) {
        const TensorInfo& info = tensor(i);
        m_totalParameters += info.elementCount;
        m_totalBytes += info.byteSize();
    }
}

Status Model::verifyUnchanged() const
{
    for (const Shard& shard : m_shards)
        if (Status same = shard.file->verifyUnchanged(); !same)
            return same;
    return Ok{};
}

} // namespace safescope
