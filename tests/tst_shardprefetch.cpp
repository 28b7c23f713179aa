// ShardPrefetch: the shards an index names are opened on a worker thread while the index is parsed; the builder
// takes each once, waiting for one being opened and opening itself what the worker has not reached. Unsafe names
// are never opened, and nothing hangs when the builder gives up early.
#include "core/format/model.h"
#include "core/format/shardprefetch.h"
#include "support/fixtures.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace safescope;
using namespace safescope::test;

namespace {

QString shardName(int i)
{
    return QStringLiteral("model-%1-of-00040.safetensors").arg(i, 5, 10, QLatin1Char('0'));
}

// A one-tensor shard whose tensor is named after the shard, so a mix-up shows.
void writeShard(const QDir& dir, const QString& name)
{
    const QByteArray tensor = "t." + name.toUtf8();
    QFile file(dir.filePath(name));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(rawFile('{' + tensorJson(tensor, "F32", {1}, 0, 4) + '}', QByteArray(4, 0)));
}

std::string onlyTensor(const Result<std::shared_ptr<const SafetensorsFile>>& file)
{
    return file && (*file)->header().tensors.size() == 1 ? std::string((*file)->header().tensors[0].name) : "?";
}

} // namespace

class TestShardPrefetch final : public QObject
{
    Q_OBJECT

private slots:
    void offeredShardsAreOpenedByTheWorker();
    void takeOpensWhatWasNotOffered();
    void openingBesideTheWorkerLosesNothing();
    void unsafeNamesAreNeverOpened();
    void droppedWhileOpeningDoesNotHang();
    void brokenIndexAfterShardsIsStillRefused();
};

void TestShardPrefetch::offeredShardsAreOpenedByTheWorker()
{
    QTemporaryDir tmp;
    const QDir dir(tmp.path());
    for (int i = 1; i <= 40; ++i)
        writeShard(dir, shardName(i));
    ShardPrefetch prefetch(dir, OpenMode::Strict);
    for (int i = 1; i <= 40; ++i)
        prefetch.offer(shardName(i).toStdString());
    prefetch.offer(shardName(7).toStdString()); // offered again: one slot
    QTRY_COMPARE_WITH_TIMEOUT(prefetch.openedByWorker(), size_t{40}, 20000);
    // Opened before they vanished: the worker's files are what take() returns, nothing is opened again.
    for (int i = 1; i <= 40; ++i)
        QVERIFY(QFile::remove(dir.filePath(shardName(i))));
    for (int i = 40; i >= 1; --i) {
        const auto file = prefetch.take(prefetch.pathOf(shardName(i).toStdString()));
        QCOMPARE(onlyTensor(file), "t." + shardName(i).toStdString());
    }
    QCOMPARE(prefetch.openedByWorker(), size_t{40});
}

void TestShardPrefetch::takeOpensWhatWasNotOffered()
{
    QTemporaryDir tmp;
    const QDir dir(tmp.path());
    writeShard(dir, shardName(1));
    ShardPrefetch prefetch(dir, OpenMode::Strict);
    const QString path = prefetch.pathOf(shardName(1).toStdString());
    QCOMPARE(onlyTensor(prefetch.take(path)), "t." + shardName(1).toStdString());
    QCOMPARE(onlyTensor(prefetch.take(path)), "t." + shardName(1).toStdString()); // taken twice: opened again
    const auto missing = prefetch.take(prefetch.pathOf("absent.safetensors"));
    QVERIFY(!missing);
    QCOMPARE(prefetch.openedByWorker(), size_t{0});
}

// The builder's threads open shards beside the worker, skipping the one it is opening and taking those last: every
// shard arrives exactly once, with its own contents, however the two interleave (several rounds for several
// interleavings; the worker is racing the loop from the first offer).
void TestShardPrefetch::openingBesideTheWorkerLosesNothing()
{
    QTemporaryDir tmp;
    const QDir dir(tmp.path());
    for (int i = 1; i <= 40; ++i)
        writeShard(dir, shardName(i));
    for (int round = 0; round < 10; ++round) {
        ShardPrefetch prefetch(dir, OpenMode::Strict);
        for (int i = 1; i <= 40; ++i)
            prefetch.offer(shardName(i).toStdString());
        std::vector<int> skipped;
        for (int i = 1; i <= 40; ++i) {
            const QString path = prefetch.pathOf(shardName(i).toStdString());
            if (auto file = prefetch.takeUnlessOpening(path))
                QCOMPARE(onlyTensor(*file), "t." + shardName(i).toStdString());
            else
                skipped.push_back(i);
        }
        for (const int i : skipped)
            QCOMPARE(onlyTensor(prefetch.take(prefetch.pathOf(shardName(i).toStdString()))),
                     "t." + shardName(i).toStdString());
    }
}

void TestShardPrefetch::unsafeNamesAreNeverOpened()
{
    QTemporaryDir tmp;
    const QDir root(tmp.path());
    QVERIFY(root.mkpath(QStringLiteral("model/sub")));
    writeShard(root, QStringLiteral("outside.safetensors"));
    const QDir dir(root.filePath(QStringLiteral("model")));
    writeShard(QDir(dir.filePath(QStringLiteral("sub"))), QStringLiteral("inner.safetensors"));
    writeShard(dir, shardName(1));
    ShardPrefetch prefetch(dir, OpenMode::Strict);
    // Queued before the safe one, so they would be opened first if they were queued at all.
    prefetch.offer("../outside.safetensors");
    prefetch.offer("sub/inner.safetensors");
    prefetch.offer("");
    prefetch.offer(shardName(1).toStdString());
    QTRY_COMPARE_WITH_TIMEOUT(prefetch.openedByWorker(), size_t{1}, 20000);
    QTest::qWait(50);
    QCOMPARE(prefetch.openedByWorker(), size_t{1});
}

void TestShardPrefetch::droppedWhileOpeningDoesNotHang()
{
    QTemporaryDir tmp;
    const QDir dir(tmp.path());
    for (int i = 1; i <= 40; ++i)
        writeShard(dir, shardName(i));
    for (int round = 0; round < 20; ++round) {
        ShardPrefetch prefetch(dir, OpenMode::Strict);
        for (int i = 1; i <= 40; ++i)
            prefetch.offer(shardName(i).toStdString());
        if (round % 2)
            (void)prefetch.take(prefetch.pathOf(shardName(40).toStdString()));
    } // each destroyed with opens queued or running
}

void TestShardPrefetch::brokenIndexAfterShardsIsStillRefused()
{
    QTemporaryDir tmp;
    const QDir dir(tmp.path());
    QByteArray weightMap;
    for (int i = 1; i <= 40; ++i) {
        writeShard(dir, shardName(i));
        weightMap += (i > 1 ? "," : "") + ("\"t." + shardName(i).toUtf8() + "\":\"" + shardName(i).toUtf8() + '"');
    }
    const QString index = dir.filePath(QStringLiteral("model.safetensors.index.json"));
    QFile file(index);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"weight_map\":{" + weightMap + ",\"x\":}}"); // every shard named, then invalid JSON
    file.close();
    const auto model = Model::open(index);
    QVERIFY(!model);
    QCOMPARE(model.error().kind, ErrorKind::InvalidIndex);

    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("{\"weight_map\":{" + weightMap + ",\"y\":\"../outside.safetensors\"}}");
    file.close();
    const auto unsafe = Model::open(index);
    QVERIFY(!unsafe);
    QVERIFY2(unsafe.error().message.contains(QStringLiteral("it contains '..'")), qPrintable(unsafe.error().message));
}

QTEST_GUILESS_MAIN(TestShardPrefetch)
#include "tst_shardprefetch.moc"
