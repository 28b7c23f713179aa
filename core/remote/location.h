#pragma once

#include "core/format/error.h"

#include <QString>
#include <QUrl>

namespace safescope {

/// What a user typed where a path is accepted: a local path, an http(s):// URL of a .safetensors file or an index,
/// or a Hugging Face Hub name `hf://OWNER/REPO[@REVISION][/PATH]` (PATH: a file, or a folder such as unet/).
struct Location
{
    enum class Kind : uint8_t
    {
        LocalPath,
        Url,
        Hub
    };

    Kind kind = Kind::LocalPath;
    QString text;     ///< as given
    QUrl url;         ///< Url: the URL
    QString repo;     ///< Hub: "OWNER/REPO"
    QString revision; ///< Hub: branch, tag or commit; "main" when not given
    QString subpath;  ///< Hub: file or folder inside the repo, no leading or trailing '/'; may be empty

    bool isRemote() const { return kind != Kind::LocalPath; }
};

/// True when `text` starts like a remote location (http://, https://, hf://), so commands route it to the network.
bool isRemoteLocation(const QString& text);

/// How a location is named to the user: a remote one as given (its URL or hf:// name, which say where it is), a
/// local one by its file name.
QString locationName(const QString& text);

/// A local path made absolute; a remote location as given (QFileInfo would make "hf://a/b" a relative file path).
QString absoluteLocation(const QString& text);

/// Parses `text`; anything not remote is a LocalPath. InvalidArgument, naming the text, for a malformed hf:// name
/// or URL (no repo, empty revision, a '..' segment, a URL without a host).
Result<Location> parseLocation(const QString& text);

} // namespace safescope
