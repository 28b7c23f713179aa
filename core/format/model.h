#pragma once

#include "core/format/error.h"
#include "core/format/header.h"
#include "core/format/headerparser.h"
#include "core/format/nameindex.h"
#include "core/format/safetensorsfile.h"
#include "core/format/warning.h"

#include <QString>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace safescope {

/// A logical checkpoint: one .safetensors file, a sharded index (*.safetensors.index*.json), or a folder
/// (a Hugging Face model folder, diffusers component subfolders, or a plain folder of .safetensors files).
/// Immutable once opened; share it across threads with shared_ptr<const Model>.
class Model final
{
public:
    enum class Source : uint8_t
    {
        SingleFile,
        ShardedIndex,
        Folder
    };

    /// One opened file of the model.
    struct Shard
    {
        QString path;      ///< absolute path of the .safetensors file
        QString component; ///< diffusers component ("unet", "text_encoder"), empty for the top level
        std::shared_ptr<const SafetensorsFile> file;
    };

    /// One tensor of the model, pointing into its shard's header.
    struct Entry
    {
        uint32_t shard = 0;
        uint32_t tensor = 0; ///< index into shard.file->header().tensors
        /// Index into the model's "component/name" strings for diffusers component folders; kOwnName elsewhere,
        /// where the tensor's own name is the qualified name (no second copy of every name: see qualifiedName()).
        uint32_t componentName = kOwnName;
        static constexpr uint32_t kOwnName = UINT32_MAX;
    };

    /// Opens a file, an index or a folder, deciding by what `path` is. Consistency problems of sharded models
    /// (missing shard, tensor not where the index says, ...) become warnings with the shard and tensor named.
    static Result<std::shared_ptr<const Model>> open(const QString& path, OpenMode mode = OpenMode::Lenient);

    /// Wraps an already opened single file (used by tests and by the editor after a save).
    static std::shared_ptr<const Model> fromFile(std::shared_ptr<const SafetensorsFile> file);

    // Entries are indexed by string_views into m_entries: a copy would point into the original.
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    Source source() const { return m_source; }
    const QString& path() const { return m_path; } ///< what the user opened
    QString displayName() const;                   ///< file or folder name for titles and tabs

    const std::vector<Shard>& shards() const { return m_shards; }
    size_t tensorCount() const { return m_tensorCount; }
    Entry entry(size_t index) const
    {
        return m_entries.empty() ? Entry{0, static_cast<uint32_t>(index), Entry::kOwnName} : m_entries[index];
    }
    uint32_t shardIndexOf(size_t index) const { return m_entries.empty() ? 0 : m_entries[index].shard; }
    const TensorInfo& tensor(size_t index) const;
    const Shard& shardOf(size_t index) const { return m_shards[shardIndexOf(index)]; }
    std::string_view qualifiedName(size_t index) const
    {
        const Entry found = entry(index);
        return found.componentName == Entry::kOwnName ? tensor(index).name
                                                      : std::string_view(m_componentNames[found.componentName]);
    }
    /// First byte of tensor `index` inside its shard's mapping.
    const unsigned char* tensorData(size_t index) const;
    uint64_t absoluteOffset(size_t index) const;
    /// Index of the tensor with this qualified name: the first of them when a lenient open kept a name twice.
    std::optional<size_t> find(std::string_view qualifiedName) const;
    /// Whether some qualified name belongs to two tensors (a lenient open of a file or shards that repeat a name).
    bool hasRepeatedNames() const;

    /// `__metadata__` of a single file, or of the first shard of a sharded model (shards usually agree).
    const std::vector<MetadataEntry>& metadata() const;
    MetadataState metadataState() const;
    /// The index file's "metadata" object, values as compact JSON text (sharded models only).
    const std::vector<MetadataEntry>& indexMetadata() const { return m_indexMetadata; }
    QString indexPath() const { return m_indexPath; }

    /// Every shard's lenient-open warnings plus sharding inconsistencies.
    const std::vector<Warning>& warnings() const { return m_warnings; }

    uint64_t totalParameters() const { return m_totalParameters; }
    uint64_t totalTensorBytes() const { return m_totalBytes; }
    uint64_t totalFileBytes() const; ///< sum of shard file sizes

    /// FileChanged naming the first shard that changed on disk since the model was opened: call it after reading
    /// tensor bytes, whose values may otherwise mix two versions of a file.
    Status verifyUnchanged() const;

private:
    friend class ModelBuilder;
    Model() = default;
    void finalize();                    ///< fills totals and the name index once shards and entries are set
    const NameIndex& nameIndex() const; ///< built at the first call

    Source m_source = Source::SingleFile;
    QString m_path;
    QString m_indexPath;
    std::vector<Shard> m_shards;
    /// Empty when entry i is tensor i of the only shard (a single file): 12 bytes a tensor saved where it is common.
    std::vector<Entry> m_entries;
    size_t m_tensorCount = 0;
    std::vector<std::string> m_componentNames; ///< qualified names of component-folder tensors
    std::vector<MetadataEntry> m_indexMetadata;
    std::vector<Warning> m_warnings;
    // Built by the first find(): the viewer rarely looks a name up, and a 100,000-tensor model saves 1 MiB and a pass
    // over every name at open. call_once keeps the shared, otherwise immutable Model safe across threads.
    mutable std::once_flag m_byNameBuilt;
    mutable NameIndex m_byName;
    uint64_t m_totalParameters = 0;
    uint64_t m_totalBytes = 0;
};

} // namespace safescope
