// Replays every input in tests/fuzz/regressions/ through all three fuzz targets, compiled into this test under other
// names. A crash the fuzzers found stays found: each file is named after what it broke, and the dev and ASan suites
// run them on every build, without clang or libFuzzer.
#include <QDir>
#include <QFile>
#include <QTest>

#include <cstddef>
#include <cstdint>

extern "C" int fuzzHeaderEntry(const uint8_t* data, size_t size);
extern "C" int fuzzIndexEntry(const uint8_t* data, size_t size);
extern "C" int fuzzValuesEntry(const uint8_t* data, size_t size);

class TestFuzzRegressions final : public QObject
{
    Q_OBJECT

private slots:
    void replay_data()
    {
        QTest::addColumn<QString>("path");
        const QDir dir(QStringLiteral(SAFESCOPE_FUZZ_REGRESSIONS));
        const QStringList names = dir.entryList(QDir::Files, QDir::Name);
        QVERIFY(!names.isEmpty());
        for (const QString& name : names)
            QTest::newRow(qPrintable(name)) << dir.filePath(name);
    }

    void replay()
    {
        QFETCH(QString, path);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        const auto* data = reinterpret_cast<const uint8_t*>(bytes.constData());
        const auto size = static_cast<size_t>(bytes.size());
        // The targets trap on a broken invariant; reaching the comparisons means every one survived the input.
        QCOMPARE(fuzzHeaderEntry(data, size), 0);
        QCOMPARE(fuzzIndexEntry(data, size), 0);
        QCOMPARE(fuzzValuesEntry(data, size), 0);
    }
};

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "tst_fuzzregressions.moc"
