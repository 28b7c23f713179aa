#pragma once

#include "core/format/error.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <cstdint>
#include <optional>

namespace safescope {

/// The whole of a small file of a remote model (config.json, quantize_config.json beside the weights), fetched in
/// one GET through the shared HttpClient with the Hub's token when the URL is on the Hub. A file larger than
/// `maxBytes` is refused (a config is kilobytes; a mistaken URL may name gigabytes), a non-success status is the
/// plain-words error of httpStatusError(), naming the URL.
Result<QByteArray> fetchRemoteTextFile(const QString& url, const std::atomic_bool* cancel = nullptr,
                                       uint64_t maxBytes = uint64_t(16) << 20);

/// The same, for a file that may not be there: HTTP 404 is nullopt, not an error.
Result<std::optional<QByteArray>> fetchRemoteTextFileIfPresent(const QString& url,
                                                               const std::atomic_bool* cancel = nullptr,
                                                               uint64_t maxBytes = uint64_t(16) << 20);

} // namespace safescope
