#include "core/remote/remoteheaders.h"

#include "core/format/sniffer.h"
#include "core/remote/blockcache.h"
#include "core/remote/httpclient.h"
#include "core/remote/remotefile.h"

#include <cstring>
#include <optional>

namespace safescope {

namespace {

/// What the first range told about one file.
struct Partial
{
    QByteArray bytes;  ///< the file's first bytes
    uint64_t size = 0; ///< the whole file's size
    QByteArray etag;
    QByteArray linkedEtag;
    uint64_t needed = 0; ///< bytes the parser needs: min(size, 8 + N) when N is plausible, else what we have
};

Result<Partial> firstRange(Result<HttpResponse>& answer, const QUrl& url)
{
    if (!answer)
        return answer.error();
    HttpResponse& response = *answer;
    Partial partial;
    if (response.status == 416 && response.totalSize == 0) { // an empty file has no byte 0 to serve
        partial.size = 0;
        return partial;
    }
    if (Status status = httpStatusError(response, url); !status)
        return status.error();
    if (!response.totalSize) {
        const QString where = url.toString();
        return makeError(
            ErrorKind::IoError,
            QStringLiteral("%1: the server did not say how long the file is (no Content-Range)").arg(where), where);
    }
    partial.bytes = std::move(response.body);
    partial.size = *response.totalSize;
    partial.etag = response.etag;
    partial.linkedEtag = response.linkedEtag;
    partial.needed = static_cast<uint64_t>(partial.bytes.size());
    if (partial.bytes.size() >= 8) {
        uint64_t length = 0;
        std::memcpy(&length, partial.bytes.constData(), 8); // little-endian, as the hosts this builds for
        // Only a length the parser will accept is worth a second request; otherwise it fails on what is here.
        if (length <= kMaxHeaderLength && 8 + length <= partial.size)
            partial.needed = std::max(partial.needed, 8 + length);
    }
    return partial;
}

Result<std::shared_ptr<const SafetensorsFile>> parseRemote(const Partial& partial, const RemoteFileRequest& file,
                                                           OpenMode mode, HttpClient& client, BlockCache& cache)
{
    const QString where = file.url.toString();
    const auto* data = reinterpret_cast<const unsigned char*>(partial.bytes.constData());
    auto header = parseHeader(data, static_cast<uint64_t>(partial.bytes.size()), partial.size, mode, where);
    if (!header) {
        Error error = header.error();
        const SniffResult sniffed = sniffFormat(data, static_cast<uint64_t>(partial.bytes.size()));
        if (sniffed.format != SniffedFormat::Unrecognised && error.kind <= ErrorKind::InvalidHeaderDeserialization) {
            error.detectedFormat = sniffed.name;
            error.message =
                sniffed.explanation + QStringLiteral(" (The safetensors reader says: %1.)").arg(error.message);
        }
        return error;
    }
    RemoteFile::Identity identity;
    identity.url = file.url;
    identity.size = partial.size;
    identity.etag = partial.etag;
    identity.sha256 = !file.sha256.isEmpty()            ? file.sha256
                      : partial.linkedEtag.size() == 64 ? partial.linkedEtag.toLower()
                                                        : QByteArray();
    identity.token = file.token;
    auto source = std::make_shared<const RemoteFile>(std::move(identity), client, cache);
    return SafetensorsFile::fromSource(std::move(source), std::move(*header));
}

} // namespace

std::vector<Result<std::shared_ptr<const SafetensorsFile>>> openRemoteFiles(const std::vector<RemoteFileRequest>& files,
                                                                            OpenMode mode, HttpClient& client,
                                                                            BlockCache& cache,
                                                                            const std::atomic_bool* cancel)
{
    std::vector<HttpRequest> first;
    first.reserve(files.size());
    for (const RemoteFileRequest& file : files)
        first.push_back({file.url, std::pair<uint64_t, uint64_t>{0, kSpeculativeHeaderBytes}, file.token});
    auto answers = client.run(first, cancel);

    std::vector<std::optional<Result<Partial>>> partials(files.size());
    std::vector<HttpRequest> rest;
    std::vector<size_t> restOf;
    for (size_t i = 0; i < files.size(); ++i) {
        partials[i].emplace(firstRange(answers[i], files[i].url));
        if (!*partials[i])
            continue;
        const Partial& partial = partials[i]->value();
        const auto have = static_cast<uint64_t>(partial.bytes.size());
        if (partial.needed > have) { // exactly the rest: [have, 8 + N)
            rest.push_back({files[i].url, std::pair{have, partial.needed}, files[i].token});
            restOf.push_back(i);
        }
    }
    auto more = client.run(rest, cancel);
    for (size_t k = 0; k < rest.size(); ++k) {
        auto& answer = more[k];
        Result<Partial>& partial = *partials[restOf[k]];
        if (!answer) {
            partial = answer.error();
            continue;
        }
        if (Status status = httpStatusError(*answer, files[restOf[k]].url); !status) {
            partial = status.error();
            continue;
        }
        if (answer->totalSize && *answer->totalSize != partial->size) {
            const QString where = files[restOf[k]].url.toString();
            partial = makeError(ErrorKind::FileChanged,
                                QStringLiteral("%1 changed on the server while its header was read").arg(where), where);
            continue;
        }
        partial->bytes += answer->body;
    }

    std::vector<Result<std::shared_ptr<const SafetensorsFile>>> opened;
    opened.reserve(files.size());
    for (size_t i = 0; i < files.size(); ++i) {
        if (!*partials[i])
            opened.emplace_back(partials[i]->error());
        else
            opened.push_back(parseRemote(partials[i]->value(), files[i], mode, client, cache));
    }
    return opened;
}

} // namespace safescope
