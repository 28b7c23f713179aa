#include "core/values/dtypecodec.h"

#include <QList>
#include <QTest>

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

using namespace safescope;

Q_DECLARE_METATYPE(safescope::DType)

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Equal values, NaN matching NaN, and the sign of zero compared too.
bool sameValue(double actual, double expected)
{
    if (std::isnan(actual) || std::isnan(expected))
        return std::isnan(actual) && std::isnan(expected);
    return actual == expected && std::signbit(actual) == std::signbit(expected);
}

QString hex(uint64_t code)
{
    return QStringLiteral("0x%1").arg(code, 0, 16);
}

// Builds the failure text only when a check fails: the exhaustive loops run hundreds of thousands of checks.
#define CHECK_SAME(actual, expected, what)                                                                             \
    do {                                                                                                               \
        const double actual_ = (actual);                                                                               \
        const double expected_ = (expected);                                                                           \
        if (!sameValue(actual_, expected_))                                                                            \
            QFAIL(qPrintable(QString(                                                                                  \
                QString(what) +                                                                                        \
                QStringLiteral(": got %1, expected %2").arg(actual_, 0, 'g', 17).arg(expected_, 0, 'g', 17))));        \
    } while (false)

#define CHECK_CODE(actual, expected, what)                                                                             \
    do {                                                                                                               \
        const uint64_t actual_ = (actual);                                                                             \
        const uint64_t expected_ = (expected);                                                                         \
        if (actual_ != expected_)                                                                                      \
            QFAIL(qPrintable(                                                                                          \
                QString(QString(what) + QStringLiteral(": got %1, expected %2").arg(hex(actual_), hex(expected_)))));  \
    } while (false)

// ---- Reference decoders written from the format definitions in SPEC.md section 3, not from the code under test.

// (-1)^s * 2^(e - bias) * (1 + m / 2^M); exponent field 0 is subnormal: (-1)^s * 2^(1 - bias) * (m / 2^M).
double minifloatValue(unsigned code, int expBits, int mantBits, int bias)
{
    const unsigned mantissa = code & ((1u << mantBits) - 1);
    const unsigned exponent = (code >> mantBits) & ((1u << expBits) - 1);
    const bool negative = ((code >> (expBits + mantBits)) & 1u) != 0;
    const double fraction = std::ldexp(static_cast<double>(mantissa), -mantBits);
    const double magnitude =
        exponent == 0 ? std::ldexp(fraction, 1 - bias) : std::ldexp(1.0 + fraction, static_cast<int>(exponent) - bias);
    return negative ? -magnitude : magnitude;
}

double refF8(DType dtype, unsigned code)
{
    switch (dtype) {
    case DType::F8_E4M3: // fn: S.1111.111 is the only NaN, no infinity
        return (code & 0x7f) == 0x7f ? kNaN : minifloatValue(code, 4, 3, 7);
    case DType::F8_E5M2: // IEEE-like: all-ones exponent is inf (mantissa 0) or NaN
        if ((code & 0x7c) == 0x7c)
            return (code & 0x03) != 0 ? kNaN : ((code & 0x80) != 0 ? -kInf : kInf);
        return minifloatValue(code, 5, 2, 15);
    case DType::F8_E4M3FNUZ: // the negative-zero code is the NaN
        return code == 0x80 ? kNaN : minifloatValue(code, 4, 3, 8);
    case DType::F8_E5M2FNUZ:
        return code == 0x80 ? kNaN : minifloatValue(code, 5, 2, 16);
    case DType::F8_E8M0:
        return code == 0xff ? kNaN : std::ldexp(1.0, static_cast<int>(code) - 127);
    default:
        return kNaN;
    }
}

double refF6(DType dtype, unsigned code)
{
    return dtype == DType::F6_E2M3 ? minifloatValue(code, 2, 3, 1) : minifloatValue(code, 3, 2, 3);
}

// E2M1 straight from the SPEC's table of magnitudes, sign in bit 3.
double refF4(unsigned code)
{
    static constexpr double kMagnitudes[8] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
    const double magnitude = kMagnitudes[code & 7];
    return (code & 8) != 0 ? -magnitude : magnitude;
}

double refSubByte(DType dtype, unsigned code)
{
    return dtype == DType::F4 ? refF4(code) : refF6(dtype, code);
}

double refF16(unsigned code)
{
    if ((code & 0x7c00) == 0x7c00)
        return (code & 0x03ff) != 0 ? kNaN : ((code & 0x8000) != 0 ? -kInf : kInf);
    return minifloatValue(code, 5, 10, 15);
}

double refBF16(unsigned code)
{
    if ((code & 0x7f80) == 0x7f80)
        return (code & 0x007f) != 0 ? kNaN : ((code & 0x8000) != 0 ? -kInf : kInf);
    return minifloatValue(code, 8, 7, 127);
}

// ---- Test-side byte builders.

void appendLE(QByteArray& bytes, uint64_t value, int size)
{
    for (int i = 0; i < size; ++i)
        bytes.append(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint32_t bitsOf(float value)
{
    return std::bit_cast<uint32_t>(value);
}
uint64_t bitsOf(double value)
{
    return std::bit_cast<uint64_t>(value);
}

// Two 4-bit codes per byte, first element in the LOW nibble (PyTorch float4_e2m1fn_x2).
std::vector<unsigned char> packF4(const std::vector<uint8_t>& codes)
{
    std::vector<unsigned char> bytes((codes.size() + 1) / 2, 0);
    for (size_t i = 0; i < codes.size(); ++i)
        bytes[i / 2] |= static_cast<unsigned char>((codes[i] & 0x0f) << ((i % 2) * 4));
    return bytes;
}

// 6-bit codes laid end to end LSB-first, placed bit by bit so that no group arithmetic is shared with the decoder.
std::vector<unsigned char> packF6(const std::vector<uint8_t>& codes)
{
    std::vector<unsigned char> bytes((codes.size() * 6 + 7) / 8, 0);
    for (size_t i = 0; i < codes.size(); ++i) {
        for (size_t bit = 0; bit < 6; ++bit) {
            if (((codes[i] >> bit) & 1) != 0) {
                const size_t position = i * 6 + bit;
                bytes[position / 8] |= static_cast<unsigned char>(1u << (position % 8));
            }
        }
    }
    return bytes;
}

// A heap block of exactly offset + size bytes holding `bytes` at `offset`: the data is misaligned as asked and
// AddressSanitizer reports any read past its end.
struct PlacedBytes
{
    std::unique_ptr<unsigned char[]> storage;
    const unsigned char* data = nullptr;
};

PlacedBytes place(const unsigned char* bytes, size_t size, size_t offset)
{
    PlacedBytes placed;
    placed.storage = std::make_unique<unsigned char[]>(offset + size);
    std::fill_n(placed.storage.get(), offset, static_cast<unsigned char>(0xa5));
    if (size > 0)
        std::memcpy(placed.storage.get() + offset, bytes, size);
    placed.data = placed.storage.get() + offset;
    return placed;
}

PlacedBytes place(const QByteArray& bytes, size_t offset)
{
    return place(reinterpret_cast<const unsigned char*>(bytes.constData()), static_cast<size_t>(bytes.size()), offset);
}

// ---- Encoders: the four formats with encoders and a brute-force reference rounder over their decoded values.

enum class Enc
{
    F16,
    BF16,
    E4M3,
    E5M2
};

unsigned encodeWith(Enc format, float value, bool saturate)
{
    switch (format) {
    case Enc::F16:
        return encodeF16(value);
    case Enc::BF16:
        return encodeBF16(value);
    case Enc::E4M3:
        return encodeF8E4M3(value, saturate);
    case Enc::E5M2:
        return encodeF8E5M2(value, saturate);
    }
    return 0;
}

double decodeWith(Enc format, unsigned code)
{
    switch (format) {
    case Enc::F16:
        return decodeF16(static_cast<uint16_t>(code));
    case Enc::BF16:
        return decodeBF16(static_cast<uint16_t>(code));
    case Enc::E4M3:
        return decodeF8(DType::F8_E4M3, static_cast<uint8_t>(code));
    case Enc::E5M2:
        return decodeF8(DType::F8_E5M2, static_cast<uint8_t>(code));
    }
    return kNaN;
}

double refDecode(Enc format, unsigned code)
{
    switch (format) {
    case Enc::F16:
        return refF16(code);
    case Enc::BF16:
        return refBF16(code);
    case Enc::E4M3:
        return refF8(DType::F8_E4M3, code);
    case Enc::E5M2:
        return refF8(DType::F8_E5M2, code);
    }
    return kNaN;
}

unsigned codeCount(Enc format)
{
    return format == Enc::F16 || format == Enc::BF16 ? 65536 : 256;
}

unsigned signBit(Enc format)
{
    return codeCount(format) / 2;
}

// What a magnitude beyond the largest finite value becomes, per the header's rules.
unsigned overflowCode(Enc format, bool saturate)
{
    switch (format) {
    case Enc::F16:
        return 0x7c00;
    case Enc::BF16:
        return 0x7f80;
    case Enc::E4M3:
        return saturate ? 0x7e : 0x7f;
    case Enc::E5M2:
        return saturate ? 0x7b : 0x7c;
    }
    return 0;
}

// Nearest representable value by search, ties to the even code. Positive finite codes 0..max are ascending in
// value, so a value's index is its code. Beyond the maximum, the format is extended by one more step of the top
// binade's spacing, and rounding up to that step overflows.
class RefEncoder
{
public:
    explicit RefEncoder(Enc format) : m_format(format)
    {
        for (unsigned code = 0; code < signBit(format); ++code) {
            const double value = refDecode(format, code);
            if (!std::isfinite(value))
                break;
            m_values.push_back(value);
        }
    }

    unsigned encode(float input, bool saturate) const
    {
        const unsigned sign = std::signbit(input) ? signBit(m_format) : 0u;
        const double magnitude = std::fabs(static_cast<double>(input));
        const size_t maxCode = m_values.size() - 1;
        const double max = m_values[maxCode];
        if (magnitude > max) {
            const double threshold = max + (max - m_values[maxCode - 1]) / 2;
            const bool down = magnitude < threshold || (magnitude == threshold && maxCode % 2 == 0);
            return sign | (down ? static_cast<unsigned>(maxCode) : overflowCode(m_format, saturate));
        }
        const size_t hi =
            static_cast<size_t>(std::lower_bound(m_values.begin(), m_values.end(), magnitude) - m_values.begin());
        if (m_values[hi] == magnitude)
            return sign | static_cast<unsigned>(hi);
        const size_t lo = hi - 1;
        const double middle = (m_values[lo] + m_values[hi]) / 2; // exact in double
        size_t code = magnitude < middle ? lo : hi;
        if (magnitude == middle)
            code = lo % 2 == 0 ? lo : hi;
        return sign | static_cast<unsigned>(code);
    }

    const std::vector<double>& values() const { return m_values; }

private:
    Enc m_format;
    std::vector<double> m_values;
};

// Deterministic 64-bit LCG (Knuth's MMIX constants) for the sweeps.
struct Lcg
{
    uint64_t state;
    uint32_t next()
    {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<uint32_t>(state >> 32);
    }
};

} // namespace

class TestDTypeCodec final : public QObject
{
    Q_OBJECT

private slots:
    void f8EveryCode_data();
    void f8EveryCode();
    void smallFloatKnownValues_data();
    void smallFloatKnownValues();
    void f6EveryCode_data();
    void f6EveryCode();
    void f4EveryCode();
    void f16EveryCode();
    void bf16EveryCode();
    void subBytePacking_data();
    void subBytePacking();
    void plainTypes_data();
    void plainTypes();
    void complex64();
    void unknownDType();

    void encodeRoundTrip_data();
    void encodeRoundTrip();
    void encodeMidpoints_data();
    void encodeMidpoints();
    void encodeKnown_data();
    void encodeKnown();
    void encodeNaN_data();
    void encodeNaN();
    void encodeSweep_data();
    void encodeSweep();
};

void TestDTypeCodec::f8EveryCode_data()
{
    QTest::addColumn<DType>("dtype");
    QTest::addColumn<int>("nanCodes");
    QTest::addColumn<int>("infCodes");
    QTest::addColumn<double>("maxFinite");
    QTest::addColumn<bool>("hasNegativeZero");

    QTest::newRow("F8_E4M3") << DType::F8_E4M3 << 2 << 0 << 448.0 << true;
    QTest::newRow("F8_E5M2") << DType::F8_E5M2 << 6 << 2 << 57344.0 << true;
    QTest::newRow("F8_E4M3FNUZ") << DType::F8_E4M3FNUZ << 1 << 0 << 240.0 << false;
    QTest::newRow("F8_E5M2FNUZ") << DType::F8_E5M2FNUZ << 1 << 0 << 57344.0 << false;
    QTest::newRow("F8_E8M0") << DType::F8_E8M0 << 1 << 0 << std::ldexp(1.0, 127) << false;
}

void TestDTypeCodec::f8EveryCode()
{
    QFETCH(DType, dtype);
    QFETCH(int, nanCodes);
    QFETCH(int, infCodes);
    QFETCH(double, maxFinite);
    QFETCH(bool, hasNegativeZero);

    int nans = 0;
    int infs = 0;
    int negativeZeros = 0;
    double max = 0;
    for (unsigned code = 0; code < 256; ++code) {
        const double value = decodeF8(dtype, static_cast<uint8_t>(code));
        CHECK_SAME(value, refF8(dtype, code), QStringLiteral("decodeF8 ") + hex(code));
        nans += std::isnan(value) ? 1 : 0;
        infs += std::isinf(value) ? 1 : 0;
        negativeZeros += value == 0 && std::signbit(value) ? 1 : 0;
        if (std::isfinite(value))
            max = std::max(max, std::fabs(value));
    }
    QCOMPARE(nans, nanCodes);
    QCOMPARE(infs, infCodes);
    QCOMPARE(max, maxFinite);
    QCOMPARE(negativeZeros, hasNegativeZero ? 1 : 0);

    // The bulk decoders over all 256 codes, misaligned, from the start and from inside the buffer.
    std::vector<unsigned char> codes(256);
    for (unsigned code = 0; code < 256; ++code)
        codes[code] = static_cast<unsigned char>(code);
    const PlacedBytes placed = place(codes.data(), codes.size(), 1);
    for (const uint64_t first : {uint64_t{0}, uint64_t{3}, uint64_t{255}}) {
        const size_t count = 256 - first;
        std::vector<float> floats(count);
        std::vector<double> doubles(count);
        decodeToFloat(dtype, placed.data, first, count, floats.data());
        decodeToDouble(dtype, placed.data, first, count, doubles.data());
        for (size_t i = 0; i < count; ++i) {
            const auto code = static_cast<unsigned>(first + i);
            CHECK_SAME(floats[i], refF8(dtype, code), QStringLiteral("decodeToFloat ") + hex(code));
            CHECK_SAME(doubles[i], refF8(dtype, code), QStringLiteral("decodeToDouble ") + hex(code));
            CHECK_CODE(rawBits(dtype, placed.data, code), code, QStringLiteral("rawBits"));
        }
    }
}

void TestDTypeCodec::smallFloatKnownValues_data()
{
    QTest::addColumn<DType>("dtype");
    QTest::addColumn<int>("code");
    QTest::addColumn<double>("expected");

    const auto row = [](const char* name, DType dtype, int code, double expected) {
        QTest::newRow(name) << dtype << code << expected;
    };
    row("E4M3 max", DType::F8_E4M3, 0x7e, 448);
    row("E4M3 -max", DType::F8_E4M3, 0xfe, -448);
    row("E4M3 NaN", DType::F8_E4M3, 0x7f, kNaN);
    row("E4M3 -NaN", DType::F8_E4M3, 0xff, kNaN);
    row("E4M3 one", DType::F8_E4M3, 0x38, 1);
    row("E4M3 min normal", DType::F8_E4M3, 0x08, 0.015625);
    row("E4M3 min subnormal", DType::F8_E4M3, 0x01, 0.001953125);
    row("E4M3 max subnormal", DType::F8_E4M3, 0x07, 0.013671875);
    row("E4M3 -0", DType::F8_E4M3, 0x80, -0.0);
    row("E5M2 max", DType::F8_E5M2, 0x7b, 57344);
    row("E5M2 inf", DType::F8_E5M2, 0x7c, kInf);
    row("E5M2 -inf", DType::F8_E5M2, 0xfc, -kInf);
    row("E5M2 NaN 7d", DType::F8_E5M2, 0x7d, kNaN);
    row("E5M2 NaN 7e", DType::F8_E5M2, 0x7e, kNaN);
    row("E5M2 NaN ff", DType::F8_E5M2, 0xff, kNaN);
    row("E5M2 one", DType::F8_E5M2, 0x3c, 1);
    row("E5M2 min subnormal", DType::F8_E5M2, 0x01, 1.52587890625e-05);
    row("E5M2 -0", DType::F8_E5M2, 0x80, -0.0);
    row("E4M3FNUZ max", DType::F8_E4M3FNUZ, 0x7f, 240);
    row("E4M3FNUZ -max", DType::F8_E4M3FNUZ, 0xff, -240);
    row("E4M3FNUZ NaN", DType::F8_E4M3FNUZ, 0x80, kNaN);
    row("E4M3FNUZ one", DType::F8_E4M3FNUZ, 0x40, 1);
    row("E4M3FNUZ min subnormal", DType::F8_E4M3FNUZ, 0x01, 0.0009765625);
    row("E4M3FNUZ zero", DType::F8_E4M3FNUZ, 0x00, 0.0);
    row("E5M2FNUZ max", DType::F8_E5M2FNUZ, 0x7f, 57344);
    row("E5M2FNUZ NaN", DType::F8_E5M2FNUZ, 0x80, kNaN);
    row("E5M2FNUZ one", DType::F8_E5M2FNUZ, 0x40, 1);
    row("E5M2FNUZ min subnormal", DType::F8_E5M2FNUZ, 0x01, 7.62939453125e-06);
    row("E5M2FNUZ -1", DType::F8_E5M2FNUZ, 0xc0, -1);
    row("E8M0 one", DType::F8_E8M0, 0x7f, 1);
    row("E8M0 two", DType::F8_E8M0, 0x80, 2);
    row("E8M0 smallest", DType::F8_E8M0, 0x00, std::ldexp(1.0, -127));
    row("E8M0 largest", DType::F8_E8M0, 0xfe, std::ldexp(1.0, 127));
    row("E8M0 NaN", DType::F8_E8M0, 0xff, kNaN);
    row("E2M3 max", DType::F6_E2M3, 0x1f, 7.5);
    row("E2M3 -max", DType::F6_E2M3, 0x3f, -7.5);
    row("E2M3 one", DType::F6_E2M3, 0x08, 1);
    row("E2M3 min subnormal", DType::F6_E2M3, 0x01, 0.125);
    row("E2M3 -0", DType::F6_E2M3, 0x20, -0.0);
    row("E3M2 max", DType::F6_E3M2, 0x1f, 28);
    row("E3M2 -max", DType::F6_E3M2, 0x3f, -28);
    row("E3M2 one", DType::F6_E3M2, 0x0c, 1);
    row("E3M2 min subnormal", DType::F6_E3M2, 0x01, 0.0625);
    row("F4 max", DType::F4, 0x7, 6);
    row("F4 -max", DType::F4, 0xf, -6);
    row("F4 half", DType::F4, 0x1, 0.5);
    row("F4 three", DType::F4, 0x5, 3);
    row("F4 -0", DType::F4, 0x8, -0.0);
}

// Literal values from the SPEC: a second, formula-free check of the decoders and of the test's own reference.
void TestDTypeCodec::smallFloatKnownValues()
{
    QFETCH(DType, dtype);
    QFETCH(int, code);
    QFETCH(double, expected);

    const auto byte = static_cast<uint8_t>(code);
    double actual = kNaN;
    double reference = kNaN;
    if (dtype == DType::F4) {
        actual = decodeF4(byte);
        reference = refF4(byte);
    } else if (dtype == DType::F6_E2M3 || dtype == DType::F6_E3M2) {
        actual = decodeF6(dtype, byte);
        reference = refF6(dtype, byte);
    } else {
        actual = decodeF8(dtype, byte);
        reference = refF8(dtype, byte);
    }
    CHECK_SAME(actual, expected, QStringLiteral("decoder"));
    CHECK_SAME(reference, expected, QStringLiteral("test reference"));
}

void TestDTypeCodec::f6EveryCode_data()
{
    QTest::addColumn<DType>("dtype");
    QTest::addColumn<double>("maxFinite");
    QTest::newRow("F6_E2M3") << DType::F6_E2M3 << 7.5;
    QTest::newRow("F6_E3M2") << DType::F6_E3M2 << 28.0;
}

void TestDTypeCodec::f6EveryCode()
{
    QFETCH(DType, dtype);
    QFETCH(double, maxFinite);

    double max = 0;
    for (unsigned code = 0; code < 64; ++code) {
        const double value = decodeF6(dtype, static_cast<uint8_t>(code));
        CHECK_SAME(value, refF6(dtype, code), QStringLiteral("decodeF6 ") + hex(code));
        QVERIFY2(std::isfinite(value), "MX FP6 has no inf or NaN");
        max = std::max(max, std::fabs(value));
        // Only the low 6 bits are the code.
        CHECK_SAME(decodeF6(dtype, static_cast<uint8_t>(code | 0xc0)), value, QStringLiteral("high bits ") + hex(code));
    }
    QCOMPARE(max, maxFinite);
}

void TestDTypeCodec::f4EveryCode()
{
    for (unsigned code = 0; code < 16; ++code) {
        CHECK_SAME(decodeF4(static_cast<uint8_t>(code)), refF4(code), QStringLiteral("decodeF4 ") + hex(code));
        CHECK_SAME(decodeF4(static_cast<uint8_t>(code | 0xf0)), refF4(code), QStringLiteral("high bits ") + hex(code));
    }
}

void TestDTypeCodec::f16EveryCode()
{
    QByteArray bytes;
    for (unsigned code = 0; code < 65536; ++code)
        appendLE(bytes, code, 2);
    const PlacedBytes placed = place(bytes, 1);
    std::vector<float> floats(65536);
    std::vector<double> doubles(65536);
    decodeToFloat(DType::F16, placed.data, 0, 65536, floats.data());
    decodeToDouble(DType::F16, placed.data, 0, 65536, doubles.data());
    int nans = 0;
    for (unsigned code = 0; code < 65536; ++code) {
        const double expected = refF16(code);
        nans += std::isnan(expected) ? 1 : 0;
        CHECK_SAME(decodeF16(static_cast<uint16_t>(code)), expected, QStringLiteral("decodeF16 ") + hex(code));
        CHECK_SAME(floats[code], expected, QStringLiteral("decodeToFloat ") + hex(code));
        CHECK_SAME(doubles[code], expected, QStringLiteral("decodeToDouble ") + hex(code));
        CHECK_CODE(rawBits(DType::F16, placed.data, code), code, QStringLiteral("rawBits"));
    }
    QCOMPARE(nans, 2 * 1023);
    QCOMPARE(decodeF16(0x7bff), 65504.0f);
    QCOMPARE(static_cast<double>(decodeF16(0x0001)), std::ldexp(1.0, -24));
}

void TestDTypeCodec::bf16EveryCode()
{
    QByteArray bytes;
    for (unsigned code = 0; code < 65536; ++code)
        appendLE(bytes, code, 2);
    const PlacedBytes placed = place(bytes, 3);
    std::vector<float> floats(65536 - 5);
    std::vector<double> doubles(65536 - 5);
    decodeToFloat(DType::BF16, placed.data, 5, floats.size(), floats.data());
    decodeToDouble(DType::BF16, placed.data, 5, doubles.size(), doubles.data());
    for (unsigned code = 0; code < 65536; ++code) {
        const double expected = refBF16(code);
        CHECK_SAME(decodeBF16(static_cast<uint16_t>(code)), expected, QStringLiteral("decodeBF16 ") + hex(code));
        if (code >= 5) {
            CHECK_SAME(floats[code - 5], expected, QStringLiteral("decodeToFloat ") + hex(code));
            CHECK_SAME(doubles[code - 5], expected, QStringLiteral("decodeToDouble ") + hex(code));
        }
        CHECK_CODE(rawBits(DType::BF16, placed.data, code), code, QStringLiteral("rawBits"));
    }
}

void TestDTypeCodec::subBytePacking_data()
{
    QTest::addColumn<DType>("dtype");
    QTest::newRow("F4") << DType::F4;
    QTest::newRow("F6_E2M3") << DType::F6_E2M3;
    QTest::newRow("F6_E3M2") << DType::F6_E3M2;
}

// Every range [first, first + count) of a packed run holding every code, each decoded from an exact-size,
// misaligned buffer that ends at the range's last byte, so over-reads fail under AddressSanitizer.
void TestDTypeCodec::subBytePacking()
{
    QFETCH(DType, dtype);

    const bool isF4 = dtype == DType::F4;
    const size_t bits = isF4 ? 4 : 6;
    const unsigned codeSpace = isF4 ? 16 : 64;
    std::vector<uint8_t> codes;
    for (unsigned i = 0; i < 67; ++i) // not a multiple of 4, so the last group is partial
        codes.push_back(static_cast<uint8_t>((i * 37 + 5) % codeSpace));
    const std::vector<unsigned char> packed = isF4 ? packF4(codes) : packF6(codes);

    const float sentinel = 12345.0f;
    for (size_t first = 0; first < codes.size(); ++first) {
        for (size_t count = 0; first + count <= codes.size(); ++count) {
            const size_t bytesNeeded = ((first + count) * bits + 7) / 8;
            const PlacedBytes placed = place(packed.data(), bytesNeeded, 1 + first % 3);
            std::vector<float> floats(count + 1, sentinel);
            std::vector<double> doubles(count + 1, sentinel);
            decodeToFloat(dtype, placed.data, first, count, floats.data());
            decodeToDouble(dtype, placed.data, first, count, doubles.data());
            for (size_t i = 0; i < count; ++i) {
                const double expected = refSubByte(dtype, codes[first + i]);
                if (!sameValue(floats[i], expected) || !sameValue(doubles[i], expected))
                    QFAIL(qPrintable(QStringLiteral("first %1 count %2 element %3: got %4 / %5, expected %6")
                                         .arg(first)
                                         .arg(count)
                                         .arg(i)
                                         .arg(floats[i])
                                         .arg(doubles[i])
                                         .arg(expected)));
            }
            QCOMPARE(floats[count], sentinel);
            QCOMPARE(doubles[count], static_cast<double>(sentinel));
        }
    }
    for (size_t index = 0; index < codes.size(); ++index) {
        const size_t bytesNeeded = ((index + 1) * bits + 7) / 8;
        const PlacedBytes placed = place(packed.data(), bytesNeeded, 1);
        CHECK_CODE(rawBits(dtype, placed.data, index), codes[index], QStringLiteral("rawBits %1").arg(index));
    }

    // The layout itself, spelled out: F4 0x21 is [1, 2] (low nibble first); F6 0xc1 0x20 0x80 ... LSB-first.
    if (isF4) {
        const unsigned char byte = 0x21;
        float out[2];
        decodeToFloat(dtype, &byte, 0, 2, out);
        QCOMPARE(out[0], 0.5f); // code 1
        QCOMPARE(out[1], 1.0f); // code 2
    } else {
        // Codes 1, 2, 3, 4: bits 000001 | 000010 << 6 | 000011 << 12 | 000100 << 18 = 0x103081.
        const unsigned char group[3] = {0x81, 0x30, 0x10};
        for (unsigned lane = 0; lane < 4; ++lane)
            CHECK_CODE(rawBits(dtype, group, lane), lane + 1, QStringLiteral("lane %1").arg(lane));
    }
}

void TestDTypeCodec::plainTypes_data()
{
    QTest::addColumn<DType>("dtype");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QList<double>>("doubles");
    QTest::addColumn<QList<float>>("floats");
    QTest::addColumn<QList<quint64>>("raw");

    // Integers: each value written at the dtype's width, the same value expected (as the two's complement
    // pattern in raw), and its double / float conversions given literally.
    const auto integers = [](const char* name, DType dtype, int size, const QList<qint64>& values,
                             const QList<double>& doubles, const QList<float>& floats) {
        QByteArray bytes;
        QList<quint64> raw;
        for (const qint64 value : values) {
            appendLE(bytes, static_cast<uint64_t>(value), size);
            raw << (size == 8 ? static_cast<quint64>(value)
                              : static_cast<quint64>(value) & ((quint64{1} << (8 * size)) - 1));
        }
        QTest::newRow(name) << dtype << bytes << doubles << floats << raw;
    };
    integers("BOOL raw bytes", DType::BOOL, 1, {0, 1, 2, 255}, {0, 1, 2, 255}, {0, 1, 2, 255});
    integers("U8", DType::U8, 1, {0, 127, 128, 255}, {0, 127, 128, 255}, {0, 127, 128, 255});
    integers("I8", DType::I8, 1, {0, 1, 127, -128, -1}, {0, 1, 127, -128, -1}, {0, 1, 127, -128, -1});
    integers("I16", DType::I16, 2, {-32768, 32767, -1, 0, 1234}, {-32768, 32767, -1, 0, 1234},
             {-32768, 32767, -1, 0, 1234});
    integers("U16", DType::U16, 2, {0, 65535, 32768, 1}, {0, 65535, 32768, 1}, {0, 65535, 32768, 1});
    integers("I32", DType::I32, 4, {-2147483648LL, 2147483647, -1, 16777217},
             {-2147483648.0, 2147483647.0, -1, 16777217}, {-2147483648.0f, 2147483648.0f, -1, 16777216.0f});
    integers("U32", DType::U32, 4, {0, 4294967295LL, 1}, {0, 4294967295.0, 1}, {0, 4294967296.0f, 1});
    integers("I64", DType::I64, 8,
             {std::numeric_limits<qint64>::min(), std::numeric_limits<qint64>::max(), -1, 9007199254740992LL,
              -9007199254740992LL, 9007199254740993LL},
             {-9223372036854775808.0, 9223372036854775808.0, -1, 9007199254740992.0, -9007199254740992.0,
              9007199254740992.0},
             {-9223372036854775808.0f, 9223372036854775808.0f, -1, 9007199254740992.0f, -9007199254740992.0f,
              9007199254740992.0f});
    integers("U64", DType::U64, 8, {-1 /* 2^64 - 1 */, 0, 9007199254740992LL, -2048 /* 2^64 - 2^11 */},
             {18446744073709551616.0, 0, 9007199254740992.0, 18446744073709549568.0},
             {18446744073709551616.0f, 0, 9007199254740992.0f, 18446744073709551616.0f});

    {
        const QList<float> values = {1.5f,
                                     -0.0f,
                                     std::numeric_limits<float>::infinity(),
                                     std::numeric_limits<float>::quiet_NaN(),
                                     std::numeric_limits<float>::denorm_min(),
                                     std::numeric_limits<float>::max(),
                                     -3.25f};
        QByteArray bytes;
        QList<double> doubles;
        QList<quint64> raw;
        for (const float value : values) {
            appendLE(bytes, bitsOf(value), 4);
            doubles << static_cast<double>(value);
            raw << bitsOf(value);
        }
        QTest::newRow("F32") << DType::F32 << bytes << doubles << values << raw;
    }
    {
        const QList<double> values = {0.1,     1e300, -0.0, kNaN, std::numeric_limits<double>::denorm_min(),
                                      -1e-300, -kInf};
        const QList<float> floats = {
            0.1f,  std::numeric_limits<float>::infinity(), -0.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f,
            -0.0f, -std::numeric_limits<float>::infinity()};
        QByteArray bytes;
        QList<quint64> raw;
        for (const double value : values) {
            appendLE(bytes, bitsOf(value), 8);
            raw << bitsOf(value);
        }
        QTest::newRow("F64") << DType::F64 << bytes << values << floats << raw;
    }
    {
        const QList<quint64> codes = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x7e00, 0x3555};
        const QList<double> doubles = {1, -2, 65504, 5.9604644775390625e-08, -0.0, kInf, kNaN, 0.333251953125};
        QByteArray bytes;
        QList<float> floats;
        for (qsizetype i = 0; i < codes.size(); ++i) {
            appendLE(bytes, codes[i], 2);
            floats << static_cast<float>(doubles[i]);
        }
        QTest::newRow("F16") << DType::F16 << bytes << doubles << floats << codes;
    }
    {
        const QList<quint64> codes = {0x3f80, 0xc040, 0x7f80, 0x0001, 0x7f7f, 0xffc1, 0x8000};
        const QList<double> doubles = {1, -3, kInf, std::ldexp(1.0, -133), std::ldexp(255.0, 120), kNaN, -0.0};
        QByteArray bytes;
        QList<float> floats;
        for (qsizetype i = 0; i < codes.size(); ++i) {
            appendLE(bytes, codes[i], 2);
            floats << static_cast<float>(doubles[i]);
        }
        QTest::newRow("BF16") << DType::BF16 << bytes << doubles << floats << codes;
    }
    {
        // Real then imaginary F32; the scalar decoders yield the real part, raw holds the imaginary part high.
        const QList<std::complex<float>> values = {
            {1.5f, -2.0f}, {std::numeric_limits<float>::quiet_NaN(), 3.0f}, {-0.0f, 1.0f}, {-7.0f, -0.0f}};
        QByteArray bytes;
        QList<double> doubles;
        QList<float> floats;
        QList<quint64> raw;
        for (const std::complex<float>& value : values) {
            appendLE(bytes, bitsOf(value.real()), 4);
            appendLE(bytes, bitsOf(value.imag()), 4);
            doubles << static_cast<double>(value.real());
            floats << value.real();
            raw << (static_cast<quint64>(bitsOf(value.imag())) << 32 | bitsOf(value.real()));
        }
        QTest::newRow("C64") << DType::C64 << bytes << doubles << floats << raw;
    }
}

// Every misalignment 0..7, the whole run and the run minus its first element.
void TestDTypeCodec::plainTypes()
{
    QFETCH(DType, dtype);
    QFETCH(QByteArray, bytes);
    QFETCH(QList<double>, doubles);
    QFETCH(QList<float>, floats);
    QFETCH(QList<quint64>, raw);

    const auto rowCount = static_cast<size_t>(doubles.size());
    QCOMPARE(static_cast<size_t>(floats.size()), rowCount);
    QCOMPARE(static_cast<size_t>(raw.size()), rowCount);
    QCOMPARE(static_cast<size_t>(bytes.size()), rowCount * static_cast<size_t>(dtypeBits(dtype)) / 8);
    // The row repeated to well over one 16-element block of the decoder's unrolled loop, so that both the blocked
    // part and the scalar tail are exercised.
    const size_t count = rowCount * 11;
    const QByteArray repeated = bytes.repeated(11);
    const auto at = [rowCount](const auto& list, size_t i) { return list[static_cast<qsizetype>(i % rowCount)]; };
    for (size_t offset = 0; offset < 8; ++offset) {
        const PlacedBytes placed = place(repeated, offset);
        for (const size_t first : {size_t{0}, size_t{1}, rowCount + 2}) {
            std::vector<double> outDoubles(count - first);
            std::vector<float> outFloats(count - first);
            decodeToDouble(dtype, placed.data, first, count - first, outDoubles.data());
            decodeToFloat(dtype, placed.data, first, count - first, outFloats.data());
            for (size_t i = first; i < count; ++i) {
                const QString where = QStringLiteral("offset %1 first %2 element %3").arg(offset).arg(first).arg(i);
                CHECK_SAME(outDoubles[i - first], at(doubles, i), QStringLiteral("double ") + where);
                CHECK_SAME(outFloats[i - first], at(floats, i), QStringLiteral("float ") + where);
            }
        }
        for (size_t i = 0; i < count; ++i)
            CHECK_CODE(rawBits(dtype, placed.data, i), at(raw, i), QStringLiteral("rawBits %1").arg(i));
    }
}

void TestDTypeCodec::complex64()
{
    const std::complex<float> values[] = {{1.5f, -2.0f},
                                          {-0.0f, std::numeric_limits<float>::infinity()},
                                          {std::numeric_limits<float>::quiet_NaN(), 0.25f},
                                          {3.0f, -0.0f}};
    QByteArray bytes;
    for (const std::complex<float>& value : values) {
        appendLE(bytes, bitsOf(value.real()), 4);
        appendLE(bytes, bitsOf(value.imag()), 4);
    }
    for (size_t offset = 0; offset < 8; ++offset) {
        const PlacedBytes placed = place(bytes, offset);
        for (const size_t first : {size_t{0}, size_t{1}, size_t{3}}) {
            std::vector<std::complex<float>> out(4 - first);
            decodeComplex(placed.data, first, out.size(), out.data());
            for (size_t i = first; i < 4; ++i) {
                CHECK_SAME(out[i - first].real(), values[i].real(), QStringLiteral("real %1").arg(i));
                CHECK_SAME(out[i - first].imag(), values[i].imag(), QStringLiteral("imag %1").arg(i));
            }
        }
    }
}

void TestDTypeCodec::unknownDType()
{
    const unsigned char bytes[8] = {0x00, 0x00, 0x80, 0x3f, 0x01, 0x02, 0x03, 0x04};
    double doubles[4] = {1, 1, 1, 1};
    float floats[4] = {1, 1, 1, 1};
    decodeToDouble(DType::Unknown, bytes, 0, 4, doubles);
    decodeToFloat(DType::Unknown, bytes, 2, 4, floats);
    for (int i = 0; i < 4; ++i) {
        QVERIFY(std::isnan(doubles[i]));
        QVERIFY(std::isnan(floats[i]));
    }
    QCOMPARE(rawBits(DType::Unknown, bytes, 0), uint64_t{0});
    // Scalar decoders handed a dtype of the wrong family say so with NaN instead of guessing.
    QVERIFY(std::isnan(decodeF8(DType::F16, 0x38)));
    QVERIFY(std::isnan(decodeF6(DType::F4, 0x08)));
    QCOMPARE(decodeF8(DType::F8_E4M3, 0x38), 1.0f);
}

void TestDTypeCodec::encodeRoundTrip_data()
{
    QTest::addColumn<int>("format");
    QTest::addColumn<bool>("saturate");
    QTest::newRow("F16") << int(Enc::F16) << false;
    QTest::newRow("BF16") << int(Enc::BF16) << false;
    QTest::newRow("F8_E4M3 saturating") << int(Enc::E4M3) << true;
    QTest::newRow("F8_E4M3 non-saturating") << int(Enc::E4M3) << false;
    QTest::newRow("F8_E5M2 saturating") << int(Enc::E5M2) << true;
    QTest::newRow("F8_E5M2 non-saturating") << int(Enc::E5M2) << false;
}

// decode then encode gives the same code for every non-NaN code (inf included, except that a saturating E5M2
// encoder clamps inf to max by design); NaN codes come back as some NaN.
void TestDTypeCodec::encodeRoundTrip()
{
    QFETCH(int, format);
    QFETCH(bool, saturate);
    const auto enc = static_cast<Enc>(format);

    for (unsigned code = 0; code < codeCount(enc); ++code) {
        const double reference = refDecode(enc, code);
        const auto decoded = static_cast<float>(decodeWith(enc, code));
        const unsigned encoded = encodeWith(enc, decoded, saturate);
        if (std::isnan(reference)) {
            QVERIFY2(std::isnan(refDecode(enc, encoded)),
                     qPrintable(QString(hex(code) + QStringLiteral(" -> ") + hex(encoded))));
            continue;
        }
        unsigned expected = code;
        if (std::isinf(reference) && saturate)
            expected = (code & signBit(enc)) | overflowCode(enc, true);
        CHECK_CODE(encoded, expected, QStringLiteral("round trip of ") + hex(code));
        CHECK_CODE(encodeWith(enc, static_cast<float>(reference), saturate), expected,
                   QStringLiteral("reference value of ") + hex(code));
    }
}

void TestDTypeCodec::encodeMidpoints_data()
{
    QTest::addColumn<int>("format");
    QTest::newRow("F16") << int(Enc::F16);
    QTest::newRow("BF16") << int(Enc::BF16);
    QTest::newRow("F8_E4M3") << int(Enc::E4M3);
    QTest::newRow("F8_E5M2") << int(Enc::E5M2);
}

// For every pair of adjacent finite values (zero/subnormal and subnormal/normal boundaries included): the exact
// midpoint goes to the even code, one float ulp either side goes to the nearer value; both signs.
void TestDTypeCodec::encodeMidpoints()
{
    QFETCH(int, format);
    const auto enc = static_cast<Enc>(format);
    const RefEncoder reference(enc);
    const std::vector<double>& values = reference.values();
    const unsigned sign = signBit(enc);

    for (size_t lo = 0; lo + 1 < values.size(); ++lo) {
        const auto hi = static_cast<unsigned>(lo + 1);
        const double middle = (values[lo] + values[hi]) / 2;
        const auto middleF = static_cast<float>(middle);
        QVERIFY2(static_cast<double>(middleF) == middle, "midpoint must be exact in float");
        const unsigned even = lo % 2 == 0 ? static_cast<unsigned>(lo) : hi;
        for (const bool saturate : {false, true}) {
            const QString where = QStringLiteral("between %1 and %2").arg(hex(lo), hex(hi));
            CHECK_CODE(encodeWith(enc, middleF, saturate), even, QStringLiteral("tie ") + where);
            CHECK_CODE(encodeWith(enc, -middleF, saturate), sign | even, QStringLiteral("negative tie ") + where);
            CHECK_CODE(encodeWith(enc, std::nextafter(middleF, std::numeric_limits<float>::infinity()), saturate), hi,
                       QStringLiteral("above ") + where);
            CHECK_CODE(encodeWith(enc, std::nextafter(middleF, 0.0f), saturate), lo, QStringLiteral("below ") + where);
            CHECK_CODE(encodeWith(enc, -std::nextafter(middleF, 0.0f), saturate), sign | lo,
                       QStringLiteral("negative below ") + where);
        }
    }
}

void TestDTypeCodec::encodeKnown_data()
{
    QTest::addColumn<int>("format");
    QTest::addColumn<float>("input");
    QTest::addColumn<bool>("saturate");
    QTest::addColumn<int>("expected");

    const float inf = std::numeric_limits<float>::infinity();
    const float fmax = std::numeric_limits<float>::max();
    const auto row = [](const QByteArray& name, Enc enc, float input, bool saturate, int expected) {
        QTest::newRow(name.constData()) << int(enc) << input << saturate << expected;
    };
    row("F16 one", Enc::F16, 1.0f, false, 0x3c00);
    row("F16 max", Enc::F16, 65504.0f, false, 0x7bff);
    row("F16 just below overflow tie", Enc::F16, std::nextafter(65520.0f, 0.0f), false, 0x7bff);
    row("F16 overflow tie goes to inf", Enc::F16, 65520.0f, false, 0x7c00);
    row("F16 large", Enc::F16, 1e10f, false, 0x7c00);
    row("F16 -large", Enc::F16, -1e10f, false, 0xfc00);
    row("F16 float max", Enc::F16, fmax, false, 0x7c00);
    row("F16 inf", Enc::F16, inf, false, 0x7c00);
    row("F16 -inf", Enc::F16, -inf, false, 0xfc00);
    row("F16 min subnormal", Enc::F16, std::ldexp(1.0f, -24), false, 0x0001);
    row("F16 half min subnormal ties to 0", Enc::F16, std::ldexp(1.0f, -25), false, 0x0000);
    row("F16 -half min subnormal ties to -0", Enc::F16, -std::ldexp(1.0f, -25), false, 0x8000);
    row("F16 1.5 min subnormal ties to 2", Enc::F16, std::ldexp(3.0f, -25), false, 0x0002);
    row("F16 min normal", Enc::F16, std::ldexp(1.0f, -14), false, 0x0400);
    row("F16 below min normal rounds up", Enc::F16, std::nextafter(std::ldexp(1.0f, -14), 0.0f), false, 0x0400);
    row("F16 1+2^-11 ties to even", Enc::F16, 1.0f + std::ldexp(1.0f, -11), false, 0x3c00);
    row("F16 1+3*2^-11 ties to even", Enc::F16, 1.0f + std::ldexp(3.0f, -11), false, 0x3c02);
    row("F16 float denormal", Enc::F16, std::numeric_limits<float>::denorm_min(), false, 0x0000);
    row("F16 -0", Enc::F16, -0.0f, false, 0x8000);
    row("F16 tiny negative", Enc::F16, -1e-30f, false, 0x8000);
    row("BF16 one", Enc::BF16, 1.0f, false, 0x3f80);
    row("BF16 1+2^-8 ties to even", Enc::BF16, 1.0f + std::ldexp(1.0f, -8), false, 0x3f80);
    row("BF16 1+3*2^-8 ties to even", Enc::BF16, 1.0f + std::ldexp(3.0f, -8), false, 0x3f82);
    row("BF16 float max overflows", Enc::BF16, fmax, false, 0x7f80);
    row("BF16 below overflow tie", Enc::BF16, std::bit_cast<float>(0x7f7f7fffu), false, 0x7f7f);
    row("BF16 overflow tie", Enc::BF16, std::bit_cast<float>(0x7f7f8000u), false, 0x7f80);
    row("BF16 -inf", Enc::BF16, -inf, false, 0xff80);
    row("BF16 -0", Enc::BF16, -0.0f, false, 0x8000);
    row("BF16 subnormal tie to even 0", Enc::BF16, std::bit_cast<float>(0x00008000u), false, 0x0000);
    row("BF16 subnormal tie to even 2", Enc::BF16, std::bit_cast<float>(0x00018000u), false, 0x0002);
    for (const bool saturate : {true, false}) {
        const int e4m3Overflow = saturate ? 0x7e : 0x7f;
        const int e5m2Overflow = saturate ? 0x7b : 0x7c;
        const auto name = [saturate](const char* text) -> QByteArray { // not auto: QStringBuilder would dangle
            return QByteArray(text) + (saturate ? " (saturate)" : " (no saturate)");
        };
        row(name("E4M3 max"), Enc::E4M3, 448.0f, saturate, 0x7e);
        row(name("E4M3 464 ties down to even 448"), Enc::E4M3, 464.0f, saturate, 0x7e);
        row(name("E4M3 above 464"), Enc::E4M3, std::nextafter(464.0f, inf), saturate, e4m3Overflow);
        row(name("E4M3 480"), Enc::E4M3, 480.0f, saturate, e4m3Overflow);
        row(name("E4M3 large"), Enc::E4M3, 1e6f, saturate, e4m3Overflow);
        row(name("E4M3 -large"), Enc::E4M3, -1e6f, saturate, 0x80 | e4m3Overflow);
        row(name("E4M3 inf"), Enc::E4M3, inf, saturate, e4m3Overflow);
        row(name("E4M3 -inf"), Enc::E4M3, -inf, saturate, 0x80 | e4m3Overflow);
        row(name("E4M3 one"), Enc::E4M3, 1.0f, saturate, 0x38);
        row(name("E4M3 240"), Enc::E4M3, 240.0f, saturate, 0x77);
        row(name("E4M3 min subnormal"), Enc::E4M3, std::ldexp(1.0f, -9), saturate, 0x01);
        row(name("E4M3 half min subnormal"), Enc::E4M3, std::ldexp(1.0f, -10), saturate, 0x00);
        row(name("E4M3 1.5 min subnormal"), Enc::E4M3, std::ldexp(3.0f, -10), saturate, 0x02);
        row(name("E4M3 min normal"), Enc::E4M3, std::ldexp(1.0f, -6), saturate, 0x08);
        row(name("E4M3 1.0625 ties to 1"), Enc::E4M3, 1.0625f, saturate, 0x38);
        row(name("E4M3 1.1875 ties to 1.25"), Enc::E4M3, 1.1875f, saturate, 0x3a);
        row(name("E4M3 -0"), Enc::E4M3, -0.0f, saturate, 0x80);
        row(name("E4M3 tiny negative"), Enc::E4M3, -1e-10f, saturate, 0x80);
        row(name("E5M2 max"), Enc::E5M2, 57344.0f, saturate, 0x7b);
        row(name("E5M2 below overflow tie"), Enc::E5M2, std::nextafter(61440.0f, 0.0f), saturate, 0x7b);
        row(name("E5M2 overflow tie"), Enc::E5M2, 61440.0f, saturate, e5m2Overflow);
        row(name("E5M2 large"), Enc::E5M2, 1e6f, saturate, e5m2Overflow);
        row(name("E5M2 -large"), Enc::E5M2, -1e6f, saturate, 0x80 | e5m2Overflow);
        row(name("E5M2 inf"), Enc::E5M2, inf, saturate, e5m2Overflow);
        row(name("E5M2 -inf"), Enc::E5M2, -inf, saturate, 0x80 | e5m2Overflow);
        row(name("E5M2 one"), Enc::E5M2, 1.0f, saturate, 0x3c);
        row(name("E5M2 min subnormal"), Enc::E5M2, std::ldexp(1.0f, -16), saturate, 0x01);
        row(name("E5M2 half min subnormal"), Enc::E5M2, std::ldexp(1.0f, -17), saturate, 0x00);
        row(name("E5M2 1.5 min subnormal"), Enc::E5M2, std::ldexp(3.0f, -17), saturate, 0x02);
        row(name("E5M2 1.125 ties to 1"), Enc::E5M2, 1.125f, saturate, 0x3c);
        row(name("E5M2 1.375 ties to 1.5"), Enc::E5M2, 1.375f, saturate, 0x3e);
        row(name("E5M2 -0"), Enc::E5M2, -0.0f, saturate, 0x80);
    }
}

void TestDTypeCodec::encodeKnown()
{
    QFETCH(int, format);
    QFETCH(float, input);
    QFETCH(bool, saturate);
    QFETCH(int, expected);
    const auto enc = static_cast<Enc>(format);
    CHECK_CODE(encodeWith(enc, input, saturate), static_cast<unsigned>(expected), QStringLiteral("encoder"));
    CHECK_CODE(RefEncoder(enc).encode(input, saturate), static_cast<unsigned>(expected), QStringLiteral("reference"));
}

void TestDTypeCodec::encodeNaN_data()
{
    QTest::addColumn<quint32>("bits");
    QTest::newRow("quiet") << quint32{0x7fc00000};
    QTest::newRow("negative quiet") << quint32{0xffc00000};
    QTest::newRow("signalling, low payload") << quint32{0x7f800001}; // truncation alone would give inf
    QTest::newRow("negative signalling, low payload") << quint32{0xff800001};
    QTest::newRow("all payload bits") << quint32{0x7fffffff};
    QTest::newRow("payload below F16 bits") << quint32{0x7f801fff};
}

void TestDTypeCodec::encodeNaN()
{
    QFETCH(quint32, bits);
    const float nan = std::bit_cast<float>(bits);
    QVERIFY(std::isnan(nan));
    for (const Enc enc : {Enc::F16, Enc::BF16, Enc::E4M3, Enc::E5M2}) {
        for (const bool saturate : {false, true}) {
            const unsigned code = encodeWith(enc, nan, saturate);
            QVERIFY2(std::isnan(refDecode(enc, code)),
                     qPrintable(QStringLiteral("format %1 gave %2").arg(int(enc)).arg(hex(code))));
        }
    }
}

void TestDTypeCodec::encodeSweep_data()
{
    QTest::addColumn<int>("format");
    QTest::addColumn<int>("minExponent");
    QTest::addColumn<int>("maxExponent");
    QTest::addColumn<int>("mantBits");
    QTest::newRow("F16") << int(Enc::F16) << -27 << 17 << 10;
    QTest::newRow("BF16") << int(Enc::BF16) << -126 << 127 << 7;
    QTest::newRow("F8_E4M3") << int(Enc::E4M3) << -12 << 10 << 3;
    QTest::newRow("F8_E5M2") << int(Enc::E5M2) << -19 << 17 << 2;
}

// Pseudo-random floats against the brute-force reference: arbitrary bit patterns (every exponent), floats in and
// around the format's range, and floats with their low bits cleared so that exact ties come up often.
void TestDTypeCodec::encodeSweep()
{
    QFETCH(int, format);
    QFETCH(int, minExponent);
    QFETCH(int, maxExponent);
    QFETCH(int, mantBits);
    const auto enc = static_cast<Enc>(format);
    const RefEncoder reference(enc);
    Lcg random{0x5afe5c09e5eedull + static_cast<uint64_t>(format)};

    for (int sample = 0; sample < 300000; ++sample) {
        uint32_t bits = random.next();
        const uint32_t choice = random.next();
        if (choice % 3 != 0) {
            const auto span = static_cast<uint32_t>(maxExponent - minExponent + 1);
            const int exponent = minExponent + static_cast<int>(random.next() % span);
            bits = (bits & 0x807fffffu) | (static_cast<uint32_t>(exponent + 127) << 23);
            if (choice % 3 == 2) // keep one bit below the format's mantissa: exact ties and their neighbours
                bits &= ~((1u << (23 - mantBits - 1)) - 1) | (random.next() % 4 == 0 ? 1u : 0u);
        }
        const float input = std::bit_cast<float>(bits);
        if (std::isnan(input))
            continue;
        const bool saturate = (choice & 8) != 0;
        const unsigned actual = encodeWith(enc, input, saturate);
        const unsigned expected = reference.encode(input, saturate);
        if (actual != expected)
            QFAIL(qPrintable(QStringLiteral("input %1 (bits %2, saturate %3): got %4, expected %5")
                                 .arg(static_cast<double>(input), 0, 'g', 17)
                                 .arg(hex(bits))
                                 .arg(saturate)
                                 .arg(hex(actual), hex(expected))));
    }
}

QTEST_GUILESS_MAIN(TestDTypeCodec)
#include "tst_dtypecodec.moc"
