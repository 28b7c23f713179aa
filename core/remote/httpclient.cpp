#include "core/remote/httpclient.h"

#include "core/remote/httpworker.h"

#include <chrono>

namespace safescope {

HttpClient& HttpClient::shared()
{
    static HttpClient client;
    return client;
}

HttpClient::HttpClient() : HttpClient(Options{}) {}

HttpClient::HttpClient(Options options) : m_options(options)
{
    m_worker = new HttpWorker({options.maxInFlight, options.transferTimeoutMs, options.maxRetries, options.backoffMs,
                               options.maxRetryAfterMs, options.maxRedirects});
    m_thread.setObjectName(QStringLiteral("safescope-http"));
    m_worker->moveToThread(&m_thread);
    m_thread.start();
}

HttpClient::~HttpClient()
{
    // The worker and its QNetworkAccessManager belong to the network thread: delete them there, then stop it.
    HttpWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker] { delete worker; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

std::vector<Result<HttpResponse>> HttpClient::run(const std::vector<HttpRequest>& requests,
                                                  const std::atomic_bool* cancel, const ProgressFn& progress)
{
    auto batch = std::make_shared<HttpBatch>();
    batch->requests = requests;
    batch->results.resize(requests.size());
    if (!requests.empty()) {
        HttpWorker* worker = m_worker;
        QMetaObject::invokeMethod(
            worker, [worker, batch] { worker->submit(batch); }, Qt::QueuedConnection);
        bool cancelSent = false;
        size_t reported = 0;
        std::unique_lock lock(batch->mutex);
        while (batch->finished < requests.size()) {
            batch->done.wait_for(lock, std::chrono::milliseconds(50));
            if (cancel && *cancel && !cancelSent) {
                cancelSent = true;
                QMetaObject::invokeMethod(
                    worker, [worker, batch] { worker->cancel(batch); }, Qt::QueuedConnection);
            }
            if (progress && batch->finished != reported && batch->finished < requests.size()) {
                reported = batch->finished;
                lock.unlock();
                progress(double(reported) / double(requests.size()));
                lock.lock();
            }
        }
        // Said once here rather than in the loop: a batch that finished before the loop first looked, or between
        // its last look and its condition, would otherwise never report its end.
        if (progress) {
            lock.unlock();
            progress(1.0);
        }
    }
    std::vector<Result<HttpResponse>> results;
    results.reserve(requests.size());
    for (auto& result : batch->results)
        results.push_back(std::move(*result));
    return results;
}

Result<HttpResponse> HttpClient::get(const HttpRequest& request, const std::atomic_bool* cancel)
{
    return std::move(run({request}, cancel).front());
}

uint64_t HttpClient::bytesReceived() const
{
    return m_worker->bytesReceived;
}

uint64_t HttpClient::requestsSent() const
{
    return m_worker->requestsSent;
}

} // namespace safescope
