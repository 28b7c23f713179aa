#pragma once

#include "support/fixtures.h"

#include <QByteArray>

#include <cstdint>
#include <cstring>
#include <vector>

namespace safescope::test {

/// Builds a .safetensors image from tensors given as raw bytes, with contiguous offsets in the given order and an
/// unpadded header (so data is deliberately misaligned) unless padHeader() asks for the reference writer's padding.
/// Independent of the project's writer.
class TensorFileBuilder final
{
public:
    /// Pads the header with spaces to a multiple of 8, as the reference writer does: the tensors' own offsets then
    /// decide their alignment.
    TensorFileBuilder& padHeader()
    {
        m_padded = true;
        return *this;
    }
    TensorFileBuilder& metadata(const QByteArray& objectJson)
    {
        m_metadata = objectJson;
        return *this;
    }
    TensorFileBuilder& add(const QByteArray& name, const QByteArray& dtype, const std::vector<uint64_t>& shape,
                           const QByteArray& bytes)
    {
        const uint64_t begin = static_cast<uint64_t>(m_data.size());
        m_entries.append((m_entries.isEmpty() ? "" : ",") +
                         tensorJson(name, dtype, shape, begin, begin + static_cast<uint64_t>(bytes.size())));
        m_data += bytes;
        return *this;
    }
    QByteArray build() const
    {
        QByteArray header = "{";
        if (!m_metadata.isEmpty())
            header += "\"__metadata__\":" + m_metadata + (m_entries.isEmpty() ? "" : ",");
        header += m_entries + "}";
        while (m_padded && header.size() % 8 != 0)
            header += ' ';
        return rawFile(header, m_data);
    }

private:
    bool m_padded = false;
    QByteArray m_metadata;
    QByteArray m_entries;
    QByteArray m_data;
};

/// Little-endian bytes of a vector of plain values (float, double, integers).
template <typename T> QByteArray bytesOf(const std::vector<T>& values)
{
    QByteArray out(static_cast<qsizetype>(values.size() * sizeof(T)), Qt::Uninitialized);
    if (!values.empty())
        std::memcpy(out.data(), values.data(), values.size() * sizeof(T));
    return out;
}

/// BF16 by truncating float bits (round toward zero): independent of the codec's round-to-nearest encoder.
inline QByteArray bf16Truncated(const std::vector<float>& values, std::vector<float>* decoded = nullptr)
{
    QByteArray out;
    for (float v : values) {
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        const uint16_t top = static_cast<uint16_t>(bits >> 16);
        out.append(reinterpret_cast<const char*>(&top), 2);
        if (decoded) {
            const uint32_t back = static_cast<uint32_t>(top) << 16;
            float f;
            std::memcpy(&f, &back, 4);
            decoded->push_back(f);
        }
    }
    return out;
}

} // namespace safescope::test
