#include "core/io/wholefile.h"

#include "core/io/systemfile.h"

namespace safescope {

Result<QByteArray> readWholeFile(const QString& path)
{
    auto file = SystemFile::open(path, platform::ReadOnly);
    if (!file)
        return file.error();
    auto info = file->status();
    if (!info)
        return info.error();
    QByteArray bytes(static_cast<qsizetype>(info->size), Qt::Uninitialized);
    if (Status read = file->readAt(bytes.data(), static_cast<uint64_t>(bytes.size()), 0); !read)
        return read.error();
    return bytes;
}

} // namespace safescope
