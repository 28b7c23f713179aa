// Statistics and the heatmap never show numbers of a file that changed on disk since the model was read (issue 15,
// defect 9, GUI part).
#include "core/format/model.h"
#include "support/editfixtures.h"
#include "ui/heatmap/heatmappanel.h"
#include "ui/heatmap/heatmapplot.h"
#include "ui/values/statsrunner.h"

#include <QDateTime>
#include <QFile>
#include <QLabel>
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

// Same size, same inode, new bytes in the data region (as `dd conv=notrunc` does), and a distinct mtime.
bool overwriteInPlace(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite) || !file.seek(file.size() - 4) || file.write("\x01\x02\x03\x04", 4) != 4)
        return false;
    file.close();
    return file.open(QIODevice::ReadWrite) &&
           file.setFileTime(QDateTime::currentDateTimeUtc().addSecs(60), QFileDevice::FileModificationTime);
}

bool showsText(const QWidget& widget, const QString& text)
{
    const QList<QLabel*> labels = widget.findChildren<QLabel*>();
    for (const QLabel* label : labels) {
        if (label->text().contains(text))
            return true;
    }
    return false;
}

} // namespace

class TestChangedFilePages final : public QObject
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
        QVERIFY(overwriteInPlace(path));
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

    void heatmapOfAChangedFileDrawsNothing_data()
    {
        QTest::addColumn<bool>("change");
        QTest::newRow("unchanged") << false;
        QTest::newRow("changed") << true;
    }

    void heatmapOfAChangedFileDrawsNothing()
    {
        QFETCH(bool, change);
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("h.safetensors"), R"({"format":"pt"})", 0);
        const auto model = open(path);
        QVERIFY(model);
        const auto grid = model->find("a.weight"); // F32 [4, 4]
        QVERIFY(grid);
        HeatmapPanel panel;
        panel.resize(600, 400);
        panel.setModel(model);
        if (change)
            QVERIFY(overwriteInPlace(path));
        panel.show();
        panel.showTensor(*grid);
        if (!change) {
            QTRY_VERIFY_WITH_TIMEOUT(panel.plot()->hasOverview(), kTimeoutMs);
            QVERIFY(!showsText(panel, QStringLiteral("changed on disk")));
            return;
        }
        QTRY_VERIFY_WITH_TIMEOUT(showsText(panel, QStringLiteral("changed on disk")), kTimeoutMs);
        QVERIFY(!panel.plot()->hasOverview());
    }
};

QTEST_MAIN(TestChangedFilePages)
#include "tst_changedfilepages.moc"
