#pragma once

#include "core/format/dtype.h"
#include "core/format/error.h"
#include "core/format/header.h"

#include <QString>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace safescope {

/// One tensor to write. `data` must hold exactly the tensor's byte size (e.g. a pointer into a mapping); it may be
/// null only for a zero-size tensor.
struct WriteTensor
{
    std::string name; ///< UTF-8; written with JSON escaping
    DType dtype = DType::Unknown;
    std::vector<uint64_t> shape;
    const unsigned char* data = nullptr;
};

struct WriteOptions
{
    MetadataState metadataState = MetadataState::Absent;
    std::vector<MetadataEntry> metadata; ///< written in this order; only when metadataState is Object
    uint64_t reserveBytes = 0;           ///< extra header padding (spaces) so later metadata edits fit in place
    /// Called with bytes written so far and the file size; returning false cancels the write.
    std::function<bool(uint64_t done, uint64_t total)> progress;
};

/// Header text in the reference layout (SPEC.md section 4): `__metadata__` first (only when the state is Object;
/// keys in the given order), then tensors in descending dtype order then byte-wise name, compact JSON, fields dtype,
/// shape, data_offsets, contiguous offsets from 0, padded with spaces to a multiple of 8 (plus reserveBytes rounded
/// up to 8). `tensors` is sorted in place into file order. Fails with HeaderTooLarge past 100,000,000 bytes (before
/// building the text), and with InvalidArgument on duplicate names or metadata keys, an unknown dtype, invalid
/// UTF-8, a byte count that does not fill whole bytes (F4 odd count, F6 count not a multiple of 4), overflow, or
/// metadata entries given without the Object state.
Result<std::string> buildHeader(std::vector<WriteTensor>& tensors, const WriteOptions& options);

/// Writes a complete file through QSaveFile (temp file in the same directory, then an atomic rename): the 8-byte
/// length, the header, then every tensor's bytes in file order, copied in 8 MiB blocks with progress reports.
/// Cancelling yields Cancelled and leaves neither `path` changed nor a temp file; I/O failures yield IoError naming
/// the path and the operating system's reason.
Status writeSafetensors(const QString& path, std::vector<WriteTensor> tensors, const WriteOptions& options);

} // namespace safescope
