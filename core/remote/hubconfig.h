#pragma once

#include <QByteArray>
#include <QUrl>

namespace safescope {

/// Where the Hub is and who the user is, read the way huggingface_hub reads them, so a user logged in with `hf auth
/// login` needs nothing more: HF_ENDPOINT (default https://huggingface.co); the token from HF_TOKEN, else the file
/// HF_TOKEN_PATH, else $HF_HOME/token (HF_HOME defaulting to $XDG_CACHE_HOME/huggingface, then
/// ~/.cache/huggingface).
struct HubConfig
{
    QUrl endpoint;
    QByteArray token; ///< empty when none

    static HubConfig fromEnvironment();

    /// {endpoint}/api/models/{repo}/revision/{revision}?blobs=true: the file list with sizes and LFS sha256.
    QUrl apiUrl(const QString& repo, const QString& revision) const;
    /// {endpoint}/{repo}/resolve/{revision}/{path}: the file itself (the Hub redirects LFS files to its CDN).
    QUrl fileUrl(const QString& repo, const QString& revision, const QString& path) const;
    /// The token is sent to the endpoint's own host only, never to another server a URL names.
    QByteArray tokenFor(const QUrl& url) const;
};

} // namespace safescope
