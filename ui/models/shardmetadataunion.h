#pragma once

#include "core/format/header.h"

#include <QCoreApplication>
#include <QString>
#include <QStringList>

#include <optional>
#include <string>
#include <vector>

namespace safescope {

class Model;

/// The `__metadata__` of every shard side by side, for the metadata page's "All shards" scope: the union of their
/// keys (in order of first appearance, shard by shard) and each shard's value of each key, or its absence.
///
/// Editing in that scope works on editorEntries(): a key every shard holds with one value appears with that value;
/// any other key appears with a summary in place of its value ("‹differs across 3 shards›"). A save writes only
/// the keys the user added, changed or removed, into every shard, so a summary is never written and every shard
/// keeps its own value of each key left alone.
class ShardMetadataUnion final
{
    Q_DECLARE_TR_FUNCTIONS(ShardMetadataUnion)

public:
    struct Key
    {
        std::string key;
        std::vector<std::optional<std::string>> values; ///< one per shard; nullopt where the shard lacks the key
        bool isUniform() const;                         ///< every shard has it, with one value
    };

    ShardMetadataUnion() = default;
    explicit ShardMetadataUnion(const Model& model);
    /// `shardNames[i]` names the shard whose metadata is `metadata[i]`.
    ShardMetadataUnion(QStringList shardNames, const std::vector<std::vector<MetadataEntry>>& metadata);

    const QStringList& shardNames() const { return m_names; }
    const std::vector<Key>& keys() const { return m_keys; }
    const Key* find(const QString& key) const;

    /// One entry per key: its value when uniform, else its summary.
    std::vector<MetadataEntry> editorEntries() const;
    /// "‹differs across 3 shards›", "‹missing in model-00002-of-00002.safetensors› value", ...; empty when uniform.
    QString summary(const Key& key) const;
    /// Whether an editor row (`key`, `value`) still shows the summary of a key that is not uniform: a row the user
    /// has not given a value of its own.
    bool isSummaryRow(const QString& key, const QString& value) const;
    /// The value an edit of `key` starts from: the first shard's that has the key.
    QString firstValue(const QString& key) const;
    /// Every shard's value of `key`, for the side panel.
    QString details(const QString& key) const;

private:
    QStringList m_names;
    std::vector<Key> m_keys;
};

} // namespace safescope
