// File names that are not UTF-8 through every CLI command (issue 15, defect 6): a Latin-1 name such as
// "caf\xE9.safetensors", given as a relative and as an absolute path, must open, be edited in place or rewritten
// under the same bytes, be printed back as its bytes, and name export targets byte for byte. The process is started
// with fork/exec (QProcess would encode the argument lossily) and folders are listed with readdir, not QDir.
#include "core/io/localpath.h"
#include "support/clibytes.h"
#include "support/fixtures.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace safescope;
using namespace safescope::test;

namespace {

const QByteArray kName("caf\xe9.safetensors");
const QByteArray kReplacement("\xef\xbf\xbd"); // U+FFFD in UTF-8: what a lossy conversion leaves in a name

QByteArray floats(std::initializer_list<float> values)
{
    QByteArray bytes;
    for (float v : values) {
        char raw[4];
        std::memcpy(raw, &v, 4);
        bytes.append(raw, 4);
    }
    return bytes;
}

QByteArray modelBytes()
{
    const QByteArray header = "{\"__metadata__\":{\"format\":\"pt\"}," + tensorJson("w", "F32", {2, 2}, 0, 16) + ',' +
                              tensorJson("b", "F32", {2}, 16, 24) + '}';
    return rawFile(header, floats({1, 2, 3, 4, 5, 6}));
}

bool writeRaw(const QByteArray& path, const QByteArray& bytes)
{
    const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    const bool written = ::write(fd, bytes.constData(), static_cast<size_t>(bytes.size())) == bytes.size();
    return ::close(fd) == 0 && written;
}

QByteArray readRaw(const QByteArray& path)
{
    QByteArray bytes;
    const int fd = ::open(path.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return bytes;
    char buffer[4096];
    ssize_t got = 0;
    while ((got = ::read(fd, buffer, sizeof buffer)) > 0)
        bytes.append(buffer, got);
    ::close(fd);
    return bytes;
}

bool anyNameHasReplacement(const QByteArrayList& names)
{
    return std::any_of(names.begin(), names.end(), [](const QByteArray& n) { return n.contains(kReplacement); });
}

} // namespace

class TestCliLocalNames final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QByteArray m_folder; ///< a fresh folder per test row, as bytes
    QByteArray m_target; ///< the Latin-1 name as the row passes it (relative or absolute)
    int m_row = 0;

    // A fresh folder holding kName and an identical "ok.safetensors"; m_target set from the row.
    void prepare(bool absolute)
    {
        m_folder = encodeLocalPath(m_dir.path()) + "/row" + QByteArray::number(++m_row);
        QCOMPARE(::mkdir(m_folder.constData(), 0755), 0);
        QVERIFY(writeRaw(m_folder + '/' + kName, modelBytes()));
        QVERIFY(writeRaw(m_folder + "/ok.safetensors", modelBytes()));
        m_target = absolute ? m_folder + '/' + kName : kName;
    }

    static void addRows()
    {
        QTest::addColumn<bool>("absolute");
        QTest::newRow("relative") << false;
        QTest::newRow("absolute") << true;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty());
        QVERIFY(m_dir.isValid());
    }

    void validate_data() { addRows(); }
    void validate()
    {
        QFETCH(bool, absolute);
        prepare(absolute);
        const CliRun run = runCliBytes({"validate", m_target}, m_folder);
        QVERIFY2(run.exitCode == 0, QByteArray(run.out + run.err).constData());
        QVERIFY2(run.out.contains(QByteArray("valid: " + m_target + " (2 tensors)")),
                 run.out.constData()); // printed back as its bytes
    }

    void info_data() { addRows(); }
    void info()
    {
        QFETCH(bool, absolute);
        prepare(absolute);
        const CliRun run = runCliBytes({"info", m_target, "--json"}, m_folder);
        QVERIFY2(run.exitCode == 0, QByteArray(run.out + run.err).constData());
        QVERIFY(parseJson(run.out).is_object()); // the layout of info is another test's concern
    }

    void stats_data() { addRows(); }
    void stats()
    {
        QFETCH(bool, absolute);
        prepare(absolute);
        const CliRun run = runCliBytes({"stats", m_target, "w", "--json"}, m_folder);
        QVERIFY2(run.exitCode == 0, QByteArray(run.out + run.err).constData());
        const auto json = parseJson(run.out);
        QCOMPARE(json.at("count").get<uint64_t>(), uint64_t{4});
        QCOMPARE(json.at("sum").get<double>(), 10.0);
    }

    void slice_data() { addRows(); }
    void slice()
    {
        QFETCH(bool, absolute);
        prepare(absolute);
        const CliRun run = runCliBytes({"slice", m_target, "w"}, m_folder);
        QVERIFY2(run.exitCode == 0, QByteArray(run.out + run.err).constData());
        QCOMPARE(run.out, QByteArray("1\t2\n3\t4\n"));
    }

    void metaPrintAndEdit_data()
    {
        QTest::addColumn<bool>("absolute");
        QTest::addColumn<bool>("rewrite");
        QTest::newRow("relative, in place") << false << false;
        QTest::newRow("absolute, in place") << true << false;
        QTest::newRow("relative, rewrite") << false << true;
        QTest::newRow("absolute, rewrite") << true << true;
    }
    void metaPrintAndEdit()
    {
        QFETCH(bool, absolute);
        QFETCH(bool, rewrite);
        prepare(absolute);
        const CliRun printed = runCliBytes({"meta", m_target}, m_folder);
        QVERIFY2(printed.exitCode == 0, QByteArray(printed.out + printed.err).constData());
        QCOMPARE(printed.out, QByteArray("format = pt\n"));

        QByteArrayList edit{"meta", m_target, "--set", "k=v"};
        if (rewrite)
            edit << "--rewrite"
                 << "--reserve"
                 << "64";
        const CliRun edited = runCliBytes(edit, m_folder);
        QVERIFY2(edited.exitCode == 0, QByteArray(edited.out + edited.err).constData());
        QVERIFY2(edited.out.contains(QByteArray(m_folder + '/' + kName)) || edited.out.contains(m_target),
                 edited.out.constData());
        // The same name holds the edit; no other name appeared (no temporary file left, no U+FFFD twin).
        QCOMPARE(namesIn(m_folder), (QByteArrayList{kName, "ok.safetensors"}));
        QVERIFY(readRaw(m_folder + '/' + kName).contains("\"k\":\"v\""));
        const CliRun again = runCliBytes({"meta", m_target}, m_folder);
        QCOMPARE(again.out, QByteArray("format = pt\nk = v\n"));
    }

    void diff_data() { addRows(); }
    void diff()
    {
        QFETCH(bool, absolute);
        prepare(absolute);
        const CliRun same = runCliBytes({"diff", m_target, "ok.safetensors", "--fail-on-diff"}, m_folder);
        QVERIFY2(same.exitCode == 0, QByteArray(same.out + same.err).constData());
        QVERIFY2(same.out.startsWith(QByteArray("A: " + m_target + '\n')), same.out.constData());
        const CliRun swapped = runCliBytes({"diff", "ok.safetensors", m_target, "--fail-on-diff"}, m_folder);
        QVERIFY2(swapped.exitCode == 0, QByteArray(swapped.out + swapped.err).constData());
    }

    void exportFromAndTo_data() { addRows(); }
    void exportFromAndTo()
    {
        QFETCH(bool, absolute);
        prepare(absolute);
        const QByteArray output = absolute ? m_folder + "/d\xe9st.safetensors" : QByteArray("d\xe9st.safetensors");
        const CliRun run = runCliBytes({"export", m_target, "-o", output}, m_folder);
        QVERIFY2(run.exitCode == 0, QByteArray(run.out + run.err).constData()); // not "would overwrite its own source"
        QCOMPARE(namesIn(m_folder), (QByteArrayList{kName, "d\xe9st.safetensors", "ok.safetensors"}));
        QCOMPARE(readRaw(m_folder + "/d\xe9st.safetensors").mid(8).contains("\"w\""), true);
        QVERIFY2(run.out.contains(QByteArray(m_folder + "/d\xe9st.safetensors")), run.out.constData());

        // Onto itself it is refused, by the file's identity rather than by its (lossily converted) name.
        const CliRun self = runCliBytes({"export", m_target, "-o", m_target}, m_folder);
        QCOMPARE(self.exitCode, 2);
        QVERIFY2(self.err.contains("would overwrite its own source"), self.err.constData());
    }

    void exportShardsIntoLatinFolder_data() { addRows(); }
    void exportShardsIntoLatinFolder()
    {
        QFETCH(bool, absolute);
        prepare(absolute);
        const QByteArray folder = absolute ? m_folder + "/out\xe9" : QByteArray("out\xe9");
        const CliRun run = runCliBytes({"export", m_target, "-o", folder, "--max-shard-size", "16"}, m_folder);
        QVERIFY2(run.exitCode == 0, QByteArray(run.out + run.err).constData());
        QCOMPARE(namesIn(m_folder), (QByteArrayList{kName, "ok.safetensors", "out\xe9"}));
        QCOMPARE(namesIn(m_folder + "/out\xe9"),
                 (QByteArrayList{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                                 "model.safetensors.index.json"}));
        const CliRun check = runCliBytes({"validate", folder}, m_folder);
        QVERIFY2(check.exitCode == 0, QByteArray(check.out + check.err).constData());
        QVERIFY(!anyNameHasReplacement(namesIn(m_folder)));
    }

    void folderWithLatinShard()
    {
        prepare(false);
        QCOMPARE(::unlink(QByteArray(m_folder + "/ok.safetensors").constData()),
                 0); // one shard: no tensor in two files
        const CliRun run = runCliBytes({"validate", "."}, m_folder);
        QVERIFY2(run.exitCode == 0, QByteArray(run.out + run.err).constData());
        const CliRun stats = runCliBytes({"stats", m_folder, "b", "--json"}, m_folder);
        QVERIFY2(stats.exitCode == 0, QByteArray(stats.out + stats.err).constData());
        QCOMPARE(parseJson(stats.out).at("sum").get<double>(), 11.0);
    }
};

QTEST_GUILESS_MAIN(TestCliLocalNames)
#include "tst_cli_localnames.moc"
