#include "core/export/dtypeconversion.h"

#include "core/values/dtypecodec.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace safescope {

namespace {

bool isSourceType(DType dtype)
{
    return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}

float loadValue(DType dtype, const unsigned char* data, size_t index)
{
    if (dtype == DType::F32) {
        float value;
        std::memcpy(&value, data + index * 4, 4);
        return value;
    }
    uint16_t bits;
    std::memcpy(&bits, data + index * 2, 2);
    return dtype == DType::F16 ? decodeF16(bits) : decodeBF16(bits);
}

// Stores one value and returns what the stored code decodes to, for the impact counts.
float storeValue(DType dtype, float value, unsigned char* data, size_t index)
{
    switch (dtype) {
    case DType::F16: {
        const uint16_t bits = encodeF16(value);
        std::memcpy(data + index * 2, &bits, 2);
        return decodeF16(bits);
    }
    case DType::BF16: {
        const uint16_t bits = encodeBF16(value);
        std::memcpy(data + index * 2, &bits, 2);
        return decodeBF16(bits);
    }
    case DType::F8_E4M3: {
        const uint8_t code = encodeF8E4M3(value, true);
        data[index] = code;
        return decodeF8(dtype, code);
    }
    case DType::F8_E5M2: {
        const uint8_t code = encodeF8E5M2(value, false);
        data[index] = code;
        return decodeF8(dtype, code);
    }
    default: // F32
        std::memcpy(data + index * 4, &value, 4);
        return value;
    }
}

} // namespace

void ConversionImpact::merge(const ConversionImpact& other)
{
    values += other.values;
    overflowToInf += other.overflowToInf;
    saturated += other.saturated;
    underflowToZero += other.underflowToZero;
    nanValues += other.nanValues;
    maxAbsError = std::max(maxAbsError, other.maxAbsError);
    maxRelError = std::max(maxRelError, other.maxRelError);
}

bool isConvertible(DType from, DType to)
{
    return isSourceType(from) && (isSourceType(to) || to == DType::F8_E4M3 || to == DType::F8_E5M2);
}

void convertElements(DType from, const unsigned char* source, DType to, unsigned char* target, size_t count,
                     ConversionImpact* impact)
{
    for (size_t i = 0; i < count; ++i) {
        const float value = loadValue(from, source, i);
        const float stored = storeValue(to, value, target, i);
        if (impact == nullptr)
            continue;
        ++impact->values;
        if (std::isnan(value)) {
            ++impact->nanValues;
            continue;
        }
        if (std::isinf(value)) {
            if (!std::isinf(stored))
                ++impact->saturated; // E4M3 has no infinity: inf becomes 448
            continue;
        }
        if (std::isinf(stored)) {
            ++impact->overflowToInf;
            continue;
        }
        // Without saturation this value would have rounded past 448 (to the NaN code).
        if (to == DType::F8_E4M3 && std::isnan(decodeF8(to, encodeF8E4M3(value, false))))
            ++impact->saturated;
        if (value != 0.0f && stored == 0.0f)
            ++impact->underflowToZero;
        const double error = std::fabs(static_cast<double>(stored) - static_cast<double>(value));
        impact->maxAbsError = std::max(impact->maxAbsError, error);
        if (value != 0.0f)
            impact->maxRelError = std::max(impact->maxRelError, error / std::fabs(static_cast<double>(value)));
    }
}

} // namespace safescope
