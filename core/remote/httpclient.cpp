#include "core/remote/httpclient.h"

#include "core/remote/httptransport.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLibrary>

#include <chrono>

namespace safescope {

namespace {

// Where the module is looked for, first found wins: beside the program (Windows, a macOS bundle's MacOS folder),
// where the installation put it relative to the program's folder (lib/safescope, lib64/safescope, ...; a macOS
// bundle's PlugIns), then, for a program of this build tree only (its tests, benchmarks and the README's commands),
// where the build wrote it. SAFESCOPE_HTTP_MODULE names the one file to load instead, for packagers who put it
// elsewhere.
QStringList modulePlaces()
{
    const QString chosen = qEnvironmentVariable("SAFESCOPE_HTTP_MODULE");
    if (!chosen.isEmpty())
        return {chosen};
    if (QCoreApplication::instance() == nullptr)
        return {};
    const QString fileName = QStringLiteral(SAFESCOPE_HTTP_MODULE_NAME);
    const QDir programDir(QCoreApplication::applicationDirPath());
    QStringList places{programDir.filePath(fileName),
                       programDir.filePath(QStringLiteral(SAFESCOPE_HTTP_MODULE_INSTALLED_DIR "/") + fileName),
                       programDir.filePath(QStringLiteral("../PlugIns/") + fileName)};
    const QString buildTree = QDir(QStringLiteral(SAFESCOPE_BUILD_TREE)).canonicalPath();
    const QString program = programDir.canonicalPath();
    if (!buildTree.isEmpty() && (program == buildTree || program.startsWith(buildTree + QLatin1Char('/'))))
        places << QStringLiteral(SAFESCOPE_HTTP_MODULE_BUILD_PATH);
    places.removeDuplicates();
    return places;
}

// The module's factory, or why there is none.
struct HttpModule
{
    CreateHttpTransport create = nullptr;
    std::optional<Error> failure;
};

// Loaded once per process, and never unloaded: transports live until exit.
HttpModule loadHttpModule()
{
    QStringList tried;
    for (const QString& place : modulePlaces()) {
        if (!QFileInfo::exists(place)) {
            tried << place;
            continue;
        }
        // Resolved whole at load, so a module missing a symbol fails here with the loader's words, not at a call;
        // and kept loaded to the end (Qt's clean-up at exit otherwise unloads what no QLibrary holds).
        QLibrary library(place);
        library.setLoadHints(QLibrary::ResolveAllSymbolsHint | QLibrary::PreventUnloadHint);
        if (!library.load()) {
            tried << QStringLiteral("%1 (%2)").arg(place, library.errorString());
            continue;
        }
        if (auto create = reinterpret_cast<CreateHttpTransport>(library.resolve(kCreateHttpTransportSymbol)))
            return {create, std::nullopt};
        tried << QStringLiteral("%1 (no %2)").arg(place, QLatin1StringView(kCreateHttpTransportSymbol));
    }
    return {nullptr, makeError(ErrorKind::IoError,
                               QStringLiteral("remote access needs SafeScope's network module %1, which could not be "
                                              "loaded; tried: %2")
                                   .arg(QStringLiteral(SAFESCOPE_HTTP_MODULE_NAME), tried.join(QStringLiteral("; "))))};
}

const HttpModule& httpModule()
{
    static const HttpModule module = loadHttpModule();
    return module;
}

} // namespace

HttpClient& HttpClient::shared()
{
    static HttpClient client;
    return client;
}

HttpClient::HttpClient() : HttpClient(Options{}) {}

HttpClient::HttpClient(Options options) : m_options(options)
{
    const HttpModule& module = httpModule();
    if (module.failure) {
        m_unavailable = module.failure;
        return;
    }
    const HttpTransport::Settings settings{options.maxInFlight, options.transferTimeoutMs, options.maxRetries,
                                           options.backoffMs,   options.maxRetryAfterMs,   options.maxRedirects};
    m_transport = module.create(&settings, kHttpTransportAbi);
    if (m_transport == nullptr) {
        m_unavailable = makeError(ErrorKind::IoError,
                                  QStringLiteral("remote access needs SafeScope's network module %1 of this build; "
                                                 "the one found was built from other sources")
                                      .arg(QStringLiteral(SAFESCOPE_HTTP_MODULE_NAME)));
        return;
    }
    m_thread.setObjectName(QStringLiteral("safescope-http"));
    m_transport->object()->moveToThread(&m_thread);
    m_thread.start();
}

HttpClient::~HttpClient()
{
    if (m_transport == nullptr)
        return;
    // The transport and its QNetworkAccessManager belong to the network thread: delete them there, then stop it.
    HttpTransport* transport = m_transport;
    QMetaObject::invokeMethod(
        transport->object(), [transport] { delete transport; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

std::vector<Result<HttpResponse>> HttpClient::run(const std::vector<HttpRequest>& requests,
                                                  const std::atomic_bool* cancel, const ProgressFn& progress)
{
    if (m_unavailable) {
        std::vector<Result<HttpResponse>> failed(requests.size(), *m_unavailable);
        if (progress && !requests.empty())
            progress(1.0);
        return failed;
    }
    auto batch = std::make_shared<HttpBatch>();
    batch->requests = requests;
    batch->results.resize(requests.size());
    if (!requests.empty()) {
        HttpTransport* transport = m_transport;
        QObject* context = transport->object();
        QMetaObject::invokeMethod(
            context, [transport, batch] { transport->submit(batch); }, Qt::QueuedConnection);
        bool cancelSent = false;
        size_t reported = 0;
        std::unique_lock lock(batch->mutex);
        while (batch->finished < requests.size()) {
            batch->done.wait_for(lock, std::chrono::milliseconds(50));
            if (cancel && *cancel && !cancelSent) {
                cancelSent = true;
                QMetaObject::invokeMethod(
                    context, [transport, batch] { transport->cancel(batch); }, Qt::QueuedConnection);
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
    return m_transport ? m_transport->bytesReceived() : 0;
}

uint64_t HttpClient::requestsSent() const
{
    return m_transport ? m_transport->requestsSent() : 0;
}

} // namespace safescope
