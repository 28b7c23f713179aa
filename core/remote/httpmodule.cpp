// The module safescope_http: Qt Network behind HttpTransport, loaded by HttpClient at a process's first request.

#include "core/remote/httpworker.h"

#include <QtGlobal>

extern "C" Q_DECL_EXPORT safescope::HttpTransport*
safescope_create_http_transport(const safescope::HttpTransport::Settings* settings, uint64_t abi)
{
    if (abi != safescope::kHttpTransportAbi)
        return nullptr; // built from other sources than the program: its structures may differ
    return new safescope::HttpWorker(*settings);
}
