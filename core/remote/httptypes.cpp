#include "core/remote/httptypes.h"

namespace safescope {

Status httpStatusError(const HttpResponse& response, const QUrl& url)
{
    const QString where = url.toDisplayString(QUrl::RemoveUserInfo);
    QString what;
    switch (response.status) {
    case 200:
    case 206:
        return Ok{};
    case 401:
        what = QStringLiteral("the server requires a login (HTTP 401): the repository is private or gated; set "
                              "HF_TOKEN or log in with `hf auth login`");
        break;
    case 403:
        what = QStringLiteral("access refused (HTTP 403): the token has no access to this repository (a gated "
                              "model must be accepted on its page first)");
        break;
    case 404:
        what = QStringLiteral("not found (HTTP 404): check the repository, revision and file name");
        break;
    case 416:
        what = QStringLiteral("the server refused the byte range (HTTP 416): the file is shorter than expected "
                              "or changed on the server");
        break;
    case 429:
        what = QStringLiteral("too many requests (HTTP 429), still refused after retrying: try again later");
        break;
    default:
        what = QStringLiteral("the server answered HTTP %1").arg(response.status);
        break;
    }
    return makeError(ErrorKind::IoError, QStringLiteral("%1: %2").arg(where, what), where);
}

} // namespace safescope
