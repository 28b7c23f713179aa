// The viewer's side of issue 15 (defects 3 and 4): the recovery banner names temporary files with their sizes, and
// the Problems page lists shards whose metadata disagree and files left by interrupted saves.
#include "core/edit/metadatasaver.h"
#include "core/format/model.h"
#include "core/edit/recoveryrecord.h"
#include "support/editfixtures.h"
#include "ui/models/problemsmodel.h"
#include "ui/window/recoverybanner.h"

#include <QLabel>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

using namespace safescope;
using namespace safescope::test;

class TestLeftoversGui final : public QObject
{
    Q_OBJECT

private slots:
    void bannerShowsTempFilesAndSizes();
    void problemsListDisagreementsAndLeftovers();
};

void TestLeftoversGui::bannerShowsTempFilesAndSizes()
{
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 0);
    MetadataSaveOptions options;
    options.forceRewrite = true;
    options.hooks.afterStep = [](SaveStep at) { return at != SaveStep::TempSynced; };
    QVERIFY(!saveMetadata(path, {{{"format", "tf"}}}, options));
    const RecoveryInfo info = inspectRecovery(path);
    QCOMPARE(info.tempFiles.size(), qsizetype{1});
    RecoveryBanner banner;
    banner.showFor(info);
    QVERIFY2(banner.text().contains(QStringLiteral("left 1 temporary file (%1 B)").arg(info.tempFileSizes.front())),
             qPrintable(banner.text()));
    QVERIFY(banner.text().contains(QStringLiteral("the file was not changed")));
    QVERIFY(!banner.restoreButton()->isVisibleTo(&banner));
    QVERIFY(banner.discardButton()->isVisibleTo(&banner));
    QVERIFY(banner.findChild<QLabel*>()->toolTip().contains(info.tempFiles.front()) ||
            banner.findChildren<QLabel*>().last()->toolTip().contains(info.tempFiles.front()));
}

void TestLeftoversGui::problemsListDisagreementsAndLeftovers()
{
    QTemporaryDir dir;
    const QString index = writeTwoShardModel(dir, 64); // "shard" is "1" in one shard and "2" in the other
    const QString first = dir.filePath(QStringLiteral("model-00001-of-00002.safetensors"));
    MetadataSaveOptions options;
    options.forceRewrite = true;
    options.hooks.afterStep = [](SaveStep at) { return at != SaveStep::TempSynced; };
    QVERIFY(!saveMetadata(first, {{{"format", "pt"}}}, options));
    auto model = Model::open(index, OpenMode::Strict);
    QVERIFY(model);
    ProblemsModel problems;
    problems.setModelProblems(**model);
    QStringList codes;
    QString messages;
    for (int row = 0; row < problems.rowCount(); ++row) {
        codes << problems.data(problems.index(row, ProblemsModel::CodeColumn)).toString();
        messages += problems.data(problems.index(row, ProblemsModel::MessageColumn)).toString() + QLatin1Char('\n');
    }
    QCOMPARE(codes, (QStringList{QStringLiteral("ShardMetadataDiffers"), QStringLiteral("Leftover")}));
    QVERIFY2(messages.contains(QStringLiteral("metadata key 'shard' differs between the 2 shards")),
             qPrintable(messages));
    QVERIFY(messages.contains(QStringLiteral("left by an interrupted rewrite of 'model-00001-of-00002.safetensors'")));
    QVERIFY(messages.contains(QStringLiteral("--recover discard")));
}

QTEST_MAIN(TestLeftoversGui)
#include "tst_leftoversgui.moc"
