#pragma once

#include "core/format/error.h"
#include "core/format/headerparser.h"
#include "core/format/safetensorsfile.h"

#include <QByteArray>
#include <QUrl>

#include <atomic>
#include <memory>
#include <vector>

namespace safescope {

class BlockCache;
class HttpClient;

/// One remote .safetensors file to open.
struct RemoteFileRequest
{
    QUrl url;
    QByteArray sha256; ///< published SHA-256, when the Hub API gave one
    QByteArray token;
};

/// The first range asked for, before the header length is known: huggingface_hub's get_safetensors_metadata asks
/// for "bytes=0-100000", 100,001 bytes. A header that fits (8 + N <= 100,001) costs one request; a longer one a
/// second request for exactly the rest.
inline constexpr uint64_t kSpeculativeHeaderBytes = 100'001;

/// Opens remote files by their headers alone: every file's first range in one batch (several in flight), then one
/// more batch for the headers longer than it. Each header goes through parseHeader(), so remote files get the same
/// validation, error kinds and messages as local ones (and the sniffer's "this is a Git LFS pointer"). results[i]
/// answers files[i].
std::vector<Result<std::shared_ptr<const SafetensorsFile>>> openRemoteFiles(const std::vector<RemoteFileRequest>& files,
                                                                            OpenMode mode, HttpClient& client,
                                                                            BlockCache& cache,
                                                                            const std::atomic_bool* cancel = nullptr);

} // namespace safescope
