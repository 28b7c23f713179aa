#pragma once

#include <QByteArray>
#include <QString>
#include <QTemporaryDir>

#include <cstdint>

namespace safescope::test {

/// A small valid checkpoint written byte by byte: F32 "a.weight" [4,4], BF16 "b.bias" [8], U8 "c.mask" [5], in
/// name order (not the reference order, so a layout-preserving edit is visible), with `metadataJson` (e.g.
/// `{"format":"pt"}`; empty for none) and `padding` trailing spaces after the JSON.
QString makeCheckpoint(const QTemporaryDir& dir, const QString& name, const QByteArray& metadataJson, int padding,
                       uint32_t seed = 7);

QByteArray readBytes(const QString& path);
/// The bytes after 8 + N: what an edit must never change.
QByteArray dataRegion(const QString& path);
uint64_t headerLengthOf(const QString& path);
QByteArray sha256Of(const QByteArray& bytes);
/// sha256Of() the whole file: proves a save left a file byte for byte as it was.
QByteArray fileSha256(const QString& path);

/// A sharded model: two U8 shards ("x" = "aaaa", "y" = "bbbb") with their own metadata ({"format":"pt","shard":"1"}
/// and "2"), `padding` spaces of header room each (room for small in-place edits), and the index
/// model.safetensors.index.json (metadata {"total_size":8}), whose path is returned.
QString writeTwoShardModel(const QTemporaryDir& dir, int padding = 0);

/// While alive, the process's effective user is "nobody" when it runs as root, so that permission bits are
/// enforced (root ignores them). Files meant to be read by it must be world-readable.
class Unprivileged final
{
public:
    Unprivileged();
    ~Unprivileged();
    Unprivileged(const Unprivileged&) = delete;
    Unprivileged& operator=(const Unprivileged&) = delete;

private:
    bool m_switched = false;
};

} // namespace safescope::test
