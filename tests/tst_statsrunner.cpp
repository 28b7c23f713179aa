// StatsRunner never shows numbers of a file that changed on disk since the model was read (issue 15, defect 9).
#include "core/model.h"
#include "support/editfixtures.h"
#include "ui/statsrunner.h"

#include <QDateTime>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 20000;

std::shared_ptr<const Model> open(const QString& path)
{
    auto model = Model::open(path, OpenMode::Strict);
    return model ? *model : nullptr;
}

} // namespace

class TestStatsRunner final : public QObject
{
    Q_OBJECT

private slots:
    void unchangedFileGivesStatistics()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("s.safetensors"), R"({"format":"pt"})", 0);
        StatsRunner runner;
        runner.setModel(open(path));
        QSignalSpy ready(&runner, &StatsRunner::statsReady);
        QSignalSpy failed(&runner, &StatsRunner::failed);
        runner.request(0);
        QTRY_VERIFY_WITH_TIMEOUT(ready.count() + failed.count() > 0, kTimeoutMs);
        QCOMPARE(failed.count(), 0);
        QCOMPARE(ready.count(), 1);
    }

    void changedFileGivesNoNumbers()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("s.safetensors"), R"({"format":"pt"})", 0);
        StatsRunner runner;
        runner.setModel(open(path));
        // Same size, same inode, new bytes in the data region (as `dd conv=notrunc` does), and a distinct mtime.
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadWrite));
            QVERIFY(file.seek(file.size() - 4));
            QCOMPARE(file.write("\x01\x02\x03\x04", 4), qint64(4));
            file.close();
            QVERIFY(file.open(QIODevice::ReadWrite));
            QVERIFY(file.setFileTime(QDateTime::currentDateTimeUtc().addSecs(60), QFileDevice::FileModificationTime));
        }
        QSignalSpy ready(&runner, &StatsRunner::statsReady);
        QSignalSpy previews(&runner, &StatsRunner::previewReady);
        QSignalSpy failed(&runner, &StatsRunner::failed);
        runner.request(0);
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeoutMs);
        QCOMPARE(ready.count(), 0);
        QCOMPARE(previews.count(), 0);
        const QString message = failed.first().at(1).toString();
        QVERIFY2(message.contains(QStringLiteral("changed on disk")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("s.safetensors")), qPrintable(message));
        QVERIFY(!runner.cached(0));
    }
};

QTEST_GUILESS_MAIN(TestStatsRunner)
#include "tst_statsrunner.moc"
