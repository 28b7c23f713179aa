#pragma once

#include "core/format/headerarena.h"
#include "core/format/tensorinfo.h"
#include "core/format/warning.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace safescope {

/// How the header was ordered by its writer (SPEC.md section 7); informative only.
enum class WriterLayout : uint8_t
{
    Empty,               ///< no tensors
    ReferenceDtypeOrder, ///< descending dtype, then name: the modern reference writer
    NameOrder,           ///< ascending name: old writers, MLX
    Other                ///< anything else (insertion order, tinygrad, hand-made)
};

const char* writerLayoutName(WriterLayout layout);

/// Whether `__metadata__` was absent, `null`, or an object.
enum class MetadataState : uint8_t
{
    Absent,
    Null,
    Object
};

struct MetadataEntry
{
    std::string key;
    std::string value;
};

/// Everything a header says, validated; tensor data untouched.
struct Header
{
    uint64_t headerLength = 0;      ///< N: JSON bytes including padding
    uint64_t leadingWhitespace = 0; ///< whitespace bytes before the opening brace
    uint64_t padding = 0;           ///< whitespace bytes after the closing brace
    uint64_t dataStart = 0;         ///< 8 + N: absolute file offset of the data region
    uint64_t fileSize = 0;
    MetadataState metadataState = MetadataState::Absent;
    std::vector<MetadataEntry> metadata;      ///< file order; a repeated key keeps its first position and last value
    std::vector<TensorInfo> tensors;          ///< file order; names and shapes point into `arena`
    std::shared_ptr<const HeaderArena> arena; ///< shared by copies of this header, so their views stay valid
    WriterLayout layout = WriterLayout::Empty;
    std::vector<Warning> warnings; ///< lenient-mode findings (unknown dtype, duplicate name)

    uint64_t dataSize() const { return fileSize - dataStart; }
};

} // namespace safescope
