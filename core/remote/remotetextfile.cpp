#include "core/remote/remotetextfile.h"

#include "core/remote/httpclient.h"
#include "core/remote/hubconfig.h"

#include <QUrl>

namespace safescope {

Result<std::optional<QByteArray>> fetchRemoteTextFileIfPresent(const QString& url, const std::atomic_bool* cancel,
                                                               uint64_t maxBytes)
{
    const QUrl address(url);
    const HubConfig config = HubConfig::fromEnvironment();
    // A range, not a plain GET: a URL that names a huge file costs at most maxBytes + 1 bytes.
    auto answer = HttpClient::shared().get(
        {address, std::pair<uint64_t, uint64_t>{0, maxBytes + 1}, config.tokenFor(address)}, cancel);
    if (!answer)
        return answer.error();
    if (answer->status == 404)
        return std::optional<QByteArray>();
    if (Status ok = httpStatusError(*answer, address); !ok)
        return ok.error();
    if (static_cast<uint64_t>(answer->body.size()) > maxBytes)
        return makeError(ErrorKind::IoError,
                         QStringLiteral("%1: larger than %2 bytes, too large for a config file").arg(url).arg(maxBytes),
                         url);
    return std::optional<QByteArray>(answer->body);
}

Result<QByteArray> fetchRemoteTextFile(const QString& url, const std::atomic_bool* cancel, uint64_t maxBytes)
{
    auto text = fetchRemoteTextFileIfPresent(url, cancel, maxBytes);
    if (!text)
        return text.error();
    if (!*text) {
        const QUrl address(url);
        return makeError(ErrorKind::IoError,
                         QStringLiteral("%1: not found (HTTP 404): check the repository, revision and file name")
                             .arg(address.toDisplayString(QUrl::RemoveUserInfo)),
                         url);
    }
    return std::move(**text);
}

} // namespace safescope
