// Statistics checked against values computed here, independently: known codes of every dtype, double-precision
// Kahan sums, numpy's percentile rule and the documented binning rule, written out again in this file.
#include "core/values/statskernelsavx512.h"
#include "core/values/tensorstats.h"
#include "core/values/valuetotals.h"
#include "support/sameeveryrun.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace safescope;
using namespace safescope::test;

Q_DECLARE_METATYPE(safescope::DType)

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Code
{
    uint64_t bits;
    double value;
    bool subnormal = false;
};

// Known codes of every dtype, from the format definitions (SPEC.md section 3).
std::vector<Code> knownCodes(DType dtype)
{
    switch (dtype) {
    case DType::BOOL:
        return {{0, 0}, {1, 1}};
    case DType::F4:
        return {{0x0, 0}, {0x1, 0.5, true}, {0x2, 1}, {0x3, 1.5}, {0x7, 6}, {0x9, -0.5, true}, {0xA, -1}, {0xF, -6}};
    case DType::F6_E2M3:
        return {{0b001000, 1}, {0b000100, 0.5, true}, {0b011111, 7.5}, {0b100000, -0.0}, {0b101000, -1}, {0b010000, 2}};
    case DType::F6_E3M2:
        return {{0b001100, 1}, {0b000001, 1.0 / 16, true}, {0b011111, 28}, {0b101100, -1}, {0b010000, 2}, {0, 0}};
    case DType::U8:
        return {{0, 0}, {1, 1}, {200, 200}, {255, 255}};
    case DType::I8:
        return {{0, 0}, {0x7f, 127}, {0x80, -128}, {0xff, -1}, {5, 5}};
    case DType::F8_E5M2:
        return {{0x3C, 1},     {0x7C, kInf}, {0xFC, -kInf}, {0x7F, kNaN}, {0x01, std::ldexp(1.0, -16), true},
                {0x7B, 57344}, {0xC0, -2},   {0, 0}};
    case DType::F8_E4M3:
        return {{0x38, 1}, {0x7F, kNaN}, {0x7E, 448}, {0x01, std::ldexp(1.0, -9), true}, {0xC0, -2}, {0, 0}};
    case DType::F8_E8M0:
        return {{0x7F, 1}, {0x80, 2}, {0x00, std::ldexp(1.0, -127)}, {0xFF, kNaN}, {0x7E, 0.5}};
    case DType::F8_E4M3FNUZ:
        return {{0x40, 1}, {0x80, kNaN}, {0x7F, 240}, {0x01, std::ldexp(1.0, -10), true}, {0xC0, -1}, {0, 0}};
    case DType::F8_E5M2FNUZ:
        return {{0x40, 1}, {0x80, kNaN}, {0x7F, 57344}, {0x01, std::ldexp(1.0, -17), true}, {0xC4, -2}, {0, 0}};
    case DType::I16:
        return {{0, 0}, {1, 1}, {0xFFFF, -1}, {0x7FFF, 32767}, {0x8000, -32768}};
    case DType::U16:
        return {{0, 0}, {1, 1}, {0xFFFF, 65535}, {1000, 1000}};
    case DType::F16:
        return {{0x3C00, 1},    {0xC000, -2},    {0x3800, 0.5},  {0x0001, std::ldexp(1.0, -24), true},
                {0x7C00, kInf}, {0xFC00, -kInf}, {0x7E00, kNaN}, {0x0000, 0},
                {0x8000, -0.0}, {0x5640, 100}};
    case DType::BF16:
        return {{0x3F80, 1},     {0xC000, -2},      {0x7F80, kInf},
                {0xFF80, -kInf}, {0x7FC0, kNaN},    {0x0001, std::ldexp(1.0, -133), true},
                {0x0000, 0},     {0x4049, 3.140625}};
    case DType::I32:
        return {{0, 0}, {1, 1}, {0xFFFFFFFF, -1}, {0x7FFFFFFF, 2147483647}, {0x80000000, -2147483648.0}};
    case DType::U32:
        return {{0, 0}, {7, 7}, {0xFFFFFFFF, 4294967295.0}};
    case DType::F32:
        return {{0x3F800000, 1},
                {0xC0000000, -2},
                {0x7F800000, kInf},
                {0xFF800000, -kInf},
                {0x7FC00000, kNaN},
                {0x00000001, std::ldexp(1.0, -149), true},
                {0, 0},
                {0x3DCCCCCD, double(0.1f)}};
    case DType::F64:
        return {{0x3FF0000000000000, 1},
                {0xC000000000000000, -2},
                {0x7FF0000000000000, kInf},
                {0xFFF0000000000000, -kInf},
                {0x7FF8000000000000, kNaN},
                {1, std::ldexp(1.0, -1074), true},
                {0, 0},
                {0x3FB999999999999A, 0.1}};
    case DType::I64:
        return {{0, 0}, {1, 1}, {0xFFFFFFFFFFFFFFFF, -1}, {0x0010000000000000, 4503599627370496.0}};
    case DType::U64:
        return {{0, 0}, {3, 3}, {0x0010000000000000, 4503599627370496.0}};
    case DType::C64: // real part's code in the low half, imaginary in the high half; value unused (see below)
        return {{0x3F800000, 0}, {0x400000003F800000, 0},    {0xC0000000ull << 32, 0},
                {0x7FC00000, 0}, {0x3F8000003F800000ull, 0}, {0, 0}};
    default:
        return {};
    }
}

// Packs codes LSB-first into the dtype's byte layout (SPEC.md: F4 low nibble first, F6 4-in-3 LSB-first).
QByteArray pack(DType dtype, const std::vector<uint64_t>& codes)
{
    const int bits = dtypeBits(dtype);
    QByteArray out(static_cast<qsizetype>((codes.size() * static_cast<size_t>(bits) + 7) / 8), '\0');
    for (size_t i = 0; i < codes.size(); ++i) {
        for (int b = 0; b < bits; ++b) {
            if ((codes[i] >> b) & 1) {
                const size_t bit = i * static_cast<size_t>(bits) + static_cast<size_t>(b);
                out[static_cast<qsizetype>(bit / 8)] =
                    static_cast<char>(out[static_cast<qsizetype>(bit / 8)] | (1 << (bit % 8)));
            }
        }
    }
    return out;
}

TensorView viewOver(DType dtype, const QByteArray& bytes, uint64_t count)
{
    return TensorView{dtype,
                      {count},
                      count,
                      reinterpret_cast<const unsigned char*>(bytes.constData()),
                      static_cast<uint64_t>(bytes.size())};
}

/// `count` F32 values (in the host's order, little-endian like the format), element i being value(i).
template <typename Fn> QByteArray f32Bytes(uint64_t count, Fn value)
{
    QByteArray bytes(static_cast<qsizetype>(count * 4), Qt::Uninitialized);
    for (uint64_t i = 0; i < count; ++i) {
        const float v = value(i);
        std::memcpy(bytes.data() + i * 4, &v, 4);
    }
    return bytes;
}

StatsOptions withHistogram(const HistogramSpec& spec)
{
    StatsOptions options;
    options.histogram = spec;
    return options;
}

struct Expected
{
    uint64_t count = 0, finite = 0, zeros = 0, nan = 0, posinf = 0, neginf = 0, subnormal = 0;
    double min = kInf, max = -kInf, mean = 0, std = 0, sum = 0, l2 = 0;
    std::vector<double> sorted;
};

struct Kahan
{
    double s = 0, c = 0;
    void add(double x)
    {
        const double y = x - c;
        const double t = s + y;
        c = (t - s) - y;
        s = t;
    }
};

Expected expectedOf(const std::vector<double>& values, const std::vector<bool>& subnormal)
{
    Expected e;
    Kahan sum, sq;
    for (size_t i = 0; i < values.size(); ++i) {
        const double v = values[i];
        ++e.count;
        if (std::isnan(v)) {
            ++e.nan;
            continue;
        }
        if (std::isinf(v)) {
            ++(v > 0 ? e.posinf : e.neginf);
            continue;
        }
        ++e.finite;
        e.zeros += v == 0;
        e.subnormal += subnormal.empty() ? 0 : subnormal[i];
        e.min = std::min(e.min, v);
        e.max = std::max(e.max, v);
        sum.add(v);
        sq.add(v * v);
        e.sorted.push_back(v);
    }
    e.sum = sum.s;
    e.l2 = std::sqrt(sq.s);
    e.mean = e.finite ? e.sum / static_cast<double>(e.finite) : kNaN;
    Kahan dev;
    for (double v : e.sorted)
        dev.add((v - e.mean) * (v - e.mean));
    e.std = e.finite ? std::sqrt(dev.s / static_cast<double>(e.finite)) : kNaN;
    std::sort(e.sorted.begin(), e.sorted.end());
    return e;
}

// numpy.percentile's default ("linear").
double percentileOf(const std::vector<double>& sorted, double level)
{
    const double h = static_cast<double>(sorted.size() - 1) * level / 100.0;
    const size_t k = static_cast<size_t>(h);
    const double frac = h - static_cast<double>(k);
    return k + 1 < sorted.size() ? sorted[k] + frac * (sorted[k + 1] - sorted[k]) : sorted[k];
}

bool close(double actual, double expected, double relative = 1e-9)
{
    if (std::isnan(expected))
        return std::isnan(actual);
    return std::fabs(actual - expected) <= relative * std::max(1.0, std::fabs(expected));
}

#define CHECK_CLOSE(actual, expected, tolerance)                                                                       \
    QVERIFY2(close((actual), (expected), (tolerance)),                                                                 \
             qPrintable(QStringLiteral(#actual ": %1 vs %2").arg((actual), 0, 'g', 17).arg((expected), 0, 'g', 17)))

void checkAgainst(const ValueStats& s, const Expected& e, bool exactPercentiles)
{
    QCOMPARE(s.count, e.count);
    QCOMPARE(s.finite, e.finite);
    QCOMPARE(s.nan, e.nan);
    QCOMPARE(s.posinf, e.posinf);
    QCOMPARE(s.neginf, e.neginf);
    QCOMPARE(s.zeros, e.zeros);
    QCOMPARE(s.subnormal, e.subnormal);
    CHECK_CLOSE(s.min, e.finite ? e.min : kNaN, 0);
    CHECK_CLOSE(s.max, e.finite ? e.max : kNaN, 0);
    CHECK_CLOSE(s.mean, e.mean, 1e-12);
    CHECK_CLOSE(s.std, e.std, 1e-9);
    CHECK_CLOSE(s.sum, e.sum, 1e-12);
    CHECK_CLOSE(s.l2, e.l2, 1e-12);
    uint64_t binned = 0;
    for (uint64_t c : s.histogram.counts)
        binned += c;
    QCOMPARE(binned, e.count - e.nan - e.posinf - e.neginf);
    for (size_t i = 0; i < kPercentileLevels.size() && e.finite; ++i) {
        const double want = percentileOf(e.sorted, kPercentileLevels[i]);
        if (exactPercentiles) {
            CHECK_CLOSE(s.percentiles[i], want, 1e-12);
        } else {
            QVERIFY2(std::fabs(s.percentiles[i] - want) <= s.percentileError * (1 + 1e-9) + 1e-300,
                     qPrintable(QStringLiteral("p%1: %2 vs %3, bound %4")
                                    .arg(kPercentileLevels[i])
                                    .arg(s.percentiles[i], 0, 'g', 17)
                                    .arg(want, 0, 'g', 17)
                                    .arg(s.percentileError)));
        }
    }
}

// The documented rule, written out again: bin = floor((x - lo) * (bins / (hi - lo))), x == hi in the last bin.
std::vector<uint64_t> bruteHistogram(const std::vector<double>& finite, double lo, double hi, int bins)
{
    std::vector<uint64_t> counts(static_cast<size_t>(bins), 0);
    const double factor = bins / (hi - lo);
    for (double v : finite) {
        const double t = (v - lo) * factor;
        if (t < 0 || v > hi)
            continue;
        counts[std::min(static_cast<size_t>(t), static_cast<size_t>(bins - 1))] += 1;
    }
    return counts;
}

std::vector<uint64_t> randomCodes(const std::vector<Code>& table, size_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::vector<uint64_t> codes(n);
    for (uint64_t& c : codes)
        c = table[rng() % table.size()].bits;
    return codes;
}

const std::atomic_bool kNoCancel{false};

} // namespace

class TestTensorStats : public QObject
{
    Q_OBJECT

private slots:
    // The viewer's statistics cache is keyed on this equality: every field must take part.
    void histogramSpecEquality()
    {
        const HistogramSpec base{128, std::pair{-1.0, 1.0}, BinScale::Linear};
        QVERIFY(base == base);
        QVERIFY(HistogramSpec{} == HistogramSpec{});
        QVERIFY(!(base == HistogramSpec{64, base.range, base.scale}));
        QVERIFY(!(base == HistogramSpec{base.bins, std::pair{-1.0, 2.0}, base.scale}));
        QVERIFY(!(base == HistogramSpec{base.bins, std::nullopt, base.scale}));
        QVERIFY(!(base == HistogramSpec{base.bins, base.range, BinScale::Log}));
    }

    void everyDtype_data()
    {
        QTest::addColumn<DType>("dtype");
        QTest::addColumn<bool>("forceGeneric");
        for (int i = 0; i < kDTypeCount; ++i) {
            const DType d = allDTypes()[i];
            QTest::newRow(std::string(dtypeName(d)).c_str()) << d << false;
            if (dtypeBits(d) <= 16)
                QTest::newRow((std::string(dtypeName(d)) + "-generic").c_str()) << d << true;
        }
    }

    void everyDtype()
    {
        QFETCH(DType, dtype);
        QFETCH(bool, forceGeneric);
        const std::vector<Code> table = knownCodes(dtype);
        QVERIFY(!table.empty());
        const size_t n = 4099 * 4; // a multiple of 4 (F6 packs 4 in 3 bytes) across several blocks
        const std::vector<uint64_t> codes = randomCodes(table, n, 7);
        const QByteArray bytes = pack(dtype, codes);
        StatsOptions options;
        options.forceGeneric = forceGeneric;
        auto stats = computeStats(viewOver(dtype, bytes, n), options, kNoCancel);
        QVERIFY2(stats.ok(), qPrintable(stats.ok() ? QString() : stats.error().describe()));
        QCOMPARE(stats->dtype, dtype);
        const bool exact = dtypeBits(dtype) <= 16 && !forceGeneric;
        QCOMPARE(stats->exact, exact);

        if (dtype == DType::C64) {
            std::vector<double> re, im, mag;
            for (uint64_t c : codes) {
                float r, i;
                const uint32_t lo = static_cast<uint32_t>(c), hi = static_cast<uint32_t>(c >> 32);
                std::memcpy(&r, &lo, 4);
                std::memcpy(&i, &hi, 4);
                re.push_back(r);
                im.push_back(i);
                mag.push_back(std::sqrt(double(r) * r + double(i) * i));
            }
            QVERIFY(stats->real && stats->imag);
            checkAgainst(*stats->real, expectedOf(re, {}), false);
            checkAgainst(*stats->imag, expectedOf(im, {}), false);
            checkAgainst(*stats, expectedOf(mag, {}), false);
            return;
        }
        std::vector<double> values;
        std::vector<bool> subnormal;
        for (uint64_t c : codes) {
            const auto it = std::find_if(table.begin(), table.end(), [&](const Code& k) { return k.bits == c; });
            values.push_back(it->value);
            subnormal.push_back(it->subnormal);
        }
        const Expected e = expectedOf(values, subnormal);
        checkAgainst(*stats, e, exact);
        if (e.finite) {
            const std::vector<uint64_t> brute =
                bruteHistogram(e.sorted, e.min, e.max == e.min ? e.min + 0.5 : e.max, 256);
            if (e.max > e.min)
                QCOMPARE(stats->histogram.counts, brute);
        }
        if (dtype == DType::BOOL) {
            QVERIFY(stats->bools);
            QCOMPARE(stats->bools->falseCount, static_cast<uint64_t>(std::count(codes.begin(), codes.end(), 0)));
            QCOMPARE(stats->bools->trueCount, static_cast<uint64_t>(std::count(codes.begin(), codes.end(), 1)));
            QCOMPARE(stats->bools->other, uint64_t(0));
        }
    }

    void boolOtherBytes()
    {
        const QByteArray bytes("\x00\x01\x02\xff\x01\x01", 6);
        for (bool generic : {false, true}) {
            StatsOptions options;
            options.forceGeneric = generic;
            auto stats = computeStats(viewOver(DType::BOOL, bytes, 6), options, kNoCancel);
            QVERIFY(stats.ok() && stats->bools);
            QCOMPARE(stats->bools->falseCount, uint64_t(1));
            QCOMPARE(stats->bools->trueCount, uint64_t(3));
            QCOMPARE(stats->bools->other, uint64_t(2));
        }
    }

    // Every bit pattern: the exact path and the decode path must agree on everything they both compute.
    void patternPathEqualsGeneric_data()
    {
        QTest::addColumn<DType>("dtype");
        QTest::addColumn<int>("bins");
        QTest::addColumn<bool>("userRange");
        QTest::addColumn<bool>("logScale");
        for (DType d : {DType::F16, DType::BF16, DType::I16, DType::U16, DType::F8_E4M3, DType::F8_E5M2, DType::I8,
                        DType::F4, DType::F6_E3M2}) {
            const std::string name(dtypeName(d));
            QTest::newRow((name + "-256").c_str()) << d << 256 << false << false;
            QTest::newRow((name + "-100").c_str()) << d << 100 << false << false;
            QTest::newRow((name + "-range").c_str()) << d << 64 << true << false;
            QTest::newRow((name + "-log").c_str()) << d << 50 << false << true;
        }
    }

    void patternPathEqualsGeneric()
    {
        QFETCH(DType, dtype);
        QFETCH(int, bins);
        QFETCH(bool, userRange);
        QFETCH(bool, logScale);
        const size_t n = 300000;
        std::mt19937 rng(3);
        std::vector<uint64_t> codes(n);
        const uint64_t mask = (uint64_t(1) << dtypeBits(dtype)) - 1;
        for (uint64_t& c : codes)
            c = rng() & mask;
        const QByteArray bytes = pack(dtype, codes);
        StatsOptions options;
        options.histogram.bins = bins;
        options.histogram.scale = logScale ? BinScale::Log : BinScale::Linear;
        if (userRange)
            options.histogram.range = std::make_pair(-3.0, 5.0);
        auto exact = computeStats(viewOver(dtype, bytes, n), options, kNoCancel);
        options.forceGeneric = true;
        auto generic = computeStats(viewOver(dtype, bytes, n), options, kNoCancel);
        QVERIFY(exact.ok() && generic.ok());
        QCOMPARE(exact->finite, generic->finite);
        QCOMPARE(exact->nan, generic->nan);
        QCOMPARE(exact->posinf, generic->posinf);
        QCOMPARE(exact->neginf, generic->neginf);
        QCOMPARE(exact->zeros, generic->zeros);
        QCOMPARE(exact->subnormal, generic->subnormal);
        QCOMPARE(exact->min, generic->min);
        QCOMPARE(exact->max, generic->max);
        CHECK_CLOSE(generic->mean, exact->mean, 1e-12);
        CHECK_CLOSE(generic->std, exact->std, 1e-9);
        CHECK_CLOSE(generic->l2, exact->l2, 1e-12);
        QCOMPARE(generic->histogram.edges, exact->histogram.edges);
        QCOMPARE(generic->histogram.counts, exact->histogram.counts);
        QCOMPARE(generic->histogram.below, exact->histogram.below);
        QCOMPARE(generic->histogram.above, exact->histogram.above);
        for (size_t i = 0; i < kPercentileLevels.size(); ++i)
            QVERIFY(std::fabs(generic->percentiles[i] - exact->percentiles[i]) <= generic->percentileError * 1.000001);
        // Re-binning from the counts gives the same histogram with no tensor access.
        QVERIFY(exact->patterns);
        const Histogram rebinned = histogramFromCounts(*exact->patterns, options.histogram);
        QCOMPARE(rebinned.counts, exact->histogram.counts);
        uint64_t total = exact->histogram.below + exact->histogram.above;
        for (uint64_t c : exact->histogram.counts)
            total += c;
        QCOMPARE(total, exact->finite - (logScale ? exact->zeros : 0));
    }

    void userRangeRebin()
    {
        // U16 values 0..999: re-binning [100, 200] into 10 bins from the counts alone.
        std::vector<uint64_t> codes;
        for (uint64_t v = 0; v < 1000; ++v)
            codes.push_back(v);
        const QByteArray bytes = pack(DType::U16, codes);
        auto stats = computeStats(viewOver(DType::U16, bytes, codes.size()), {}, kNoCancel);
        QVERIFY(stats.ok());
        const Histogram h = histogramFromCounts(*stats->patterns, {10, std::make_pair(100.0, 200.0), BinScale::Linear});
        std::vector<uint64_t> want(10, 10);
        want.back() = 11; // the last bin is closed: it holds 190..199 and 200
        QCOMPARE(h.counts, want);
        QCOMPARE(h.below, uint64_t(100));
        QCOMPARE(h.above, uint64_t(799));
    }

    // Large F32 with a big offset: a naive sum-of-squares variance would lose every digit.
    void f32MomentsStable()
    {
        const size_t n = 3'000'000; // several chunks, so both threads and the Chan merge run
        std::vector<float> values(n);
        std::mt19937 rng(11);
        std::normal_distribution<float> normal(0.f, 1.f);
        for (float& v : values)
            v = 10000.f + normal(rng);
        values[12345] = std::numeric_limits<float>::quiet_NaN();
        values[2'000'001] = -std::numeric_limits<float>::infinity();
        values[77] = std::numeric_limits<float>::denorm_min();
        QByteArray bytes(reinterpret_cast<const char*>(values.data()), static_cast<qsizetype>(n * 4));
        auto stats = computeStats(viewOver(DType::F32, bytes, n), {}, kNoCancel);
        QVERIFY(stats.ok());
        std::vector<double> d(values.begin(), values.end());
        std::vector<bool> sub(n, false);
        sub[77] = true;
        checkAgainst(*stats, expectedOf(d, sub), false);
        QVERIFY(stats->percentileError > 0 && stats->percentileError < (stats->max - stats->min) / 60000);
    }

    void f64AndIntegers_data()
    {
        QTest::addColumn<DType>("dtype");
        QTest::newRow("F64") << DType::F64;
        QTest::newRow("I32") << DType::I32;
        QTest::newRow("I64") << DType::I64;
        QTest::newRow("U32") << DType::U32;
    }

    void f64AndIntegers()
    {
        QFETCH(DType, dtype);
        const size_t n = 1'500'000;
        std::mt19937_64 rng(5);
        std::vector<double> values(n);
        QByteArray bytes(static_cast<qsizetype>(n * static_cast<size_t>(dtypeBits(dtype) / 8)), '\0');
        for (size_t i = 0; i < n; ++i) {
            const int64_t v = static_cast<int64_t>(rng() % 2000001) - (dtype == DType::U32 ? 0 : 1000000);
            values[i] = dtype == DType::F64 ? static_cast<double>(v) / 7.0 : static_cast<double>(v);
            char* p = bytes.data() + i * static_cast<size_t>(dtypeBits(dtype) / 8);
            if (dtype == DType::F64)
                std::memcpy(p, &values[i], 8);
            else if (dtype == DType::I64)
                std::memcpy(p, &v, 8);
            else {
                const int32_t w = static_cast<int32_t>(v);
                std::memcpy(p, &w, 4);
            }
        }
        auto stats = computeStats(viewOver(dtype, bytes, n), {}, kNoCancel);
        QVERIFY(stats.ok());
        checkAgainst(*stats, expectedOf(values, {}), false);
    }

    void cancellation_data()
    {
        QTest::addColumn<DType>("dtype");
        QTest::newRow("BF16 pattern path") << DType::BF16;
        QTest::newRow("F32 two-pass path") << DType::F32;
    }

    void cancellation()
    {
        QFETCH(DType, dtype);
        const uint64_t n = uint64_t(64) << 20;
        const QByteArray bytes(static_cast<qsizetype>(n * static_cast<uint64_t>(dtypeBits(dtype) / 8)), '\x11');
        std::atomic_bool cancel{false};
        int calls = 0;
        double last = -1;
        bool monotonic = true;
        auto stats = computeStats(viewOver(dtype, bytes, n), {}, cancel, [&](double fraction) {
            monotonic = monotonic && fraction >= last;
            last = fraction;
            if (++calls == 3)
                cancel = true;
        });
        QVERIFY(!stats.ok());
        QCOMPARE(stats.error().kind, ErrorKind::Cancelled);
        QVERIFY(monotonic);
        // Stopped promptly: a chunk per worker at most after the request, far from the 64 chunks per pass.
        QVERIFY2(calls <= 6, qPrintable(QString::number(calls)));
        QVERIFY(last < 0.5);
    }

    void progressReachesOne()
    {
        const uint64_t n = uint64_t(5) << 20;
        const QByteArray bytes(static_cast<qsizetype>(n * 4), '\x01');
        std::atomic_bool cancel{false};
        double last = 0;
        auto stats = computeStats(viewOver(DType::F32, bytes, n), {}, cancel, [&](double f) { last = f; });
        QVERIFY(stats.ok());
        QCOMPARE(last, 1.0);
    }

    void preview()
    {
        // Each value is its own index (exact in F32 below 2^24), so the histogram shows where the sample was read.
        const uint64_t n = (uint64_t(4) << 20) + 3;
        const QByteArray bytes = f32Bytes(n, [](uint64_t i) { return static_cast<float>(i); });
        HistogramSpec spec;
        spec.bins = 16;
        spec.range = {0.0, double(n)};
        auto stats = computeStatsPreview(viewOver(DType::F32, bytes, n), withHistogram(spec), kNoCancel);
        QVERIFY(stats.ok());
        QVERIFY(stats->sampled);
        QCOMPARE(stats->count, uint64_t(1) << 20); // the default sample size, exactly
        // Spread evenly: every sixteenth of the tensor gives a sixteenth of the sample, give or take the part of
        // a run (4 Ki elements) that a bin edge cuts off at either end.
        for (uint64_t c : stats->histogram.counts)
            QVERIFY2(c >= 65536 - 8192 && c <= 65536 + 8192, qPrintable(QString::number(c)));
        // Both ends are reached: the gaps at the ends are half of the 12 Ki gaps between runs.
        QVERIFY(stats->min <= 8192);
        QVERIFY(stats->max >= double(n - 8192));
        QCOMPARE(stats->histogram.below + stats->histogram.above, uint64_t(0));
    }

    void previewReadsFewPages()
    {
        // The value of each element is the 4 KiB block of the tensor it lies in (a page, up to alignment): the
        // histogram's non-empty bins are the blocks the sample was read from. A fixed stride of 128 elements
        // (512 bytes) would read all 8,192 blocks.
        const uint64_t n = uint64_t(8) << 20;
        const uint64_t pages = n * 4 / 4096;
        const QByteArray bytes = f32Bytes(n, [](uint64_t i) { return static_cast<float>(i * 4 / 4096); });
        HistogramSpec spec;
        spec.bins = static_cast<int>(pages);
        spec.range = {0.0, double(pages)};
        auto stats = computeStatsPreview(viewOver(DType::F32, bytes, n), withHistogram(spec), kNoCancel, 65536);
        QVERIFY(stats.ok() && stats->sampled);
        QCOMPARE(stats->count, uint64_t(65536));
        const auto touched = static_cast<uint64_t>(std::count_if(
            stats->histogram.counts.begin(), stats->histogram.counts.end(), [](uint64_t c) { return c; }));
        QVERIFY2(touched <= pages / 4, qPrintable(QString::number(touched)));
    }

    void previewReflectsRegions_data()
    {
        QTest::addColumn<double>("zeroFraction"); // elements before this fraction of the tensor are 0, the rest 1
        QTest::addColumn<qulonglong>("count");
        QTest::newRow("halves") << 0.5 << qulonglong((uint64_t(4) << 20) + 1);
        QTest::newRow("first tenth") << 0.1 << qulonglong(uint64_t(3) << 20);
        QTest::newRow("last eighth") << 0.875 << qulonglong((uint64_t(2) << 20) + 12345);
        QTest::newRow("just over the sample") << 0.3 << qulonglong((uint64_t(1) << 20) + 7);
    }

    void previewReflectsRegions()
    {
        QFETCH(double, zeroFraction);
        QFETCH(qulonglong, count);
        const auto boundary = static_cast<uint64_t>(zeroFraction * double(count));
        const QByteArray bytes = f32Bytes(count, [&](uint64_t i) { return i < boundary ? 0.0f : 1.0f; });
        auto stats = computeStatsPreview(viewOver(DType::F32, bytes, count), {}, kNoCancel);
        QVERIFY(stats.ok() && stats->sampled);
        QCOMPARE(stats->count, uint64_t(1) << 20);
        const double zeros = double(stats->zeros) / double(stats->count);
        // Runs are 1/256 of the sample each: the boundary's run is the only one that may be split unevenly.
        QVERIFY2(std::abs(zeros - zeroFraction) < 0.005, qPrintable(QString::number(zeros)));
        QCOMPARE(stats->histogram.counts.front() + stats->histogram.counts.back(), stats->count);
        QCOMPARE(stats->histogram.counts.front(), stats->zeros);
    }

    void previewOfTinyTensorIsExhaustive_data()
    {
        QTest::addColumn<qulonglong>("count");
        QTest::newRow("well under") << qulonglong(100);
        QTest::newRow("exactly the sample") << qulonglong(1000);
    }

    void previewOfTinyTensorIsExhaustive()
    {
        QFETCH(qulonglong, count);
        const QByteArray bytes = f32Bytes(count, [](uint64_t i) { return static_cast<float>((i * 37) % 101) - 50; });
        auto small = computeStatsPreview(viewOver(DType::F32, bytes, count), {}, kNoCancel, 1000);
        QVERIFY(small.ok());
        QVERIFY(!small->sampled);
        std::vector<double> all;
        for (uint64_t i = 0; i < count; ++i)
            all.push_back(double((i * 37) % 101) - 50);
        checkAgainst(*small, expectedOf(all, {}), false);
        auto full = computeStats(viewOver(DType::F32, bytes, count), {}, kNoCancel);
        QVERIFY(full.ok());
        QCOMPARE(small->percentiles, full->percentiles);
        QCOMPARE(small->histogram.counts, full->histogram.counts);
    }

    void previewReadsNoElementTwice()
    {
        // One element more than the sample: 1,000 distinct values, each at most once, exactly one left out.
        const uint64_t n = 1001;
        const QByteArray bytes = f32Bytes(n, [](uint64_t i) { return static_cast<float>(i); });
        HistogramSpec spec;
        spec.bins = static_cast<int>(n);
        spec.range = {0.0, double(n)};
        auto stats = computeStatsPreview(viewOver(DType::F32, bytes, n), withHistogram(spec), kNoCancel, 1000);
        QVERIFY(stats.ok() && stats->sampled);
        QCOMPARE(stats->count, uint64_t(1000));
        QCOMPARE(std::count(stats->histogram.counts.begin(), stats->histogram.counts.end(), uint64_t(1)), 1000);
        QCOMPARE(std::count(stats->histogram.counts.begin(), stats->histogram.counts.end(), uint64_t(0)), 1);
    }

    // Chunks go to whichever thread is free; the moments must not depend on it. Two computations at once on 2+
    // cores make the split differ between runs; the sums of values of wide magnitude then showed it in the last
    // digits of the mean and the standard deviation, until chunks were merged in their own order.
    void momentsDoNotDependOnScheduling()
    {
        constexpr uint64_t n = uint64_t{16} << 20;
        std::vector<float> values(n);
        std::mt19937 random(11);
        std::lognormal_distribution<float> magnitude(0.0f, 4.0f);
        for (float& v : values)
            v = (random() & 1 ? 1.0f : -1.0f) * magnitude(random);
        const QByteArray bytes(reinterpret_cast<const char*>(values.data()), static_cast<qsizetype>(n * 4));
        const TensorView view = viewOver(DType::F32, bytes, n);
        verifySameOnEveryRun([&] { return computeStats(view, {}, kNoCancel); });
    }

    // The fine histogram is binned into 32-bit counters, moved into the 64-bit ones before any could overflow
    // (2^32 values: here lowered to 20,000 so that the move runs several times): the counts, the histogram derived
    // from them and the percentiles equal binning straight into 64-bit counters, NaN and infinities skipped alike.
    void fineCountsMovedBeforeOverflowAddUp()
    {
        std::mt19937 rng(5);
        std::normal_distribution<float> normal(0.0f, 0.02f);
        std::vector<float> values(10 * kStatsBlock + 100);
        for (float& v : values)
            v = normal(rng);
        values[17] = static_cast<float>(kNaN);
        values[9000] = static_cast<float>(kInf);
        ValueTotals total;
        const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
        for (size_t at = 0; at < values.size(); at += kStatsBlock)
            accumulateBlock(ElementType::Float, bytes + 4 * at, std::min(kStatsBlock, values.size() - at), 0x1p-126,
                            total.moments, total.classes);
        const HistogramPlan plan(total, StatsOptions{});
        HistogramCounts moved(plan), straight(plan);
        moved.moveAfter = 20000;
        for (size_t at = 0; at < values.size(); at += kStatsBlock) {
            const size_t n = std::min(kStatsBlock, values.size() - at);
            moved.binFine(ElementType::Float, bytes + 4 * at, n, plan);
            binBlock(ElementType::Float, bytes + 4 * at, n, plan.fine, straight.fine.data(), straight.fineBelow,
                     straight.fineAbove);
        }
        QVERIFY(std::any_of(moved.fine.begin(), moved.fine.end(), [](uint64_t c) { return c > 0; })); // it moved
        QVERIFY(moved.recentValues > 0 && moved.recentValues <= 20000);
        const ValueStats a = statsFromTotals(values.size(), total, plan, {moved});
        const ValueStats b = statsFromTotals(values.size(), total, plan, {straight});
        QCOMPARE(a.histogram.counts, b.histogram.counts);
        for (size_t i = 0; i < a.percentiles.size(); ++i)
            QCOMPARE(a.percentiles[i], b.percentiles[i]);
        uint64_t binned = 0;
        for (uint64_t c : a.histogram.counts)
            binned += c;
        QCOMPARE(binned, static_cast<uint64_t>(values.size() - 2));
    }

    // Every float kernel (the AVX-512 one where the CPU has it, the AVX2 or baseline clone, the scalar tail) puts
    // each value in the bin Binning::binOf names, at the values where rounding decides: each bin edge as a float
    // and its two neighbours, the extremes, NaN and the infinities (slot 0).
    void floatSlotsFollowBinOfAtEveryEdge()
    {
        const int bins = 1000;
        const Binning binning = Binning::resolve(HistogramSpec{bins, std::nullopt, BinScale::Linear}, -1.0, 3.0, 0, 3);
        std::vector<float> values;
        for (int k = 0; k <= bins; ++k) {
            const auto edge = static_cast<float>(-1.0 + 4.0 * k / bins);
            for (float v : {std::nextafter(edge, -HUGE_VALF), edge, std::nextafter(edge, HUGE_VALF)})
                if (v >= -1.0f && v <= 3.0f)
                    values.push_back(v);
        }
        for (float v : {static_cast<float>(kNaN), static_cast<float>(kInf), static_cast<float>(-kInf)})
            values.push_back(v);
        std::shuffle(values.begin(), values.end(), std::mt19937(11)); // the top edge is not left to the tail
        values.resize(values.size() / 8 * 8 + 5, 3.0f); // a tail the eight-wide kernel leaves to the others
        std::vector<uint64_t> expected(bins + 1);
        for (float v : values) {
            const int bin = binning.binOf(v);
            ++expected[bin >= 0 && bin < bins ? static_cast<size_t>(bin) + 1 : 0];
        }
        const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
        std::vector<uint64_t> counts(bins + 1);
        uint64_t below = 0, above = 0;
        binBlock(ElementType::Float, bytes, values.size(), binning, counts.data(), below, above);
        QCOMPARE(counts, expected);
        QCOMPARE(below + above, uint64_t(0));
        if (!detail::statsAvx512())
            return;
        std::vector<int32_t> slotOf(values.size(), -7);
        const size_t done = detail::floatSlotsAvx512(bytes, values.size(), binning.origin(), binning.factor(),
                                                     kMaxBinPosition, bins, slotOf.data());
        QCOMPARE(done, values.size() / 8 * 8);
        for (size_t i = 0; i < done; ++i) {
            const int bin = binning.binOf(values[i]);
            QCOMPARE(slotOf[i], bin >= 0 && bin < bins ? bin + 1 : 0);
        }
        QCOMPARE(slotOf[done], -7); // the tail untouched
    }

    void emptyAndScalar()
    {
        auto empty = computeStats(TensorView{DType::F32, {0, 3}, 0, nullptr, 0}, {}, kNoCancel);
        QVERIFY(empty.ok());
        QCOMPARE(empty->count, uint64_t(0));
        QVERIFY(std::isnan(empty->mean));
        QCOMPARE(empty->histogram.counts.size(), size_t(256));
        const float one = 2.5f;
        const QByteArray bytes(reinterpret_cast<const char*>(&one), 4);
        auto scalar = computeStats(
            TensorView{DType::F32, {}, 1, reinterpret_cast<const unsigned char*>(bytes.data()), 4}, {}, kNoCancel);
        QVERIFY(scalar.ok());
        QCOMPARE(scalar->min, 2.5);
        QCOMPARE(scalar->percentiles[4], 2.5);
        QCOMPARE(scalar->std, 0.0);
    }

    void badViews_data()
    {
        QTest::addColumn<int>("dtype");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("short buffer") << int(DType::F32) << qint64(7);
        QTest::newRow("unknown dtype") << int(DType::Unknown) << qint64(8);
    }

    void badViews()
    {
        QFETCH(int, dtype);
        QFETCH(qint64, bytes);
        const QByteArray data(static_cast<qsizetype>(bytes), '\0');
        auto stats = computeStats(viewOver(static_cast<DType>(dtype), data, 2), {}, kNoCancel);
        QVERIFY(!stats.ok());
        QCOMPARE(stats.error().kind, ErrorKind::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestTensorStats)
#include "tst_tensorstats.moc"
