#pragma once

#include "core/format/dtype.h"
#include "core/format/error.h"
#include "core/io/viewreader.h"
#include "core/values/dtypecodec.h"
#include "core/values/heldtensorbytes.h"

#include <QString>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace safescope {

class MappedFile;
class Model;

/// A stored part as a dequantizer reads it: where its bytes are (mapped or fetched), its dtype and shape. A few
/// inline readers for the codes and scales the schemes share; bytes are read with memcpy (tensors may be misaligned).
struct StoredPart
{
    const unsigned char* data = nullptr;
    DType dtype = DType::Unknown;
    std::vector<uint64_t> shape;
    uint64_t elementCount = 0;
    uint64_t byteSize = 0;              ///< its bytes as the header places them (data_offsets end - begin)
    QString path;                       ///< the shard file
    std::shared_ptr<const void> keep;   ///< the fetched bytes behind `data` (null for a mapping: the Model keeps it)
    const MappedFile* source = nullptr; ///< the mapped shard `data` points into (null for fetched bytes)

    uint32_t word(uint64_t index) const
    {
        uint32_t w;
        std::memcpy(&w, data + 4 * index, 4);
        return w;
    }
    /// A scale element of a float dtype (F32, F16, BF16 or an F8) as float.
    float scale(uint64_t index) const
    {
        switch (dtype) {
        case DType::F32: {
            float f;
            std::memcpy(&f, data + 4 * index, 4);
            return f;
        }
        case DType::F16:
        case DType::BF16: {
            uint16_t h;
            std::memcpy(&h, data + 2 * index, 2);
            return dtype == DType::F16 ? decodeF16(h) : decodeBF16(h);
        }
        default:
            break;
        }
        float f = 0.0f;
        decodeToFloat(dtype, data, index, 1, &f);
        return f;
    }
};

/// Where a dequantizer's stored parts come from: the model's mappings when `bytes` is empty, else `bytes` (a
/// remote model's parts fetched whole, TensorBytes::parts()), each held by its StoredPart and so by the
/// Dequantizer that keeps it.
struct PartSource
{
    const Model& model;
    const TensorBytesFn& bytes;
    const std::atomic_bool* cancel = nullptr;

    /// Looks `name` up in the model and gets its bytes; InvalidArgument naming the tensor when it is not there.
    Result<StoredPart> find(std::string_view name) const;
};

/// The reader of a part's bytes for one pass: copied from its shard file where this process has not mapped them yet,
/// in place otherwise (fetched bytes, a warm mapping). The part must outlive the reader.
ViewReader readerOf(const StoredPart& part);

/// `bits` bits (<= 25) of a little-endian bit stream starting at bit `position` of `bytes`, lowest bit first: the
/// packing of GPTQ's qzeros rows and MLX's weight rows (bits that straddle words continue in the next one).
/// Reads only the bytes the field covers.
inline uint32_t streamBits(const unsigned char* bytes, uint64_t position, int bits)
{
    const uint64_t first = position / 8;
    const int shift = static_cast<int>(position % 8);
    const int needed = (shift + bits + 7) / 8;
    uint32_t word = 0;
    for (int i = 0; i < needed; ++i)
        word |= static_cast<uint32_t>(bytes[first + static_cast<uint64_t>(i)]) << (8 * i);
    return (word >> shift) & ((1u << bits) - 1u);
}

} // namespace safescope
