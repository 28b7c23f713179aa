#include "core/format/error.h"

namespace safescope {

const char* errorKindName(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::HeaderTooSmall:
        return "HeaderTooSmall";
    case ErrorKind::HeaderTooLarge:
        return "HeaderTooLarge";
    case ErrorKind::InvalidHeaderLength:
        return "InvalidHeaderLength";
    case ErrorKind::InvalidHeader:
        return "InvalidHeader";
    case ErrorKind::InvalidHeaderDeserialization:
        return "InvalidHeaderDeserialization";
    case ErrorKind::InvalidOffset:
        return "InvalidOffset";
    case ErrorKind::ValidationOverflow:
        return "ValidationOverflow";
    case ErrorKind::MisalignedSlice:
        return "MisalignedSlice";
    case ErrorKind::TensorInvalidInfo:
        return "TensorInvalidInfo";
    case ErrorKind::MetadataIncompleteBuffer:
        return "MetadataIncompleteBuffer";
    case ErrorKind::InvalidIndex:
        return "InvalidIndex";
    case ErrorKind::IoError:
        return "IoError";
    case ErrorKind::FileChanged:
        return "FileChanged";
    case ErrorKind::Cancelled:
        return "Cancelled";
    case ErrorKind::InvalidArgument:
        return "InvalidArgument";
    }
    return "Unknown";
}

QString Error::describe() const
{
    QString text;
    if (!path.isEmpty())
        text += path + QStringLiteral(": ");
    text += QLatin1StringView(errorKindName(kind)) + QStringLiteral(": ") + message;
    return text;
}

Error makeError(ErrorKind kind, QString message, QString path, std::optional<QString> tensor,
                std::optional<uint64_t> offset)
{
    return Error{kind, std::move(message), std::move(path), std::move(tensor), offset, {}};
}

} // namespace safescope
