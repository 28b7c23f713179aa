// Readers never see half of an in-place header write by another program or thread: the header lock (issue 15's
// concurrent `meta` runs failed in CI with "invalid JSON" because a reader parsed a header mid-write).
#include "core/edit/headeroverwrite.h"
#include "core/edit/headersnapshot.h"
#include "core/format/safetensorsfile.h"
#include "core/io/changedigest.h"
#include "core/io/fileidentity.h"
#include "core/io/headerlock.h"
#include "core/io/localpath.h"
#include "core/io/systemfile.h"
#include "support/editfixtures.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <fcntl.h>
#include <thread>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kValueLength = 600; // long enough that the middle of the header falls inside the value

std::string metadataValue(const QString& path)
{
    auto file = SafetensorsFile::open(path, OpenMode::Strict);
    if (!file)
        return "<error: " + file.error().describe().toStdString() + ">";
    for (const MetadataEntry& entry : (*file)->header().metadata) {
        if (entry.key == "v")
            return entry.value;
    }
    return "<missing>";
}

// The file's first 8 + N bytes with every 'a' of the value turned into 'b': the other version of the same size.
QByteArray otherVersion(const QByteArray& header)
{
    QByteArray other = header;
    const QByteArray from(kValueLength, 'a');
    other.replace(from, QByteArray(kValueLength, 'b'));
    return other;
}

} // namespace

class TestHeaderLock final : public QObject
{
    Q_OBJECT

private slots:
    void readerWaitsForTheWriterThenGivesUp()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 16);
        auto writer = SystemFile::open(path, platform::ReadWrite);
        QVERIFY(writer);
        auto held = HeaderLock::forWriting(writer->handle(), path);
        QVERIFY(held);
        QVERIFY(held->held());

        auto reader =
            SystemFile::open(path, platform::ReadOnly); // another open file description, as another program has
        QVERIFY(reader);
        QElapsedTimer waited;
        waited.start();
        auto refused = HeaderLock::forReading(reader->handle(), path, 100);
        QVERIFY(!refused);
        QVERIFY(waited.elapsed() >= 100);
        QCOMPARE(refused.error().kind, ErrorKind::IoError);
        QVERIFY2(refused.error().message.contains(QStringLiteral("is being written by another program")) &&
                     refused.error().message.contains(path),
                 qPrintable(refused.error().message));

        held->release();
        auto granted = HeaderLock::forReading(reader->handle(), path, 100);
        QVERIFY(granted);
        // Readers share: a second reader is not kept waiting by the first.
        auto second = SystemFile::open(path, platform::ReadOnly);
        QVERIFY(second);
        QVERIFY(HeaderLock::forReading(second->handle(), path, 0));
        // A writer is: it waits for the readers of the moment.
        QVERIFY(!HeaderLock::forWriting(writer->handle(), path, 20));
    }

    void openWaitsForAWriteInProgress()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 16);
        auto writer = SystemFile::open(path, platform::ReadWrite);
        QVERIFY(writer);
        auto held = HeaderLock::forWriting(writer->handle(), path);
        QVERIFY(held);
        std::thread releaser([&held] {
            QThread::msleep(150);
            held->release();
        });
        QElapsedTimer waited;
        waited.start();
        auto file = SafetensorsFile::open(path, OpenMode::Strict);
        const qint64 elapsed = waited.elapsed();
        releaser.join();
        QVERIFY2(file, qPrintable(file ? QString() : file.error().describe()));
        QVERIFY2(elapsed >= 100, qPrintable(QString::number(elapsed)));
    }

    void readersNeverSeeHalfAWrite()
    {
        // A writer thread flips the header between two versions of one size, in two halves with a pause between
        // them (what a header spanning pages can give a reader without the lock). Every read in the meantime sees
        // one version whole: the value all 'a' or all 'b', the identity's hash that of one of the two.
        QTemporaryDir dir;
        const QByteArray metadata = "{\"format\":\"pt\",\"v\":\"" + QByteArray(kValueLength, 'a') + "\"}";
        const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), metadata, 8);
        auto first = SystemFile::open(path, platform::ReadOnly);
        QVERIFY(first);
        auto snapshot = HeaderSnapshot::read(*first);
        QVERIFY(snapshot);
        const QByteArray versionA = snapshot->bytes();
        const QByteArray versionB = otherVersion(versionA);
        QVERIFY(versionA != versionB);
        const uint64_t hashA = changeDigest(versionA.constData(), static_cast<size_t>(versionA.size()));
        const uint64_t hashB = changeDigest(versionB.constData(), static_cast<size_t>(versionB.size()));

        std::atomic_bool stop = false;
        std::atomic_int writes = 0;
        std::atomic_bool writeFailed = false;
        std::thread writer([&] {
            SaveHooks hooks;
            hooks.afterStep = [](SaveStep) {
                QThread::usleep(300);
                return true;
            };
            auto file = SystemFile::open(path, platform::ReadWrite);
            if (!file) {
                writeFailed = true;
                return;
            }
            for (int i = 0; !stop; ++i) {
                if (!overwriteHeaderBytes(*file, i % 2 == 0 ? versionB : versionA, &hooks)) {
                    writeFailed = true;
                    return;
                }
                ++writes;
                QThread::usleep(500); // a real writer does not take the lock back at once (that would starve readers)
            }
        });
        const std::string allA(kValueLength, 'a');
        const std::string allB(kValueLength, 'b');
        int reads = 0;
        QElapsedTimer clock;
        clock.start();
        bool torn = false;
        QString seen;
        while ((reads < 300 || writes < 50) && clock.elapsed() < 20000 && !torn) {
            const std::string value = metadataValue(path);
            if (value != allA && value != allB) {
                torn = true;
                seen = QString::fromStdString(value.substr(0, 120));
            }
            auto identity = FileIdentity::read(path);
            if (!identity || (identity->headerHash != hashA && identity->headerHash != hashB)) {
                torn = true;
                seen = identity ? QStringLiteral("identity of neither version") : identity.error().describe();
            }
            auto reopened = HeaderSnapshot::reopen(path);
            if (!reopened || (reopened->bytes() != versionA && reopened->bytes() != versionB)) {
                torn = true;
                seen = reopened ? QStringLiteral("snapshot of neither version: ") +
                                      QString::fromLatin1(reopened->bytes().left(200))
                                : reopened.error().describe();
            }
            ++reads;
        }
        stop = true;
        writer.join();
        QVERIFY(!writeFailed);
        QVERIFY2(!torn, qPrintable(seen));
        QVERIFY2(reads >= 300 && writes >= 50,
                 qPrintable(QStringLiteral("%1 reads, %2 writes").arg(reads).arg(writes)));
        qInfo("%d reads of each kind during %d two-part header writes: none saw half of one", reads, writes.load());
    }
};

QTEST_GUILESS_MAIN(TestHeaderLock)
#include "tst_headerlock.moc"
