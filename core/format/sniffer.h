#pragma once

#include <QString>

#include <cstdint>

namespace safescope {

/// Formats that users mistake for safetensors files (SPEC.md section 6).
enum class SniffedFormat : uint8_t { Unrecognised, Empty, GitLfsPointer, Zip, Pickle, Gguf, Html, Text };

struct SniffResult
{
    SniffedFormat format = SniffedFormat::Unrecognised;
    QString name;        ///< short name: "Git LFS pointer"
    QString explanation; ///< a sentence telling the user what the file is and what to do
};

/// Looks at the first bytes of a file that failed to parse and says what it really is, if recognisable.
SniffResult sniffFormat(const unsigned char* data, uint64_t size);

} // namespace safescope
