#pragma once

#include "core/format/error.h"
#include "core/remote/httptypes.h"

#include <QObject>
#include <QPointer>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

class QNetworkAccessManager;
class QNetworkReply;

namespace safescope {

/// One call of HttpClient::run(): its requests, their answers, and what the waiting thread watches.
struct HttpBatch
{
    std::vector<HttpRequest> requests;
    std::vector<std::optional<Result<HttpResponse>>> results;
    std::mutex mutex;
    std::condition_variable done;
    size_t finished = 0; ///< guarded by mutex
    std::atomic_bool cancelled = false;
};

/// The network thread's side of HttpClient: owns the QNetworkAccessManager and every reply. All its slots run on
/// that thread; the batch is the only state shared with callers.
class HttpWorker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpWorker)

public:
    struct Settings
    {
        int maxInFlight;
        int transferTimeoutMs;
        int maxRetries;
        int backoffMs;
        int maxRetryAfterMs;
        int maxRedirects;
    };

    explicit HttpWorker(Settings settings);
    ~HttpWorker() override;

    /// Queues a batch's requests (called on the network thread).
    void submit(const std::shared_ptr<HttpBatch>& batch);
    /// Aborts the batch's running requests and answers the rest with Cancelled (network thread).
    void cancel(const std::shared_ptr<HttpBatch>& batch);

    std::atomic<uint64_t> bytesReceived = 0;
    std::atomic<uint64_t> requestsSent = 0;

private:
    /// One request's progress across attempts and redirects.
    struct Job
    {
        std::shared_ptr<HttpBatch> batch;
        size_t index = 0;
        QUrl url;              ///< current URL (changes on redirects)
        bool sendToken = true; ///< false once a redirect left the first host
        QByteArray received;   ///< body bytes kept from earlier attempts (a resumed range)
        int attempts = 0;
        int retries = 0;
        int redirects = 0;
    };

    void pump();
    void start(const std::shared_ptr<Job>& job);
    void onFinished(QNetworkReply* reply, const std::shared_ptr<Job>& job);
    void retryLater(const std::shared_ptr<Job>& job, int delayMs);
    void finish(const std::shared_ptr<Job>& job, Result<HttpResponse> result);

    Settings m_settings;
    QNetworkAccessManager* m_manager = nullptr;
    std::deque<std::shared_ptr<Job>> m_queue;
    std::vector<std::pair<QPointer<QNetworkReply>, std::shared_ptr<Job>>> m_running;
    int m_inFlight = 0; ///< running replies plus jobs waiting for a retry
};

} // namespace safescope
