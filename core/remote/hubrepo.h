#pragma once

#include "core/format/error.h"
#include "core/remote/hubconfig.h"
#include "core/remote/location.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <atomic>
#include <map>

namespace safescope {

class HttpClient;

/// What a hf:// location stands for once the Hub API has listed the repository.
struct HubModelFiles
{
    QString index;                        ///< repo path of the index to open, or empty
    QStringList files;                    ///< repo paths of the .safetensors files (when there is no index)
    std::map<QString, QByteArray> sha256; ///< LFS sha256 (lowercase hex) by repo path, for every LFS file listed
    QString commit;                       ///< the commit the revision resolved to ("sha"), when given
    QStringList listed;                   ///< every repo path the listing named (config files included)
};

/// Lists the repository at the location's revision (GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true,
/// the call huggingface_hub's model_info(files_metadata=True) makes: "siblings": [{"rfilename", "size",
/// "lfs": {"sha256", "size"}}], "sha") and chooses what to open: the location's PATH when it names a file; else, in
/// the root or in the PATH folder, model.safetensors.index.json (or another *.safetensors.index*.json), else the
/// .safetensors files there. A 401 says a token is needed, naming the repository.
Result<HubModelFiles> resolveHubModel(const Location& location, const HubConfig& config, HttpClient& client,
                                      const std::atomic_bool* cancel = nullptr);

} // namespace safescope
