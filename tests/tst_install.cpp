// `cmake --install` into a temporary prefix must put the desktop integration where freedesktop expects it, and
// the MIME package must make a file manager map *.safetensors to SafeScope.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

namespace {

const QString kAppId = QStringLiteral("io.github.safescope.SafeScope");

QByteArray readAll(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

bool isWellFormedXml(const QByteArray& xml)
{
    QXmlStreamReader reader(xml);
    while (!reader.atEnd())
        reader.readNext();
    return !reader.hasError();
}

} // namespace

class TestInstall final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_prefix.isValid());
        QProcess install;
        install.start(QStringLiteral(SAFESCOPE_CMAKE_COMMAND),
                      {QStringLiteral("--install"), QStringLiteral(SAFESCOPE_BINARY_DIR), QStringLiteral("--prefix"),
                       m_prefix.path()});
        QVERIFY(install.waitForFinished(120000));
        QVERIFY2(install.exitCode() == 0, install.readAllStandardError().constData());
    }

    void installsBinaries()
    {
        for (const QString& name : {QStringLiteral("safescope"), QStringLiteral("safescope-cli")}) {
            const QFileInfo binary(m_prefix.filePath(QStringLiteral("bin/") + name));
            QVERIFY2(binary.isExecutable(), qPrintable(binary.filePath()));
        }
    }

    // The installed CLI goes online with the installed network module: the prefix lies outside the build tree, so
    // the build's copy is not looked at. A refused connection is the module at work; a missing module would say
    // "network module".
    void installedCliLoadsTheInstalledNetworkModule()
    {
        QProcess cli;
        cli.start(m_prefix.filePath(QStringLiteral("bin/safescope-cli")),
                  {QStringLiteral("info"), QStringLiteral("http://127.0.0.1:1/model.safetensors")});
        QVERIFY(cli.waitForFinished(60000));
        const QByteArray said = cli.readAllStandardOutput() + cli.readAllStandardError();
        QCOMPARE(cli.exitCode(), 2);
        QVERIFY2(!said.contains("network module") && said.contains("127.0.0.1"), said.constData());
    }

    void installsTheDemoCheckpoint()
    {
        const QFileInfo demo(m_prefix.filePath(QStringLiteral("share/safescope/demo-decoder.safetensors")));
        QVERIFY(demo.isFile());
        QVERIFY(demo.size() > 1024 * 1024);
    }

    void desktopEntryClaimsTheMimeTypes()
    {
        const QByteArray entry =
            readAll(m_prefix.filePath(QStringLiteral("share/applications/%1.desktop").arg(kAppId)));
        QVERIFY(entry.startsWith("[Desktop Entry]"));
        QVERIFY(entry.contains("\nExec=safescope %F\n"));
        QVERIFY(entry.contains(QByteArray("\nIcon=" + kAppId.toUtf8() + "\n")));
        QVERIFY(entry.contains("application/x-safetensors;"));
        QVERIFY(entry.contains("application/x-safetensors-index+json;"));
    }

    void iconAndMetainfoAreInstalled()
    {
        const QByteArray icon =
            readAll(m_prefix.filePath(QStringLiteral("share/icons/hicolor/scalable/apps/%1.svg").arg(kAppId)));
        QVERIFY(icon.contains("<svg"));
        QVERIFY(isWellFormedXml(icon));
        const QByteArray metainfo =
            readAll(m_prefix.filePath(QStringLiteral("share/metainfo/%1.metainfo.xml").arg(kAppId)));
        QVERIFY(isWellFormedXml(metainfo));
        QVERIFY(metainfo.contains(QByteArray("<id>" + kAppId.toUtf8() + "</id>")));
    }

    void mimeDatabaseMapsTheGlobs()
    {
        const QString mimeDir = m_prefix.filePath(QStringLiteral("share/mime"));
        const QByteArray package = readAll(mimeDir + QStringLiteral("/packages/%1.xml").arg(kAppId));
        QVERIFY(isWellFormedXml(package));
        const QString updater = QStandardPaths::findExecutable(QStringLiteral("update-mime-database"));
        if (updater.isEmpty())
            QSKIP("update-mime-database (shared-mime-info) is not installed");
        QProcess update;
        update.start(updater, {mimeDir});
        QVERIFY(update.waitForFinished(60000));
        QCOMPARE(update.exitCode(), 0);
        // globs2 lines are "weight:type:pattern"; this is what file managers consult.
        const QByteArray globs = readAll(mimeDir + QStringLiteral("/globs2"));
        QVERIFY2(globs.contains(":application/x-safetensors:*.safetensors\n"), globs.constData());
        QVERIFY(globs.contains("60:application/x-safetensors-index+json:*.safetensors.index.json\n"));
    }

private:
    QTemporaryDir m_prefix;
};

QTEST_GUILESS_MAIN(TestInstall)
#include "tst_install.moc"
