// A file truncated by another program while SafeScope reads its mapped tensor bytes must end the read with
// ErrorKind::FileChanged, not kill the process with SIGBUS (issue: hardening). Each test maps a real file, truncates
// it underneath the mapping at a deterministic moment, and checks the error and that the process carries on.
#include "core/values/downsample.h"
#include "core/export/exporter.h"
#include "core/export/exportplan.h"
#include "core/io/localpath.h"
#include "core/format/model.h"
#include "core/diff/modeldiff.h"
#include "core/values/tensorslice.h"
#include "core/values/tensorstats.h"
#include "core/values/tensorview.h"
#include "support/fixtures.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <atomic>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr uint64_t kRows = 4096;
constexpr uint64_t kCols = 2048; // 8M elements: many chunks, so work remains after the first progress report

/// One 2-D tensor of `dtype` (element size `bytes`) filled with pseudo-random bytes.
QString writeTensorFile(const QTemporaryDir& dir, const QByteArray& dtype, uint64_t bytes)
{
    const uint64_t size = kRows * kCols * bytes;
    QByteArray header = "{" + tensorJson("w", dtype, {kRows, kCols}, 0, size) + "}";
    return writeFile(dir, QStringLiteral("model-%1.safetensors").arg(QString::fromLatin1(dtype)),
                     rawFile(header, patternBytes(size)));
}

/// Keeps only the first 4 KiB of the data region: the mapping now reaches past the end of the file.
void truncateData(const QString& path)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QFile header(path);
    QVERIFY(header.open(QIODevice::ReadOnly));
    const QByteArray length = header.read(8);
    const auto n = qFromLittleEndian<quint64>(length.constData());
    QVERIFY(file.resize(static_cast<qint64>(8 + n + 4096)));
}

/// Overwrites the last 4 KiB in place (same size, as `dd conv=notrunc` would) and moves the mtime 10 s on, so a file
/// system with coarse timestamps still shows the change: the mapping now mixes two versions of the file.
void overwriteInPlace(const QString& path)
{
    const int fd = ::open(encodeLocalPath(path).constData(), O_WRONLY | O_CLOEXEC);
    QVERIFY(fd >= 0);
    struct stat before = {};
    QCOMPARE(::fstat(fd, &before), 0);
    const QByteArray bytes = patternBytes(4096, 77);
    QCOMPARE(::pwrite(fd, bytes.constData(), static_cast<size_t>(bytes.size()), before.st_size - bytes.size()),
             static_cast<ssize_t>(bytes.size()));
    timespec times[2] = {before.st_atim, before.st_mtim};
    times[1].tv_sec += 10;
    QCOMPARE(::futimens(fd, times), 0);
    QCOMPARE(::close(fd), 0);
}

std::shared_ptr<const Model> openModel(const QString& path)
{
    auto model = Model::open(path);
    if (!model)
        return nullptr;
    return *model;
}

} // namespace

class TestFileChanged final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void statisticsEndWithFileChanged_data()
    {
        QTest::addColumn<QByteArray>("dtype");
        QTest::addColumn<int>("bytes");
        QTest::addColumn<bool>("forceGeneric");
        QTest::newRow("F32 two-pass") << QByteArray("F32") << 4 << false;
        QTest::newRow("BF16 bit patterns") << QByteArray("BF16") << 2 << false;
        QTest::newRow("BF16 generic") << QByteArray("BF16") << 2 << true;
    }

    void statisticsEndWithFileChanged()
    {
        QFETCH(QByteArray, dtype);
        QFETCH(int, bytes);
        QFETCH(bool, forceGeneric);
        const QString path = writeTensorFile(m_dir, dtype, static_cast<uint64_t>(bytes));
        const auto model = openModel(path);
        QVERIFY(model);

        StatsOptions options;
        options.forceGeneric = forceGeneric;
        std::atomic_bool cancel{false};
        std::atomic_bool truncated{false};
        // The first progress report comes after the first chunk: the file shrinks while the rest is being read.
        const auto result = computeStats(viewOf(*model, 0), options, cancel, [&](double) {
            if (!truncated.exchange(true))
                truncateData(path);
        });
        QVERIFY(truncated);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, ErrorKind::FileChanged);
        QVERIFY(result.error().message.contains(QStringLiteral("changed on disk")));
    }

    void sliceAndDownsampleEndWithFileChanged()
    {
        const QString path = writeTensorFile(m_dir, "F32", 4);
        const auto model = openModel(path);
        QVERIFY(model);
        const TensorView view = viewOf(*model, 0);
        const SliceSpec spec = defaultSliceSpec(view.shape);
        std::vector<double> cells(4 * 4);
        QVERIFY(extractWindow(view, spec, 0, 4, 0, 4, cells.data()).ok()); // before: fine
        truncateData(path);

        // Even bytes still present fail: the file is no longer the version that was opened (issue 15, defect 9).
        const Status early = extractWindow(view, spec, 0, 1, 0, 4, cells.data());
        QVERIFY(!early.ok());
        QCOMPARE(early.error().kind, ErrorKind::FileChanged);
        const Status late = extractWindow(view, spec, kRows - 4, 4, 0, 4, cells.data());
        QVERIFY(!late.ok());
        QCOMPARE(late.error().kind, ErrorKind::FileChanged);

        std::vector<uint64_t> bits(4 * 4);
        const Status raw = rawBitsWindow(view, spec, kRows - 4, 4, 0, 4, bits.data());
        QCOMPARE(raw.error().kind, ErrorKind::FileChanged);

        const std::atomic_bool cancel{false};
        const auto small = downsample(view, spec, {0, kRows}, {0, kCols}, 64, 64, Reduction::MaxAbs, cancel);
        QVERIFY(!small.ok());
        QCOMPARE(small.error().kind, ErrorKind::FileChanged);
    }

    void diffEndsWithFileChanged()
    {
        const QString a = writeTensorFile(m_dir, "F32", 4);
        const QString b = m_dir.filePath(QStringLiteral("copy.safetensors"));
        QVERIFY(QFile::copy(a, b));
        {
            // Same shape, other bytes: the diff decodes both (not only a byte comparison).
            QFile file(b);
            QVERIFY(file.open(QIODevice::ReadWrite));
            QVERIFY(file.seek(file.size() - 4));
            QVERIFY(file.write("\x01\x02\x03\x04", 4) == 4);
        }
        const auto modelA = openModel(a);
        const auto modelB = openModel(b);
        QVERIFY(modelA && modelB);
        truncateData(b);
        const std::atomic_bool cancel{false};
        const auto diff = diffModels(*modelA, *modelB, DiffOptions{}, cancel);
        QVERIFY(!diff.ok());
        QCOMPARE(diff.error().kind, ErrorKind::FileChanged);
    }

    void exportEndsWithFileChanged_data()
    {
        QTest::addColumn<bool>("convert");
        QTest::addColumn<bool>("truncateFirst");
        // Copy: copy_file_range stops at the new end, the fallback read reports it with the offset.
        QTest::newRow("copy, truncated before") << false << true;
        // Conversion decodes the mapping block by block: the next block after the first report raises SIGBUS.
        QTest::newRow("convert, truncated during") << true << false;
    }

    void exportEndsWithFileChanged()
    {
        QFETCH(bool, convert);
        QFETCH(bool, truncateFirst);
        const QString path = writeTensorFile(m_dir, "F32", 4);
        const auto model = openModel(path);
        QVERIFY(model);
        ExportOptions options;
        options.outputPath = m_dir.filePath(QStringLiteral("exported.safetensors"));
        if (convert)
            options.targetDtype = DType::BF16;
        const auto plan = planExport(*model, options);
        QVERIFY(plan.ok());
        if (truncateFirst)
            truncateData(path);
        std::atomic_bool cancel{false};
        std::atomic_bool truncated{truncateFirst};
        const auto result = runExport(*model, *plan, options, cancel, [&](double) {
            if (!truncated.exchange(true))
                truncateData(path);
        });
        QVERIFY(truncated);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, ErrorKind::FileChanged);
        QVERIFY2(result.error().describe().contains(QFileInfo(path).fileName()), qPrintable(result.error().describe()));
        if (convert)
            QVERIFY2(result.error().message.contains(QStringLiteral("tensor 'w'")), qPrintable(result.error().message));
        QVERIFY(!QFile::exists(options.outputPath)); // nothing under the final name
        QCOMPARE(QDir(m_dir.path()).entryList({QStringLiteral("*exported*")}, QDir::Files | QDir::Hidden).size(),
                 0); // no temp
    }

    void inPlaceChangeBeforeTheRead_data()
    {
        QTest::addColumn<QString>("operation");
        for (const char* name : {"stats", "stats preview", "slice", "downsample", "diff", "preview", "export"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    // Issue 15, defect 9: the same size, other bytes, a later mtime, between open and read. Before, every one of
    // these returned numbers of neither version with success.
    void inPlaceChangeBeforeTheRead()
    {
        QFETCH(QString, operation);
        QTemporaryDir dir;
        const QString path = writeTensorFile(dir, "F32", 4);
        const QString other = dir.filePath(QStringLiteral("other.safetensors"));
        QVERIFY(QFile::copy(path, other));
        const auto model = openModel(path);
        const auto otherModel = openModel(other);
        QVERIFY(model && otherModel);
        ExportOptions options;
        options.outputPath = dir.filePath(QStringLiteral("exported.safetensors"));
        options.targetDtype = DType::BF16;
        const auto plan = planExport(*model, options);
        QVERIFY(plan.ok());
        overwriteInPlace(path);

        const std::atomic_bool cancel{false};
        const TensorView view = viewOf(*model, 0);
        const SliceSpec spec = defaultSliceSpec(view.shape);
        std::vector<double> cells(16);
        Error error;
        if (operation == QLatin1String("stats")) {
            error = computeStats(view, StatsOptions{}, cancel).error();
        } else if (operation == QLatin1String("stats preview")) {
            error = computeStatsPreview(view, StatsOptions{}, cancel).error();
        } else if (operation == QLatin1String("slice")) {
            error = extractWindow(view, spec, 0, 4, 0, 4, cells.data()).error();
        } else if (operation == QLatin1String("downsample")) {
            error = downsample(view, spec, {0, kRows}, {0, kCols}, 64, 64, Reduction::Mean, cancel).error();
        } else if (operation == QLatin1String("diff")) {
            error = diffModels(*otherModel, *model, DiffOptions{}, cancel).error();
        } else if (operation == QLatin1String("preview")) {
            error = previewConversion(*model, *plan, cancel).error();
        } else {
            const auto result = runExport(*model, *plan, options, cancel);
            QVERIFY(!result.ok());
            error = result.error();
            QVERIFY(!QFile::exists(options.outputPath)); // nothing committed from mixed bytes
        }
        QCOMPARE(error.kind, ErrorKind::FileChanged);
        QVERIFY2(error.message.contains(path), qPrintable(error.describe()));
        QVERIFY2(error.message.contains(QStringLiteral("changed on disk while it was being read")),
                 qPrintable(error.message));
        QVERIFY(error.message.contains(QStringLiteral("the results were discarded")));
    }

    void inPlaceChangeDuringTheRead_data()
    {
        QTest::addColumn<QString>("operation");
        for (const char* name : {"stats", "diff", "export"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    // The change lands from the progress callback, i.e. while the bytes are being read.
    void inPlaceChangeDuringTheRead()
    {
        QFETCH(QString, operation);
        QTemporaryDir dir;
        const QString path = writeTensorFile(dir, "F32", 4);
        const QString other = dir.filePath(QStringLiteral("other.safetensors"));
        QVERIFY(QFile::copy(path, other));
        const auto model = openModel(path);
        const auto otherModel = openModel(other);
        QVERIFY(model && otherModel);
        std::atomic_bool changed{false};
        const auto change = [&](double) {
            if (!changed.exchange(true))
                overwriteInPlace(path);
        };
        const std::atomic_bool cancel{false};
        Error error;
        if (operation == QLatin1String("stats")) {
            error = computeStats(viewOf(*model, 0), StatsOptions{}, cancel, change).error();
        } else if (operation == QLatin1String("diff")) {
            error = diffModels(*model, *otherModel, DiffOptions{}, cancel, change).error();
        } else {
            ExportOptions options;
            options.outputPath = dir.filePath(QStringLiteral("exported.safetensors"));
            options.targetDtype = DType::BF16;
            const auto plan = planExport(*model, options);
            QVERIFY(plan.ok());
            const auto result = runExport(*model, *plan, options, cancel, change);
            QVERIFY(!result.ok());
            error = result.error();
            QVERIFY(!QFile::exists(options.outputPath));
        }
        QVERIFY(changed);
        QCOMPARE(error.kind, ErrorKind::FileChanged);
        QVERIFY2(error.message.contains(QStringLiteral("changed on disk")), qPrintable(error.message));
    }

    void unchangedFileReadsNormally()
    {
        // The check must not fire on its own: reading twice, with the file untouched, succeeds twice.
        const QString path = writeTensorFile(m_dir, "F16", 2);
        const auto model = openModel(path);
        QVERIFY(model);
        const std::atomic_bool cancel{false};
        QVERIFY(computeStats(viewOf(*model, 0), StatsOptions{}, cancel).ok());
        QVERIFY(computeStats(viewOf(*model, 0), StatsOptions{}, cancel).ok());
        QVERIFY((*model).verifyUnchanged().ok());
    }

    void laterWorkOnAnotherFileStillSucceeds()
    {
        // The guard must leave no state behind: the next read of an intact file works normally.
        const QString path = writeTensorFile(m_dir, "BF16", 2);
        const auto model = openModel(path);
        QVERIFY(model);
        const std::atomic_bool cancel{false};
        const auto result = computeStats(viewOf(*model, 0), StatsOptions{}, cancel);
        QVERIFY(result.ok());
        QCOMPARE(result->count, kRows * kCols);
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestFileChanged)
#include "tst_filechanged.moc"
