// The viewer writing local files from a remote document, against a real nginx laid out like the Hub
// (tests/support/hubserver): File > Export of an hf:// model, and the metadata page, whose Save becomes Save As.
#include "core/format/model.h"
#include "core/remote/modellocation.h"
#include "support/fixtures.h"
#include "support/hubserver.h"
#include "ui/export/exportdialog.h"
#include "ui/metadata/metadatapage.h"
#include "ui/models/document.h"
#include "ui/models/metadatamodel.h"
#include "ui/models/metadatasavejob.h"

#include <QAction>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstring>
#include <map>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 60000;

QByteArray modelBytes()
{
    const QByteArray w = patternBytes(32 * 16 * 4, 1);
    const QByteArray v = patternBytes(16, 99);
    const QByteArray header = "{\"__metadata__\":{\"format\":\"pt\"}," + tensorJson("w", "F32", {32, 16}, 0, 2048) +
                              "," + tensorJson("v", "BF16", {8}, 2048, 2064) + "}";
    return rawFile(header, w + v);
}

const QString kShard1 = QStringLiteral("model-00001-of-00002.safetensors");
const QString kShard2 = QStringLiteral("model-00002-of-00002.safetensors");
const QString kIndex = QStringLiteral("model.safetensors.index.json");

/// A two-shard model whose shards' metadata differ (the edit must keep each shard's own keys). The second shard's
/// data runs far past the speculative header range, so a save has to fetch it.
std::map<QString, QByteArray> shardedFiles(uint32_t seed)
{
    const QByteArray a = patternBytes(64 * 48 * 4, seed);
    const QByteArray b = patternBytes(256 * 256 * 4, seed + 1);
    const QByteArray first = rawFile("{\"__metadata__\":{\"format\":\"pt\",\"part\":\"one\"}," +
                                         tensorJson("a", "F32", {64, 48}, 0, 12288) + "}",
                                     a);
    const QByteArray second =
        rawFile("{\"__metadata__\":{\"format\":\"pt\"}," + tensorJson("b", "F32", {256, 256}, 0, 262144) + "}", b);
    const QByteArray index = "{\"metadata\":{\"total_size\":274432},\"weight_map\":{\"a\":\"" + kShard1.toLatin1() +
                             "\",\"b\":\"" + kShard2.toLatin1() + "\"}}";
    return {{kShard1, first}, {kShard2, second}, {kIndex, index}};
}

/// Every file under `folder`, hidden ones (temporary files) included.
QStringList filesUnder(const QString& folder)
{
    QStringList files;
    QDirIterator it(folder, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << it.next();
    return files;
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QByteArray dataRegion(const QByteArray& bytes)
{
    quint64 n = 0;
    if (bytes.size() >= 8)
        std::memcpy(&n, bytes.constData(), 8);
    return bytes.mid(static_cast<qsizetype>(8 + n));
}

} // namespace

class TestRemoteSave final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        qRegisterMetaType<MetadataSaveOutcome>();
        QVERIFY(m_dir.isValid());
        qputenv("SAFESCOPE_REMOTE_CACHE_DIR", m_dir.path().toUtf8() + "/cache");
        qputenv("HF_HOME", m_dir.path().toUtf8() + "/hfhome");
        qunsetenv("HF_TOKEN");
        QVERIFY2(m_server.start(), qPrintable(m_server.errorText()));
        qputenv("HF_ENDPOINT", m_server.endpoint().toUtf8());
        m_bytes = modelBytes();
        m_server.addFile(QStringLiteral("acme/base"), QStringLiteral("main"), QStringLiteral("model.safetensors"),
                         m_bytes);
        m_server.publish(QStringLiteral("acme/base"), QStringLiteral("main"));
        m_local = writeFile(m_dir, QStringLiteral("base.safetensors"), m_bytes);
        for (const auto& [name, bytes] : shardedFiles(7))
            m_server.addFile(QStringLiteral("acme/sharded"), QStringLiteral("main"), name, bytes);
        m_server.publish(QStringLiteral("acme/sharded"), QStringLiteral("main"));
        for (const auto& [name, bytes] : shardedFiles(40))
            m_server.addFile(QStringLiteral("acme/vanishing"), QStringLiteral("main"), name, bytes);
        m_server.publish(QStringLiteral("acme/vanishing"), QStringLiteral("main"));
    }

    void saveAsOfARemoteShardedModelWritesEveryShardAndTheIndex()
    {
        const QString url = QStringLiteral("hf://acme/sharded");
        auto remote = openModelLocation(url);
        QVERIFY2(remote.ok(), remote.ok() ? "" : qPrintable(remote.error().message));
        QCOMPARE((*remote)->shards().size(), size_t(2));
        Document document(url);
        document.setModel(*remote);
        QVERIFY(document.metadataModel()->addKey(QStringLiteral("license"), QStringLiteral("mit")).isEmpty());
        const QString out = m_dir.path() + QStringLiteral("/sharded-copy");
        QSignalSpy finished(&document, &Document::saveFinished);
        QVERIFY(document.saveShardsAs(out));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        const auto outcome = finished.first().first().value<MetadataSaveOutcome>();
        QVERIFY2(outcome.ok, qPrintable(outcome.message));
        QCOMPARE(outcome.path, QDir(out).absoluteFilePath(kIndex));

        // The folder opens as the model; every tensor's bytes are the server's; each shard has the edit and keeps
        // its own keys; the index is the server's byte for byte.
        auto saved = Model::open(QDir(out).filePath(kIndex), OpenMode::Strict);
        QVERIFY2(saved.ok(), saved.ok() ? "" : qPrintable(saved.error().message));
        QCOMPARE((*saved)->shards().size(), size_t(2));
        QVERIFY((*saved)->warnings().empty());
        const auto source = shardedFiles(7);
        QCOMPARE(readAll(QDir(out).filePath(kIndex)), source.at(kIndex));
        for (const QString& name : {kShard1, kShard2})
            QCOMPARE(dataRegion(readAll(QDir(out).filePath(name))), dataRegion(source.at(name)));
        for (const Model::Shard& shard : (*saved)->shards()) {
            const auto& metadata = shard.file->header().metadata;
            QVERIFY(std::ranges::any_of(metadata,
                                        [](const MetadataEntry& e) { return e.key == "license" && e.value == "mit"; }));
            const bool first = QFileInfo(shard.path).fileName() == kShard1;
            QCOMPARE(std::ranges::any_of(metadata, [](const MetadataEntry& e) { return e.key == "part"; }), first);
        }
        QCOMPARE(filesUnder(out).size(), 3);
    }

    void aShardFailingMidSaveLeavesNoFileInTheFolder()
    {
        const QString url = QStringLiteral("hf://acme/vanishing");
        auto remote = openModelLocation(url);
        QVERIFY2(remote.ok(), remote.ok() ? "" : qPrintable(remote.error().message));
        // The second shard disappears from the server after the open: its data answers 404 once the first shard is
        // written in full under its temporary name.
        QVERIFY(QFile::remove(m_server.repoFolder(QStringLiteral("acme/vanishing"), QStringLiteral("main")) + u'/' +
                              kShard2));
        Document document(url);
        document.setModel(*remote);
        QVERIFY(document.metadataModel()->addKey(QStringLiteral("license"), QStringLiteral("mit")).isEmpty());
        const QString out = m_dir.path() + QStringLiteral("/vanishing-copy");
        QSignalSpy finished(&document, &Document::saveFinished);
        QVERIFY(document.saveShardsAs(out));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        const auto outcome = finished.first().first().value<MetadataSaveOutcome>();
        QVERIFY(!outcome.ok);
        QVERIFY2(outcome.message.contains(kShard2), qPrintable(outcome.message));
        QVERIFY2(filesUnder(out).isEmpty(), qPrintable(filesUnder(out).join(u'\n')));
        QCOMPARE(document.path(), url);
    }

    void exportDialogWritesALocalFileFromARemoteModel()
    {
        auto remote = openModelLocation(QStringLiteral("hf://acme/base"));
        QVERIFY2(remote.ok(), remote.ok() ? "" : qPrintable(remote.error().message));
        auto local = Model::open(m_local);
        QVERIFY(local.ok());
        QStringList outputs;
        for (const auto& model : {std::shared_ptr<const Model>(*remote), std::shared_ptr<const Model>(*local)}) {
            const QString out = m_dir.path() + QStringLiteral("/dialog-%1.safetensors").arg(outputs.size());
            ExportDialog dialog(model, QString());
            dialog.setTargetDtype(QStringLiteral("BF16"));
            dialog.setRenameRules(QStringLiteral("s/^w$/weight/"));
            dialog.setOutputPath(out);
            QSignalSpy finished(&dialog, &ExportDialog::exportFinished);
            QVERIFY(dialog.startExport());
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
            QVERIFY2(finished.first().first().toBool(), qPrintable(finished.first().at(1).toString()));
            outputs << out;
        }
        const QByteArray fromRemote = readAll(outputs[0]);
        QVERIFY(fromRemote.contains("\"weight\""));
        QCOMPARE(fromRemote, readAll(outputs[1]));
    }

    void metadataPageSavesARemoteDocumentAsALocalFile()
    {
        const QString url = QStringLiteral("hf://acme/base");
        auto remote = openModelLocation(url);
        QVERIFY(remote.ok());
        Document document(url);
        document.setModel(*remote);
        MetadataPage page(&document);
        auto* save = page.findChild<QAction*>(QStringLiteral("metadataSave"));
        QVERIFY(save);
        QVERIFY2(save->text().contains(QStringLiteral("Save As")), qPrintable(save->text()));
        QVERIFY(document.metadataModel()->addKey(QStringLiteral("license"), QStringLiteral("mit")).isEmpty());
        QVERIFY(save->isEnabled());
        QSignalSpy saveAs(&page, &MetadataPage::saveAsRequested);
        QSignalSpy saveInPlace(&page, &MetadataPage::saveRequested);
        save->trigger();
        QCOMPARE(saveAs.count(), 1);
        QCOMPARE(saveInPlace.count(), 0);

        // What the window's Save As then runs: the edit into a local file, the data streamed from the server.
        const QString out = m_dir.path() + QStringLiteral("/edited.safetensors");
        QSignalSpy finished(&document, &Document::saveFinished);
        QVERIFY(document.saveAs(out));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        const auto outcome = finished.first().first().value<MetadataSaveOutcome>();
        QVERIFY2(outcome.ok, qPrintable(outcome.message));
        QCOMPARE(document.path(), QFileInfo(out).absoluteFilePath());
        auto saved = Model::open(out, OpenMode::Strict);
        QVERIFY(saved.ok());
        const auto& metadata = (*saved)->metadata();
        QVERIFY(std::ranges::any_of(metadata,
                                    [](const MetadataEntry& e) { return e.key == "license" && e.value == "mit"; }));
        QVERIFY(std::ranges::any_of(metadata, [](const MetadataEntry& e) { return e.key == "format"; }));
        QCOMPARE(dataRegion(readAll(out)), dataRegion(m_bytes));
        const QString served = m_server.repoFolder(QStringLiteral("acme/base"), QStringLiteral("main")) +
                               QStringLiteral("/model.safetensors");
        QCOMPARE(readAll(served), m_bytes);

        // A save over the remote file itself is refused, naming Save As.
        MetadataSaveRequest request;
        request.model = *remote;
        request.after = {{"format", "pt"}, {"k", "v"}};
        const std::atomic_bool cancel{false};
        const MetadataSaveOutcome refused = MetadataSaveJob::run(request, cancel, {});
        QVERIFY(!refused.ok);
        QVERIFY2(refused.message.contains(QStringLiteral("Save As")), qPrintable(refused.message));
    }

private:
    QTemporaryDir m_dir;
    HubServer m_server;
    QByteArray m_bytes;
    QString m_local;
};

QTEST_MAIN(TestRemoteSave)
#include "tst_remotesave.moc"
