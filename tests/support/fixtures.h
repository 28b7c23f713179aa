#pragma once

#include <QByteArray>
#include <QString>
#include <QTemporaryDir>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace safescope::test {

/// A file image: the 8-byte little-endian length, the header text exactly as given, then `data`.
/// Deliberately independent of the project's writer so tests can build malformed files.
QByteArray rawFile(const QByteArray& header, const QByteArray& data = {});

/// Same, but with an explicit length field (to lie about N).
QByteArray rawFileWithLength(uint64_t length, const QByteArray& header, const QByteArray& data = {});

/// One tensor entry as compact JSON: "name":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}
QByteArray tensorJson(const QByteArray& name, const QByteArray& dtype, const std::vector<uint64_t>& shape,
                      uint64_t begin, uint64_t end);

/// Writes `bytes` to `dir/name` and returns the path; fails the test on error.
QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& bytes);

/// `count` deterministic pseudo-random bytes (seeded), for tensor payloads.
QByteArray patternBytes(size_t count, uint32_t seed = 1);

/// A tensor's shape (a view into its header) as a vector, for QCOMPARE against expected dimensions.
inline std::vector<uint64_t> dimsOf(std::span<const uint64_t> shape)
{
    return {shape.begin(), shape.end()};
}

} // namespace safescope::test
