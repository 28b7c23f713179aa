// Checkpoints of any size (issue: hardening): a sparse 100 GiB file opens without touching its data and can be
// sliced and measured with bounded memory; a header of about a million tensors near the 100,000,000-byte limit
// opens with memory a small multiple of the header.
#include "core/format/model.h"
#include "core/values/tensorslice.h"
#include "core/values/tensorstats.h"
#include "core/values/tensorview.h"
#include "support/fixtures.h"
#include "support/largeheader.h"
#include "support/processstatus.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <string>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr uint64_t kGiB = uint64_t(1) << 30;
constexpr int kMillion = 1'000'000;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true; // shadow memory and redzones make memory figures meaningless
#else
constexpr bool kSanitized = false;
#endif

/// Writes the 8-byte length and `header`, then extends the file to hold `dataBytes` without writing them (a hole).
QString writeSparse(const QTemporaryDir& dir, const QString& name, const QByteArray& header, uint64_t dataBytes)
{
    const QString path = writeFile(dir, name, rawFile(header));
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite) || !file.resize(file.size() + static_cast<qint64>(dataBytes)))
        return {};
    return path;
}

} // namespace

class TestLargeFiles final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void sparseHundredGiBOpensSlicesAndMeasures()
    {
        // 99 GiB embedding-like BF16 matrix, then a 1 GiB F32 tensor: 100 GiB of data, all of it a hole.
        const uint64_t rows = 99 * kGiB / (2 * 16384);
        const uint64_t first = rows * 16384 * 2;
        const uint64_t second = kGiB;
        const QByteArray header = "{" + tensorJson("embed", "BF16", {rows, 16384}, 0, first) + "," +
                                  tensorJson("tail", "F32", {second / 4}, first, first + second) + "}";
        const QString path = writeSparse(m_dir, QStringLiteral("sparse.safetensors"), header, first + second);
        QVERIFY(!path.isEmpty());

        QElapsedTimer timer;
        timer.start();
        const auto model = Model::open(path, OpenMode::Strict);
        QVERIFY2(model.ok(), model ? "" : qPrintable(model.error().message));
        qInfo("opened 100 GiB sparse file in %.2f ms", static_cast<double>(timer.nsecsElapsed()) / 1e6);
        QCOMPARE((*model)->totalTensorBytes(), first + second);

        // A window from the middle of the 99 GiB tensor decodes (holes read as zeros).
        const TensorView embed = viewOf(**model, 0);
        const SliceSpec spec = defaultSliceSpec(embed.shape);
        std::vector<double> cells(8 * 8, 1.0);
        QVERIFY(extractWindow(embed, spec, rows / 2, 8, 16384 - 8, 8, cells.data()).ok());
        for (const double cell : cells)
            QCOMPARE(cell, 0.0);

        // Statistics over 1 GiB read through the mapping: no copy of the tensor in process memory.
        const uint64_t anonBefore = procStatusKiB("RssAnon");
        const std::atomic_bool cancel{false};
        const auto stats = computeStats(viewOf(**model, 1), StatsOptions{}, cancel);
        QVERIFY(stats.ok());
        QCOMPARE(stats->count, second / 4);
        QCOMPARE(stats->zeros, second / 4);
        const uint64_t grewKiB = procStatusKiB("RssAnon") - std::min(procStatusKiB("RssAnon"), anonBefore);
        qInfo("statistics of 1 GiB grew anonymous memory by %.1f MiB", static_cast<double>(grewKiB) / 1024.0);
        if (!kSanitized)
            QVERIFY2(grewKiB < 64 * 1024, qPrintable(QString::number(grewKiB)));
    }

    void millionTensorHeaderOpens()
    {
        QByteArray header = millionTensorHeader(kMillion);
        QVERIFY(static_cast<uint64_t>(header.size()) < kMaxHeaderLength);
        const QString path =
            writeFile(m_dir, QStringLiteral("million.safetensors"), rawFile(header, patternBytes(kMillion)));
        const uint64_t headerMiB = static_cast<uint64_t>(header.size()) >> 20;
        header.clear();
        header.squeeze();

        // Peak memory from here on: writing 5 to clear_refs resets VmHWM (the header text built above is gone).
        if (QFile refs(QStringLiteral("/proc/self/clear_refs")); refs.open(QIODevice::WriteOnly))
            refs.write("5");
        const uint64_t before = procStatusKiB("VmRSS");
        QElapsedTimer timer;
        timer.start();
        const auto model = Model::open(path, OpenMode::Strict);
        QVERIFY2(model.ok(), model ? "" : qPrintable(model.error().message));
        const double ms = static_cast<double>(timer.nsecsElapsed()) / 1e6;
        const uint64_t grewMiB = (procStatusKiB("VmHWM") - std::min(procStatusKiB("VmHWM"), before)) >> 10;
        qInfo("1M tensors (%llu MiB header): opened in %.0f ms, peak memory +%llu MiB",
              static_cast<unsigned long long>(headerMiB), ms, static_cast<unsigned long long>(grewMiB));
        QCOMPARE((*model)->tensorCount(), size_t(kMillion));
        QVERIFY((*model)->find("l.999.w999").has_value());
        if (!kSanitized)
            QVERIFY2(grewMiB < 8 * headerMiB, qPrintable(QString::number(grewMiB))); // measured 5.6x
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestLargeFiles)
#include "tst_largefiles.moc"
