#include "core/values/dtypecodec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>

namespace safescope {

// safetensors data is little-endian; loading with memcpy into native integers is only right on a little-endian host.
static_assert(std::endian::native == std::endian::little, "dtypecodec assumes a little-endian host");

namespace {

// How a small float format spends its top codes (SPEC.md section 3).
enum class Specials : uint8_t
{
    None,       // F4, F6: every code is finite
    Ieee,       // F8_E5M2: all-ones exponent is inf (mantissa 0) or NaN
    AllOnesNaN, // F8_E4M3 (fn): only S.1111.111 is NaN, no inf
    NegZeroNaN, // FNUZ: 0x80 is the single NaN, so there is no negative zero and no inf
};

struct MiniFloat
{
    int expBits;
    int mantBits;
    int bias;
    Specials specials;
};

constexpr uint32_t kQuietNaN = 0x7fc00000u;

// Float bits of mant * 2^exp2, built with integers so that the decode tables can be constexpr (std::ldexp is not).
// Exact for every value the small formats can hold, float subnormals (F8_E8M0's 2^-127) included.
constexpr uint32_t floatBitsOf(uint32_t mant, int exp2)
{
    if (mant == 0)
        return 0;
    const int msb = std::bit_width(mant) - 1;
    const int exponent = exp2 + msb;
    if (exponent >= -126)
        return (static_cast<uint32_t>(exponent + 127) << 23) | ((mant << (23 - msb)) & 0x7fffffu);
    return mant << (exp2 + 149);
}

constexpr float decodeMini(uint32_t code, MiniFloat format)
{
    const uint32_t signBit = 1u << (format.expBits + format.mantBits);
    const uint32_t sign = (code & signBit) ? 0x80000000u : 0u;
    const uint32_t magnitude = code & (signBit - 1);
    const uint32_t exponent = magnitude >> format.mantBits;
    const uint32_t mantissa = magnitude & ((1u << format.mantBits) - 1);
    const uint32_t maxExponent = (1u << format.expBits) - 1;
    switch (format.specials) {
    case Specials::None:
        break;
    case Specials::Ieee:
        if (exponent == maxExponent)
            return std::bit_cast<float>(sign | (mantissa ? kQuietNaN : 0x7f800000u));
        break;
    case Specials::AllOnesNaN:
        if (magnitude == signBit - 1)
            return std::bit_cast<float>(sign | kQuietNaN);
        break;
    case Specials::NegZeroNaN:
        if (code == signBit)
            return std::bit_cast<float>(kQuietNaN);
        break;
    }
    const uint32_t bits = exponent == 0 ? floatBitsOf(mantissa, 1 - format.bias - format.mantBits)
                                        : floatBitsOf((1u << format.mantBits) | mantissa,
                                                      static_cast<int>(exponent) - format.bias - format.mantBits);
    return std::bit_cast<float>(sign | bits);
}

template <size_t N> constexpr std::array<float, N> makeTable(MiniFloat format)
{
    std::array<float, N> table{};
    for (size_t code = 0; code < N; ++code)
        table[code] = decodeMini(static_cast<uint32_t>(code), format);
    return table;
}

// F8_E8M0 has no sign and no mantissa: a pure power of two, which the generic layout cannot express (no subnormals).
constexpr std::array<float, 256> makeE8M0Table()
{
    std::array<float, 256> table{};
    for (int code = 0; code < 255; ++code)
        table[static_cast<size_t>(code)] = std::bit_cast<float>(floatBitsOf(1, code - 127));
    table[255] = std::bit_cast<float>(kQuietNaN);
    return table;
}

// Lookup tables, computed at compile time: no initialisation order or thread-safety question at run time.
constexpr auto kE5M2 = makeTable<256>({5, 2, 15, Specials::Ieee});
constexpr auto kE4M3 = makeTable<256>({4, 3, 7, Specials::AllOnesNaN});
constexpr auto kE4M3Fnuz = makeTable<256>({4, 3, 8, Specials::NegZeroNaN});
constexpr auto kE5M2Fnuz = makeTable<256>({5, 2, 16, Specials::NegZeroNaN});
constexpr auto kE8M0 = makeE8M0Table();
constexpr auto kE2M3 = makeTable<64>({2, 3, 1, Specials::None});
constexpr auto kE3M2 = makeTable<64>({3, 2, 3, Specials::None});
constexpr auto kE2M1 = makeTable<16>({2, 1, 1, Specials::None});

const float* f8Table(DType dtype)
{
    switch (dtype) {
    case DType::F8_E5M2:
        return kE5M2.data();
    case DType::F8_E4M3:
        return kE4M3.data();
    case DType::F8_E8M0:
        return kE8M0.data();
    case DType::F8_E4M3FNUZ:
        return kE4M3Fnuz.data();
    case DType::F8_E5M2FNUZ:
        return kE5M2Fnuz.data();
    default:
        return nullptr;
    }
}

template <typename T> inline T load(const unsigned char* p)
{
    T value;
    std::memcpy(&value, p, sizeof value);
    return value;
}

// Branch-free (integer masks, no selects the compiler might turn into jumps) so loops over it vectorise, and no
// arithmetic on float subnormals, which is slow on many CPUs: an F16 subnormal m * 2^-24 is computed as
// 2^-14 * (1 + m/1024) - 2^-14, exact by Sterbenz' lemma.
inline float halfToFloat(uint16_t half)
{
    const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
    const uint32_t shifted = static_cast<uint32_t>(half & 0x7fffu) << 13;
    const uint32_t infOrNaNMask = 0u - static_cast<uint32_t>(shifted >= (0x7c00u << 13));
    const uint32_t subnormalMask = 0u - static_cast<uint32_t>(shifted < (0x0400u << 13));
    // Rebias the exponent by 127 - 15, and once more for inf/NaN so that exponent 31 becomes 255.
    const uint32_t normal = shifted + (112u << 23) + (infOrNaNMask & (112u << 23));
    const uint32_t subnormal = std::bit_cast<uint32_t>(std::bit_cast<float>(shifted + (113u << 23)) - 0x1p-14f);
    return std::bit_cast<float>(((normal & ~subnormalMask) | (subnormal & subnormalMask)) | sign);
}

inline float bf16ToFloat(uint16_t bits)
{
    return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

// F6 element `lane` (0..3) of the 3-byte group at `group`, touching only the bytes that hold it, so a range that
// ends inside a group never reads past its last element.
inline uint8_t f6Code(const unsigned char* group, unsigned lane)
{
    switch (lane) {
    case 0:
        return group[0] & 0x3f;
    case 1:
        return static_cast<uint8_t>((group[0] >> 6) | ((group[1] & 0x0f) << 2));
    case 2:
        return static_cast<uint8_t>((group[1] >> 4) | ((group[2] & 0x03) << 4));
    default:
        return static_cast<uint8_t>(group[2] >> 2);
    }
}

// Converts in blocks of a constant size because GCC vectorises a constant trip count even at -O2, whose "very
// cheap" cost model rejects loops that need a scalar epilogue or run-time alias checks. __restrict: the output
// never overlaps the (read-only, mapped) input.
template <size_t Stride, typename Out, typename Convert>
void mapElements(const unsigned char* __restrict p, size_t count, Out* __restrict out, Convert convert)
{
    constexpr size_t kBlock = 16;
    size_t i = 0;
    for (; count - i >= kBlock; i += kBlock) {
        for (size_t j = 0; j < kBlock; ++j)
            out[i + j] = static_cast<Out>(convert(p + (i + j) * Stride));
    }
    for (; i < count; ++i)
        out[i] = static_cast<Out>(convert(p + i * Stride));
}

template <typename Src, typename Out>
void convertRange(const unsigned char* data, uint64_t first, size_t count, Out* out)
{
    mapElements<sizeof(Src)>(data + first * sizeof(Src), count, out,
                             [](const unsigned char* p) { return static_cast<Out>(load<Src>(p)); });
}

template <typename Out>
void tableRange(const float* table, const unsigned char* data, uint64_t first, size_t count, Out* out)
{
    mapElements<1>(data + first, count, out, [table](const unsigned char* p) { return table[*p]; });
}

template <typename Out> void f4Range(const unsigned char* data, uint64_t first, size_t count, Out* out)
{
    const unsigned char* p = data + first / 2;
    size_t i = 0;
    if ((first & 1) != 0 && count > 0) {
        out[i++] = static_cast<Out>(kE2M1[*p++ >> 4]);
    }
    for (; count - i >= 2; i += 2, ++p) {
        out[i] = static_cast<Out>(kE2M1[*p & 0x0f]);
        out[i + 1] = static_cast<Out>(kE2M1[*p >> 4]);
    }
    if (i < count)
        out[i] = static_cast<Out>(kE2M1[*p & 0x0f]);
}

template <typename Out>
void f6Range(const float* table, const unsigned char* data, uint64_t first, size_t count, Out* out)
{
    const unsigned char* group = data + first / 4 * 3;
    unsigned lane = static_cast<unsigned>(first % 4);
    size_t i = 0;
    for (; i < count && lane != 0; ++i) {
        out[i] = static_cast<Out>(table[f6Code(group, lane)]);
        if (++lane == 4) {
            lane = 0;
            group += 3;
        }
    }
    for (; count - i >= 4; i += 4, group += 3) {
        const uint32_t word =
            group[0] | (static_cast<uint32_t>(group[1]) << 8) | (static_cast<uint32_t>(group[2]) << 16);
        out[i] = static_cast<Out>(table[word & 0x3f]);
        out[i + 1] = static_cast<Out>(table[(word >> 6) & 0x3f]);
        out[i + 2] = static_cast<Out>(table[(word >> 12) & 0x3f]);
        out[i + 3] = static_cast<Out>(table[word >> 18]);
    }
    for (unsigned tail = 0; i < count; ++i, ++tail)
        out[i] = static_cast<Out>(table[f6Code(group, tail)]);
}

// One switch per call, with a tight loop per dtype inside, so the per-element work never branches on the dtype.
template <typename Out> void decodeRange(DType dtype, const unsigned char* data, uint64_t first, size_t count, Out* out)
{
    switch (dtype) {
    case DType::BOOL: // the raw byte, so values other than 0/1 stay visible
    case DType::U8:
        return convertRange<uint8_t>(data, first, count, out);
    case DType::I8:
        return convertRange<int8_t>(data, first, count, out);
    case DType::I16:
        return convertRange<int16_t>(data, first, count, out);
    case DType::U16:
        return convertRange<uint16_t>(data, first, count, out);
    case DType::I32:
        return convertRange<int32_t>(data, first, count, out);
    case DType::U32:
        return convertRange<uint32_t>(data, first, count, out);
    case DType::I64:
        return convertRange<int64_t>(data, first, count, out);
    case DType::U64:
        return convertRange<uint64_t>(data, first, count, out);
    case DType::F32:
        return convertRange<float>(data, first, count, out);
    case DType::F64:
        return convertRange<double>(data, first, count, out);
    case DType::F16:
        return mapElements<2>(data + first * 2, count, out,
                              [](const unsigned char* p) { return halfToFloat(load<uint16_t>(p)); });
    case DType::BF16:
        return mapElements<2>(data + first * 2, count, out,
                              [](const unsigned char* p) { return bf16ToFloat(load<uint16_t>(p)); });
    case DType::C64: // the real part
        return mapElements<8>(data + first * 8, count, out, [](const unsigned char* p) { return load<float>(p); });
    case DType::F8_E5M2:
    case DType::F8_E4M3:
    case DType::F8_E8M0:
    case DType::F8_E4M3FNUZ:
    case DType::F8_E5M2FNUZ:
        return tableRange(f8Table(dtype), data, first, count, out);
    case DType::F6_E2M3:
        return f6Range(kE2M3.data(), data, first, count, out);
    case DType::F6_E3M2:
        return f6Range(kE3M2.data(), data, first, count, out);
    case DType::F4:
        return f4Range(data, first, count, out);
    case DType::Unknown:
        break;
    }
    for (size_t i = 0; i < count; ++i)
        out[i] = std::numeric_limits<Out>::quiet_NaN();
}

// Rounds a finite, non-negative float (given by its bits) to nearest-even in a binary format with `mantBits`
// fraction bits and exponent `bias`, and returns exponent and fraction concatenated. The exponent is not limited:
// the caller compares against its largest finite code. Because the result is one integer, a mantissa carry moves
// into the exponent by itself (subnormal -> normal, 1.111 -> 10.000).
constexpr uint32_t roundMagnitude(uint32_t absBits, int mantBits, int bias)
{
    const int dropped = 23 - mantBits;
    const uint32_t minNormalBits = static_cast<uint32_t>(128 - bias) << 23; // float bits of 2^(1 - bias)
    uint32_t value = 0;
    int shift = 0;
    if (absBits >= minNormalBits) {
        value = absBits - (static_cast<uint32_t>(127 - bias) << 23); // rebias; the fraction stays in place
        shift = dropped;
    } else {
        // Target subnormal: count quanta of 2^(1 - bias - mantBits) in the float's significand.
        const int exponent = std::max(static_cast<int>(absBits >> 23), 1);
        value = (absBits & 0x7fffffu) | (absBits >= 0x00800000u ? 0x00800000u : 0u);
        shift = dropped + (128 - bias) - exponent;
        if (shift > 24) // value < 2^24 <= half a quantum: rounds to zero, never a tie
            return 0;
    }
    uint32_t rounded = value >> shift;
    const uint32_t rest = value & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rest > half || (rest == half && (rounded & 1u) != 0))
        ++rounded;
    return rounded;
}

} // namespace

void decodeToDouble(DType dtype, const unsigned char* data, uint64_t first, size_t count, double* out)
{
    decodeRange(dtype, data, first, count, out);
}

void decodeToFloat(DType dtype, const unsigned char* data, uint64_t first, size_t count, float* out)
{
    decodeRange(dtype, data, first, count, out);
}

void decodeComplex(const unsigned char* data, uint64_t first, size_t count, std::complex<float>* out)
{
    const unsigned char* p = data + first * 8;
    for (size_t i = 0; i < count; ++i)
        out[i] = {load<float>(p + i * 8), load<float>(p + i * 8 + 4)};
}

uint64_t rawBits(DType dtype, const unsigned char* data, uint64_t index)
{
    switch (dtype) {
    case DType::F4: {
        const unsigned char byte = data[index / 2];
        return (index & 1) != 0 ? byte >> 4 : byte & 0x0f;
    }
    case DType::F6_E2M3:
    case DType::F6_E3M2:
        return f6Code(data + index / 4 * 3, static_cast<unsigned>(index % 4));
    case DType::BOOL:
    case DType::U8:
    case DType::I8:
    case DType::F8_E5M2:
    case DType::F8_E4M3:
    case DType::F8_E8M0:
    case DType::F8_E4M3FNUZ:
    case DType::F8_E5M2FNUZ:
        return data[index];
    case DType::I16:
    case DType::U16:
    case DType::F16:
    case DType::BF16:
        return load<uint16_t>(data + index * 2);
    case DType::I32:
    case DType::U32:
    case DType::F32:
        return load<uint32_t>(data + index * 4);
    case DType::C64: // real part in the low half, as the little-endian bytes lie
    case DType::F64:
    case DType::I64:
    case DType::U64:
        return load<uint64_t>(data + index * 8);
    case DType::Unknown:
        break;
    }
    return 0;
}

float decodeF16(uint16_t bits)
{
    return halfToFloat(bits);
}

float decodeBF16(uint16_t bits)
{
    return bf16ToFloat(bits);
}

float decodeF8(DType dtype, uint8_t code)
{
    const float* table = f8Table(dtype);
    return table ? table[code] : std::numeric_limits<float>::quiet_NaN();
}

float decodeF6(DType dtype, uint8_t code)
{
    if (dtype == DType::F6_E2M3)
        return kE2M3[code & 0x3f];
    if (dtype == DType::F6_E3M2)
        return kE3M2[code & 0x3f];
    return std::numeric_limits<float>::quiet_NaN();
}

float decodeF4(uint8_t code)
{
    return kE2M1[code & 0x0f];
}

uint16_t encodeF16(float value)
{
    const uint32_t bits = std::bit_cast<uint32_t>(value);
    const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
    const uint32_t absBits = bits & 0x7fffffffu;
    if (absBits > 0x7f800000u) // NaN: keep the top payload bits, force quiet so the code cannot become inf
        return static_cast<uint16_t>(sign | 0x7e00u | ((absBits >> 13) & 0x03ffu));
    if (absBits >= 0x7f800000u)
        return static_cast<uint16_t>(sign | 0x7c00u);
    const uint32_t magnitude = roundMagnitude(absBits, 10, 15);
    return static_cast<uint16_t>(sign | (magnitude > 0x7c00u ? 0x7c00u : magnitude)); // 0x7c00 itself is inf
}

uint16_t encodeBF16(float value)
{
    const uint32_t bits = std::bit_cast<uint32_t>(value);
    if ((bits & 0x7fffffffu) > 0x7f800000u) // truncating a NaN with a low payload would give inf
        return static_cast<uint16_t>((bits >> 16) | 0x0040u);
    // Adding just under half an ulp, plus the kept LSB, rounds to nearest-even; overflow carries into inf.
    return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// Saturation follows CUDA's __NV_SATFINITE: every non-NaN magnitude beyond the largest finite value, infinity
// included, becomes that value.
uint8_t encodeF8E4M3(float value, bool saturate)
{
    constexpr uint8_t kMax = 0x7e; // 448
    constexpr uint8_t kNaN = 0x7f;
    const uint32_t bits = std::bit_cast<uint32_t>(value);
    const auto sign = static_cast<uint8_t>((bits >> 24) & 0x80u);
    const uint32_t absBits = bits & 0x7fffffffu;
    if (absBits > 0x7f800000u)
        return static_cast<uint8_t>(sign | kNaN);
    // 464 (halfway between 448 and the NaN code's 480) rounds to the even 448; anything above rounds past it.
    const uint32_t magnitude = absBits == 0x7f800000u ? kNaN : roundMagnitude(absBits, 3, 7);
    if (magnitude > kMax)
        return static_cast<uint8_t>(sign | (saturate ? kMax : kNaN));
    return static_cast<uint8_t>(sign | magnitude);
}

uint8_t encodeF8E5M2(float value, bool saturate)
{
    constexpr uint8_t kMax = 0x7b; // 57344
    constexpr uint8_t kInf = 0x7c;
    const uint32_t bits = std::bit_cast<uint32_t>(value);
    const auto sign = static_cast<uint8_t>((bits >> 24) & 0x80u);
    const uint32_t absBits = bits & 0x7fffffffu;
    if (absBits > 0x7f800000u)
        return static_cast<uint8_t>(sign | 0x7e);
    const uint32_t magnitude = absBits == 0x7f800000u ? kInf : roundMagnitude(absBits, 2, 15);
    if (magnitude > kMax)
        return static_cast<uint8_t>(sign | (saturate ? kMax : kInf));
    return static_cast<uint8_t>(sign | magnitude);
}

} // namespace safescope
