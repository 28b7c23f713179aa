// safescope-cli stats and slice, run as a user runs them: exit codes and the JSON they print.
#include "support/clirun.h"
#include "support/fixtures.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <cmath>
#include <cstring>
#include <limits>

using namespace safescope;
using namespace safescope::test;

namespace {

QByteArray floats(std::initializer_list<float> values)
{
    QByteArray out;
    for (float v : values)
        out.append(reinterpret_cast<const char*>(&v), 4);
    return out;
}

} // namespace

class TestCliValues : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty(), "SAFESCOPE_CLI is set by ctest");
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float inf = std::numeric_limits<float>::infinity();
        // m: 2 x 3 x 2 F32 holding 0..11 with two specials; b: 4 BF16 values 1, -2, 0.5, 0.
        const QByteArray m = floats({0, 1, 2, 3, 4, 5, 6, nan, 8, 9, -inf, 11});
        const QByteArray b("\x80\x3f\x00\xc0\x00\x3f\x00\x00", 8);
        const QByteArray header =
            "{" + test::tensorJson("b", "BF16", {4}, 0, 8) + "," + test::tensorJson("m", "F32", {2, 3, 2}, 8, 56) + "}";
        m_path = test::writeFile(m_dir, QStringLiteral("values.safetensors"), test::rawFile(header, b + m));
        m_bad = test::writeFile(m_dir, QStringLiteral("bad.safetensors"), QByteArray("\x04\0\0\0\0\0\0\0{}", 10));
    }

    void statsJson()
    {
        const CliRun run = runCli({QStringLiteral("stats"), m_path, QStringLiteral("b"), QStringLiteral("--bins"),
                                   QStringLiteral("4"), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(run.out).object();
        for (const char* key : {"count", "min", "max", "mean", "std", "sum", "l2", "zeros", "nan", "posinf", "neginf",
                                "subnormal", "percentiles", "histogram", "exact", "dtype"})
            QVERIFY2(o.contains(QLatin1String(key)), key);
        QCOMPARE(o[QStringLiteral("count")].toInt(), 4);
        QCOMPARE(o[QStringLiteral("min")].toDouble(), -2.0);
        QCOMPARE(o[QStringLiteral("max")].toDouble(), 1.0);
        QCOMPARE(o[QStringLiteral("sum")].toDouble(), -0.5);
        QCOMPARE(o[QStringLiteral("zeros")].toInt(), 1);
        QCOMPARE(o[QStringLiteral("exact")].toBool(), true);
        QCOMPARE(o[QStringLiteral("dtype")].toString(), QStringLiteral("BF16"));
        const QJsonObject p = o[QStringLiteral("percentiles")].toObject();
        for (const char* key : {"p0.1", "p1", "p5", "p25", "p50", "p75", "p95", "p99", "p99.9"})
            QVERIFY2(p.contains(QLatin1String(key)), key);
        QCOMPARE(p[QStringLiteral("p50")].toDouble(), 0.25); // numpy: between 0 and 0.5
        const QJsonObject h = o[QStringLiteral("histogram")].toObject();
        QCOMPARE(h[QStringLiteral("edges")].toArray().size(), 5);
        QCOMPARE(h[QStringLiteral("counts")].toArray().size(), 4);
    }

    void statsSpecials()
    {
        const CliRun run = runCli({QStringLiteral("stats"), m_path, QStringLiteral("m"), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(o[QStringLiteral("nan")].toInt(), 1);
        QCOMPARE(o[QStringLiteral("neginf")].toInt(), 1);
        QCOMPARE(o[QStringLiteral("max")].toDouble(), 11.0);
        QCOMPARE(o[QStringLiteral("exact")].toBool(), false);
        QCOMPARE(o[QStringLiteral("histogram")].toObject()[QStringLiteral("counts")].toArray().size(), 256);
        const CliRun text = runCli({QStringLiteral("stats"), m_path, QStringLiteral("m")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("mean"));
    }

    void sliceJson()
    {
        const CliRun run = runCli({QStringLiteral("slice"), m_path, QStringLiteral("m"), QStringLiteral("--index"),
                                   QStringLiteral("1,:,:"), QStringLiteral("--rows"), QStringLiteral("0:2"),
                                   QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(o[QStringLiteral("shape")].toArray(), (QJsonArray{2, 2}));
        QCOMPARE(o[QStringLiteral("rows")].toArray(), (QJsonArray{0, 2}));
        QCOMPARE(o[QStringLiteral("cols")].toArray(), (QJsonArray{0, 2}));
        // m[1] = [[6, nan], [8, 9], [-inf, 11]]
        QCOMPARE(o[QStringLiteral("values")].toArray(),
                 (QJsonArray{QJsonArray{6, QStringLiteral("nan")}, QJsonArray{8, 9}}));
        const CliRun tail = runCli({QStringLiteral("slice"), m_path, QStringLiteral("m"), QStringLiteral("--index"),
                                    QStringLiteral("-1,:,0"), QStringLiteral("--json")});
        QCOMPARE(tail.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(tail.out).object()[QStringLiteral("values")].toArray(),
                 (QJsonArray{QJsonArray{6}, QJsonArray{8}, QJsonArray{QStringLiteral("-inf")}}));
        const CliRun tsv = runCli(
            {QStringLiteral("slice"), m_path, QStringLiteral("m"), QStringLiteral("--index"), QStringLiteral("0,:,:")});
        QCOMPARE(tsv.exitCode, 0);
        QCOMPARE(tsv.out, QByteArray("0\t1\n2\t3\n4\t5\n"));
    }

    void exitCodes_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("unknown tensor") << QStringList{QStringLiteral("stats"), QStringLiteral("@"),
                                                       QStringLiteral("zz")}
                                        << 2;
        QTest::newRow("missing file") << QStringList{QStringLiteral("stats"),
                                                     QStringLiteral("/nonexistent/x.safetensors"), QStringLiteral("m")}
                                      << 2;
        QTest::newRow("invalid file") << QStringList{QStringLiteral("stats"), QStringLiteral("@bad"),
                                                     QStringLiteral("m")}
                                      << 1;
        QTest::newRow("bad bins") << QStringList{QStringLiteral("stats"), QStringLiteral("@"), QStringLiteral("m"),
                                                 QStringLiteral("--bins"), QStringLiteral("0")}
                                  << 2;
        QTest::newRow("missing tensor argument") << QStringList{QStringLiteral("stats"), QStringLiteral("@")} << 2;
        QTest::newRow("bad index") << QStringList{QStringLiteral("slice"), QStringLiteral("@"), QStringLiteral("m"),
                                                  QStringLiteral("--index"), QStringLiteral(":,:,:")}
                                   << 2;
        QTest::newRow("bad range") << QStringList{QStringLiteral("slice"), QStringLiteral("@"), QStringLiteral("m"),
                                                  QStringLiteral("--rows"), QStringLiteral("x")}
                                   << 2;
    }

    void exitCodes()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        for (QString& a : arguments) {
            if (a == QLatin1String("@"))
                a = m_path;
            else if (a == QLatin1String("@bad"))
                a = m_bad;
        }
        QCOMPARE(runCli(arguments).exitCode, exitCode);
        arguments << QStringLiteral("--json");
        QCOMPARE(runCli(arguments).exitCode, exitCode);
    }

private:
    QTemporaryDir m_dir;
    QString m_path;
    QString m_bad;
};

QTEST_GUILESS_MAIN(TestCliValues)
#include "tst_cli_values.moc"
