// The value health scan (issue 16): every kind found on fixtures built here byte by byte, first indices exact, dtypes
// classified from their bits (an integer holding NaN's bit pattern is no NaN), duplicates across shards, cancel, and
// a file truncated during the scan giving FileChanged.
#include "core/values/healthscan.h"
#include "core/format/model.h"
#include "support/fixtures.h"
#include "support/tensorfilebuilder.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <atomic>
#include <cmath>
#include <limits>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

/// A file as the reference writer lays it out (header padded to a multiple of 8, so tensor offsets decide
/// alignment), with the "format" key a single file is expected to have.
TensorFileBuilder paddedFile()
{
    TensorFileBuilder file;
    file.metadata(R"({"format":"pt"})").padHeader();
    return file;
}

QByteArray f16Bits(const std::vector<uint16_t>& bits)
{
    return bytesOf(bits);
}

const HealthProblem* find(const HealthReport& report, const std::string& tensor, HealthKind kind)
{
    for (const HealthProblem& p : report.problems) {
        if (p.tensorName == tensor && p.kind == kind)
            return &p;
    }
    return nullptr;
}

int countOf(const HealthReport& report, HealthKind kind)
{
    int n = 0;
    for (const HealthProblem& p : report.problems)
        n += p.kind == kind;
    return n;
}

} // namespace

class TestHealthScan final : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<const Model> open(const QString& name, const QByteArray& bytes)
    {
        const QString path = writeFile(m_dir, name, bytes);
        auto model = Model::open(path);
        if (!model) {
            qWarning() << model.error().describe();
            return nullptr;
        }
        return *model;
    }

    HealthReport scan(const Model& model)
    {
        const std::atomic_bool cancel{false};
        auto report = scanHealth(model, cancel);
        if (!report) {
            qWarning() << report.error().describe();
            return {};
        }
        return *report;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void everyKindOnF32()
    {
        const auto model = open(QStringLiteral("kinds.safetensors"),
                                paddedFile()
                                    .metadata(R"({"note":"no format key"})")
                                    .add("healthy", "F32", {4}, bytesOf<float>({0.5f, -0.25f, 1e-3f, 2.0f}))
                                    .add("specials", "F32", {2, 3}, bytesOf<float>({1, 2, kNan, 4, kInf, -kInf}))
                                    .add("zeros", "F32", {4}, bytesOf<float>({0.0f, -0.0f, 0.0f, 0.0f}))
                                    .add("ones", "F32", {3}, bytesOf<float>({1, 1, 1}))
                                    .add("big", "F32", {4}, bytesOf<float>({1, 65504.0f, 70000.0f, -1e6f}))
                                    .add("copy", "F32", {2, 3}, bytesOf<float>({1, 2, kNan, 4, kInf, -kInf}))
                                    .add("ones2", "F32", {3}, bytesOf<float>({1, 1, 1}))
                                    .add("pad", "U8", {1}, QByteArray(1, '\x07'))
                                    .add("shifted", "F32", {2}, bytesOf<float>({0.5f, 0.75f}))
                                    .build());
        QVERIFY(model);
        const HealthReport report = scan(*model);
        QCOMPARE(report.tensorsScanned, uint64_t(9));
        QCOMPARE(report.bytesScanned, uint64_t(16 + 24 + 16 + 12 + 16 + 24 + 12 + 1 + 8));

        // Model-wide findings come first.
        QVERIFY(!report.problems.empty());
        QCOMPARE(report.problems.front().kind, HealthKind::Metadata);
        QVERIFY(!report.problems.front().tensor);
        QCOMPARE(report.problems.front().severity(), HealthSeverity::Warning);

        for (const HealthProblem& p : report.problems)
            QVERIFY2(p.tensorName != "healthy", qPrintable(p.detail));

        const HealthProblem* nan = find(report, "specials", HealthKind::Nan);
        QVERIFY(nan);
        QCOMPARE(nan->count, uint64_t(1));
        QCOMPARE(nan->firstIndex, std::optional<uint64_t>(2));
        QCOMPARE(nan->severity(), HealthSeverity::Error);
        const HealthProblem* inf = find(report, "specials", HealthKind::Inf);
        QVERIFY(inf);
        QCOMPARE(inf->count, uint64_t(2));
        QCOMPARE(inf->firstIndex, std::optional<uint64_t>(4));
        QCOMPARE(inf->severity(), HealthSeverity::Error);

        const HealthProblem* zeros = find(report, "zeros", HealthKind::AllZero);
        QVERIFY(zeros);
        QCOMPARE(zeros->count, uint64_t(4));
        QCOMPARE(zeros->severity(), HealthSeverity::Warning);
        QVERIFY(!find(report, "zeros", HealthKind::Constant)); // -0.0 and 0.0: zero, and said once

        const HealthProblem* ones = find(report, "ones", HealthKind::Constant);
        QVERIFY(ones);
        QVERIFY2(ones->detail.contains(QStringLiteral("are 1")), qPrintable(ones->detail));

        // 65504 is F16's largest finite value: only the two beyond it count.
        const HealthProblem* big = find(report, "big", HealthKind::F16Overflow);
        QVERIFY(big);
        QCOMPARE(big->count, uint64_t(2));
        QCOMPARE(big->firstIndex, std::optional<uint64_t>(2));

        const HealthProblem* copy = find(report, "copy", HealthKind::Duplicate);
        QVERIFY(copy);
        QVERIFY2(copy->detail.contains(QStringLiteral("specials")), qPrintable(copy->detail));
        QVERIFY(!find(report, "specials", HealthKind::Duplicate)); // the original is not a copy
        // "ones2" equals "ones", but equal constant tensors (a fresh model's norm weights) are not called copies.
        QVERIFY(find(report, "ones2", HealthKind::Constant));
        QCOMPARE(countOf(report, HealthKind::Duplicate), 1);

        // "pad" is one byte, so "shifted" starts at an odd offset.
        const HealthProblem* shifted = find(report, "shifted", HealthKind::Misaligned);
        QVERIFY(shifted);
        QCOMPARE(countOf(report, HealthKind::Misaligned), 1);
        QCOMPARE(countOf(report, HealthKind::Metadata), 1);
        // Every U8 of "pad" is the same, but one element is not a "constant tensor".
        QVERIFY(!find(report, "pad", HealthKind::Constant));
    }

    void formatKeyPresentIsNoProblem()
    {
        const auto model = open(QStringLiteral("format.safetensors"),
                                paddedFile().add("w", "F32", {2}, bytesOf<float>({1, 2})).build());
        QVERIFY(model);
        const HealthReport report = scan(*model);
        QVERIFY(report.problems.empty());
        QCOMPARE(report.tensorsScanned, uint64_t(1));
    }

    void nanInTheLastElementOfALargeTensor_data()
    {
        QTest::addColumn<qulonglong>("count");
        QTest::newRow("several work items, vector tail") << qulonglong(3'000'003);
        QTest::newRow("one element") << qulonglong(1);
        QTest::newRow("shorter than a vector") << qulonglong(7);
    }

    void nanInTheLastElementOfALargeTensor()
    {
        QFETCH(qulonglong, count);
        std::vector<float> values(count, 0.125f);
        for (size_t i = 0; i < values.size(); i += 3)
            values[i] = static_cast<float>(i % 101) * 0.01f; // not constant
        values.back() = kNan;
        const auto model = open(QStringLiteral("last-%1.safetensors").arg(count),
                                paddedFile()
                                    .add("w", "F32", {count}, bytesOf(values))
                                    .add("after", "F32", {2}, bytesOf<float>({kInf, 1}))
                                    .build());
        QVERIFY(model);
        const HealthReport report = scan(*model);
        const HealthProblem* nan = find(report, "w", HealthKind::Nan);
        QVERIFY(nan);
        QCOMPARE(nan->count, uint64_t(1));
        QCOMPARE(nan->firstIndex, std::optional<uint64_t>(count - 1));
        QVERIFY(!find(report, "w", HealthKind::Inf));
        const HealthProblem* inf = find(report, "after", HealthKind::Inf);
        QVERIFY(inf);
        QCOMPARE(inf->firstIndex, std::optional<uint64_t>(0));
    }

    void bf16F16AndF64()
    {
        // BF16 0x7fc0 NaN, 0x7f80 +Inf, 0xff80 -Inf, 0x4789 = 70144 (beyond F16), 0x477f = 65280 (within).
        // F16 0x7e00 NaN, 0x7c00 +Inf, 0x7bff = 65504: F16 itself never overflows F16.
        const double dnan = std::numeric_limits<double>::quiet_NaN();
        const double dinf = std::numeric_limits<double>::infinity();
        const auto model = open(QStringLiteral("dtypes.safetensors"),
                                paddedFile()
                                    .add("bf16", "BF16", {6}, f16Bits({0x3f80, 0x477f, 0x4789, 0x7fc0, 0xff80, 0x7f80}))
                                    .add("f16", "F16", {5}, f16Bits({0x3c00, 0x7bff, 0xfbff, 0x7c00, 0x7e00}))
                                    .add("f64", "F64", {5}, bytesOf<double>({1.0, 65504.0, -65504.5, dinf, dnan}))
                                    .build());
        QVERIFY(model);
        const HealthReport report = scan(*model);

        const HealthProblem* p = find(report, "bf16", HealthKind::Nan);
        QVERIFY(p);
        QCOMPARE(p->firstIndex, std::optional<uint64_t>(3));
        QVERIFY((p = find(report, "bf16", HealthKind::Inf)));
        QCOMPARE(p->count, uint64_t(2));
        QCOMPARE(p->firstIndex, std::optional<uint64_t>(4));
        QVERIFY((p = find(report, "bf16", HealthKind::F16Overflow)));
        QCOMPARE(p->count, uint64_t(1));
        QCOMPARE(p->firstIndex, std::optional<uint64_t>(2));

        QVERIFY((p = find(report, "f16", HealthKind::Nan)));
        QCOMPARE(p->firstIndex, std::optional<uint64_t>(4));
        QVERIFY((p = find(report, "f16", HealthKind::Inf)));
        QCOMPARE(p->count, uint64_t(1));
        QCOMPARE(p->firstIndex, std::optional<uint64_t>(3));
        QVERIFY(!find(report, "f16", HealthKind::F16Overflow));

        QVERIFY((p = find(report, "f64", HealthKind::Nan)));
        QCOMPARE(p->firstIndex, std::optional<uint64_t>(4));
        QVERIFY((p = find(report, "f64", HealthKind::Inf)));
        QCOMPARE(p->firstIndex, std::optional<uint64_t>(3));
        QVERIFY((p = find(report, "f64", HealthKind::F16Overflow)));
        QCOMPARE(p->count, uint64_t(1));
        QCOMPARE(p->firstIndex, std::optional<uint64_t>(2));
    }

    void integersGetOnlyTheChecksThatMeanSomething()
    {
        // 0x7fc00000 is NaN's bit pattern and 0x7f800000 Inf's: as I32 they are plain numbers.
        const auto model = open(QStringLiteral("ints.safetensors"),
                                paddedFile()
                                    .add("bits", "I32", {3}, bytesOf<int32_t>({0x7fc00000, 0x7f800000, 0x47800000}))
                                    .add("zero", "I64", {3}, bytesOf<int64_t>({0, 0, 0}))
                                    .add("same", "U16", {4}, bytesOf<uint16_t>({9, 9, 9, 9}))
                                    .add("mask", "BOOL", {3}, QByteArray("\x01\x01\x01", 3))
                                    .add("packed", "F4", {4}, QByteArray("\x22\x22", 2))
                                    .build());
        QVERIFY(model);
        const HealthReport report = scan(*model);
        QCOMPARE(report.tensorsScanned, uint64_t(5));
        QVERIFY(!find(report, "bits", HealthKind::Nan));
        QVERIFY(!find(report, "bits", HealthKind::Inf));
        QVERIFY(!find(report, "bits", HealthKind::F16Overflow));
        QVERIFY(!find(report, "bits", HealthKind::Constant));
        QVERIFY(find(report, "zero", HealthKind::AllZero));
        QVERIFY(find(report, "same", HealthKind::Constant));
        QVERIFY(find(report, "mask", HealthKind::Constant));
        // Packed F4 through the decoding path: four equal codes (0x2 is 1.0).
        const HealthProblem* packed = find(report, "packed", HealthKind::Constant);
        QVERIFY(packed);
        QVERIFY2(packed->detail.contains(QStringLiteral("are 1")), qPrintable(packed->detail));
        for (const HealthProblem& p : report.problems)
            QCOMPARE(p.severity(), HealthSeverity::Warning);
    }

    void duplicatesAcrossShards()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QByteArray shared = bytesOf<float>({0.1f, 0.2f, 0.3f, 0.4f});
        writeFile(dir, QStringLiteral("model-00001-of-00002.safetensors"),
                  paddedFile()
                      .add("embed.weight", "F32", {2, 2}, shared)
                      .add("other", "F32", {4}, shared) // same bytes, other shape: not a duplicate
                      .build());
        writeFile(dir, QStringLiteral("model-00002-of-00002.safetensors"),
                  paddedFile()
                      .add("lm_head.weight", "F32", {2, 2}, shared)
                      .add("near", "F32", {2, 2}, bytesOf<float>({0.1f, 0.2f, 0.3f, 0.5f}))
                      .build());
        const QString index = writeFile(dir, QStringLiteral("model.safetensors.index.json"),
                                        R"({"metadata":{},"weight_map":{
            "embed.weight":"model-00001-of-00002.safetensors","other":"model-00001-of-00002.safetensors",
            "lm_head.weight":"model-00002-of-00002.safetensors","near":"model-00002-of-00002.safetensors"}})");
        auto opened = Model::open(index);
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().describe()));
        const HealthReport report = scan(**opened);
        QCOMPARE(countOf(report, HealthKind::Duplicate), 1);
        const HealthProblem* copy = find(report, "lm_head.weight", HealthKind::Duplicate);
        QVERIFY(copy);
        QCOMPARE(copy->count, uint64_t(2));
        QVERIFY2(copy->detail.contains(QStringLiteral("embed.weight")), qPrintable(copy->detail));
        QCOMPARE(countOf(report, HealthKind::Metadata), 0); // a sharded model has no single-file format rule
    }

    void progressEndsAtTheTotal()
    {
        std::vector<float> values(2'000'000, 0.5f);
        values[1] = 0.25f;
        const auto model = open(QStringLiteral("progress.safetensors"),
                                paddedFile().add("w", "F32", {values.size()}, bytesOf(values)).build());
        QVERIFY(model);
        const std::atomic_bool cancel{false};
        uint64_t lastDone = 0, lastTotal = 0;
        int calls = 0;
        auto report = scanHealth(*model, cancel, [&](uint64_t done, uint64_t total) {
            QVERIFY(done >= lastDone);
            lastDone = done;
            lastTotal = total;
            ++calls;
        });
        QVERIFY(report);
        QVERIFY(calls >= 2);
        QCOMPARE(lastTotal, uint64_t(values.size() * 4));
        QCOMPARE(lastDone, lastTotal);
        QVERIFY(report->problems.empty());
    }

    void cancelStopsTheScan()
    {
        std::vector<float> values(8'000'000, 0.5f);
        values[0] = kNan;
        const auto model = open(QStringLiteral("cancel.safetensors"),
                                paddedFile().add("w", "F32", {values.size()}, bytesOf(values)).build());
        QVERIFY(model);
        std::atomic_bool cancel{false};
        uint64_t seen = 0;
        auto report = scanHealth(*model, cancel, [&](uint64_t done, uint64_t) {
            seen = done;
            cancel = true;
        });
        QVERIFY(!report);
        QCOMPARE(report.error().kind, ErrorKind::Cancelled);
        QVERIFY(seen < values.size() * 4); // it stopped before the end
    }

    void truncatedDuringTheScanGivesFileChanged()
    {
        std::vector<float> values(8'000'000, 0.5f);
        values[3] = 0.25f;
        const QString path = writeFile(m_dir, QStringLiteral("truncated.safetensors"),
                                       paddedFile().add("w", "F32", {values.size()}, bytesOf(values)).build());
        auto opened = Model::open(path);
        QVERIFY(opened);
        const std::atomic_bool cancel{false};
        std::atomic_bool truncated{false};
        auto report = scanHealth(**opened, cancel, [&](uint64_t, uint64_t) {
            if (truncated.exchange(true))
                return;
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadWrite));
            const QByteArray length = file.read(8);
            const auto n = qFromLittleEndian<quint64>(length.constData());
            QVERIFY(file.resize(static_cast<qint64>(8 + n + 4096))); // the mapping now reaches past the file's end
        });
        QVERIFY(truncated);
        QVERIFY(!report);
        QCOMPARE(report.error().kind, ErrorKind::FileChanged);
    }

    void kindNamesRoundTrip()
    {
        for (int k = 0; k < kHealthKindCount; ++k) {
            const auto kind = static_cast<HealthKind>(k);
            QCOMPARE(healthKindFromName(healthKindName(kind)), std::optional(kind));
        }
        QCOMPARE(QByteArray(healthKindName(HealthKind::F16Overflow)), QByteArray("f16_overflow"));
        QVERIFY(!healthKindFromName("NaN"));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestHealthScan)
#include "tst_healthscan.moc"
