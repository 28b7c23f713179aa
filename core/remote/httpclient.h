#pragma once

#include "core/format/error.h"
#include "core/io/parallelchunks.h"
#include "core/remote/httptypes.h"

#include <QThread>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace safescope {

class HttpTransport;

/// Blocking HTTP GETs usable from any thread (the CLI's main thread, pool threads of the viewer): the requests run
/// on one network thread with its own event loop and QNetworkAccessManager, so connections are reused across
/// calls (keep-alive; HTTP/2 where the server offers it over TLS) and several requests of a batch are in flight at
/// once. Redirects are followed by hand so that Authorization is dropped when a redirect leaves the first host, as
/// huggingface_hub does for its CDN. 429 (honouring Retry-After), 5xx and broken connections are retried with
/// backoff; a range whose body was cut off resumes from the bytes already received. Qt Network is loaded with the
/// first client (the module safescope_http, httptransport.h); where it cannot be, every request is answered with an
/// IoError that says why.
class HttpClient final
{
public:
    struct Options
    {
        int maxInFlight = 16;          ///< requests of one batch in flight at once
        int transferTimeoutMs = 30000; ///< no byte for this long: the attempt fails (and is retried)
        int maxRetries = 4;            ///< after the first attempt
        int backoffMs = 250;           ///< first retry delay, doubled each time
        int maxRetryAfterMs = 10000;   ///< a longer Retry-After is capped to this
        int maxRedirects = 10;
    };

    /// The process-wide client (one network thread, started on first use).
    static HttpClient& shared();

    HttpClient();
    explicit HttpClient(Options options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Runs every request, several at once, and waits for all. results[i] answers requests[i]. When `cancel`
    /// becomes true, requests still running are aborted and answered with ErrorKind::Cancelled. `progress` gets the
    /// fraction of requests finished, on the calling thread.
    std::vector<Result<HttpResponse>> run(const std::vector<HttpRequest>& requests,
                                          const std::atomic_bool* cancel = nullptr, const ProgressFn& progress = {});
    Result<HttpResponse> get(const HttpRequest& request, const std::atomic_bool* cancel = nullptr);

    /// Bytes of bodies received by this client so far (all threads), for "bytes fetched" displays and tests.
    uint64_t bytesReceived() const;
    /// Requests sent by this client so far (retries and redirects count).
    uint64_t requestsSent() const;

private:
    Options m_options;
    QThread m_thread;
    HttpTransport* m_transport = nullptr; ///< lives on m_thread; null when the module could not be loaded
    std::optional<Error> m_unavailable;   ///< why there is no transport
};

} // namespace safescope
