#pragma once

#include "core/format/error.h"

#include <QByteArray>
#include <QUrl>

#include <cstdint>
#include <optional>

namespace safescope {

/// One GET: the whole resource, or the byte range [begin, end) of it.
struct HttpRequest
{
    QUrl url;
    std::optional<std::pair<uint64_t, uint64_t>> range; ///< [begin, end), end exclusive; empty = whole resource
    QByteArray token;                                   ///< sent as "Authorization: Bearer" to the first host only
};

/// What came back. Every HTTP status is a response (the caller decides what a 404 means); failures to talk to the
/// server at all, after the retries, are Errors.
struct HttpResponse
{
    int status = 0;
    QByteArray body;                   ///< for a range request: exactly the bytes asked for (or fewer at the end)
    std::optional<uint64_t> totalSize; ///< the resource's size, from Content-Range (or the body of a 200)
    QByteArray etag;                   ///< ETag of the final response, quotes removed
    QByteArray linkedEtag;             ///< X-Linked-Etag (the Hub's LFS sha256 of a file), quotes removed
    QUrl finalUrl;                     ///< after redirects
    int attempts = 1;                  ///< requests sent for this result (retries and redirects included)
};

/// A plain-words error for a response that is not a success (401, 403, 404, 416, 429, 5xx), naming the URL; Ok for
/// 200 and 206.
Status httpStatusError(const HttpResponse& response, const QUrl& url);

} // namespace safescope
