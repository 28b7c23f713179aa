#pragma once

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <cstdint>
#include <map>
#include <vector>

namespace safescope::test {

/// A real nginx on 127.0.0.1 laid out like the Hugging Face Hub, for tests and benchmarks of remote models. Everything
/// (configuration, pid, logs, temporary folders, the files served) lives in one temporary folder; nginx runs in the
/// foreground as a child process and is stopped by the destructor. Repositories behave by their owner's name:
/// - any owner: /OWNER/REPO/resolve/REV/PATH served from disk with Range support;
/// - `cdn`: resolve answers 302 to a second server (the "CDN", another port), which refuses any request that
///   carries an Authorization header (400), as a check that the client drops the token when it leaves the Hub;
/// - `private`: the API and resolve answer 401 unless "Authorization: Bearer <token()>"; files go through the CDN;
/// - `throttled`: at most one request a second (nginx limit_req), others get 429 with "Retry-After: 1";
/// - `cut`: proxied to an internal server that sends 64 KiB at full speed and then stalls, so the proxy gives up
///   (proxy_read_timeout) and closes the connection in the middle of the body: a real mid-body close.
/// /api/models/OWNER/REPO/revision/REV is a JSON file written by publish() (siblings with sizes and LFS sha256).
/// Every request is logged as "port status body_bytes \"request\" \"range\" \"authorization\"" (see log()).
class HubServer final
{
public:
    HubServer();
    ~HubServer();
    HubServer(const HubServer&) = delete;
    HubServer& operator=(const HubServer&) = delete;

    /// Writes the configuration and starts nginx; false (with errorText()) when it cannot.
    bool start();
    QString errorText() const { return m_error; }

    QString endpoint() const; ///< http://127.0.0.1:PORT, what HF_ENDPOINT is set to
    static QByteArray token() { return "hub-test-token"; }

    /// Adds a file to a repository at a revision (folders created); for `cdn`/`private` owners it is stored where
    /// the CDN serves it.
    void addFile(const QString& repo, const QString& revision, const QString& path, const QByteArray& bytes);
    /// Writes the API JSON of the repository at the revision from the files added so far (LFS sha256 for
    /// .safetensors files, as the Hub lists them); `withSha` false leaves the lfs objects out.
    void publish(const QString& repo, const QString& revision, bool withSha = true);
    /// A plain URL of a file under the server's root (for http:// locations): /files/PATH.
    QString addPlainFile(const QString& path, const QByteArray& bytes);
    /// The folder the files of a repository revision are stored in.
    QString repoFolder(const QString& repo, const QString& revision) const;

    struct Request
    {
        int port = 0;
        int status = 0;
        uint64_t bodyBytes = 0;
        QString method;
        QString uri;
        QByteArray range;
        QByteArray authorization;
    };
    /// Every request served since the last clearLog() (all server blocks).
    std::vector<Request> log() const;
    /// Returns once the lines of every request finished so far are in the log (see the .cpp).
    void waitForLog() const;
    /// The requests the client made (the Hub and CDN ports; the cut proxy's internal upstream left out).
    std::vector<Request> clientRequests() const;
    void clearLog();

    int port() const { return m_port; }
    int cdnPort() const { return m_cdnPort; }
    /// A server that sends 600 KiB of a file at full speed, then one byte a second:
    /// http://127.0.0.1:slowPort()/files/PATH stalls a client reading past that (addPlainFile() files), for Cancel
    /// tests. Its requests are not logged.
    int slowPort() const { return m_slowPort; }

private:
    QString www() const { return m_dir.path() + QStringLiteral("/www"); }
    QString cdnRoot() const { return m_dir.path() + QStringLiteral("/cdn"); }
    bool storesOnCdn(const QString& repo) const;

    QTemporaryDir m_dir;
    QProcess m_nginx;
    int m_port = 0;
    int m_cdnPort = 0;
    int m_slowPort = 0;
    QString m_error;
    /// repo@rev -> path -> bytes' (size, sha256)
    std::map<QString, std::map<QString, std::pair<uint64_t, QByteArray>>> m_files;
};

} // namespace safescope::test
