// One exit-code rule for every command (issue 15, defect 8), and a file changed while it is read (defect 9):
//   0 success; 1 the input is invalid (or diff --fail-on-diff found differences); 2 usage or I/O error, including
//   a file that changed on disk while it was read (FileChanged).
// Each command is run as a real process on a valid file, an invalid one, a missing one and with a bad argument; then
// stats, slice, diff and export are stopped between opening and reading (SIGSTOP test seam), the file is overwritten
// in place with the same size and a later mtime, and the command must end with FileChanged and exit code 2.
#include "core/io/localpath.h"
#include "support/clibytes.h"
#include "support/clirun.h"
#include "support/fixtures.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr uint64_t kElements = 1024;

QByteArray modelBytes(uint32_t seed)
{
    const QByteArray header =
        "{\"__metadata__\":{\"format\":\"pt\"}," + tensorJson("w", "F32", {32, 32}, 0, kElements * 4) + '}';
    // Pattern bytes as F32 can be NaN; irrelevant for exit codes.
    return rawFile(header, patternBytes(kElements * 4, seed));
}

/// Overwrites the data region in place (same size, as `dd conv=notrunc` would) and moves the mtime 10 s on, so a
/// file system with coarse timestamps still shows the change.
void overwriteInPlace(const QString& path)
{
    const QByteArray name = encodeLocalPath(path);
    const int fd = ::open(name.constData(), O_WRONLY | O_CLOEXEC);
    QVERIFY(fd >= 0);
    struct stat before = {};
    QCOMPARE(::fstat(fd, &before), 0);
    const QByteArray bytes = patternBytes(256, 99);
    QCOMPARE(::pwrite(fd, bytes.constData(), static_cast<size_t>(bytes.size()), before.st_size - bytes.size()),
             static_cast<ssize_t>(bytes.size()));
    timespec times[2] = {before.st_atim, before.st_mtim};
    times[1].tv_sec += 10;
    QCOMPARE(::futimens(fd, times), 0);
    QCOMPARE(::close(fd), 0);
    struct stat after = {};
    QCOMPARE(::stat(name.constData(), &after), 0);
    QCOMPARE(after.st_size, before.st_size);
}

} // namespace

class TestCliExitCodes final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_valid, m_other, m_invalid, m_missing;

private slots:
    void initTestCase()
    {
        QVERIFY(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty());
        QVERIFY(m_dir.isValid());
        m_valid = writeFile(m_dir, QStringLiteral("valid.safetensors"), modelBytes(1));
        m_other = writeFile(m_dir, QStringLiteral("other.safetensors"), modelBytes(2));
        // A gap before the only tensor: InvalidOffset, whatever the open mode.
        m_invalid = writeFile(m_dir, QStringLiteral("invalid.safetensors"),
                              rawFile('{' + tensorJson("w", "F32", {1}, 4, 8) + '}', QByteArray(8, 0)));
        m_missing = m_dir.filePath(QStringLiteral("missing.safetensors"));
    }

    void perCommand_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        const QString out = m_dir.filePath(QStringLiteral("out.safetensors"));
        const auto row = [](const QString& name, const QStringList& arguments, int code) {
            QTest::newRow(qPrintable(name)) << arguments << code;
        };
        struct Command
        {
            QString name;
            QStringList before; ///< arguments before PATH
            QStringList after;  ///< arguments after PATH
        };
        const QList<Command> commands{
            {QStringLiteral("validate"), {QStringLiteral("validate")}, {}},
            {QStringLiteral("info"), {QStringLiteral("info")}, {}},
            {QStringLiteral("stats"), {QStringLiteral("stats")}, {QStringLiteral("w")}},
            {QStringLiteral("slice"), {QStringLiteral("slice")}, {QStringLiteral("w")}},
            {QStringLiteral("meta"), {QStringLiteral("meta")}, {}},
            {QStringLiteral("export"),
             {QStringLiteral("export")},
             {QStringLiteral("-o"), out, QStringLiteral("--dry-run")}},
            {QStringLiteral("diff A"), {QStringLiteral("diff")}, {m_other}},
            {QStringLiteral("diff B"), {QStringLiteral("diff"), m_other}, {}},
        };
        for (const Command& c : commands) {
            for (const bool json : {false, true}) {
                const QStringList j = json ? QStringList{QStringLiteral("--json")} : QStringList{};
                const QString tag = c.name + (json ? QStringLiteral(" --json") : QString());
                row(tag + QStringLiteral(": valid"), c.before + QStringList{m_valid} + c.after + j, 0);
                row(tag + QStringLiteral(": invalid"), c.before + QStringList{m_invalid} + c.after + j, 1);
                row(tag + QStringLiteral(": missing"), c.before + QStringList{m_missing} + c.after + j, 2);
                row(tag + QStringLiteral(": bad option"),
                    c.before + QStringList{m_valid} + c.after + j + QStringList{QStringLiteral("--no-such-option")}, 2);
            }
        }
        row(QStringLiteral("stats: unknown tensor"), {QStringLiteral("stats"), m_valid, QStringLiteral("nope")}, 2);
        row(QStringLiteral("slice: unknown tensor"), {QStringLiteral("slice"), m_valid, QStringLiteral("nope")}, 2);
        row(QStringLiteral("diff --fail-on-diff: differ"),
            {QStringLiteral("diff"), m_valid, m_other, QStringLiteral("--fail-on-diff")}, 1);
        row(QStringLiteral("diff --fail-on-diff: equal"),
            {QStringLiteral("diff"), m_valid, m_valid, QStringLiteral("--fail-on-diff")}, 0);
        row(QStringLiteral("no command"), {}, 2);
        row(QStringLiteral("unknown command"), {QStringLiteral("frobnicate")}, 2);
    }

    void perCommand()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        const CliRun run = runCli(arguments);
        QVERIFY2(run.exitCode == exitCode,
                 qPrintable(QStringLiteral("exit %1, expected %2\n%3%4")
                                .arg(run.exitCode)
                                .arg(exitCode)
                                .arg(QString::fromUtf8(run.out), QString::fromUtf8(run.err))));
        if (arguments.contains(QStringLiteral("--json")) && exitCode != 0 &&
            !arguments.contains(QStringLiteral("--no-such-option")) &&
            !arguments.startsWith(QStringLiteral("validate"))) {
            const auto json = parseJson(run.out); // errors are JSON too when --json is given
            QVERIFY(json.contains("error"));
        }
    }

    void helpDocumentsTheRule_data()
    {
        QTest::addColumn<QString>("command");
        for (const char* name : {"validate", "info", "stats", "slice", "diff", "meta", "export"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void helpDocumentsTheRule()
    {
        QFETCH(QString, command);
        const CliRun run = runCli({command, QStringLiteral("--help")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("Exit codes (the same for every command):"), run.out.constData());
        QVERIFY(run.out.contains("  1  the input is invalid"));
        QVERIFY(run.out.contains("changed on disk while it was read"));
        const CliRun top = runCli({QStringLiteral("--help")});
        QVERIFY(top.out.contains("Exit codes (the same for every command):"));
    }

    void changedWhileRead_data()
    {
        QTest::addColumn<QByteArrayList>("arguments");
        QTest::addColumn<bool>("json");
        const QByteArray out = encodeLocalPath(m_dir.filePath(QStringLiteral("changed-out.safetensors")));
        for (const bool json : {false, true}) {
            const QByteArray suffix = json ? " --json" : "";
            QByteArrayList j;
            if (json)
                j << "--json";
            QTest::newRow(QByteArray("stats" + suffix).constData())
                << (QByteArrayList{"stats", "PATH", "w"} + j) << json;
            QTest::newRow(QByteArray("slice" + suffix).constData())
                << (QByteArrayList{"slice", "PATH", "w"} + j) << json;
            QTest::newRow(QByteArray("diff" + suffix).constData())
                << (QByteArrayList{"diff", "PATH", encodeLocalPath(m_other)} + j) << json;
            QTest::newRow(QByteArray("export" + suffix).constData())
                << (QByteArrayList{"export", "PATH", "-o", out} + j) << json;
            QTest::newRow(QByteArray("export --dtype" + suffix).constData())
                << (QByteArrayList{"export", "PATH", "-o", out, "--dtype", "BF16"} + j) << json;
        }
    }

    void changedWhileRead()
    {
        QFETCH(QByteArrayList, arguments);
        QFETCH(bool, json);
        QTemporaryDir dir;
        const QString path = writeFile(dir, QStringLiteral("changing.safetensors"), modelBytes(3));
        for (QByteArray& argument : arguments)
            if (argument == "PATH")
                argument = encodeLocalPath(path);
        bool changed = false;
        const CliRun run = runCliBytes(arguments, encodeLocalPath(dir.path()), [&] {
            overwriteInPlace(path);
            changed = true;
        });
        QVERIFY(changed); // the command stopped between open and read, as the seam promises
        QVERIFY2(run.exitCode == 2, QByteArray(run.out + run.err).constData());
        QVERIFY2(run.err.contains("FileChanged") && run.err.contains("changed on disk while it was being read"),
                 run.err.constData());
        QVERIFY(run.err.contains(encodeLocalPath(path)));
        if (json)
            QCOMPARE(parseJson(run.out).at("error").at("kind").get<std::string>(), std::string("FileChanged"));
        // Nothing was exported from the mixed bytes.
        QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("changed-out.safetensors"))));
    }
};

QTEST_GUILESS_MAIN(TestCliExitCodes)
#include "tst_cli_exitcodes.moc"
