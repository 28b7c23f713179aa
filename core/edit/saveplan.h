#pragma once

#include "core/format/header.h"

#include <QString>

#include <cstdint>

namespace safescope {

/// How a metadata save reaches the disk.
enum class SaveMethod : uint8_t
{
    InPlace, ///< only the 8+N header bytes are rewritten; the data region is not touched
    Rewrite  ///< a new file (header + verbatim data region) is renamed over the target
};

const char* saveMethodName(SaveMethod method); ///< "in-place" / "rewrite"

/// What a metadata save will do to one file, decided before a byte is written: the save itself follows it, and the
/// save summary (window) and `meta --dry-run` show it, so the user knows the file's size before saving.
struct SavePlan
{
    SaveMethod method = SaveMethod::InPlace;
    uint64_t oldHeaderLength = 0;
    uint64_t newHeaderLength = 0; ///< N of the saved file
    uint64_t oldFileSize = 0;
    uint64_t newFileSize = 0;
    uint64_t reservedBytes = 0;    ///< room asked for (reserve), rounded to 8
    uint64_t alignmentPadding = 0; ///< spaces added so the copied tensor bytes keep their page offset

    /// One line for a person: "in place: the file stays 2,048 bytes" or "rewritten: 2,048 -> 2,400 bytes (header
    /// 320 -> 672 bytes, 256 reserved for later edits)".
    QString describe() const;
};

/// The plan for saving header JSON of `textSize` bytes over a file whose header is `header`: in place when it fits
/// and `mayWriteInPlace`; otherwise a rewrite with `reserveBytes` of room. A rewrite pads the header so that the
/// data keeps its page offset (a 2-3x faster copy) only when the data region is large enough for that to matter;
/// a small file is never grown by padding nobody asked for.
SavePlan planHeaderSave(const Header& header, uint64_t textSize, bool mayWriteInPlace, uint64_t reserveBytes);

} // namespace safescope
