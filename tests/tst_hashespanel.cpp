// The Hashes section of the Overview and the save summary's hash line: values shown, claimed keys marked, the
// update action staged as one undoable edit.
#include "core/format/model.h"
#include "core/format/safetensorsfile.h"
#include "support/fixtures.h"
#include "support/pythonhashes.h"
#include "ui/pages/hashespanel.h"
#include "ui/models/metadatamodel.h"
#include "ui/metadata/savesummarydialog.h"

#include <QCryptographicHash>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QUndoStack>

using namespace safescope;
using namespace safescope::test;

namespace {

QStringList column(const QTreeWidget* table, int column)
{
    QStringList values;
    for (QTreeWidgetItemIterator it(const_cast<QTreeWidget*>(table)); *it; ++it)
        values << (*it)->text(column);
    return values;
}

} // namespace

class TestHashesPanel : public QObject
{
    Q_OBJECT

private slots:
    void showsHashesAndStagesCorrections()
    {
        const QByteArray data = patternBytes(2 * 1024 * 1024, 3);
        const std::string dataHash = QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex().toStdString();
        QTemporaryDir dir;
        const QString path = writeFile(dir, QStringLiteral("lora.safetensors"),
                                       safetensorsImage({{"ss_network_dim", "16"},
                                                         {"sshs_model_hash", dataHash},
                                                         {"modelspec.hash_sha256", "0x" + std::string(64, 'a')},
                                                         {"sshs_legacy_hash", "0badc0de"}},
                                                        data, true));
        const std::vector<PythonHashes> expected = pythonHashes({path});
        QCOMPARE(expected.size(), size_t(1));
        auto model = Model::open(path);
        QVERIFY(model.ok());
        MetadataModel metadata;
        metadata.setMetadata((*model)->shards().front().file->header().metadata);

        HashesPanel panel;
        panel.setCacheFile(dir.filePath(QStringLiteral("cache.json")));
        panel.setMetadataModel(&metadata);
        panel.resize(1100, 400);
        panel.show();
        QSignalSpy computed(&panel, &HashesPanel::computed);
        panel.setModel(*model); // small: computed without a click
        QTRY_COMPARE_WITH_TIMEOUT(computed.size(), 1, 30000);

        const QStringList values = column(panel.table(), 1);
        QVERIFY(values.contains(expected[0].sha256));
        QVERIFY(values.contains(expected[0].sha256.left(10).toUpper()));
        QVERIFY(values.contains(expected[0].dataSha256));
        QVERIFY(values.contains(expected[0].dataSha256.left(12).toUpper()));
        QVERIFY(values.contains(expected[0].legacyHash));
        const QStringList checks = column(panel.table(), 3);
        QCOMPARE(checks.filter(QStringLiteral("right")).size(), 1);       // sshs_model_hash
        QCOMPARE(checks.filter(QStringLiteral("wrong")).size(), 1);       // modelspec.hash_sha256
        QCOMPARE(checks.filter(QStringLiteral("cannot tell")).size(), 1); // sshs_legacy_hash
        QVERIFY(panel.statusLabel()->text().contains(QStringLiteral("Wrong for this file: 1 hash key")));
        if (const QString shot = qEnvironmentVariable("SAFESCOPE_HASHES_SHOT"); !shot.isEmpty())
            panel.grab().save(shot);

        QVERIFY(panel.updateButton()->isVisible());
        QVERIFY(panel.updateButton()->isEnabled());
        QTest::mouseClick(panel.updateButton(), Qt::LeftButton);
        int row = -1;
        for (int i = 0; i < metadata.headerRowCount(); ++i)
            if (metadata.key(i) == QStringLiteral("modelspec.hash_sha256"))
                row = i;
        QVERIFY(row >= 0);
        QCOMPARE(metadata.value(row), QStringLiteral("0x") + QString::fromStdString(dataHash));
        QVERIFY(metadata.isModified());
        QCOMPARE(metadata.undoStack()->count(), 1); // one macro
        metadata.undoStack()->undo();
        QCOMPARE(metadata.value(row), QStringLiteral("0x") + QString(64, QLatin1Char('a')));
        QVERIFY(!panel.updateButton()->isEnabled());

        // A second look at the same file comes from the cache.
        HashesPanel again;
        again.setCacheFile(dir.filePath(QStringLiteral("cache.json")));
        again.setModel(*model);
        QTRY_COMPARE_WITH_TIMEOUT(again.results().size(), size_t(1), 30000); // the cache is read off the GUI thread
        QVERIFY(again.results().front().fromCache);
        QCOMPARE(again.results().front().sha256, expected[0].sha256);
    }

    void bigModelWaitsForTheButton()
    {
        // Above the automatic size nothing is read until Compute: checked with a threshold-sized sparse file.
        QTemporaryDir dir;
        const uint64_t size = HashesPanel::kAutomaticBytes + 8;
        const QByteArray header = tensorJson("w", "U8", {size}, 0, size).prepend('{').append('}');
        const QString path = writeFile(dir, QStringLiteral("big.safetensors"), rawFile(header));
        QVERIFY(QFile::resize(path, qint64(8 + header.size() + size)));
        auto model = Model::open(path);
        QVERIFY(model.ok());
        HashesPanel panel;
        panel.setCacheFile(dir.filePath(QStringLiteral("cache.json")));
        panel.show();
        panel.setModel(*model);
        QVERIFY(panel.results().empty());
        QVERIFY(panel.computeButton()->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(panel.statusLabel()->text().contains(QStringLiteral("reads all")), 30000);
        QVERIFY(panel.results().empty()); // still nothing read: it waits for Compute
    }

    void saveSummarySaysWhichHashesChange()
    {
        QTemporaryDir dir;
        const QString path = writeFile(dir, QStringLiteral("m.safetensors"),
                                       safetensorsImage({{"k", "v"}}, patternBytes(3 * 1024 * 1024, 4), true));
        auto file = SafetensorsFile::open(path);
        QVERIFY(file.ok());
        const Header& header = (*file)->header();
        // A value far longer than the header's room: a rewrite, so the legacy window moves too.
        SaveSummaryDialog grow(header.metadata, {{"k", std::string(5000, 'v')}}, QStringLiteral("m.safetensors"));
        grow.showHashEffects(header, false);
        QVERIFY(grow.hashEffectsLabel()->text().contains(QStringLiteral("changes the file's SHA-256")));
        QVERIFY(grow.hashEffectsLabel()->text().contains(QStringLiteral("keeps the tensor data's SHA-256")));
        QVERIFY(grow.hashEffectsLabel()->text().contains(QStringLiteral("and the legacy hash")));
        // A shorter value fits in place: the legacy hash is kept.
        SaveSummaryDialog shrink(header.metadata, {{"k", ""}}, QStringLiteral("m.safetensors"));
        shrink.showHashEffects(header, false);
        QVERIFY(shrink.hashEffectsLabel()->text().contains(
            QStringLiteral("keeps the tensor data's SHA-256 (sshs_model_hash, modelspec.hash_sha256, Civitai AutoV3) "
                           "and the legacy hash")));
    }
};

QTEST_MAIN(TestHashesPanel)
#include "tst_hashespanel.moc"
