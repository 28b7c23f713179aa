#include "core/edit/saveplan.h"

#include "core/format/headerparser.h"
#include "core/io/pagephase.h"
#include "core/text/textutil.h"

#include <algorithm>

namespace safescope {

namespace {

uint64_t roundUp8(uint64_t value)
{
    return (value + 7) / 8 * 8;
}

QString bytes(uint64_t count)
{
    return QString::fromStdString(groupDigits(count));
}

} // namespace

const char* saveMethodName(SaveMethod method)
{
    return method == SaveMethod::InPlace ? "in-place" : "rewrite";
}

SavePlan planHeaderSave(const Header& header, uint64_t textSize, bool mayWriteInPlace, uint64_t reserveBytes)
{
    SavePlan plan;
    plan.oldHeaderLength = header.headerLength;
    plan.oldFileSize = header.fileSize;
    if (mayWriteInPlace && textSize <= header.headerLength) {
        plan.method = SaveMethod::InPlace;
        plan.newHeaderLength = header.headerLength;
        plan.newFileSize = header.fileSize;
        return plan;
    }
    plan.method = SaveMethod::Rewrite;
    plan.reservedBytes = roundUp8(std::min(reserveBytes, kMaxHeaderLength));
    const uint64_t minimum = roundUp8(textSize) + plan.reservedBytes;
    plan.newHeaderLength = header.dataSize() >= kPagePhaseWorthwhileCopy
                               ? headerLengthInPhase(minimum, header.dataStart, kMaxHeaderLength)
                               : minimum;
    plan.alignmentPadding = plan.newHeaderLength - minimum;
    plan.newFileSize = 8 + plan.newHeaderLength + header.dataSize();
    return plan;
}

QString SavePlan::describe() const
{
    if (method == SaveMethod::InPlace)
        return QStringLiteral("in place: only the header changes; the file stays %1 bytes").arg(bytes(newFileSize));
    QString line = QStringLiteral("rewritten: %1 -> %2 bytes (header %3 -> %4 bytes")
                       .arg(bytes(oldFileSize), bytes(newFileSize), bytes(oldHeaderLength), bytes(newHeaderLength));
    if (reservedBytes > 0)
        line += QStringLiteral(", %1 reserved for later edits").arg(bytes(reservedBytes));
    if (alignmentPadding > 0)
        line += QStringLiteral(", %1 of padding that keeps the tensor bytes page-aligned for a faster copy")
                    .arg(bytes(alignmentPadding));
    return line + u')';
}

} // namespace safescope
