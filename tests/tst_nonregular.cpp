// Non-regular files (issue 15, defect 5): a FIFO, a socket, a character device or a folder where a file is expected is
// refused at once, by every entry point, with an IoError saying what it is. Before, a FIFO named *.safetensors hung
// every command (open() of a FIFO blocks until a writer appears) and /dev/zero read forever. A hang here fails the
// test through the runner's deadline instead of stalling it.
#include "core/edit/headersnapshot.h"
#include "core/export/exportplan.h"
#include "core/format/model.h"
#include "core/format/safetensorsfile.h"
#include "core/io/mappedfile.h"
#include "core/io/systemfile.h"
#include "support/clirun.h"
#include "support/fixtures.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace safescope;
using namespace safescope::test;

namespace {

QByteArray validModel()
{
    return rawFile("{\"__metadata__\":{\"format\":\"pt\"}," + tensorJson("w", "F32", {2}, 0, 8) + '}', patternBytes(8));
}

bool makeSocket(const QString& path)
{
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const QByteArray name = path.toUtf8();
    if (fd < 0 || static_cast<size_t>(name.size()) >= sizeof address.sun_path)
        return false;
    std::memcpy(address.sun_path, name.constData(), static_cast<size_t>(name.size()));
    const bool bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd); // the socket file stays
    return bound;
}

void verifyRefusal(const Error& error, const QString& path, const QString& what)
{
    QCOMPARE(error.kind, ErrorKind::IoError);
    QVERIFY2(error.message.contains(QStringLiteral("is %1, not a file").arg(what)), qPrintable(error.message));
    QVERIFY2(error.message.contains(path) || error.path == path, qPrintable(error.describe()));
    QVERIFY(!error.message.contains(QStringLiteral("did not complete")));
}

} // namespace

class TestNonRegular final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_fifo, m_socket, m_valid;

private slots:
    void initTestCase()
    {
        QVERIFY(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty());
        QVERIFY(m_dir.isValid());
        m_fifo = m_dir.filePath(QStringLiteral("f.safetensors"));
        QCOMPARE(::mkfifo(m_fifo.toUtf8().constData(), 0644), 0);
        m_socket = m_dir.filePath(QStringLiteral("s.safetensors"));
        QVERIFY(makeSocket(m_socket));
        m_valid = writeFile(m_dir, QStringLiteral("valid.safetensors"), validModel());
    }

    void coreEntryPoints_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("what");
        QTest::newRow("FIFO") << m_fifo << QStringLiteral("a FIFO");
        QTest::newRow("socket") << m_socket << QStringLiteral("a socket");
        QTest::newRow("/dev/zero") << QStringLiteral("/dev/zero") << QStringLiteral("a character device");
        QTest::newRow("folder") << m_dir.path() << QStringLiteral("a folder");
    }

    void coreEntryPoints()
    {
        QFETCH(QString, path);
        QFETCH(QString, what);
        const auto mapped = MappedFile::open(path);
        QVERIFY(!mapped);
        verifyRefusal(mapped.error(), path, what);
        for (const OpenMode mode : {OpenMode::Strict, OpenMode::Lenient}) {
            const auto file = SafetensorsFile::open(path, mode);
            QVERIFY(!file);
            verifyRefusal(file.error(), path, what);
        }
        for (const unsigned flags : {unsigned{platform::ReadOnly}, unsigned{platform::ReadWrite}}) {
            const auto posix = SystemFile::open(path, flags);
            QVERIFY(!posix);
            verifyRefusal(posix.error(), path, what);
        }
        const auto snapshot = HeaderSnapshot::reopen(path);
        QVERIFY(!snapshot);
        verifyRefusal(snapshot.error(), path, what);
        if (what != QLatin1String("a folder")) { // a folder is a model of its own for Model::open
            const auto model = Model::open(path);
            QVERIFY(!model);
            verifyRefusal(model.error(), path, what);
        }
    }

    void fifoNamedLikeAnIndex()
    {
        QTemporaryDir dir;
        const QString index = dir.filePath(QStringLiteral("model.safetensors.index.json"));
        QCOMPARE(::mkfifo(index.toUtf8().constData(), 0644), 0);
        const auto model = Model::open(index);
        QVERIFY(!model);
        verifyRefusal(model.error(), index, QStringLiteral("a FIFO"));
    }

    void fifoAsShardOfAnIndex()
    {
        QTemporaryDir dir;
        writeFile(dir, QStringLiteral("model-00001-of-00002.safetensors"), validModel());
        QCOMPARE(::mkfifo(dir.filePath(QStringLiteral("model-00002-of-00002.safetensors")).toUtf8().constData(), 0644),
                 0);
        const QByteArray index = "{\"metadata\":{},\"weight_map\":{\"w\":\"model-00001-of-00002.safetensors\","
                                 "\"v\":\"model-00002-of-00002.safetensors\"}}";
        const QString indexPath = writeFile(dir, QStringLiteral("model.safetensors.index.json"), index);
        const auto model = Model::open(indexPath);
        QVERIFY(model);
        QCOMPARE((*model)->shards().size(), size_t{1});
        const auto& warnings = (*model)->warnings();
        QVERIFY(std::any_of(warnings.begin(), warnings.end(), [](const Warning& w) {
            return w.message.contains(QStringLiteral("is a FIFO, not a file"));
        }));
    }

    void fifoInAFolderScan()
    {
        QTemporaryDir dir;
        writeFile(dir, QStringLiteral("a.safetensors"), validModel());
        QCOMPARE(::mkfifo(dir.filePath(QStringLiteral("x.safetensors")).toUtf8().constData(), 0644), 0);
        const auto model = Model::open(dir.path());
        QVERIFY(model);
        QCOMPARE((*model)->shards().size(), size_t{1});
        const auto& warnings = (*model)->warnings();
        QCOMPARE(warnings.size(), size_t{1}); // reported, not silently skipped
        QCOMPARE(warnings.front().code, QStringLiteral("ShardUnreadable"));
        QVERIFY2(warnings.front().message.contains(QStringLiteral("is a FIFO, not a file")),
                 qPrintable(warnings.front().message));

        const CliRun run = runCli({QStringLiteral("validate"), dir.path()});
        QCOMPARE(run.exitCode, 1); // a sharding problem of the model: its content is to blame
        QVERIFY2(run.out.contains("is a FIFO, not a file"), run.out.constData());
    }

    void exportTargetIsRefused_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("what");
        QTest::newRow("FIFO") << m_fifo << QStringLiteral("a FIFO");
        QTest::newRow("socket") << m_socket << QStringLiteral("a socket");
    }

    void exportTargetIsRefused()
    {
        QFETCH(QString, target);
        QFETCH(QString, what);
        const auto model = Model::open(m_valid);
        QVERIFY(model);
        ExportOptions options;
        options.outputPath = target;
        const auto plan = planExport(**model, options);
        QVERIFY(!plan);
        verifyRefusal(plan.error(), target, what);
        struct stat info = {};
        QCOMPARE(::stat(target.toUtf8().constData(), &info), 0);
        QVERIFY(!S_ISREG(info.st_mode)); // still what it was: not replaced by a rename

        const CliRun run = runCli({QStringLiteral("export"), m_valid, QStringLiteral("-o"), target});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(QStringLiteral("is %1, not a file").arg(what).toUtf8()), run.err.constData());
    }

    void everyCommandRefusesAtOnce_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("what");
        const QString fifo = m_fifo;
        const QString socket = m_socket;
        const auto row = [&](const char* name, QStringList arguments, const QString& what) {
            QTest::newRow(name) << arguments << what;
        };
        const QString aFifo = QStringLiteral("a FIFO");
        row("validate FIFO", {QStringLiteral("validate"), fifo}, aFifo);
        row("validate --json FIFO", {QStringLiteral("validate"), fifo, QStringLiteral("--json")}, aFifo);
        row("info FIFO", {QStringLiteral("info"), fifo}, aFifo);
        row("stats FIFO", {QStringLiteral("stats"), fifo, QStringLiteral("w")}, aFifo);
        row("slice FIFO", {QStringLiteral("slice"), fifo, QStringLiteral("w")}, aFifo);
        row("meta FIFO", {QStringLiteral("meta"), fifo}, aFifo);
        row("meta --set FIFO", {QStringLiteral("meta"), fifo, QStringLiteral("--set"), QStringLiteral("k=v")}, aFifo);
        row("export from FIFO",
            {QStringLiteral("export"), fifo, QStringLiteral("-o"), m_dir.filePath(QStringLiteral("o.safetensors"))},
            aFifo);
        row("diff FIFO as A", {QStringLiteral("diff"), fifo, m_valid}, aFifo);
        row("diff FIFO as B", {QStringLiteral("diff"), m_valid, fifo}, aFifo);
        row("validate socket", {QStringLiteral("validate"), socket}, QStringLiteral("a socket"));
        row("info socket", {QStringLiteral("info"), socket}, QStringLiteral("a socket"));
        row("validate /dev/zero", {QStringLiteral("validate"), QStringLiteral("/dev/zero")},
            QStringLiteral("a character device"));
        row("stats /dev/zero", {QStringLiteral("stats"), QStringLiteral("/dev/zero"), QStringLiteral("w")},
            QStringLiteral("a character device"));
    }

    void everyCommandRefusesAtOnce()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, what);
        const CliRun run = runCli(arguments); // -1 when it hangs past the runner's deadline
        QCOMPARE(run.exitCode, 2);
        const QByteArray said = run.out + run.err;
        QVERIFY2(said.contains(QStringLiteral("is %1, not a file").arg(what).toUtf8()), said.constData());
        QVERIFY(!said.contains("did not complete"));
    }
};

QTEST_GUILESS_MAIN(TestNonRegular)
#include "tst_nonregular.moc"
