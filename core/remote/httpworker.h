#pragma once

#include "core/remote/httptransport.h"

#include <QObject>
#include <QPointer>

#include <atomic>
#include <deque>
#include <memory>
#include <vector>

class QNetworkAccessManager;
class QNetworkReply;

namespace safescope {

/// The network thread's side of HttpClient: owns the QNetworkAccessManager and every reply. All its slots run on
/// that thread; the batch is the only state shared with callers. Built into the module safescope_http only
/// (httpmodule.cpp), never linked into a program.
class HttpWorker final : public QObject, public HttpTransport
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpWorker)

public:
    explicit HttpWorker(Settings settings);
    ~HttpWorker() override;

    QObject* object() override { return this; }
    void submit(const std::shared_ptr<HttpBatch>& batch) override;
    void cancel(const std::shared_ptr<HttpBatch>& batch) override;
    uint64_t bytesReceived() const override { return m_bytesReceived; }
    uint64_t requestsSent() const override { return m_requestsSent; }

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
    std::atomic<uint64_t> m_bytesReceived = 0;
    std::atomic<uint64_t> m_requestsSent = 0;
};

} // namespace safescope
