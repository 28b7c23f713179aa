#pragma once

#include "core/model.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace safescope {

struct ShardIndex;

/// Assembles a Model from files, an index or a folder and records every inconsistency as a warning.
/// One builder builds one model; Model::open() and Model::fromFile() are its only users.
class ModelBuilder final
{
public:
    explicit ModelBuilder(OpenMode mode);

    Result<std::shared_ptr<const Model>> openFile(const QString& path);
    Result<std::shared_ptr<const Model>> openIndex(const QString& path);
    Result<std::shared_ptr<const Model>> openFolder(const QString& path);
    std::shared_ptr<const Model> wrap(std::shared_ptr<const SafetensorsFile> file);

private:
    using Placement = std::unordered_map<std::string_view, std::string_view>; ///< tensor -> shard, from weight_map

    void start(Model::Source source, const QString& path);
    Status addIndex(const QString& indexPath, const QString& component);
    void checkIndex(const ShardIndex& index, const std::vector<uint32_t>& opened, const Placement& placement,
                    const QString& component, bool allOpened);
    void addFiles(const QStringList& files, const QString& component);
    /// Opens one shard; a failure becomes a warning ending with `consequence` and returns nothing.
    std::optional<uint32_t> addShard(const QString& path, const QString& component, const QString& consequence);
    void addShard(std::shared_ptr<const SafetensorsFile> file, const QString& component);
    void addEntries(uint32_t shard, const Placement* placement);
    QString shardLabel(uint32_t shard) const;
    static std::string qualify(const QString& component, std::string_view name);
    void warn(const char* code, const QString& message, const QString& shard, const QString& tensor = {});
    Result<std::shared_ptr<const Model>> finish();

    OpenMode m_mode;
    std::shared_ptr<Model> m_model;
    std::vector<Warning> m_consistency;                     ///< appended after the shards' own warnings
    std::unordered_map<std::string, uint32_t> m_firstShard; ///< qualified name -> first shard holding it
    std::optional<Error> m_firstError;                      ///< returned when nothing at all could be opened
};

} // namespace safescope
