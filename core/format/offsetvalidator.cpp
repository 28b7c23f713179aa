#include "core/format/offsetvalidator.h"

#include "core/text/textutil.h"

#include <QStringList>

#include <algorithm>
#include <span>
#include <tuple>
#include <vector>

namespace safescope {

namespace {

QString nameOf(const TensorInfo& tensor)
{
    return toQString(tensor.name);
}

QString quoted(const TensorInfo& tensor)
{
    return QString::fromStdString(quoteForMessage(tensor.name));
}

QString describeShape(std::span<const uint64_t> shape)
{
    QStringList parts;
    for (uint64_t dim : shape)
        parts << QString::number(dim);
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

// The order in which the reference walks the tensors: by (begin, end). Most files are already in that order.
std::vector<uint32_t> walkOrder(const std::vector<TensorInfo>& tensors)
{
    std::vector<uint32_t> order(tensors.size());
    for (uint32_t i = 0; i < order.size(); ++i)
        order[i] = i;
    auto less = [&](uint32_t a, uint32_t b) {
        return std::tie(tensors[a].begin, tensors[a].end) < std::tie(tensors[b].begin, tensors[b].end);
    };
    if (!std::is_sorted(order.begin(), order.end(), less))
        std::stable_sort(order.begin(), order.end(), less);
    return order;
}

} // namespace

Status validateOffsets(Header& header, const QString& path)
{
    const uint64_t dataStart = header.dataStart;
    uint64_t cursor = 0;
    for (uint32_t index : walkOrder(header.tensors)) {
        TensorInfo& tensor = header.tensors[index];
        if (tensor.begin != cursor || tensor.end < tensor.begin) {
            QString why;
            if (tensor.end < tensor.begin)
                why =
                    QStringLiteral("its data_offsets [%1, %2] end before they begin").arg(tensor.begin).arg(tensor.end);
            else if (cursor == 0)
                why = QStringLiteral("the first tensor in the data region starts at %1, not 0").arg(tensor.begin);
            else if (tensor.begin > cursor)
                why = QStringLiteral("it starts at %1, leaving a gap of %2 unused bytes after the previous tensor")
                          .arg(tensor.begin)
                          .arg(tensor.begin - cursor);
            else
                why = QStringLiteral("it starts at %1, overlapping the previous tensor, which ends at %2")
                          .arg(tensor.begin)
                          .arg(cursor);
            return makeError(ErrorKind::InvalidOffset, QStringLiteral("tensor %1: %2").arg(quoted(tensor), why), path,
                             nameOf(tensor), dataStart + std::min(tensor.begin, cursor));
        }
        cursor = tensor.end;

        uint64_t elements = 1;
        for (uint64_t dim : tensor.shape) {
            if (__builtin_mul_overflow(elements, dim, &elements))
                return makeError(ErrorKind::ValidationOverflow,
                                 QStringLiteral("tensor %1: the element count of shape %2 overflows 64 bits")
                                     .arg(quoted(tensor), describeShape(tensor.shape)),
                                 path, nameOf(tensor), dataStart + tensor.begin);
        }
        tensor.elementCount = elements;
        const int bitsPerElement = dtypeBits(tensor.dtype);
        if (bitsPerElement == 0)
            continue; // unknown dtype (lenient): its size cannot be checked
        uint64_t bits = 0;
        if (__builtin_mul_overflow(elements, static_cast<uint64_t>(bitsPerElement), &bits))
            return makeError(ErrorKind::ValidationOverflow,
                             QStringLiteral("tensor %1: %2 elements of %3 bits overflow 64 bits")
                                 .arg(quoted(tensor))
                                 .arg(elements)
                                 .arg(bitsPerElement),
                             path, nameOf(tensor), dataStart + tensor.begin);
        if (bits % 8 != 0)
            return makeError(ErrorKind::MisalignedSlice,
                             QStringLiteral("tensor %1: %2 elements of %3 (%4 bits each) do not fill whole bytes")
                                 .arg(quoted(tensor))
                                 .arg(elements)
                                 .arg(QLatin1StringView(dtypeName(tensor.dtype)))
                                 .arg(bitsPerElement),
                             path, nameOf(tensor), dataStart + tensor.begin);
        if (tensor.end - tensor.begin != bits / 8)
            return makeError(
                ErrorKind::TensorInvalidInfo,
                QStringLiteral("tensor %1: dtype %2 and shape %3 need %4 bytes, but data_offsets [%5, %6] "
                               "span %7")
                    .arg(quoted(tensor), QLatin1StringView(dtypeName(tensor.dtype)), describeShape(tensor.shape))
                    .arg(bits / 8)
                    .arg(tensor.begin)
                    .arg(tensor.end)
                    .arg(tensor.end - tensor.begin),
                path, nameOf(tensor), dataStart + tensor.begin);
    }
    const uint64_t dataSize = header.fileSize - dataStart;
    if (cursor != dataSize) {
        const QString why =
            cursor < dataSize
                ? QStringLiteral("the tensors end at data offset %1, but %2 more bytes follow them (file offset %3)")
                      .arg(cursor)
                      .arg(dataSize - cursor)
                      .arg(dataStart + cursor)
                : QStringLiteral("the tensors need %1 bytes of data, but the file holds only %2 after the header")
                      .arg(cursor)
                      .arg(dataSize);
        return makeError(ErrorKind::MetadataIncompleteBuffer, why, path, std::nullopt,
                         dataStart + std::min(cursor, dataSize));
    }
    return Ok{};
}

} // namespace safescope
