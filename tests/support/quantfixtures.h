#pragma once

// Helpers for the quantization tests: encoders of exactly representable values written from the format
// definitions (independent of core/dtypecodec), and a one-call "write the files, open, recognise" step.
#include "core/format/model.h"
#include "core/quant/dequantizer.h"
#include "core/quant/quantcatalog.h"
#include "core/quant/quantconfig.h"
#include "support/fixtures.h"
#include "support/tensorfilebuilder.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

namespace safescope::test {

/// F16 bits of a float that F16 represents exactly as a normal number (sign, exponent rebased, top 10 mantissa bits).
inline uint16_t exactF16(float value)
{
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    if ((bits & 0x7fffffffu) == 0)
        return static_cast<uint16_t>(bits >> 16);
    const uint32_t sign = bits >> 31, exponent = (bits >> 23) & 0xff, mantissa = bits & 0x7fffff;
    return static_cast<uint16_t>((sign << 15) | ((exponent - 127 + 15) << 10) | (mantissa >> 13));
}

inline QByteArray f16Bytes(const std::vector<float>& values)
{
    std::vector<uint16_t> bits;
    for (float v : values)
        bits.push_back(exactF16(v));
    return bytesOf(bits);
}

/// An E4M3 value (1 + m/8) * 2^e with its sign, e in [-6, 8], m in [0, 7], and its code (bias 7).
struct E4M3
{
    uint8_t code;
    float value;
};
inline E4M3 e4m3(bool negative, int e, int m)
{
    return {static_cast<uint8_t>((negative ? 0x80 : 0) | ((e + 7) << 3) | m),
            (negative ? -1.0f : 1.0f) * std::ldexp(1.0f + static_cast<float>(m) / 8.0f, e)};
}

/// The E2M1 values of codes 0..15 (sign in bit 3), as gpt-oss lists them (FP4_VALUES).
inline float e2m1(int code)
{
    static const float kValues[16] = {+0.0f, +0.5f, +1.0f, +1.5f, +2.0f, +3.0f, +4.0f, +6.0f,
                                      -0.0f, -0.5f, -1.0f, -1.5f, -2.0f, -3.0f, -4.0f, -6.0f};
    return kValues[code];
}

/// A model opened from `file` written into `dir` (with `configJson` as config.json when not empty).
struct QuantFixture
{
    std::shared_ptr<const Model> model;
    QuantConfig config;
    QuantCatalog catalog;

    const LogicalTensor* find(const std::string& name) const
    {
        const std::optional<size_t> at = catalog.find(name);
        return at ? &catalog.tensors[*at] : nullptr;
    }
    /// All values of logical tensor `name` via the product's dequantizer; fails the test when it cannot.
    std::vector<float> values(const std::string& name) const
    {
        const LogicalTensor* t = find(name);
        if (!t) {
            qWarning("no logical tensor '%s'", name.c_str());
            return {};
        }
        auto d = Dequantizer::create(*model, *t);
        if (!d) {
            qWarning("%s", qPrintable(d.error().describe()));
            return {};
        }
        std::vector<float> out(static_cast<size_t>(t->elementCount), std::nanf(""));
        const Status read = (*d)->read(0, t->elementCount, out.data());
        if (!read) {
            qWarning("%s", qPrintable(read.error().describe()));
            return {};
        }
        // Reads of odd sizes starting anywhere (mid-row, mid-group) must give the same elements.
        std::vector<float> piece(37);
        for (uint64_t at = 0; at < t->elementCount; at += piece.size()) {
            const uint64_t n = std::min<uint64_t>(piece.size(), t->elementCount - at);
            if (!(*d)->read(at, n, piece.data()).ok() ||
                !std::equal(piece.begin(), piece.begin() + static_cast<ptrdiff_t>(n),
                            out.begin() + static_cast<ptrdiff_t>(at))) {
                qWarning("a read of %llu elements at %llu differs from the whole read",
                         static_cast<unsigned long long>(n), static_cast<unsigned long long>(at));
                return {};
            }
        }
        // The stored order (what statistics read) is a permutation of the same values, whatever the piece size.
        std::vector<float> stored(out.size());
        for (uint64_t at = 0; at < t->elementCount; at += 29)
            (*d)->decodeStoredOrder(at, std::min<uint64_t>(29, t->elementCount - at), stored.data() + at);
        std::vector<float> sorted = out;
        std::sort(sorted.begin(), sorted.end());
        std::sort(stored.begin(), stored.end());
        if (sorted != stored) {
            qWarning("the stored order holds other values than the logical order");
            return {};
        }
        return out;
    }
    bool hasProblemAbout(const QString& tensor) const
    {
        for (const Warning& w : catalog.problems)
            if (w.tensor == tensor)
                return true;
        return false;
    }
};

inline QuantFixture openQuantFixture(const QTemporaryDir& dir, const TensorFileBuilder& file,
                                     const QByteArray& configJson,
                                     const QString& configName = QStringLiteral("config.json"))
{
    if (!configJson.isEmpty())
        writeFile(dir, configName, configJson);
    const QString path = writeFile(dir, QStringLiteral("model.safetensors"), file.build());
    QuantFixture f;
    auto opened = Model::open(path);
    if (!opened) {
        qWarning("%s", qPrintable(opened.error().describe()));
        return f;
    }
    f.model = *opened;
    f.config = readQuantConfig(path);
    f.catalog = recogniseQuantized(*f.model, f.config);
    return f;
}

} // namespace safescope::test
