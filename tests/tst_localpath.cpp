// Paths that are not UTF-8 (issue: hardening): decodeLocalPath/encodeLocalPath round-trip any bytes, and a model
// whose file name is Latin-1 opens, maps and reports errors under its own name.
#include "core/io/localpath.h"
#include "core/format/model.h"
#include "support/fixtures.h"

#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <unistd.h>

using namespace safescope;
using namespace safescope::test;

namespace {

/// Writes `bytes` under the raw file name `name` (any bytes but '/' and NUL) inside `dir`.
bool writeRaw(const QTemporaryDir& dir, const QByteArray& name, const QByteArray& bytes)
{
    const QByteArray path = encodeLocalPath(dir.path()) + '/' + name;
    const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    const bool written = ::write(fd, bytes.constData(), static_cast<size_t>(bytes.size())) == bytes.size();
    return ::close(fd) == 0 && written;
}

} // namespace

class TestLocalPath final : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("decoded");
        QTest::newRow("ascii with spaces")
            << QByteArray("/tmp/my model.safetensors") << QStringLiteral("/tmp/my model.safetensors");
        QTest::newRow("utf-8") << QByteArray("/m/caf\xc3\xa9") << QStringLiteral("/m/caf\u00e9");
        QTest::newRow("latin-1") << QByteArray("/m/caf\xe9.st") << QStringView(u"/m/caf\xdce9.st").toString();
        QTest::newRow("truncated sequence") << QByteArray("a\xe2\x82") << QStringView(u"a\xdce2\xdc82").toString();
        QTest::newRow("overlong slash") << QByteArray("\xc0\xaf") << QStringView(u"\xdcc0\xdcaf").toString();
        QTest::newRow("encoded surrogate")
            << QByteArray("\xed\xa0\x80") << QStringView(u"\xdced\xdca0\xdc80").toString();
        QTest::newRow("valid after invalid") << QByteArray("\xff\xc3\xa9") << QStringView(u"\xdcff\u00e9").toString();
        QTest::newRow("empty") << QByteArray() << QString();
    }

    void roundTrip()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, decoded);
        QCOMPARE(decodeLocalPath(bytes), decoded);
        QCOMPARE(encodeLocalPath(decodeLocalPath(bytes)), bytes);
    }

    void everyByteRoundTrips()
    {
        QByteArray all;
        for (int b = 1; b < 256; ++b)
            all += static_cast<char>(b);
        QCOMPARE(encodeLocalPath(decodeLocalPath(all)), all);
    }

    void latinOneFileNameOpens()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QByteArray header = '{' + tensorJson("w", "F32", {2}, 0, 8) + '}';
        QVERIFY(writeRaw(dir, "caf\xe9 model.safetensors", rawFile(header, patternBytes(8))));
        const QString path = decodeLocalPath(encodeLocalPath(dir.path()) + "/caf\xe9 model.safetensors");
        auto model = Model::open(path);
        QVERIFY2(model.ok(), model ? "" : qPrintable(model.error().describe()));
        QCOMPARE((*model)->tensorCount(), size_t(1));
        QCOMPARE((*model)->shards().front().path, path);

        // A broken file under such a name fails with its own kind, not "no such file".
        QVERIFY(writeRaw(dir, "bro\xefken.safetensors", rawFile(header, patternBytes(4))));
        auto broken = Model::open(decodeLocalPath(encodeLocalPath(dir.path()) + "/bro\xefken.safetensors"));
        QVERIFY(!broken.ok());
        QCOMPARE(broken.error().kind, ErrorKind::MetadataIncompleteBuffer);

        // The folder holding it opens as a model too: its listing is read as bytes.
        auto folder = Model::open(dir.path());
        QVERIFY2(folder.ok(), folder ? "" : qPrintable(folder.error().describe()));

        // QTemporaryDir removes by QString and would miss these names.
        for (const QByteArray& name : {QByteArray("caf\xe9 model.safetensors"), QByteArray("bro\xefken.safetensors")})
            QCOMPARE(::unlink(QByteArray(encodeLocalPath(dir.path()) + '/' + name).constData()), 0);
    }
};

QTEST_GUILESS_MAIN(TestLocalPath)
#include "tst_localpath.moc"
