// Paths that are not UTF-8 (issue: hardening): decodeLocalPath/encodeLocalPath round-trip any bytes, and a model
// whose file name is Latin-1 opens, maps and reports errors under its own name.
#include "core/format/model.h"
#include "core/io/localpath.h"
#include "core/io/pathsyntax.h"
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

    // Both spellings are checked here whatever the system: the Windows rules run on the Linux CI too.
    void cleanAbsolutePath_data()
    {
        QTest::addColumn<bool>("windows");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("current");
        QTest::addColumn<QString>("expected");
        const auto row = [](const char* name, bool windows, const QString& path, const QString& current,
                            const QString& expected) { QTest::newRow(name) << windows << path << current << expected; };
        row("posix absolute", false, QStringLiteral("/a/./b//c/"), QStringLiteral("/x"), QStringLiteral("/a/b/c"));
        row("posix relative", false, QStringLiteral("m/../n.st"), QStringLiteral("/home/u"),
            QStringLiteral("/home/u/n.st"));
        row("posix dot-dot above root", false, QStringLiteral("/../../a"), QStringLiteral("/"), QStringLiteral("/a"));
        row("posix backslash is a name", false, QStringLiteral("a\\b"), QStringLiteral("/w"),
            QStringLiteral("/w/a\\b"));
        row("posix escapes kept", false, QStringView(u"caf\xdce9").toString(), QStringLiteral("/w"),
            QStringView(u"/w/caf\xdce9").toString());
        row("windows drive", true, QStringLiteral("C:\\Models\\.\\m.safetensors"), QStringLiteral("D:/x"),
            QStringLiteral("C:/Models/m.safetensors"));
        row("windows relative", true, QStringLiteral("sub\\..\\m.st"), QStringLiteral("D:\\work"),
            QStringLiteral("D:/work/m.st"));
        row("windows current drive root", true, QStringLiteral("\\m.st"), QStringLiteral("E:\\deep\\er"),
            QStringLiteral("E:/m.st"));
        row("windows dot-dot above drive", true, QStringLiteral("C:\\..\\..\\m"), QStringLiteral("D:/"),
            QStringLiteral("C:/m"));
        row("windows unc", true, QStringLiteral("\\\\server\\share\\a\\..\\b"), QStringLiteral("C:/"),
            QStringLiteral("//server/share/b"));
        row("windows unc above share", true, QStringLiteral("//server/share/../../x"), QStringLiteral("C:/"),
            QStringLiteral("//server/share/x"));
        row("windows long drive", true, QStringLiteral("\\\\?\\C:\\big\\m.st"), QStringLiteral("D:/"),
            QStringLiteral("C:/big/m.st"));
        row("windows long unc", true, QStringLiteral("\\\\?\\UNC\\srv\\sh\\m.st"), QStringLiteral("D:/"),
            QStringLiteral("//srv/sh/m.st"));
        row("windows relative to unc", true, QStringLiteral("m.st"), QStringLiteral("\\\\srv\\sh\\dir"),
            QStringLiteral("//srv/sh/dir/m.st"));
    }

    void cleanAbsolutePath()
    {
        QFETCH(bool, windows);
        QFETCH(QString, path);
        QFETCH(QString, current);
        QFETCH(QString, expected);
        const PathStyle style = windows ? PathStyle::Windows : PathStyle::Posix;
        QCOMPARE(safescope::cleanAbsolutePath(path, current, style), expected);
        // What comes out is absolute, and cleaning it again changes nothing.
        QVERIFY(!pathRoot(expected, style).isEmpty());
        QCOMPARE(safescope::cleanAbsolutePath(expected, QStringLiteral("/elsewhere"), style), expected);
    }

    void rootsAndPieces()
    {
        QCOMPARE(pathRoot(QStringLiteral("rel/x"), PathStyle::Posix), QString());
        QCOMPARE(pathRoot(QStringLiteral("C:/x"), PathStyle::Posix), QString());
        QCOMPARE(pathRoot(QStringLiteral("\\x"), PathStyle::Windows), QString()); // only the current drive's root
        QCOMPARE(pathRoot(QStringLiteral("c:\\x"), PathStyle::Windows), QStringLiteral("c:/"));
        // The Hugging Face cache check reads the last three names of a resolved path, as Windows spells it too.
        const QStringList pieces =
            pathPieces(QStringLiteral("\\\\?\\C:\\Users\\u\\.cache\\huggingface\\hub\\models--o--r\\blobs\\abc"),
                       PathStyle::Windows);
        QCOMPARE(pieces.mid(pieces.size() - 3),
                 (QStringList{QStringLiteral("models--o--r"), QStringLiteral("blobs"), QStringLiteral("abc")}));
        QCOMPARE(pathPieces(QStringLiteral("/a//b/"), PathStyle::Posix),
                 (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
        // The native spelling is the one absoluteLocalPath() uses.
        QCOMPARE(absoluteLocalPath(QStringLiteral("/a/../b")), QStringLiteral("/b"));
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
