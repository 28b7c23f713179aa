// Model diff: pairs with known differences, metrics checked against sums computed here in long double.
#include "core/diff/diffkernels.h"
#include "core/format/model.h"
#include "core/diff/modeldiff.h"
#include "core/io/sigbusguard.h"
#include "core/io/viewreader.h"
#include "support/fixtures.h"
#include "support/tensorfilebuilder.h"

#include <QDir>
#include <QFile>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <map>
#include <random>

using namespace safescope;
using test::bytesOf;

namespace {

// The expected metrics, straight from the definitions, one element at a time.
struct Expected
{
    uint64_t finite = 0, beyond = 0, nanMismatch = 0, infMismatch = 0, maxIndex = 0;
    double maxAbs = 0, meanAbs = 0, rms = 0, relL2 = 0, cosine = 1;
};

Expected reference(const std::vector<double>& a, const std::vector<double>& b, double atol = 0, double rtol = 0)
{
    Expected e;
    long double sumAbs = 0, sumSq = 0, aa = 0, bb = 0, ab = 0;
    double max = -1;
    for (size_t i = 0; i < a.size(); ++i) {
        const bool nanA = std::isnan(a[i]), nanB = std::isnan(b[i]);
        if (nanA || nanB) {
            e.nanMismatch += nanA != nanB;
            e.beyond += nanA != nanB;
            continue;
        }
        if (std::isinf(a[i]) || std::isinf(b[i])) {
            e.infMismatch += a[i] != b[i];
            e.beyond += a[i] != b[i];
            continue;
        }
        const long double d = static_cast<long double>(a[i]) - b[i];
        ++e.finite;
        sumAbs += std::fabs(d);
        sumSq += d * d;
        aa += static_cast<long double>(a[i]) * a[i];
        bb += static_cast<long double>(b[i]) * b[i];
        ab += static_cast<long double>(a[i]) * b[i];
        if (static_cast<double>(std::fabs(d)) > max) {
            max = static_cast<double>(std::fabs(d));
            e.maxIndex = i;
        }
        e.beyond += static_cast<double>(std::fabs(d)) > atol + rtol * std::fabs(b[i]);
    }
    e.maxAbs = max;
    e.meanAbs = static_cast<double>(sumAbs / e.finite);
    e.rms = static_cast<double>(std::sqrt(sumSq / e.finite));
    e.relL2 = static_cast<double>(std::sqrt(sumSq) / std::sqrt(aa));
    e.cosine = static_cast<double>(ab / std::sqrt(aa * bb));
    return e;
}

bool near(double actual, double expected, double relative = 1e-12)
{
    return std::fabs(actual - expected) <= relative * std::fmax(std::fabs(expected), 1e-300);
}

#define COMPARE_NEAR(actual, expected)                                                                                 \
    QVERIFY2(near(actual, expected), qPrintable(QStringLiteral("%1 = %2, expected %3")                                 \
                                                    .arg(QLatin1String(#actual))                                       \
                                                    .arg(actual, 0, 'g', 17)                                           \
                                                    .arg(expected, 0, 'g', 17)))

void checkMetrics(const DiffMetrics& m, const Expected& e)
{
    QCOMPARE(m.finitePairs, e.finite);
    QCOMPARE(m.maxAbs, e.maxAbs);
    QCOMPARE(m.maxAbsIndex, e.maxIndex);
    QCOMPARE(m.beyondTolerance, e.beyond);
    QCOMPARE(m.nanMismatch, e.nanMismatch);
    QCOMPARE(m.infMismatch, e.infMismatch);
    COMPARE_NEAR(m.meanAbs, e.meanAbs);
    COMPARE_NEAR(m.rms, e.rms);
    COMPARE_NEAR(m.relL2, e.relL2);
    COMPARE_NEAR(m.cosine, e.cosine);
}

template <typename T> std::vector<double> toDouble(const std::vector<T>& values)
{
    return std::vector<double>(values.begin(), values.end());
}

std::vector<float> normal(size_t n, uint32_t seed, float scale = 1.0f)
{
    std::mt19937 generator(seed);
    std::normal_distribution<float> distribution(0.0f, scale);
    std::vector<float> values(n);
    for (float& v : values)
        v = distribution(generator);
    return values;
}

std::shared_ptr<const Model> open(const QString& path)
{
    auto model = Model::open(path);
    if (!model)
        qFatal("cannot open %s: %s", qPrintable(path), qPrintable(model.error().describe()));
    return *model;
}

// Element-level data for the kernel tests: a and b as raw BF16 or F32 bytes behind `offset` junk bytes (so the
// kernels read from unaligned addresses), and the same values as doubles for the reference.
struct KernelCase
{
    QByteArray bytesA, bytesB;
    std::vector<double> a, b;
};

uint16_t bf16Bits(float x)
{
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    return static_cast<uint16_t>(bits >> 16);
}

float fromBf16Bits(uint16_t h)
{
    const uint32_t bits = static_cast<uint32_t>(h) << 16;
    float x;
    std::memcpy(&x, &bits, sizeof x);
    return x;
}

// Awkward finite values: signed zeros, subnormals, the extremes of the range; "nonfinite" adds NaNs and infinities.
float awkward(std::mt19937& g, bool nonFinite)
{
    static const uint16_t finite[] = {0x0000, 0x8000, 0x0001, 0x807f, 0x0040, 0x0080, 0x8080, 0x7f7f, 0xff7f, 0x3f80};
    static const uint16_t special[] = {0x7fc0, 0xffc1, 0x7f80, 0xff80, 0x7fff};
    const bool pickSpecial = nonFinite && g() % 3 == 0;
    return pickSpecial ? fromBf16Bits(special[g() % std::size(special)])
                       : fromBf16Bits(finite[g() % std::size(finite)]);
}

// kind: "plain" (b = a, a + noise or unrelated), "awkward" (plus zeros, subnormals, extremes), "nonfinite" (plus
// NaN and Inf), "ties" (|a - b| takes few values, so the maximum repeats within and across blocks).
KernelCase kernelCase(bool bf16, size_t n, int offset, const QString& kind, uint32_t seed)
{
    std::mt19937 g(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    KernelCase c;
    std::vector<float> fa(n), fb(n);
    for (size_t i = 0; i < n; ++i) {
        float x = normal(g);
        float y = x;
        switch (g() % 4) {
        case 0:
            break;
        case 1:
            y = x * (1.0f + 0.01f * normal(g));
            break;
        case 2:
            y = x + 0.001f * normal(g);
            break;
        default:
            y = normal(g);
        }
        if (kind == QLatin1String("ties")) {
            x = static_cast<float>(g() % 4);
            y = static_cast<float>(g() % 4);
        } else if (kind != QLatin1String("plain")) {
            const bool nonFinite = kind == QLatin1String("nonfinite");
            if (g() % 64 == 0)
                x = awkward(g, nonFinite);
            if (g() % 64 == 0)
                y = awkward(g, nonFinite);
        }
        fa[i] = x;
        fb[i] = y;
    }
    c.bytesA = QByteArray(offset, 'x');
    c.bytesB = QByteArray(offset + 3, 'y'); // a different misalignment on each side
    for (size_t i = 0; i < n; ++i) {
        if (bf16) {
            const uint16_t ha = bf16Bits(fa[i]), hb = bf16Bits(fb[i]);
            c.bytesA.append(reinterpret_cast<const char*>(&ha), sizeof ha);
            c.bytesB.append(reinterpret_cast<const char*>(&hb), sizeof hb);
            c.a.push_back(fromBf16Bits(ha));
            c.b.push_back(fromBf16Bits(hb));
        } else {
            c.bytesA.append(reinterpret_cast<const char*>(&fa[i]), sizeof(float));
            c.bytesB.append(reinterpret_cast<const char*>(&fb[i]), sizeof(float));
            c.a.push_back(fa[i]);
            c.b.push_back(fb[i]);
        }
    }
    return c;
}

// Runs a kernel over the case in kDiffBlock blocks, as compareRange does; `first` is the flat index of element 0.
DiffSums runKernel(const KernelCase& c, bool bf16, int offset, uint64_t first, double atol, double rtol,
                   DiffKernel kernel)
{
    const auto* pa = reinterpret_cast<const unsigned char*>(c.bytesA.constData()) + offset;
    const auto* pb = reinterpret_cast<const unsigned char*>(c.bytesB.constData()) + offset + 3;
    const size_t size = bf16 ? 2 : 4;
    DiffSums sums;
    for (size_t i = 0; i < c.a.size(); i += kDiffBlock) {
        const size_t n = std::min(kDiffBlock, c.a.size() - i);
        if (bf16)
            diffBlockBf16(pa + size * i, pb + size * i, n, first + i, atol, rtol, sums, kernel);
        else
            diffBlock(ElementType::Float, pa + size * i, pb + size * i, n, first + i, atol, rtol, sums, kernel);
    }
    return sums;
}

bool nearSum(double actual, double expected, double scale)
{
    return std::fabs(actual - expected) <= 1e-12 * scale;
}

constexpr size_t kBig = 1'600'000; // 6.4 MB a side: above the size that gets all cores inside the tensor
constexpr size_t kTieFirst = 300'001;
constexpr size_t kTieSecond = 1'234'567;

} // namespace

class TestModelDiff : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void classifies();
    void scaledAndNoised();
    void dtypeChangeF32ToBf16();
    void nanAndInfMismatches();
    void largeTensorParallel();
    void integersAndComplex();
    void tolerance_data();
    void tolerance();
    void metadata();
    void summary();
    void streamsInOrderWithProgress();
    void cancellation();
    void nameMapping_data();
    void nameMapping();
    void badNameRules_data();
    void badNameRules();
    void shardedMatchesSingleFile();
    void serialEqualsParallel();
    void coldRangesAreCopiedFromTheFile();
    void copiedEqualsInPlace_data();
    void copiedEqualsInPlace();
    void kernelsAgree_data();
    void kernelsAgree();
    void unravel();

private:
    const TensorDiff& find(const std::string& name) const
    {
        for (const TensorDiff& d : m_diff.tensors) {
            if (d.name == name)
                return d;
        }
        qFatal("no pair %s", name.c_str());
    }

    QTemporaryDir m_dir;
    QString m_pathA, m_pathB;
    std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> m_values;
    ModelDiff m_diff;
};

void TestModelDiff::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    test::TensorFileBuilder a, b;
    a.metadata(R"({"format":"pt","a_only":"1","changed":"x"})");
    b.metadata(R"({"changed":"y","format":"pt","b_only":"2"})");

    const std::vector<float> scaled = normal(64 * 33, 1);
    std::vector<float> scaledB;
    for (float v : scaled)
        scaledB.push_back(v * 1.5f);
    a.add("scaled", "F32", {64, 33}, bytesOf(scaled));
    b.add("scaled", "F32", {64, 33}, bytesOf(scaledB));
    m_values["scaled"] = {toDouble(scaled), toDouble(scaledB)};

    const std::vector<float> noised = normal(1000, 2);
    const std::vector<float> noise = normal(1000, 3, 0.01f);
    std::vector<float> noisedB;
    for (size_t i = 0; i < noised.size(); ++i)
        noisedB.push_back(noised[i] + noise[i]);
    a.add("noised", "F32", {1000}, bytesOf(noised));
    b.add("noised", "F32", {1000}, bytesOf(noisedB));
    m_values["noised"] = {toDouble(noised), toDouble(noisedB)};

    const QByteArray same = bytesOf(normal(10, 4));
    a.add("same", "F32", {10}, same);
    b.add("same", "F32", {10}, same);
    a.add("removed", "F16", {3}, QByteArray(6, '\1'));
    b.add("added", "I8", {5}, QByteArray(5, '\2'));

    const std::vector<float> converted = normal(257, 5);
    std::vector<float> convertedB;
    a.add("converted", "F32", {257}, bytesOf(converted));
    b.add("converted", "BF16", {257}, test::bf16Truncated(converted, &convertedB));
    m_values["converted"] = {toDouble(converted), toDouble(convertedB)};

    // Both BF16 (read in place, widened in registers), across several blocks with a ragged tail, a NaN and an Inf.
    std::vector<float> halfA, halfB;
    std::vector<float> halfSource = normal(10'001, 12), halfNoise = normal(10'001, 13, 0.05f);
    for (size_t i = 0; i < halfSource.size(); ++i)
        halfNoise[i] = i % 5 == 0 ? halfSource[i] : halfSource[i] + halfNoise[i];
    halfNoise[5000] = nan;
    halfSource[9999] = inf;
    a.add("bf16", "BF16", {73, 137}, test::bf16Truncated(halfSource, &halfA));
    b.add("bf16", "BF16", {73, 137}, test::bf16Truncated(halfNoise, &halfB));
    m_values["bf16"] = {toDouble(halfA), toDouble(halfB)};

    const QByteArray reshaped = bytesOf(normal(24, 6));
    a.add("reshaped", "F32", {4, 6}, reshaped);
    b.add("reshaped", "F32", {6, 4}, reshaped);

    std::vector<float> nanA = normal(100, 7), nanB = nanA;
    nanB[7] = nan;              // NaN in B only
    nanA[9] = nan;              // NaN in A only
    nanA[11] = nanB[11] = nan;  // both: equal
    nanA[20] = inf;             // Inf against a number
    nanA[30] = nanB[30] = -inf; // same infinity: equal
    nanA[31] = inf;
    nanB[31] = -inf; // opposite infinities
    nanA[40] = nan;
    nanB[40] = inf; // NaN against Inf: a NaN mismatch
    nanB[50] += 0.25f;
    a.add("nan", "F32", {10, 10}, bytesOf(nanA));
    b.add("nan", "F32", {10, 10}, bytesOf(nanB));
    m_values["nan"] = {toDouble(nanA), toDouble(nanB)};

    std::vector<float> big = normal(kBig, 8), bigB = big;
    for (size_t i = 0; i < kBig; i += 997)
        bigB[i] += 0.001f * static_cast<float>(i % 13);
    big[kTieFirst] = big[kTieSecond] = 0.0f;
    bigB[kTieFirst] = bigB[kTieSecond] = 7.0f; // two equal maxima: the first one is reported
    a.add("big", "F32", {kBig / 1000, 1000}, bytesOf(big));
    b.add("big", "F32", {kBig / 1000, 1000}, bytesOf(bigB));
    m_values["big"] = {toDouble(big), toDouble(bigB)};

    // Integers beyond float's exact range must go through double.
    std::vector<int64_t> ints, intsB;
    for (int64_t i = 0; i < 50; ++i) {
        ints.push_back((int64_t(1) << 40) + i * 1000003);
        intsB.push_back(ints.back() + (i % 3) - 1);
    }
    a.add("ints", "I64", {50}, bytesOf(ints));
    b.add("ints", "I64", {50}, bytesOf(intsB));
    m_values["ints"] = {toDouble(ints), toDouble(intsB)};

    const std::vector<float> parts = normal(16, 9);
    std::vector<float> partsB = parts;
    partsB[5] += 2.0f; // imaginary part of element 2
    a.add("complex", "C64", {8}, bytesOf(parts));
    b.add("complex", "C64", {8}, bytesOf(partsB));
    m_values["complex"] = {toDouble(parts), toDouble(partsB)};
    a.add("complex_real", "C64", {4}, bytesOf(normal(8, 10)));
    b.add("complex_real", "F32", {4}, bytesOf(normal(4, 11)));

    m_pathA = test::writeFile(m_dir, QStringLiteral("a.safetensors"), a.build());
    m_pathB = test::writeFile(m_dir, QStringLiteral("b.safetensors"), b.build());
    const auto modelA = open(m_pathA);
    const auto modelB = open(m_pathB);
    const std::atomic_bool cancel{false};
    auto diff = diffModels(*modelA, *modelB, DiffOptions{}, cancel);
    QVERIFY2(diff.ok(), diff.ok() ? "" : qPrintable(diff.error().describe()));
    m_diff = std::move(*diff);
}

void TestModelDiff::classifies()
{
    const std::map<std::string, DiffStatus> expected{{"scaled", DiffStatus::ValuesDiffer},
                                                     {"noised", DiffStatus::ValuesDiffer},
                                                     {"same", DiffStatus::Identical},
                                                     {"removed", DiffStatus::OnlyInA},
                                                     {"added", DiffStatus::OnlyInB},
                                                     {"converted", DiffStatus::DTypeChanged},
                                                     {"reshaped", DiffStatus::ShapeChanged},
                                                     {"nan", DiffStatus::ValuesDiffer},
                                                     {"big", DiffStatus::ValuesDiffer},
                                                     {"ints", DiffStatus::ValuesDiffer},
                                                     {"bf16", DiffStatus::ValuesDiffer},
                                                     {"complex", DiffStatus::ValuesDiffer},
                                                     {"complex_real", DiffStatus::DTypeChanged}};
    QCOMPARE(m_diff.tensors.size(), expected.size());
    for (const auto& [name, status] : expected) {
        const TensorDiff& d = find(name);
        QVERIFY2(d.status == status, qPrintable(QString::fromStdString(name + ": " + diffStatusName(d.status))));
    }
    // A's order, then what only B has.
    QCOMPARE(m_diff.tensors.front().name, std::string("scaled"));
    QCOMPARE(m_diff.tensors.back().name, std::string("added"));
    for (size_t i = 0; i < m_diff.tensors.size(); ++i)
        QCOMPARE(m_diff.tensors[i].pair, i);

    QVERIFY(!find("removed").metrics);
    QVERIFY(!find("added").metrics);
    QVERIFY(!find("reshaped").metrics);
    QCOMPARE(find("reshaped").shapeA, (std::vector<uint64_t>{4, 6}));
    QCOMPARE(find("reshaped").shapeB, (std::vector<uint64_t>{6, 4}));
    QVERIFY(!find("complex_real").metrics);
    QVERIFY(!find("complex_real").note.empty());
    QCOMPARE(find("converted").dtypeA, DType::F32);
    QCOMPARE(find("converted").dtypeB, DType::BF16);
    QVERIFY(find("removed").indexA && !find("removed").indexB);
    QVERIFY(!find("added").indexA && find("added").indexB);

    const TensorDiff& same = find("same");
    QVERIFY(same.metrics);
    QCOMPARE(same.metrics->maxAbs, 0.0);
    QCOMPARE(same.metrics->cosine, 1.0);
    QCOMPARE(same.metrics->beyondTolerance, uint64_t(0));
    QVERIFY(same.withinTolerance());
}

void TestModelDiff::scaledAndNoised()
{
    for (const char* name : {"scaled", "noised", "bf16"}) {
        const TensorDiff& d = find(name);
        QVERIFY(d.metrics);
        const auto& [a, b] = m_values[name];
        checkMetrics(*d.metrics, reference(a, b));
        QCOMPARE(d.metrics->count, uint64_t(a.size()));
    }
    // A scaled copy points the same way: cosine 1, relative L2 the scale's excess.
    COMPARE_NEAR(find("scaled").metrics->cosine, 1.0);
    QVERIFY(std::fabs(find("scaled").metrics->relL2 - 0.5) < 1e-6);
    const DiffMetrics& scaled = *find("scaled").metrics;
    QCOMPARE(scaled.maxAbsPosition, (std::vector<uint64_t>{scaled.maxAbsIndex / 33, scaled.maxAbsIndex % 33}));
}

void TestModelDiff::dtypeChangeF32ToBf16()
{
    const TensorDiff& d = find("converted");
    QVERIFY(d.metrics);
    const auto& [a, b] = m_values["converted"];
    checkMetrics(*d.metrics, reference(a, b));
    // Truncation to 8 mantissa bits: every change is below 2^-7 relative.
    QVERIFY(d.metrics->relL2 < 1.0 / 128);
    QVERIFY(d.metrics->beyondTolerance > 0);
    QVERIFY(!d.withinTolerance());
}

void TestModelDiff::nanAndInfMismatches()
{
    const TensorDiff& d = find("nan");
    QVERIFY(d.metrics);
    const auto& [a, b] = m_values["nan"];
    const Expected e = reference(a, b);
    QCOMPARE(e.nanMismatch, uint64_t(3)); // the reference agrees with the cases planted above
    QCOMPARE(e.infMismatch, uint64_t(2));
    checkMetrics(*d.metrics, e);
    QCOMPARE(d.metrics->maxAbsIndex, uint64_t(50));
    QCOMPARE(d.metrics->maxAbsPosition, (std::vector<uint64_t>{5, 0}));
    QCOMPARE(d.metrics->beyondTolerance, uint64_t(6)); // 3 NaN + 2 Inf mismatches + the changed value
}

void TestModelDiff::largeTensorParallel()
{
    const TensorDiff& d = find("big");
    QVERIFY(d.metrics);
    const auto& [a, b] = m_values["big"];
    checkMetrics(*d.metrics, reference(a, b));
    QCOMPARE(d.metrics->maxAbs, 7.0);
    QCOMPARE(d.metrics->maxAbsIndex, uint64_t(kTieFirst));
    QCOMPARE(d.metrics->maxAbsPosition, (std::vector<uint64_t>{kTieFirst / 1000, kTieFirst % 1000}));
}

void TestModelDiff::integersAndComplex()
{
    const TensorDiff& ints = find("ints");
    QVERIFY(ints.metrics);
    checkMetrics(*ints.metrics, reference(m_values["ints"].first, m_values["ints"].second));
    QCOMPARE(ints.metrics->maxAbs, 1.0); // exact: float would have rounded 2^40 + small to a multiple of 2^17
    QCOMPARE(ints.metrics->beyondTolerance, uint64_t(33));

    const TensorDiff& c = find("complex");
    QVERIFY(c.metrics);
    QCOMPARE(c.metrics->maxAbs, std::fabs(m_values["complex"].first[5] - m_values["complex"].second[5]));
    QCOMPARE(c.metrics->maxAbsIndex, uint64_t(2)); // the element holding part 5
    QCOMPARE(c.metrics->beyondTolerance, uint64_t(1));
}

void TestModelDiff::tolerance_data()
{
    QTest::addColumn<double>("atol");
    QTest::addColumn<double>("rtol");
    QTest::newRow("exact") << 0.0 << 0.0;
    QTest::newRow("atol") << 0.01 << 0.0;
    QTest::newRow("rtol") << 0.0 << 0.005;
    QTest::newRow("both") << 0.005 << 0.01;
    QTest::newRow("loose") << 1.0 << 0.0;
}

void TestModelDiff::tolerance()
{
    QFETCH(double, atol);
    QFETCH(double, rtol);
    const auto a = open(m_pathA);
    const auto b = open(m_pathB);
    DiffOptions options;
    options.tolerance = {atol, rtol};
    const std::atomic_bool cancel{false};
    auto diff = diffModels(*a, *b, options, cancel);
    QVERIFY(diff.ok());
    uint64_t beyondTotal = 0;
    for (const TensorDiff& d : diff->tensors) {
        if (!m_values.contains(d.name) || d.name == "complex")
            continue;
        const auto& [va, vb] = m_values[d.name];
        const Expected e = reference(va, vb, atol, rtol);
        QCOMPARE(d.metrics->beyondTolerance, e.beyond);
        QCOMPARE(d.withinTolerance(), e.beyond == 0);
        beyondTotal += e.beyond;
    }
    QVERIFY(diff->summary.parametersChanged >= beyondTotal);
    if (atol == 1.0) { // noise, conversion, +-1 now within tolerance; NaNs, infinities and the 1.5x scale are not
        QVERIFY(find("noised").metrics->beyondTolerance > 0);
        for (const TensorDiff& d : diff->tensors) {
            if (d.name == "noised" || d.name == "converted" || d.name == "ints")
                QVERIFY2(d.withinTolerance(), d.name.c_str());
        }
        QVERIFY(!diff->summary.tensorsEqual());
    }
}

void TestModelDiff::metadata()
{
    const MetadataDiff& m = m_diff.metadata;
    QCOMPARE(m.added.size(), size_t(1));
    QCOMPARE(m.added[0].key, std::string("b_only"));
    QCOMPARE(m.added[0].value, std::string("2"));
    QCOMPARE(m.removed.size(), size_t(1));
    QCOMPARE(m.removed[0].key, std::string("a_only"));
    QCOMPARE(m.changed.size(), size_t(1));
    QCOMPARE(m.changed[0].key, std::string("changed"));
    QCOMPARE(m.changed[0].valueA, std::string("x"));
    QCOMPARE(m.changed[0].valueB, std::string("y"));
    QVERIFY(!m_diff.equal());
    QVERIFY(diffMetadata({{"k", "v"}}, {{"k", "v"}}).empty());
}

void TestModelDiff::summary()
{
    const DiffSummary& s = m_diff.summary;
    QCOMPARE(s.pairs, uint64_t(13));
    QCOMPARE(s.count(DiffStatus::ValuesDiffer), uint64_t(7));
    QCOMPARE(s.count(DiffStatus::Identical), uint64_t(1));
    QCOMPARE(s.count(DiffStatus::OnlyInA), uint64_t(1));
    QCOMPARE(s.count(DiffStatus::OnlyInB), uint64_t(1));
    QCOMPARE(s.count(DiffStatus::DTypeChanged), uint64_t(2));
    QCOMPARE(s.count(DiffStatus::ShapeChanged), uint64_t(1));
    QCOMPARE(s.compared, uint64_t(9));
    QCOMPARE(s.withinTolerance, uint64_t(1));
    QVERIFY(!s.tensorsEqual());
    uint64_t beyond = 0;
    for (const TensorDiff& d : m_diff.tensors)
        beyond += d.metrics ? d.metrics->beyondTolerance : 0;
    QCOMPARE(s.parametersChanged, beyond);
    QCOMPARE(s.parametersA, uint64_t(64 * 33 + 1000 + 10 + 3 + 257 + 24 + 100 + kBig + 50 + 8 + 4 + 10'001));
    QCOMPARE(s.parametersB, uint64_t(64 * 33 + 1000 + 10 + 5 + 257 + 24 + 100 + kBig + 50 + 8 + 4 + 10'001));
}

void TestModelDiff::streamsInOrderWithProgress()
{
    const auto a = open(m_pathA);
    const auto b = open(m_pathB);
    std::vector<std::string> seen;
    std::vector<double> fractions;
    const std::atomic_bool cancel{false};
    auto diff = diffModels(
        *a, *b, DiffOptions{}, cancel, [&](double f) { fractions.push_back(f); },
        [&](const TensorDiff& d) { seen.push_back(d.name); });
    QVERIFY(diff.ok());
    QCOMPARE(seen.size(), diff->tensors.size());
    for (size_t i = 0; i < seen.size(); ++i)
        QCOMPARE(seen[i], diff->tensors[i].name);
    QVERIFY(fractions.size() >= seen.size());
    for (size_t i = 1; i < fractions.size(); ++i)
        QVERIFY(fractions[i] >= fractions[i - 1] - 1e-12);
    QCOMPARE(fractions.back(), 1.0);
}

void TestModelDiff::cancellation()
{
    const auto a = open(m_pathA);
    const auto b = open(m_pathB);
    {
        const std::atomic_bool cancel{true};
        auto diff = diffModels(*a, *b, DiffOptions{}, cancel);
        QVERIFY(!diff.ok());
        QCOMPARE(diff.error().kind, ErrorKind::Cancelled);
    }
    // Cancelled from the stream after the first pair: the big tensor is never finished.
    std::atomic_bool cancel{false};
    std::vector<std::string> seen;
    auto diff = diffModels(*a, *b, DiffOptions{}, cancel, {}, [&](const TensorDiff& d) {
        seen.push_back(d.name);
        cancel = true;
    });
    QVERIFY(!diff.ok());
    QCOMPARE(diff.error().kind, ErrorKind::Cancelled);
    QVERIFY(!seen.empty());
    QVERIFY(seen.size() < 13);
    QVERIFY(std::find(seen.begin(), seen.end(), "big") == seen.end());

    const TensorView view = viewOf(*a, *a->find("big"));
    const std::atomic_bool stop{true};
    auto metrics = compareValues(view, view, {}, stop);
    QVERIFY(!metrics.ok());
    QCOMPARE(metrics.error().kind, ErrorKind::Cancelled);
    QCOMPARE(sameBytes(view, view, stop).error().kind, ErrorKind::Cancelled);
}

void TestModelDiff::nameMapping_data()
{
    QTest::addColumn<QByteArrayList>("namesA");
    QTest::addColumn<QByteArrayList>("namesB");
    QTest::addColumn<QStringList>("rules");
    QTest::addColumn<QByteArrayList>("mappedB"); // B's name each of A's tensors should meet
    QTest::newRow("regex strip") << QByteArrayList{"model.layers.0.w", "model.norm"}
                                 << QByteArrayList{"layers.0.w", "norm"} << QStringList{QStringLiteral("s/^model\\.//")}
                                 << QByteArrayList{"layers.0.w", "norm"};
    QTest::newRow("capture") << QByteArrayList{"h.3.attn", "h.12.mlp"}
                             << QByteArrayList{"blocks.3.attn", "blocks.12.mlp"}
                             << QStringList{QStringLiteral("s/^h\\.(\\d+)\\./blocks.\\1./")}
                             << QByteArrayList{"blocks.3.attn", "blocks.12.mlp"};
    QTest::newRow("strip") << QByteArrayList{"model.a", "b"} << QByteArrayList{"a", "b"}
                           << QStringList{QStringLiteral("strip:model.")} << QByteArrayList{"a", "b"};
    QTest::newRow("add") << QByteArrayList{"a"} << QByteArrayList{"transformer.a"}
                         << QStringList{QStringLiteral("add:transformer.")} << QByteArrayList{"transformer.a"};
    QTest::newRow("chain, other delimiter")
        << QByteArrayList{"model.x/y"} << QByteArrayList{"net.x_y"}
        << QStringList{QStringLiteral("strip:model."), QStringLiteral("s|/|_|"), QStringLiteral("add:net.")}
        << QByteArrayList{"net.x_y"};
    QTest::newRow("escaped slash") << QByteArrayList{"a/b"} << QByteArrayList{"a.b"}
                                   << QStringList{QStringLiteral("s/\\//./")} << QByteArrayList{"a.b"};
}

void TestModelDiff::nameMapping()
{
    QFETCH(QByteArrayList, namesA);
    QFETCH(QByteArrayList, namesB);
    QFETCH(QStringList, rules);
    QFETCH(QByteArrayList, mappedB);
    test::TensorFileBuilder a, b;
    const QByteArray value = bytesOf(std::vector<float>{1.0f, 2.0f});
    for (const QByteArray& name : namesA)
        a.add(name, "F32", {2}, value);
    for (const QByteArray& name : namesB)
        b.add(name, "F32", {2}, value);
    QTemporaryDir dir;
    const auto ma = open(test::writeFile(dir, QStringLiteral("a.safetensors"), a.build()));
    const auto mb = open(test::writeFile(dir, QStringLiteral("b.safetensors"), b.build()));
    auto mapper = NameMapper::fromRules(rules);
    QVERIFY(mapper.ok());
    for (qsizetype i = 0; i < namesA.size(); ++i)
        QCOMPARE(mapper->map(namesA[i].toStdString()), mappedB[i].toStdString());

    const std::atomic_bool cancel{false};
    auto unmapped = diffModels(*ma, *mb, DiffOptions{}, cancel);
    QVERIFY(unmapped.ok());
    const auto unpaired =
        std::count_if(namesA.begin(), namesA.end(), [&](const QByteArray& n) { return !namesB.contains(n); });
    QCOMPARE(unmapped->summary.count(DiffStatus::OnlyInA), uint64_t(unpaired));
    auto diff = diffModels(*ma, *mb, DiffOptions{{}, std::move(*mapper), nullptr, nullptr}, cancel);
    QVERIFY(diff.ok());
    QCOMPARE(diff->tensors.size(), size_t(namesA.size()));
    for (qsizetype i = 0; i < namesA.size(); ++i) {
        const TensorDiff& d = diff->tensors[static_cast<size_t>(i)];
        QCOMPARE(d.status, DiffStatus::Identical);
        QCOMPARE(d.name, namesA[i].toStdString());
        QCOMPARE(d.nameB, namesA[i] == mappedB[i] ? std::string() : mappedB[i].toStdString());
    }
    QVERIFY(diff->equal());
}

void TestModelDiff::badNameRules_data()
{
    QTest::addColumn<QString>("rule");
    QTest::newRow("not a rule") << QStringLiteral("model.");
    QTest::newRow("unclosed") << QStringLiteral("s/a/b");
    QTest::newRow("flags") << QStringLiteral("s/a/b/g");
    QTest::newRow("empty regex") << QStringLiteral("s///");
    QTest::newRow("bad regex") << QStringLiteral("s/(/x/");
}

void TestModelDiff::badNameRules()
{
    QFETCH(QString, rule);
    auto mapper = NameMapper::fromRules({rule});
    QVERIFY(!mapper.ok());
    QCOMPARE(mapper.error().kind, ErrorKind::InvalidArgument);
    QVERIFY2(mapper.error().message.contains(rule), qPrintable(mapper.error().message));
}

void TestModelDiff::shardedMatchesSingleFile()
{
    // The same weights as one file and as an index with two shards, metadata alike.
    const QByteArray meta = R"({"format":"pt"})";
    std::vector<std::pair<QByteArray, QByteArray>> tensors;
    for (int i = 0; i < 6; ++i)
        tensors.emplace_back("model.layers." + QByteArray::number(i) + ".weight",
                             test::bf16Truncated(normal(size_t(1000 + 100 * i), uint32_t(20 + i))));
    test::TensorFileBuilder single, shard1, shard2;
    single.metadata(meta);
    shard1.metadata(meta);
    shard2.metadata(meta);
    QByteArray weightMap;
    for (size_t i = 0; i < tensors.size(); ++i) {
        const auto& [name, bytes] = tensors[i];
        const std::vector<uint64_t> shape{uint64_t(bytes.size() / 2)};
        single.add(name, "BF16", shape, bytes);
        // Shards in a different order from the single file: pairing is by name only.
        const char* shard = i % 2 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
        (i % 2 ? shard1 : shard2).add(name, "BF16", shape, bytes);
        weightMap += (weightMap.isEmpty() ? "\"" : ",\"") + name + "\":\"" + shard + '"';
    }
    QTemporaryDir dir;
    const QString singlePath = test::writeFile(dir, QStringLiteral("single.safetensors"), single.build());
    QDir(dir.path()).mkdir(QStringLiteral("sharded"));
    test::writeFile(dir, QStringLiteral("sharded/model-00001-of-00002.safetensors"), shard1.build());
    test::writeFile(dir, QStringLiteral("sharded/model-00002-of-00002.safetensors"), shard2.build());
    const QString index = test::writeFile(dir, QStringLiteral("sharded/model.safetensors.index.json"),
                                          "{\"metadata\":{},\"weight_map\":{" + weightMap + "}}");
    const auto a = open(index);
    QCOMPARE(a->source(), Model::Source::ShardedIndex);
    const auto b = open(singlePath);
    const std::atomic_bool cancel{false};
    for (const auto& [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
        auto diff = diffModels(*x, *y, DiffOptions{}, cancel);
        QVERIFY(diff.ok());
        QCOMPARE(diff->summary.pairs, uint64_t(tensors.size()));
        QCOMPARE(diff->summary.count(DiffStatus::Identical), uint64_t(tensors.size()));
        QVERIFY(diff->metadata.empty());
        QVERIFY(diff->equal());
    }
    // The folder holding the shards opens as the same model.
    auto diff = diffModels(*open(dir.filePath(QStringLiteral("sharded"))), *b, DiffOptions{}, cancel);
    QVERIFY(diff.ok());
    QVERIFY(diff->equal());
}

void TestModelDiff::serialEqualsParallel()
{
    const auto a = open(m_pathA);
    const auto b = open(m_pathB);
    const TensorView va = viewOf(*a, *a->find("big"));
    const TensorView vb = viewOf(*b, *b->find("big"));
    const std::atomic_bool cancel{false};
    auto parallel = compareValues(va, vb, {0.0, 1e-3}, cancel, {}, true);
    auto serial = compareValues(va, vb, {0.0, 1e-3}, cancel, {}, false);
    QVERIFY(parallel.ok() && serial.ok());
    // Chunks merge in order: bit-identical whatever thread ran which chunk.
    QCOMPARE(parallel->meanAbs, serial->meanAbs);
    QCOMPARE(parallel->rms, serial->rms);
    QCOMPARE(parallel->cosine, serial->cosine);
    QCOMPARE(parallel->relL2, serial->relL2);
    QCOMPARE(parallel->maxAbsIndex, serial->maxAbsIndex);
    QCOMPARE(parallel->beyondTolerance, serial->beyondTolerance);
    QCOMPARE(sameBytes(va, va, cancel).value(), true);
    QCOMPARE(sameBytes(va, vb, cancel, {}, false).value(), false);

    // A view against itself: all zeros, cosine 1, and the bytes say identical.
    auto self = compareValues(va, va, {}, cancel);
    QVERIFY(self.ok());
    QCOMPARE(self->maxAbs, 0.0);
    QCOMPARE(self->maxAbsIndex, uint64_t(0));
    QCOMPARE(self->rms, 0.0);
    COMPARE_NEAR(self->cosine, 1.0);
}

void TestModelDiff::coldRangesAreCopiedFromTheFile()
{
    const auto a = open(m_pathA);
    const auto b = open(m_pathB);
    const size_t ia = *a->find("big");
    const ViewReader ra = readerOf(*a, ia);
    const ViewReader rb = readerOf(*b, *b->find("big"));
    const TensorView& va = ra.view();
    QCOMPARE(va.data, a->tensorData(ia));
    // Past the header's pages, nothing of a fresh mapping is mapped in yet: a pass copies from the file.
    const uint64_t middle = va.byteSize / 2;
    constexpr uint64_t kRange = uint64_t(1) << 20;
    QVERIFY(ra.shouldCopy(middle, kRange));
    QVERIFY(!ra.shouldCopy(middle, 4096));               // a page: in place, a check would cost as much
    QVERIFY(!ViewReader(va).shouldCopy(middle, kRange)); // no file: always in place

    // Copied and in place, the metrics agree to the bit, and the bytes read are the same.
    const std::atomic_bool cancel{false};
    auto copied = compareValues(ra, rb, {0.0, 1e-3}, cancel);
    QVERIFY(ra.shouldCopy(middle, kRange)); // the copies left the mapping alone
    auto inPlace = compareValues(va, rb.view(), {0.0, 1e-3}, cancel);
    QVERIFY(copied.ok() && inPlace.ok());
    QCOMPARE(copied->meanAbs, inPlace->meanAbs);
    QCOMPARE(copied->rms, inPlace->rms);
    QCOMPARE(copied->cosine, inPlace->cosine);
    QCOMPARE(copied->maxAbsIndex, inPlace->maxAbsIndex);
    QCOMPARE(copied->beyondTolerance, inPlace->beyondTolerance);
    QCOMPARE(sameBytes(ra, rb, cancel).value(), false);
    const ViewReader::Buffer buffer;
    QCOMPARE(std::memcmp(ra.read(middle, 4096, buffer.data(), true), va.data + middle, 4096), 0);

    // Once read in place the range is warm: later passes read it there.
#if defined(__linux__)
    if (QFile(QStringLiteral("/proc/self/pagemap")).open(QIODevice::ReadOnly))
        QVERIFY(!ra.shouldCopy(middle, kRange));
#endif
    QCOMPARE(sameBytes(ra, ra, cancel).value(), true);

    // A file truncated under the reader ends the read as a truncated mapping does: SigbusGuard sees SIGBUS.
    const QString copy = m_dir.filePath(QStringLiteral("truncated.safetensors"));
    QVERIFY(QFile::copy(m_pathA, copy));
    const auto shrinking = open(copy);
    const ViewReader rs = readerOf(*shrinking, *shrinking->find("big"));
    QVERIFY(QFile::resize(copy, static_cast<qint64>(shrinking->absoluteOffset(*shrinking->find("big")))));
    bool read = false;
    QVERIFY(!SigbusGuard::runGuarded([&] { read = rs.read(0, 4096, buffer.data(), true) != nullptr; }));
    QVERIFY(!read);
}

void TestModelDiff::copiedEqualsInPlace_data()
{
    QTest::addColumn<int>("dtype");
    for (int d = 0; d < kDTypeCount; ++d)
        QTest::newRow(dtypeName(static_cast<DType>(d)).data()) << d;
}

void TestModelDiff::copiedEqualsInPlace()
{
    // Pieces are copied a few hundred KiB at a time, chunk by chunk: an element count across both boundaries
    // (and a multiple of 8, so that sub-byte dtypes fill whole bytes) meets every seam, for every element size.
    QFETCH(int, dtype);
    const DType type = static_cast<DType>(dtype);
    constexpr uint64_t kCount = (uint64_t(1) << 20) + (uint64_t(1) << 17) + 128;
    const uint64_t bytes = kCount * static_cast<uint64_t>(dtypeBits(type)) / 8;
    std::mt19937 random(static_cast<unsigned>(dtype));
    QByteArray rawA(static_cast<qsizetype>(bytes), Qt::Uninitialized), rawB = rawA;
    for (qsizetype i = 0; i < rawA.size(); ++i) {
        rawA[i] = static_cast<char>(random());
        rawB[i] = i % 3 ? rawA[i] : static_cast<char>(random());
    }
    const QByteArray name = dtypeName(type).data();
    test::TensorFileBuilder fa, fb;
    fa.add("t", name, {kCount}, rawA);
    fb.add("t", name, {kCount}, rawB);
    const auto a = open(test::writeFile(m_dir, QStringLiteral("copied-a-%1.safetensors").arg(dtype), fa.build()));
    const auto b = open(test::writeFile(m_dir, QStringLiteral("copied-b-%1.safetensors").arg(dtype), fb.build()));
    QVERIFY(a && b);
    const std::atomic_bool cancel{false};
    for (const bool parallel : {true, false}) {
        auto copied = compareValues(readerOf(*a, 0), readerOf(*b, 0), {1e-3, 1e-2}, cancel, {}, parallel);
        auto inPlace = compareValues(viewOf(*a, 0), viewOf(*b, 0), {1e-3, 1e-2}, cancel, {}, parallel);
        QCOMPARE(copied.ok(), inPlace.ok());
        if (!copied.ok())
            continue;
        const auto same = [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; };
        QVERIFY(same(copied->maxAbs, inPlace->maxAbs));
        QVERIFY(same(copied->meanAbs, inPlace->meanAbs));
        QVERIFY(same(copied->rms, inPlace->rms));
        QVERIFY(same(copied->relL2, inPlace->relL2));
        QVERIFY(same(copied->cosine, inPlace->cosine));
        QCOMPARE(copied->maxAbsIndex, inPlace->maxAbsIndex);
        QCOMPARE(copied->finitePairs, inPlace->finitePairs);
        QCOMPARE(copied->beyondTolerance, inPlace->beyondTolerance);
        QCOMPARE(copied->nanMismatch, inPlace->nanMismatch);
        QCOMPARE(copied->infMismatch, inPlace->infMismatch);
    }
    QCOMPARE(sameBytes(readerOf(*a, 0), readerOf(*b, 0), cancel).value(), false);
    QCOMPARE(sameBytes(readerOf(*a, 0), readerOf(*a, 0), cancel, {}, false).value(), true);
}

void TestModelDiff::kernelsAgree_data()
{
    QTest::addColumn<bool>("bf16");
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("offset");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<double>("atol");
    QTest::addColumn<double>("rtol");
    const int lengths[] = {0, 1, 7, 8, 9, 15, 16, 17, 4095, 4096, 4096 + 3, 3 * 4096 + 21};
    const char* kinds[] = {"plain", "awkward", "nonfinite", "ties"};
    for (const bool bf16 : {true, false}) {
        for (const int length : lengths) {
            for (const char* kind : kinds) {
                for (const int offset : {0, 1, 2}) {
                    const char* type = bf16 ? "BF16" : "F32";
                    QTest::addRow("%s n=%d %s +%d", type, length, kind, offset)
                        << bf16 << length << offset << QString::fromLatin1(kind) << 0.0 << 0.0;
                }
                QTest::addRow("%s n=%d %s tolerance", bf16 ? "BF16" : "F32", length, kind)
                    << bf16 << length << 2 << QString::fromLatin1(kind) << 1e-3 << 1e-2;
            }
        }
    }
}

// The AVX2+FMA kernels (DiffKernel::Best on a machine that has them) against the portable ones and against the
// definitions: counts, the maximum and its position exactly; sums to 1e-12 of their scale (summation order and
// FMA differ, so the last bits may).
void TestModelDiff::kernelsAgree()
{
    QFETCH(bool, bf16);
    QFETCH(int, length);
    QFETCH(int, offset);
    QFETCH(QString, kind);
    QFETCH(double, atol);
    QFETCH(double, rtol);
    if (!diffKernelHasAvx2())
        qInfo("no AVX2+FMA here: both paths are the portable one");
    const KernelCase c = kernelCase(bf16, static_cast<size_t>(length), offset, kind, static_cast<uint32_t>(length));
    constexpr uint64_t first = 1000;
    const DiffSums fast = runKernel(c, bf16, offset, first, atol, rtol, DiffKernel::Best);
    const DiffSums portable = runKernel(c, bf16, offset, first, atol, rtol, DiffKernel::Portable);
    const Expected e = reference(c.a, c.b, atol, rtol);

    for (const DiffSums* s : {&fast, &portable}) {
        QCOMPARE(s->count, static_cast<uint64_t>(length));
        QCOMPARE(s->finite, e.finite);
        QCOMPARE(s->beyond, e.beyond);
        QCOMPARE(s->nanMismatch, e.nanMismatch);
        QCOMPARE(s->infMismatch, e.infMismatch);
        QCOMPARE(s->maxAbs, e.maxAbs);
        if (e.finite > 0)
            QCOMPARE(s->maxIndex, first + e.maxIndex);
    }
    QCOMPARE(fast.maxIndex, portable.maxIndex);
    const double absScale = std::fmax(portable.sumAbs.value(), 1e-300);
    const double normScale = std::sqrt(portable.sumSqA.value() * portable.sumSqB.value());
    QVERIFY(nearSum(fast.sumAbs.value(), portable.sumAbs.value(), absScale));
    QVERIFY(nearSum(fast.sumSq.value(), portable.sumSq.value(), std::fmax(portable.sumSq.value(), 1e-300)));
    QVERIFY(nearSum(fast.sumSqA.value(), portable.sumSqA.value(), std::fmax(portable.sumSqA.value(), 1e-300)));
    QVERIFY(nearSum(fast.sumSqB.value(), portable.sumSqB.value(), std::fmax(portable.sumSqB.value(), 1e-300)));
    // A dot product may cancel: its error is bounded relative to the norms (Cauchy-Schwarz), not to itself.
    QVERIFY(nearSum(fast.dot.value(), portable.dot.value(), std::fmax(normScale, 1e-300)));
}

void TestModelDiff::unravel()
{
    QCOMPARE(unravelIndex(0, {}), std::vector<uint64_t>{});
    QCOMPARE(unravelIndex(23, {2, 3, 4}), (std::vector<uint64_t>{1, 2, 3}));
    QCOMPARE(unravelIndex(5, {2, 3, 4}), (std::vector<uint64_t>{0, 1, 1}));
    QCOMPARE(unravelIndex(7, {10}), (std::vector<uint64_t>{7}));
}

QTEST_GUILESS_MAIN(TestModelDiff)
#include "tst_modeldiff.moc"
