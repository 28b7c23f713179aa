#include "support/hubserver.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <nlohmann/json.hpp>

#include <unistd.h>

namespace safescope::test {

namespace {

int freePort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

bool writeBytes(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile out(path);
    return out.open(QIODevice::WriteOnly | QIODevice::Truncate) && out.write(bytes) == bytes.size();
}

} // namespace

HubServer::HubServer() = default;

HubServer::~HubServer()
{
    if (m_nginx.state() != QProcess::NotRunning) {
        m_nginx.terminate(); // SIGTERM: nginx's fast shutdown; the master stops its worker
        if (!m_nginx.waitForFinished(5000)) {
            m_nginx.kill();
            m_nginx.waitForFinished(2000);
        }
    }
}

QString HubServer::endpoint() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

bool HubServer::storesOnCdn(const QString& repo) const
{
    return repo.startsWith(QLatin1String("cdn/")) || repo.startsWith(QLatin1String("private/"));
}

QString HubServer::repoFolder(const QString& repo, const QString& revision) const
{
    return (storesOnCdn(repo) ? cdnRoot() : www()) + QLatin1Char('/') + repo + QStringLiteral("/resolve/") + revision;
}

bool HubServer::start()
{
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("no temporary folder");
        return false;
    }
    const QString nginx = QStandardPaths::findExecutable(
        QStringLiteral("nginx"),
        {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin"), QStringLiteral("/usr/local/sbin")});
    if (nginx.isEmpty()) {
        m_error = QStringLiteral("nginx is not installed (Debian: nginx-light)");
        return false;
    }
    m_port = freePort();
    m_cdnPort = freePort();
    m_slowPort = freePort();
    const QString dir = m_dir.path();
    for (const char* sub : {"www", "cdn", "tmp", "logs"})
        QDir(dir).mkpath(QString::fromLatin1(sub));
    const QByteArray bearer = "Bearer " + token();
    QString conf;
    // Workers of a root master run as "nobody", who cannot read a 0700 temporary folder: keep them root then.
    if (::geteuid() == 0)
        conf += QStringLiteral("user root;\n");
    conf += QStringLiteral(R"(worker_processes 1;
daemon off;
pid DIR/nginx.pid;
error_log DIR/logs/error.log warn;
events { worker_connections 1024; }
http {
  default_type application/octet-stream;
  sendfile on;
  keepalive_timeout 60s;
  keepalive_requests 100000;
  client_body_temp_path DIR/tmp/body;
  proxy_temp_path DIR/tmp/proxy;
  fastcgi_temp_path DIR/tmp/fastcgi;
  uwsgi_temp_path DIR/tmp/uwsgi;
  scgi_temp_path DIR/tmp/scgi;
  log_format hub '$server_port $status $body_bytes_sent "$request" "$http_range" "$http_authorization"';
  access_log DIR/logs/access.log hub;
  limit_req_zone $server_port zone=throttle:1m rate=1r/s;
  limit_req_status 429;
  server {
    listen 127.0.0.1:PORT;
    root DIR/www;
    location /api/models/private/ {
      if ($http_authorization != "BEARER") { return 401; }
      default_type application/json;
      try_files $uri.json =404;
    }
    location /api/ {
      default_type application/json;
      try_files $uri.json =404;
    }
    location /private/ {
      if ($http_authorization != "BEARER") { return 401; }
      return 302 http://127.0.0.1:CDNPORT$uri;
    }
    location /cdn/ {
      return 302 http://127.0.0.1:CDNPORT$uri;
    }
    location /throttled/ {
      limit_req zone=throttle;
      add_header Retry-After 1 always;
    }
    location /cut/ {
      proxy_pass http://127.0.0.1:SLOWPORT;
      proxy_http_version 1.1;
      proxy_buffering off;
      proxy_read_timeout 300ms;
    }
    location / { }
  }
  server {
    listen 127.0.0.1:CDNPORT;
    root DIR/cdn;
    location / {
      if ($http_authorization != "") { return 400; }
    }
  }
  server {
    listen 127.0.0.1:SLOWPORT;
    root DIR/www;
    limit_rate_after 600k;
    limit_rate 1;
  }
}
)");
    conf.replace(QLatin1String("DIR"), dir)
        .replace(QLatin1String("CDNPORT"), QString::number(m_cdnPort))
        .replace(QLatin1String("SLOWPORT"), QString::number(m_slowPort))
        .replace(QLatin1String("PORT"), QString::number(m_port))
        .replace(QLatin1String("BEARER"), QString::fromLatin1(bearer));
    const QString confPath = dir + QStringLiteral("/nginx.conf");
    if (!writeBytes(confPath, conf.toUtf8())) {
        m_error = QStringLiteral("cannot write %1").arg(confPath);
        return false;
    }
    m_nginx.setProcessChannelMode(QProcess::MergedChannels);
    m_nginx.start(nginx, {QStringLiteral("-p"), dir, QStringLiteral("-c"), confPath, QStringLiteral("-e"),
                          dir + QStringLiteral("/logs/error.log")});
    if (!m_nginx.waitForStarted(5000)) {
        m_error = QStringLiteral("nginx did not start: %1").arg(m_nginx.errorString());
        return false;
    }
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 10000) {
        if (m_nginx.state() == QProcess::NotRunning) {
            m_error = QStringLiteral("nginx exited: %1").arg(QString::fromLocal8Bit(m_nginx.readAll()));
            return false;
        }
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, static_cast<quint16>(m_port));
        if (probe.waitForConnected(200)) {
            probe.disconnectFromHost();
            clearLog();
            return true;
        }
        QThread::msleep(20);
    }
    m_error = QStringLiteral("nginx did not listen on port %1").arg(m_port);
    return false;
}

void HubServer::addFile(const QString& repo, const QString& revision, const QString& path, const QByteArray& bytes)
{
    writeBytes(repoFolder(repo, revision) + QLatin1Char('/') + path, bytes);
    m_files[repo + QLatin1Char('@') + revision][path] = {
        static_cast<uint64_t>(bytes.size()), QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()};
}

void HubServer::publish(const QString& repo, const QString& revision, bool withSha)
{
    nlohmann::json siblings = nlohmann::json::array();
    for (const auto& [path, file] : m_files[repo + QLatin1Char('@') + revision]) {
        nlohmann::json sibling{{"rfilename", path.toStdString()}, {"size", file.first}};
        if (withSha && path.endsWith(QLatin1String(".safetensors")))
            sibling["lfs"] = {{"sha256", file.second.toStdString()}, {"size", file.first}, {"pointerSize", 135}};
        siblings.push_back(std::move(sibling));
    }
    const nlohmann::json api{{"id", repo.toStdString()},
                             {"sha", "0123456789abcdef0123456789abcdef01234567"},
                             {"siblings", std::move(siblings)}};
    writeBytes(www() + QStringLiteral("/api/models/") + repo + QStringLiteral("/revision/") + revision +
                   QStringLiteral(".json"),
               QByteArray::fromStdString(api.dump()));
}

QString HubServer::addPlainFile(const QString& path, const QByteArray& bytes)
{
    writeBytes(www() + QStringLiteral("/files/") + path, bytes);
    return endpoint() + QStringLiteral("/files/") + path;
}

// nginx writes a request's log line after the last byte of its response went out, so a client can read the log
// before the line of the request it just finished is there. One worker serves requests one event at a time: once the
// line of a later request (this marker) is in the log, every earlier request's line is too.
void HubServer::waitForLog() const
{
    static int markers = 0;
    const QByteArray marker = "/__log-marker/" + QByteArray::number(++markers);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, static_cast<quint16>(m_port));
    if (!socket.waitForConnected(5000))
        return;
    socket.write("GET " + marker + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    socket.waitForBytesWritten(5000);
    while (socket.state() == QAbstractSocket::ConnectedState && socket.waitForReadyRead(5000))
        socket.readAll();
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 5000) {
        QFile in(m_dir.path() + QStringLiteral("/logs/access.log"));
        if (in.open(QIODevice::ReadOnly) && in.readAll().contains(marker))
            return;
        QThread::msleep(5);
    }
}

std::vector<HubServer::Request> HubServer::log() const
{
    waitForLog();
    std::vector<Request> requests;
    QFile in(m_dir.path() + QStringLiteral("/logs/access.log"));
    if (!in.open(QIODevice::ReadOnly))
        return requests;
    static const QRegularExpression line(
        QStringLiteral("^(\\d+) (\\d+) (\\d+) \"(\\S+) (\\S+)[^\"]*\" \"([^\"]*)\" \"([^\"]*)\"$"));
    for (const QByteArray& text : in.readAll().split('\n')) {
        const auto match = line.match(QString::fromLatin1(text));
        if (!match.hasMatch())
            continue;
        if (match.captured(5).startsWith(QLatin1String("/__log-marker/")))
            continue;
        Request request;
        request.port = match.captured(1).toInt();
        request.status = match.captured(2).toInt();
        request.bodyBytes = match.captured(3).toULongLong();
        request.method = match.captured(4);
        request.uri = match.captured(5);
        request.range = match.captured(6) == QLatin1String("-") ? QByteArray() : match.captured(6).toLatin1();
        request.authorization = match.captured(7) == QLatin1String("-") ? QByteArray() : match.captured(7).toLatin1();
        requests.push_back(std::move(request));
    }
    return requests;
}

std::vector<HubServer::Request> HubServer::clientRequests() const
{
    std::vector<Request> requests = log();
    std::erase_if(requests, [this](const Request& request) { return request.port == m_slowPort; });
    return requests;
}

void HubServer::clearLog()
{
    waitForLog(); // a request finished just before must not leave its line for the next reader
    // nginx appends (O_APPEND): after truncation its next line lands at the new end.
    QFile(m_dir.path() + QStringLiteral("/logs/access.log")).resize(0);
}

} // namespace safescope::test
