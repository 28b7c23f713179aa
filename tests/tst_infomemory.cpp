// Issue 15, defect 7: `info --json` of a 1,000,000-tensor header built a DOM of every tensor (1.7 GB, std::bad_alloc
// under a 1.5 GB limit). It streams now: run under an address-space limit (RLIMIT_AS) of 1 GiB, which the old code
// could not finish in, it must print the whole report. Skipped under ASan, whose shadow memory needs terabytes of
// address space. Peak memory figures are bench/run_info_memory.sh's business.
#include "support/fixtures.h"
#include "support/largeheader.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>

using namespace safescope::test;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

constexpr int kMillion = 1'000'000;
constexpr rlim_t kAddressSpace = rlim_t{1} << 30;

/// Runs the CLI with RLIMIT_AS = kAddressSpace, stdout to `outPath`; returns the exit code (-1: crashed).
int runLimited(const QStringList& arguments, const QString& outPath, QByteArray& err)
{
    QProcess process;
    process.setStandardOutputFile(outPath);
    process.setChildProcessModifier([] {
        const rlimit limit{kAddressSpace, kAddressSpace};
        ::setrlimit(RLIMIT_AS, &limit);
    });
    process.start(qEnvironmentVariable("SAFESCOPE_CLI"), arguments);
    if (!process.waitForFinished(300000)) {
        process.kill();
        process.waitForFinished();
        return -2;
    }
    err = process.readAllStandardError();
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

QByteArray tail(const QString& path, qint64 bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    file.seek(std::max<qint64>(0, file.size() - bytes));
    return file.readAll();
}

} // namespace

class TestInfoMemory : public QObject
{
    Q_OBJECT

private slots:
    void millionTensorJsonFitsTheLimit()
    {
        if (kSanitized)
            QSKIP("ASan reserves far more address space than any RLIMIT_AS budget");
        QTemporaryDir dir;
        const QString path = writeFile(dir, QStringLiteral("million.safetensors"),
                                       rawFile(millionTensorHeader(kMillion), patternBytes(kMillion)));
        const QString outPath = dir.filePath(QStringLiteral("info.json"));
        QByteArray err;
        QCOMPARE(runLimited({QStringLiteral("info"), path, QStringLiteral("--json")}, outPath, err), 0);
        QVERIFY2(err.isEmpty(), err.constData());

        QFile out(outPath);
        QVERIFY(out.open(QIODevice::ReadOnly));
        QVERIFY(out.size() > qint64{200} * kMillion); // every tensor is there, ~250 bytes each
        const QByteArray head = out.read(64);
        QVERIFY2(head.startsWith("{\n  \"bytes_by_dtype\": {\n    \"U8\": 1000000\n  },"), head.constData());
        const QByteArray end = tail(outPath, 600);
        QVERIFY2(end.contains("\"name\": \"l.999.w999\"") && end.contains("\"data_offsets\": [\n        999999,") &&
                     end.endsWith("    }\n  ],\n  \"warnings\": []\n}\n"),
                 end.constData());

        // The text form was always streamed; it fits the same budget.
        QCOMPARE(runLimited({QStringLiteral("info"), path}, dir.filePath(QStringLiteral("info.txt")), err), 0);
    }
};

QTEST_GUILESS_MAIN(TestInfoMemory)
#include "tst_infomemory.moc"
