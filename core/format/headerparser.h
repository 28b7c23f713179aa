#pragma once

#include "core/format/error.h"
#include "core/format/header.h"

#include <cstdint>

namespace safescope {

/// Strict rejects everything the reference rejects (plus duplicate names); Lenient lets a viewer open files with
/// unknown dtype names or duplicate tensor names, listing them as warnings.
enum class OpenMode : uint8_t { Strict, Lenient };

/// The reference's header size limit (SPEC.md section 2, rule 2).
inline constexpr uint64_t kMaxHeaderLength = 100'000'000;

/// Parses and validates the header of a safetensors file whose first `available` bytes are at `file` and whose
/// total size is `fileSize` (available >= min(fileSize, 8 + N) is required; pass the whole mapping).
/// Applies every rule of SPEC.md section 2 in the reference's order; never reads the data region.
Result<Header> parseHeader(const unsigned char* file, uint64_t available, uint64_t fileSize, OpenMode mode,
                           const QString& path = {});

} // namespace safescope
