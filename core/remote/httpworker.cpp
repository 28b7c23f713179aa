#include "core/remote/httpworker.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <algorithm>

namespace safescope {

namespace {

bool isRedirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/// "bytes 100-199/1000" -> (100, 1000); "bytes */1000" -> (nullopt, 1000). Total nullopt when "*" or malformed.
std::pair<std::optional<uint64_t>, std::optional<uint64_t>> parseContentRange(const QByteArray& value)
{
    std::pair<std::optional<uint64_t>, std::optional<uint64_t>> parsed;
    const QByteArray text = value.trimmed();
    if (!text.startsWith("bytes "))
        return parsed;
    const qsizetype slash = text.indexOf('/');
    if (slash < 0)
        return parsed;
    bool ok = false;
    const uint64_t total = text.mid(slash + 1).toULongLong(&ok);
    if (ok)
        parsed.second = total;
    const QByteArray span = text.mid(6, slash - 6);
    const qsizetype dash = span.indexOf('-');
    if (dash > 0) {
        const uint64_t first = span.left(dash).toULongLong(&ok);
        if (ok)
            parsed.first = first;
    }
    return parsed;
}

QByteArray unquoted(QByteArray value)
{
    value = value.trimmed();
    if (value.startsWith("W/"))
        value = value.mid(2);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.mid(1, value.size() - 2);
    return value;
}

bool sameOrigin(const QUrl& a, const QUrl& b)
{
    return a.scheme() == b.scheme() && a.host() == b.host() && a.port() == b.port();
}

// Errors are built here rather than with makeError(): the module links nothing of SafeScope's (httptransport.h).
Error networkError(const QUrl& url, const QString& what)
{
    Error error;
    error.kind = ErrorKind::IoError;
    error.path = url.toDisplayString(QUrl::RemoveUserInfo);
    error.message = QStringLiteral("%1: %2").arg(error.path, what);
    return error;
}

Error cancelledError(const QUrl& url)
{
    Error error;
    error.kind = ErrorKind::Cancelled;
    error.message = QStringLiteral("cancelled");
    error.path = url.toString();
    return error;
}

} // namespace

HttpWorker::HttpWorker(Settings settings) : m_settings(settings) {}

HttpWorker::~HttpWorker() = default;

void HttpWorker::submit(const std::shared_ptr<HttpBatch>& batch)
{
    if (!m_manager) {
        m_manager = new QNetworkAccessManager(this);
        // Compressed bodies would make byte ranges meaningless; ask for the bytes as stored.
        m_manager->setAutoDeleteReplies(false);
    }
    for (size_t i = 0; i < batch->requests.size(); ++i) {
        auto job = std::make_shared<Job>();
        job->batch = batch;
        job->index = i;
        job->url = batch->requests[i].url;
        m_queue.push_back(std::move(job));
    }
    pump();
}

void HttpWorker::cancel(const std::shared_ptr<HttpBatch>& batch)
{
    batch->cancelled = true;
    std::deque<std::shared_ptr<Job>> kept;
    std::vector<std::shared_ptr<Job>> dropped;
    for (auto& job : m_queue) {
        if (job->batch == batch)
            dropped.push_back(std::move(job));
        else
            kept.push_back(std::move(job));
    }
    m_queue = std::move(kept);
    for (const auto& job : dropped) {
        ++m_inFlight; // finish() gives the slot back
        finish(job, cancelledError(job->url));
    }
    const auto running = m_running;
    for (const auto& [reply, job] : running)
        if (reply && job->batch == batch)
            reply->abort(); // finishes the reply; onFinished answers Cancelled
}

void HttpWorker::pump()
{
    while (m_inFlight < m_settings.maxInFlight && !m_queue.empty()) {
        std::shared_ptr<Job> job = std::move(m_queue.front());
        m_queue.pop_front();
        ++m_inFlight;
        start(job);
    }
}

void HttpWorker::start(const std::shared_ptr<Job>& job)
{
    if (job->batch->cancelled) {
        finish(job, cancelledError(job->url));
        return;
    }
    const HttpRequest& wanted = job->batch->requests[job->index];
    QNetworkRequest request(job->url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, true);
    request.setTransferTimeout(m_settings.transferTimeoutMs);
    request.setRawHeader("Accept-Encoding", "identity");
    request.setRawHeader("User-Agent", "safescope");
    if (wanted.range) {
        const uint64_t begin = wanted.range->first + static_cast<uint64_t>(job->received.size());
        request.setRawHeader("Range",
                             "bytes=" + QByteArray::number(begin) + '-' + QByteArray::number(wanted.range->second - 1));
    }
    if (!wanted.token.isEmpty() && job->sendToken)
        request.setRawHeader("Authorization", "Bearer " + wanted.token);
    ++job->attempts;
    ++m_requestsSent;
    QNetworkReply* reply = m_manager->get(request);
    m_running.emplace_back(reply, job);
    connect(reply, &QNetworkReply::finished, this, [this, reply, job] { onFinished(reply, job); });
}

void HttpWorker::retryLater(const std::shared_ptr<Job>& job, int delayMs)
{
    ++job->retries;
    QTimer::singleShot(std::max(0, delayMs), this, [this, job] { start(job); });
}

void HttpWorker::onFinished(QNetworkReply* reply, const std::shared_ptr<Job>& job)
{
    std::erase_if(m_running, [reply](const auto& running) { return running.first == reply; });
    reply->deleteLater();
    if (job->batch->cancelled) {
        finish(job, cancelledError(job->url));
        return;
    }
    const HttpRequest& wanted = job->batch->requests[job->index];
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = reply->error();
    QByteArray body = reply->readAll();
    m_bytesReceived += static_cast<uint64_t>(body.size());
    const bool canRetry = job->retries < m_settings.maxRetries;
    const int backoff = m_settings.backoffMs << std::min(job->retries, 10);

    if (isRedirect(status)) {
        const QUrl target = job->url.resolved(reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl());
        if (!target.isValid() || ++job->redirects > m_settings.maxRedirects) {
            finish(job, networkError(wanted.url, QStringLiteral("too many redirects")));
            return;
        }
        // A CDN is another host: the Hub token is for the Hub only (huggingface_hub drops it the same way).
        if (!sameOrigin(target, job->url))
            job->sendToken = false;
        job->url = target;
        start(job);
        return;
    }
    if ((status == 429 || (status >= 500 && status < 600)) && canRetry) {
        int delay = backoff;
        bool ok = false;
        const int retryAfter = reply->rawHeader("Retry-After").trimmed().toInt(&ok);
        if (ok && retryAfter >= 0)
            delay = std::min(retryAfter * 1000, m_settings.maxRetryAfterMs);
        retryLater(job, delay);
        return;
    }

    const auto [rangeFirst, rangeTotal] = parseContentRange(reply->rawHeader("Content-Range"));
    const uint64_t expectedFirst = wanted.range ? wanted.range->first + static_cast<uint64_t>(job->received.size()) : 0;
    // A body shorter than its Content-Length was cut off, even when Qt reports no error (it does after resending a
    // request whose connection closed once by itself).
    bool ok = false;
    const qlonglong declared = reply->header(QNetworkRequest::ContentLengthHeader).toLongLong(&ok);
    const bool cutOff = ok && declared != body.size();
    // Transport failures (no answer, or a body cut off); an HTTP error status is an answer, handled below.
    if ((error != QNetworkReply::NoError || cutOff) && (status == 0 || status == 200 || status == 206)) {
        // The connection broke or timed out. A range answered 206 keeps what arrived: the retry asks for the rest.
        if (status == 206 && wanted.range && rangeFirst == expectedFirst)
            job->received += body;
        else if (!wanted.range || status != 206)
            job->received.clear();
        if (canRetry) {
            retryLater(job, backoff);
            return;
        }
        finish(job, networkError(wanted.url, reply->errorString()));
        return;
    }

    HttpResponse response;
    response.status = status;
    response.finalUrl = job->url;
    response.attempts = job->attempts;
    response.etag = unquoted(reply->rawHeader("ETag"));
    response.linkedEtag = unquoted(reply->rawHeader("X-Linked-Etag"));
    if (status == 206 && wanted.range) {
        if (rangeFirst != expectedFirst) {
            finish(job, networkError(wanted.url, QStringLiteral("the server sent another byte range than asked")));
            return;
        }
        job->received += body;
        response.totalSize = rangeTotal;
        const uint64_t want = wanted.range->second - wanted.range->first;
        const uint64_t available =
            rangeTotal ? std::min(want, *rangeTotal > wanted.range->first ? *rangeTotal - wanted.range->first : 0)
                       : want;
        if (static_cast<uint64_t>(job->received.size()) < available) {
            if (canRetry) { // a short body without an error: resume as after a broken connection
                retryLater(job, backoff);
                return;
            }
            finish(job, networkError(wanted.url, QStringLiteral("the server sent fewer bytes than asked")));
            return;
        }
        response.body = std::move(job->received);
        response.body.truncate(static_cast<qsizetype>(available));
    } else if (status == 200) {
        // A server ignoring Range sends the whole file: keep the part asked for.
        response.totalSize = static_cast<uint64_t>(body.size());
        if (wanted.range)
            body = wanted.range->first >= static_cast<uint64_t>(body.size())
                       ? QByteArray()
                       : body.mid(static_cast<qsizetype>(wanted.range->first),
                                  static_cast<qsizetype>(wanted.range->second - wanted.range->first));
        response.body = std::move(body);
    } else {
        if (status == 416)
            response.totalSize = rangeTotal;
        response.body = std::move(body);
    }
    finish(job, std::move(response));
}

void HttpWorker::finish(const std::shared_ptr<Job>& job, Result<HttpResponse> result)
{
    {
        const std::lock_guard lock(job->batch->mutex);
        job->batch->results[job->index].emplace(std::move(result));
        ++job->batch->finished;
    }
    job->batch->done.notify_all();
    --m_inFlight;
    pump();
}

} // namespace safescope
