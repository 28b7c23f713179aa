#pragma once

#include "core/format/model.h"
#include "core/format/modelfilesource.h"
#include "core/format/nametable.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace safescope {

class ShardPrefetch;

struct ShardIndex;

/// Assembles a Model from files, an index or a folder and records every inconsistency as a warning.
/// One builder builds one model; Model::open() and Model::fromFile() are its only users.
class ModelBuilder final
{
public:
    /// With `files`, the index and shards are read from it (a remote store) instead of the local file system.
    explicit ModelBuilder(OpenMode mode, std::shared_ptr<const ModelFileSource> files = nullptr);

    Result<std::shared_ptr<const Model>> openFile(const QString& path);
    Result<std::shared_ptr<const Model>> openIndex(const QString& path);
    Result<std::shared_ptr<const Model>> openFolder(const QString& path);
    /// Several files as one model, like a folder of .safetensors files without an index; `path` names the whole.
    Result<std::shared_ptr<const Model>> openFileList(const QString& path, const QStringList& files);
    std::shared_ptr<const Model> wrap(std::shared_ptr<const SafetensorsFile> file);

private:
    /// A tensor whose name an earlier shard already holds: reported once the index's placement is known.
    struct Repeat
    {
        uint32_t entry;
        uint32_t first; ///< the first entry with that name
    };

    void start(Model::Source source, const QString& path);
    Status addIndex(const QString& indexPath, const QString& component);
    /// Compares the index with the entries from `firstEntry` on (this index's shards, already added). Fills
    /// `listedShard`: by entry - firstEntry, for first entries of a name, the index's shard ordinal or UINT32_MAX.
    void checkIndex(const ShardIndex& index, const std::vector<uint32_t>& opened, const QString& component,
                    bool allOpened, size_t firstEntry, std::vector<uint32_t>& listedShard);
    void checkTotalSize(const ShardIndex& index, const std::vector<uint32_t>& opened, const QString& component,
                        bool allOpened);
    void addFiles(const QStringList& files, const QString& component);
    /// Opens every path at once (headers are read in parallel); failures become warnings ending with the path's
    /// consequence. Returns each path's shard number, or UINT32_MAX.
    std::vector<uint32_t> addShards(const QStringList& paths, const QString& component, const QStringList& consequences,
                                    ShardPrefetch* prefetch = nullptr);
    void addShard(std::shared_ptr<const SafetensorsFile> file, const QString& component);
    /// Appends the shard's tensors. With `trackNames`, names repeated from an earlier shard become m_repeats; without
    /// it (an index already found to match its shards exactly) the model-wide name table is skipped.
    void addEntries(uint32_t shard, bool trackNames = true);
    /// Warns of m_repeats (TensorInTwoShards); `placedIn` names the index's shard of an entry's name, if any.
    void reportRepeats(const std::function<std::string_view(uint32_t first)>& placedIn);
    QString shardLabel(uint32_t shard) const;
    static std::string qualify(const QString& component, std::string_view name);
    void warn(const char* code, const QString& message, const QString& shard, const QString& tensor = {});
    Result<std::shared_ptr<const Model>> finish();

    OpenMode m_mode;
    std::shared_ptr<const ModelFileSource> m_files; ///< null: local files
    std::shared_ptr<Model> m_model;
    std::vector<Warning> m_consistency; ///< appended after the shards' own warnings
    NameTable m_names;                  ///< qualified names of multi-file models, by entry
    std::vector<uint32_t> m_firstOf;    ///< by entry: the first entry with its name
    std::vector<Repeat> m_repeats;
    std::optional<Error> m_firstError; ///< returned when nothing at all could be opened
};

} // namespace safescope
