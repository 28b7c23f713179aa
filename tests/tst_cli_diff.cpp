// safescope-cli diff, run as a user runs it: exit codes, the JSON report, name rules, tolerances.
#include "support/clirun.h"
#include "support/fixtures.h"
#include "support/tensorfilebuilder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <cmath>
#include <limits>

using namespace safescope;
using test::bytesOf;
using test::CliRun;
using test::parseJson;

namespace {

CliRun runDiff(const QStringList& arguments)
{
    return test::runCli(QStringList{QStringLiteral("diff")} + arguments);
}

QJsonObject tensorNamed(const QJsonObject& report, const QString& name)
{
    for (const QJsonValue& t : report[QStringLiteral("tensors")].toArray()) {
        if (t[QStringLiteral("name")].toString() == name)
            return t.toObject();
    }
    return {};
}

} // namespace

class TestCliDiff : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty(), "SAFESCOPE_CLI is set by ctest");
        const float nan = std::numeric_limits<float>::quiet_NaN();
        test::TensorFileBuilder a, b, same, renamed;
        a.metadata(R"({"format":"pt","gone":"1","v":"a"})");
        b.metadata(R"({"format":"pt","new":"2","v":"b"})");
        same.metadata(R"({"format":"pt","gone":"1","v":"a"})");
        renamed.metadata(R"({"format":"pt","gone":"1","v":"a"})");
        const QByteArray w = bytesOf(std::vector<float>{1, 2, 3, 4});
        a.add("model.w", "F32", {2, 2}, w).add("model.n", "F32", {3}, bytesOf(std::vector<float>{1, 1, 1}));
        a.add("model.removed", "I8", {2}, QByteArray(2, '\1'));
        b.add("model.w", "F32", {2, 2}, bytesOf(std::vector<float>{1, 2, 3.5f, 4}));
        b.add("model.n", "F32", {3}, bytesOf(std::vector<float>{1, nan, 1}));
        b.add("model.added", "I8", {2}, QByteArray(2, '\1'));
        same.add("model.w", "F32", {2, 2}, w).add("model.n", "F32", {3}, bytesOf(std::vector<float>{1, 1, 1}));
        same.add("model.removed", "I8", {2}, QByteArray(2, '\1'));
        renamed.add("w", "F32", {2, 2}, w).add("n", "F32", {3}, bytesOf(std::vector<float>{1, 1, 1}));
        renamed.add("removed", "I8", {2}, QByteArray(2, '\1'));
        m_a = test::writeFile(m_dir, QStringLiteral("a.safetensors"), a.build());
        m_b = test::writeFile(m_dir, QStringLiteral("b.safetensors"), b.build());
        m_same = test::writeFile(m_dir, QStringLiteral("same.safetensors"), same.build());
        m_renamed = test::writeFile(m_dir, QStringLiteral("renamed.safetensors"), renamed.build());
        m_bad = test::writeFile(m_dir, QStringLiteral("bad.safetensors"), QByteArray("\x04\0\0\0\0\0\0\0{}", 10));
    }

    void exitCodes_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        const QString fail = QStringLiteral("--fail-on-diff");
        QTest::newRow("equal") << QStringList{m_a, m_same, fail} << 0;
        QTest::newRow("differ, no flag") << QStringList{m_a, m_b} << 0;
        QTest::newRow("differ") << QStringList{m_a, m_b, fail} << 1;
        QTest::newRow("differ, json") << QStringList{m_a, m_b, fail, QStringLiteral("--json")} << 1;
        QTest::newRow("renamed") << QStringList{m_renamed, m_a, fail} << 1;
        QTest::newRow("renamed, mapped") << QStringList{m_renamed, m_a, fail, QStringLiteral("--map"),
                                                        QStringLiteral("add:model.")}
                                         << 0;
        QTest::newRow("renamed, two rules") << QStringList{m_a,
                                                           m_renamed,
                                                           fail,
                                                           QStringLiteral("--map"),
                                                           QStringLiteral("s/^model\\.//"),
                                                           QStringLiteral("--map"),
                                                           QStringLiteral("s/^w$/x/")}
                                            << 1;
        QTest::newRow("missing file") << QStringList{m_a, m_dir.filePath(QStringLiteral("none"))} << 2;
        QTest::newRow("invalid file") << QStringList{m_bad, m_a} << 1; // as validate says: the input is to blame
        QTest::newRow("bad rule") << QStringList{m_a, m_b, QStringLiteral("--map"), QStringLiteral("x")} << 2;
        QTest::newRow("bad atol") << QStringList{m_a, m_b, QStringLiteral("--atol"), QStringLiteral("-1")} << 2;
        QTest::newRow("one argument") << QStringList{m_a} << 2;
        const QString format = QStringLiteral("--format");
        QTest::newRow("format csv") << QStringList{m_a, m_b, format, QStringLiteral("csv")} << 0;
        QTest::newRow("format md, differ") << QStringList{m_a, m_b, fail, format, QStringLiteral("md")} << 1;
        QTest::newRow("unknown format") << QStringList{m_a, m_b, format, QStringLiteral("xml")} << 2;
        QTest::newRow("json and csv") << QStringList{m_a, m_b, QStringLiteral("--json"), format, QStringLiteral("csv")}
                                      << 2;
    }

    // --format prints the report alone (no streamed rows, no summary): what a script redirects into a file.
    void formats()
    {
        const CliRun csv = runDiff({m_a, m_b, QStringLiteral("--format"), QStringLiteral("csv")});
        QCOMPARE(csv.exitCode, 0);
        QVERIFY2(csv.out.startsWith("name,name_b,status,dtype_a,"), csv.out.constData());
        QCOMPARE(csv.out.count('\n'), 5); // the header and one line per pair
        const CliRun md = runDiff({m_a, m_b, QStringLiteral("--format"), QStringLiteral("markdown")});
        QCOMPARE(md.exitCode, 0);
        QVERIFY2(md.out.startsWith(QByteArray("# Model diff\n\n- A: `" + m_a.toUtf8() + "`\n")), md.out.constData());
        const CliRun json = runDiff({m_a, m_b, QStringLiteral("--format"), QStringLiteral("json")});
        QCOMPARE(json.out, runDiff({m_a, m_b, QStringLiteral("--json")}).out);
        QCOMPARE(parseJson(json.out)["summary"]["pairs"].get<int>(), 4);
    }

    void exitCodes()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        const CliRun run = runDiff(arguments);
        QVERIFY2(run.exitCode == exitCode, run.err.constData());
    }

    void json()
    {
        const CliRun run =
            runDiff({m_a, m_b, QStringLiteral("--json"), QStringLiteral("--rtol"), QStringLiteral("0.1")});
        QCOMPARE(run.exitCode, 0);
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(run.out, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);

        const QJsonObject s = o[QStringLiteral("summary")].toObject();
        QCOMPARE(s[QStringLiteral("pairs")].toInt(), 4);
        QCOMPARE(s[QStringLiteral("values_differ")].toInt(), 2);
        QCOMPARE(s[QStringLiteral("only_in_a")].toInt(), 1);
        QCOMPARE(s[QStringLiteral("only_in_b")].toInt(), 1);
        QCOMPARE(s[QStringLiteral("identical")].toInt(), 0);
        QCOMPARE(s[QStringLiteral("parameters_changed")].toInt(), 2); // the NaN, and 0.5 > 0.1 * 3.5
        QCOMPARE(s[QStringLiteral("metadata_changes")].toInt(), 3);
        QCOMPARE(s[QStringLiteral("rtol")].toDouble(), 0.1);
        QCOMPARE(s[QStringLiteral("equal")].toBool(), false);

        // w: Δ = (0, 0, -0.5, 0); every number follows from the definitions.
        const QJsonObject w = tensorNamed(o, QStringLiteral("model.w"));
        QCOMPARE(w[QStringLiteral("status")].toString(), QStringLiteral("values_differ"));
        QCOMPARE(w[QStringLiteral("dtype_a")].toString(), QStringLiteral("F32"));
        QCOMPARE(w[QStringLiteral("shape_b")].toArray(), (QJsonArray{2, 2}));
        QCOMPARE(w[QStringLiteral("max_abs")].toDouble(), 0.5);
        QCOMPARE(w[QStringLiteral("max_abs_index")].toInt(), 2);
        QCOMPARE(w[QStringLiteral("max_abs_position")].toArray(), (QJsonArray{1, 0}));
        QCOMPARE(w[QStringLiteral("mean_abs")].toDouble(), 0.125);
        QCOMPARE(w[QStringLiteral("rms")].toDouble(), 0.25);
        QCOMPARE(w[QStringLiteral("rel_l2")].toDouble(), 0.5 / std::sqrt(30.0));
        QVERIFY(std::fabs(w[QStringLiteral("cosine")].toDouble() - 31.5 / std::sqrt(30.0 * 33.25)) < 1e-15);
        QCOMPARE(w[QStringLiteral("beyond_tolerance")].toInt(), 1);
        QCOMPARE(w[QStringLiteral("nan_mismatch")].toInt(), 0);
        QVERIFY(!w.contains(QStringLiteral("name_b")));

        const QJsonObject n = tensorNamed(o, QStringLiteral("model.n"));
        QCOMPARE(n[QStringLiteral("nan_mismatch")].toInt(), 1);
        QCOMPARE(n[QStringLiteral("max_abs")].toDouble(), 0.0);
        QCOMPARE(n[QStringLiteral("beyond_tolerance")].toInt(), 1);

        const QJsonObject removed = tensorNamed(o, QStringLiteral("model.removed"));
        QCOMPARE(removed[QStringLiteral("status")].toString(), QStringLiteral("only_in_a"));
        QVERIFY(removed[QStringLiteral("dtype_b")].isNull());
        QVERIFY(!removed.contains(QStringLiteral("max_abs")));
        QCOMPARE(tensorNamed(o, QStringLiteral("model.added"))[QStringLiteral("status")].toString(),
                 QStringLiteral("only_in_b"));

        const QJsonObject m = o[QStringLiteral("metadata")].toObject();
        QCOMPARE(m[QStringLiteral("added")].toObject()[QStringLiteral("new")].toString(), QStringLiteral("2"));
        QCOMPARE(m[QStringLiteral("removed")].toObject()[QStringLiteral("gone")].toString(), QStringLiteral("1"));
        const QJsonObject v = m[QStringLiteral("changed")].toObject()[QStringLiteral("v")].toObject();
        QCOMPARE(v[QStringLiteral("a")].toString(), QStringLiteral("a"));
        QCOMPARE(v[QStringLiteral("b")].toString(), QStringLiteral("b"));
    }

    void jsonIdenticalAndMapped()
    {
        const CliRun run = runDiff({m_a, m_renamed, QStringLiteral("--json"), QStringLiteral("--map"),
                                    QStringLiteral("strip:model."), QStringLiteral("--fail-on-diff")});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(o[QStringLiteral("summary")].toObject()[QStringLiteral("identical")].toInt(), 3);
        QCOMPARE(o[QStringLiteral("summary")].toObject()[QStringLiteral("equal")].toBool(), true);
        const QJsonObject w = tensorNamed(o, QStringLiteral("model.w"));
        QCOMPARE(w[QStringLiteral("name_b")].toString(), QStringLiteral("w"));
        QCOMPARE(w[QStringLiteral("status")].toString(), QStringLiteral("identical"));
        QCOMPARE(w[QStringLiteral("max_abs")].toDouble(), 0.0); // metrics for every pair that has values
        QCOMPARE(w[QStringLiteral("cosine")].toDouble(), 1.0);
    }

    void jsonError()
    {
        const CliRun run =
            runDiff({m_a, m_b, QStringLiteral("--json"), QStringLiteral("--map"), QStringLiteral("s/(/x/")});
        QCOMPARE(run.exitCode, 2);
        const QJsonObject e = QJsonDocument::fromJson(run.out).object()[QStringLiteral("error")].toObject();
        QCOMPARE(e[QStringLiteral("kind")].toString(), QStringLiteral("InvalidArgument"));
    }

    void text()
    {
        const CliRun run = runDiff({m_a, m_b});
        QCOMPARE(run.exitCode, 0);
        const QString out = QString::fromUtf8(run.out);
        QVERIFY2(out.contains(QStringLiteral("values_differ model.w")), qPrintable(out));
        QVERIFY(out.contains(QStringLiteral("max|d| 0.5 at [1, 0]")));
        QVERIFY(out.contains(QStringLiteral("only_in_a     model.removed")));
        QVERIFY(out.contains(QStringLiteral("~ v: a -> b")));
        QVERIFY(out.contains(QStringLiteral("models differ")));
    }

private:
    QTemporaryDir m_dir;
    QString m_a, m_b, m_same, m_renamed, m_bad;
};

QTEST_GUILESS_MAIN(TestCliDiff)
#include "tst_cli_diff.moc"
