#include "core/edit/savetarget.h"

#include "core/io/localpath.h"
#include "core/io/pathsyntax.h"
#include "core/io/systemfile.h"
#include "core/platform/filestatus.h"
#include "core/platform/filesystem.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace safescope {

namespace {

constexpr int kMaxLinks = 40; // what the kernel allows before ELOOP

bool isHex(const QString& text)
{
    return std::all_of(text.begin(), text.end(), [](QChar c) {
        return (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || (c >= QLatin1Char('a') && c <= QLatin1Char('f'));
    });
}

} // namespace

Result<QString> resolveSaveTarget(const QString& path)
{
    QString current = path;
    for (int hops = 0; hops <= kMaxLinks; ++hops) {
        const std::string bytes = encodeLocalPath(current).toStdString();
        platform::FileStatus status;
        if (platform::statusOf(bytes, platform::FollowLinks::No, status) != 0 ||
            status.kind != platform::FileKind::Link)
            return current;
        std::string target;
        if (const int err = platform::readLink(bytes, target))
            return systemError(current, QStringLiteral("read the link"), err);
        const QString next = decodeLocalPath(QByteArray::fromStdString(target));
        // A relative target is relative to the folder holding the link, not to the working directory.
        current = QDir::isAbsolutePath(next) ? next : QFileInfo(current).absolutePath() + QLatin1Char('/') + next;
    }
    return makeError(ErrorKind::IoError,
                     QStringLiteral("'%1' is a loop of symbolic links (more than %2)").arg(path).arg(kMaxLinks), path);
}

std::optional<QString> huggingFaceBlobHash(const QString& path)
{
    std::string resolved;
    if (platform::canonicalPath(encodeLocalPath(path).toStdString(), resolved) != 0)
        return std::nullopt;
    const QStringList parts = pathPieces(decodeLocalPath(QByteArray::fromStdString(resolved)));
    if (parts.size() < 3)
        return std::nullopt;
    const QString& name = parts[parts.size() - 1];
    const QString& folder = parts[parts.size() - 2];
    const QString& repository = parts[parts.size() - 3];
    if (folder != QLatin1String("blobs") || (name.size() != 64 && name.size() != 40) || !isHex(name))
        return std::nullopt;
    for (const char* kind : {"models--", "datasets--", "spaces--"}) {
        if (repository.startsWith(QLatin1String(kind)))
            return name;
    }
    return std::nullopt;
}

Status refuseHuggingFaceBlob(const QString& path)
{
    const std::optional<QString> hash = huggingFaceBlobHash(path);
    if (!hash)
        return Ok{};
    return makeError(ErrorKind::InvalidArgument,
                     QStringLiteral("'%1' is a file of the Hugging Face cache (blob %2...): editing it would corrupt "
                                    "the cache; use Save As / meta -o to write a copy")
                         .arg(path, hash->left(12)),
                     path);
}

} // namespace safescope
