#pragma once

#include "core/format/error.h"
#include "core/remote/httptypes.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

class QObject;

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

/// What HttpClient needs of the network thread's side. The implementation (HttpWorker, over Qt Network) lives in
/// the module safescope_http, loaded at a process's first request: a process that never goes online then never
/// loads Qt Network and what it pulls in (Kerberos, GSSAPI, libproxy, brotli), which was 7 ms of every CLI
/// command's start. Only Qt Core types cross this interface, so the module depends on nothing of SafeScope's but
/// headers.
class HttpTransport
{
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

    virtual ~HttpTransport() = default;

    /// The QObject that lives on the network thread; submit() and cancel() are called there, and so is delete.
    virtual QObject* object() = 0;
    /// Queues a batch's requests (network thread).
    virtual void submit(const std::shared_ptr<HttpBatch>& batch) = 0;
    /// Aborts the batch's running requests and answers the rest with Cancelled (network thread).
    virtual void cancel(const std::shared_ptr<HttpBatch>& batch) = 0;
    /// Bytes of bodies received so far (any thread).
    virtual uint64_t bytesReceived() const = 0;
    /// Requests sent so far, retries and redirects included (any thread).
    virtual uint64_t requestsSent() const = 0;
};

/// Stamps what crosses the interface: a module from another build (an older install, another checkout's build tree)
/// whose structures differ is refused, not misread. Bump the version when a member changes but not the sizes.
inline constexpr uint64_t kHttpTransportAbi = (uint64_t(1) << 56) ^ (uint64_t(sizeof(HttpBatch)) << 40) ^
                                              (uint64_t(sizeof(HttpRequest)) << 24) ^
                                              (uint64_t(sizeof(HttpResponse)) << 8) ^ sizeof(HttpTransport::Settings);

/// The module's one export: a new transport (owned by the caller), created on the calling thread; nullptr when
/// `abi` is not the module's own kHttpTransportAbi.
using CreateHttpTransport = HttpTransport* (*)(const HttpTransport::Settings* settings, uint64_t abi);
inline constexpr char kCreateHttpTransportSymbol[] = "safescope_create_http_transport";

} // namespace safescope
