// The values models: the lazy slice table, the statistics table and the heatmap's colour scale maths.
#include "core/values/dtypecodec.h"
#include "core/format/model.h"
#include "core/format/safetensorsfile.h"
#include "support/fixtures.h"
#include "ui/models/cellformat.h"
#include "ui/models/colorscale.h"
#include "ui/models/roles.h"
#include "ui/models/slicetablemodel.h"
#include "ui/models/statstablemodel.h"

#include <QAbstractItemModelTester>
#include <QItemSelection>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <bit>
#include <cmath>
#include <limits>

using namespace safescope;
using namespace safescope::test;

namespace {

// Element i of the F32 cube holds i * 0.5 - 7: every cell differs, signs mixed, exactly representable.
float cubeValue(uint64_t i)
{
    return static_cast<float>(static_cast<double>(i) * 0.5 - 7.0);
}

QByteArray f32Bytes(uint64_t count, float (*value)(uint64_t))
{
    QByteArray bytes(static_cast<qsizetype>(count * 4), '\0');
    for (uint64_t i = 0; i < count; ++i)
        qToLittleEndian<quint32>(std::bit_cast<quint32>(value(i)), bytes.data() + i * 4);
    return bytes;
}

} // namespace

class TestValuesModels final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // cube: F32 [3, 4, 5]; ints: I16 [2, 3] = -3..2; big: I8 [1000, 700].
        const QByteArray cube = f32Bytes(60, cubeValue);
        QByteArray ints(12, '\0');
        for (int i = 0; i < 6; ++i)
            qToLittleEndian<qint16>(static_cast<qint16>(i - 3), ints.data() + i * 2);
        const QByteArray big = patternBytes(700000, 7);
        const QByteArray header = '{' + tensorJson("cube", "F32", {3, 4, 5}, 0, 240) + ',' +
                                  tensorJson("ints", "I16", {2, 3}, 240, 252) + ',' +
                                  tensorJson("big", "I8", {1000, 700}, 252, 252 + 700000) + '}';
        const QString path = writeFile(m_dir, QStringLiteral("values.safetensors"), rawFile(header, cube + ints + big));
        auto opened = Model::open(path);
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().describe()));
        m_model = *opened;
        m_big = patternBytes(700000, 7);
    }

    void sliceTableDefaultsToTheLastTwoAxes()
    {
        SliceTableModel table;
        QAbstractItemModelTester tester(&table, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(table.rowCount(), 0);
        QSignalSpy resets(&table, &QAbstractItemModel::modelReset);
        table.setTensor(m_model, *m_model->find("cube"));
        QCOMPARE(resets.count(), 1);
        QCOMPARE(table.rowCount(), 4);
        QCOMPARE(table.columnCount(), 5);
        for (int r = 0; r < 4; ++r) {
            for (int c = 0; c < 5; ++c) {
                const double expected = cubeValue(static_cast<uint64_t>(r * 5 + c));
                QCOMPARE(table.data(table.index(r, c), SortRole).toDouble(), expected);
                QCOMPARE(table.data(table.index(r, c)).toString(),
                         QString::number(expected, 'g', QLocale::FloatingPointShortest));
            }
        }
        QCOMPARE(table.headerData(3, Qt::Vertical).toString(), QStringLiteral("3"));
        QVERIFY(table.error().isEmpty());
    }

    void sliceTableFollowsIndexAndDimensionChanges()
    {
        SliceTableModel table;
        QAbstractItemModelTester tester(&table, QAbstractItemModelTester::FailureReportingMode::QtTest);
        table.setTensor(m_model, *m_model->find("cube"));

        // Fixed index on axis 0.
        SliceSpec spec = table.spec();
        spec.index = {2, 0, 0};
        QVERIFY(table.setSpec(spec));
        QCOMPARE(table.data(table.index(1, 3), SortRole).toDouble(), cubeValue(2 * 20 + 1 * 5 + 3));

        // Rows along axis 0, columns along axis 2, axis 1 fixed at 3: element (r, c) is r*20 + 3*5 + c.
        spec = SliceSpec{{0, 3, 0}, 0, 2};
        QVERIFY(table.setSpec(spec));
        QCOMPARE(table.rowCount(), 3);
        QCOMPARE(table.columnCount(), 5);
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 5; ++c)
                QCOMPARE(table.cellValue(uint64_t(r), uint64_t(c)), double(cubeValue(uint64_t(r * 20 + 15 + c))));

        // Transposed: rows along axis 2.
        QVERIFY(table.setSpec(SliceSpec{{1, 0, 0}, 2, 1}));
        QCOMPARE(table.rowCount(), 5);
        QCOMPARE(table.columnCount(), 4);
        QCOMPARE(table.cellValue(4, 2), double(cubeValue(20 + 2 * 5 + 4)));

        // One free axis: a single column.
        QVERIFY(table.setSpec(SliceSpec{{1, 2, 0}, 2, -1}));
        QCOMPARE(table.columnCount(), 1);
        QCOMPARE(table.cellValue(3, 0), double(cubeValue(20 + 10 + 3)));

        // Out of range: refused, nothing changes.
        QVERIFY(!table.setSpec(SliceSpec{{9, 0, 0}, 1, 2}));
        QCOMPARE(table.columnCount(), 1);
    }

    void numberFormatsChangeTheText()
    {
        SliceTableModel table;
        QAbstractItemModelTester tester(&table, QAbstractItemModelTester::FailureReportingMode::QtTest);
        table.setTensor(m_model, *m_model->find("cube"));
        QSignalSpy changed(&table, &QAbstractItemModel::dataChanged);
        const double v = cubeValue(7); // (1, 2) = -3.5
        table.setNumberFormat(NumberFormat::Scientific);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(table.data(table.index(1, 2)).toString(), QStringLiteral("-3.5e+00"));
        table.setNumberFormat(NumberFormat::HexBits);
        QCOMPARE(table.data(table.index(1, 2)).toString(),
                 QStringLiteral("0x") + QString::number(std::bit_cast<quint32>(float(v)), 16).rightJustified(8, u'0'));
        QCOMPARE(table.data(table.index(1, 2)).toString(), QStringLiteral("0xc0600000"));
        QCOMPARE(table.data(table.index(1, 2), SortRole).toDouble(), v); // the number is unchanged

        // Integers: plain in fixed, two's complement in hex.
        table.setTensor(m_model, *m_model->find("ints"));
        table.setNumberFormat(NumberFormat::Fixed);
        QCOMPARE(table.data(table.index(0, 0)).toString(), QStringLiteral("-3"));
        QCOMPARE(table.data(table.index(1, 2)).toString(), QStringLiteral("2"));
        table.setNumberFormat(NumberFormat::HexBits);
        QCOMPARE(table.data(table.index(0, 0)).toString(), QStringLiteral("0xfffd"));
    }

    void floatsShowTheDigitsTheirDtypeHolds()
    {
        const auto f32 = [](float v) {
            return cellformat::text(DType::F32, v, std::bit_cast<uint32_t>(v), NumberFormat::Fixed);
        };
        // No float64 noise: 0.1f is 0.100000001490116... as a double.
        QCOMPARE(f32(0.1f), QStringLiteral("0.1"));
        QCOMPARE(cellformat::exact(DType::F32, double(0.1f), std::bit_cast<uint32_t>(0.1f)), QStringLiteral("0.1"));
        // Small and large values switch to an exponent instead of showing 0.000000 or 40 digits.
        QCOMPARE(f32(1e-8f), QStringLiteral("1e-08"));
        QCOMPARE(f32(-2.5e-7f), QStringLiteral("-2.5e-07"));
        QCOMPARE(f32(std::numeric_limits<float>::max()), QStringLiteral("3.4028235e+38"));
        QCOMPARE(f32(123456.0f), QStringLiteral("123456"));
        QCOMPARE(f32(0.0f), QStringLiteral("0"));
        // 16-bit floats: the fewest digits that encode back to the same code.
        const uint16_t bf = encodeBF16(0.1f);
        QCOMPARE(cellformat::text(DType::BF16, decodeBF16(bf), bf, NumberFormat::Fixed), QStringLiteral("0.1"));
        const uint16_t half = encodeF16(1.0f / 3.0f);
        QCOMPARE(cellformat::text(DType::F16, decodeF16(half), half, NumberFormat::Fixed), QStringLiteral("0.3333"));
        QCOMPARE(cellformat::text(DType::F16, decodeF16(half), half, NumberFormat::Scientific),
                 QStringLiteral("3.333e-01"));
        QCOMPARE(cellformat::text(DType::F64, 0.1, std::bit_cast<uint64_t>(0.1), NumberFormat::Fixed),
                 QStringLiteral("0.1"));
        // Differences (no dtype of their own) at float precision, never hidden.
        QCOMPARE(cellformat::number(1e-8, NumberFormat::Fixed), QStringLiteral("1e-08"));
        // Whatever is shown reads back to the same element, so a copy is exact.
        uint32_t seed = 12345;
        for (int i = 0; i < 20000; ++i) {
            seed = seed * 1664525u + 1013904223u;
            const uint32_t bits = (seed & 0x7f7fffffu) | ((seed & 1u) << 31); // finite
            const float v = std::bit_cast<float>(bits);
            const QString text = f32(v);
            QCOMPARE(std::bit_cast<uint32_t>(text.toFloat()), bits);
            const uint16_t code = static_cast<uint16_t>(seed >> 7) & 0x7f7f;
            QCOMPARE(encodeBF16(cellformat::text(DType::BF16, decodeBF16(code), code, NumberFormat::Fixed).toFloat()),
                     code);
        }
    }

    void copiesTheSelectionAsTsv()
    {
        SliceTableModel table;
        table.setTensor(m_model, *m_model->find("cube"));
        QItemSelection selection(table.index(1, 1), table.index(2, 3));
        const auto text = [&](int r, int c) {
            return QString::number(cubeValue(uint64_t(r * 5 + c)), 'g', QLocale::FloatingPointShortest);
        };
        QString expected;
        for (int r = 1; r <= 2; ++r)
            expected += text(r, 1) + u'\t' + text(r, 2) + u'\t' + text(r, 3) + u'\n';
        QCOMPARE(table.tsv(selection), expected);
        QCOMPARE(table.tsv(selection), QStringLiteral("-4\t-3.5\t-3\n-1.5\t-1\t-0.5\n"));

        // Two disjoint cells: the bounding box, with the unselected cells empty.
        QItemSelection sparse;
        sparse.select(table.index(0, 0), table.index(0, 0));
        sparse.select(table.index(1, 2), table.index(1, 2));
        QCOMPARE(table.tsv(sparse), QStringLiteral("-7\t\t\n\t\t-3.5\n"));
        QCOMPARE(table.tsv({}), QString());
    }

    void largeSlicesDecodeOnlyWhatIsAsked()
    {
        SliceTableModel table;
        QAbstractItemModelTester tester(&table, QAbstractItemModelTester::FailureReportingMode::QtTest);
        table.setTensor(m_model, *m_model->find("big"));
        QCOMPARE(table.rowCount(), 1000);
        QCOMPARE(table.columnCount(), 700);
        // Scattered reads, as scrolling does; each must match the byte in the file.
        for (int i = 0; i < 2000; ++i) {
            const int r = (i * 7919) % 1000;
            const int c = (i * 104729) % 700;
            const auto expected = static_cast<qint8>(m_big[r * 700 + c]);
            QCOMPARE(table.cellValue(uint64_t(r), uint64_t(c)), double(expected));
        }
    }

    void longAxesAreShownThroughAWindow()
    {
        // A 1-D U8 tensor of 3 * 2^20 + 5 elements (byte i = i % 251) and an empty [2^63, 0] tensor.
        const uint64_t n = 3 * SliceTableModel::kMaxSections + 5;
        QByteArray bytes(static_cast<qsizetype>(n), '\0');
        for (uint64_t i = 0; i < n; ++i)
            bytes[static_cast<qsizetype>(i)] = static_cast<char>(i % 251);
        const QByteArray header = '{' + tensorJson("long", "U8", {n}, 0, n) + ',' +
                                  tensorJson("none", "F32", {uint64_t(1) << 63, 0}, n, n) + '}';
        const QString path = writeFile(m_dir, QStringLiteral("long.safetensors"), rawFile(header, bytes));
        auto opened = Model::open(path);
        QVERIFY(opened);
        const std::shared_ptr<const Model> model = *opened;

        SliceTableModel table;
        QAbstractItemModelTester tester(&table, QAbstractItemModelTester::FailureReportingMode::QtTest);
        table.setTensor(model, *model->find("long"));
        QCOMPARE(uint64_t(table.rowCount()), SliceTableModel::kMaxSections);
        QCOMPARE(table.columnCount(), 1);
        QCOMPARE(table.addressing().rows, n);

        table.setOrigin(2 * SliceTableModel::kMaxSections, 0);
        QCOMPARE(table.rowOrigin(), 2 * SliceTableModel::kMaxSections);
        QCOMPARE(table.headerData(0, Qt::Vertical).toString(), QString::number(2 * SliceTableModel::kMaxSections));
        QCOMPARE(table.data(table.index(3, 0), SortRole).toDouble(),
                 double((2 * SliceTableModel::kMaxSections + 3) % 251));
        table.setOrigin(n, 0); // clamped: the window stays full
        QCOMPARE(table.rowOrigin(), n - SliceTableModel::kMaxSections);
        QCOMPARE(uint64_t(table.rowCount()), SliceTableModel::kMaxSections);

        // Revealing a cell outside the window centres a new window on it; inside, nothing moves.
        const QModelIndex early = table.revealCell(10, 0);
        QCOMPARE(table.rowOrigin(), uint64_t(0));
        QCOMPARE(early.row(), 10);
        const QModelIndex late = table.revealCell(n - 1, 0);
        QVERIFY(late.isValid());
        QCOMPARE(table.rowOrigin() + uint64_t(late.row()), n - 1);
        QCOMPARE(table.data(late, SortRole).toDouble(), double((n - 1) % 251));
        QVERIFY(!table.revealCell(n, 0).isValid());

        // A zero-length axis empties the table whatever the other axis holds; a new tensor starts at origin 0.
        table.setTensor(model, *model->find("none"));
        QCOMPARE(table.rowCount(), 0);
        QCOMPARE(table.columnCount(), 0);
        QCOMPARE(table.rowOrigin(), uint64_t(0));
    }

    void statsTableShowsEveryQuantity()
    {
        StatsTableModel stats;
        QAbstractItemModelTester tester(&stats, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto s = std::make_shared<TensorStats>();
        s->count = 10;
        s->finite = 8;
        s->mean = 0.25;
        s->nan = 2;
        s->percentiles[4] = 1.5;
        s->sampled = true;
        stats.setStats(s);
        QCOMPARE(stats.columnCount(), 2);
        QCOMPARE(stats.headerData(1, Qt::Horizontal).toString(), QStringLiteral("Value (sample)"));
        QCOMPARE(stats.valueText(QStringLiteral("count")), QStringLiteral("10"));
        QCOMPARE(stats.valueText(QStringLiteral("mean")), QStringLiteral("0.25"));
        QCOMPARE(stats.valueText(QStringLiteral("nan")), QStringLiteral("2"));
        QCOMPARE(stats.valueText(QStringLiteral("p50")), QStringLiteral("1.5"));

        auto complex = std::make_shared<TensorStats>();
        complex->real = ValueStats{};
        complex->imag = ValueStats{};
        complex->imag->max = -2;
        stats.setStats(complex);
        QCOMPARE(stats.columnCount(), 4);
        QCOMPARE(stats.valueText(QStringLiteral("max"), 2), QStringLiteral("-2"));

        auto flags = std::make_shared<TensorStats>();
        flags->bools = BoolCounts{3, 4, 0};
        stats.setStats(flags);
        QCOMPARE(stats.valueText(QStringLiteral("true")), QStringLiteral("4"));
        QCOMPARE(stats.valueText(QStringLiteral("false")), QStringLiteral("3"));
        stats.setStats(nullptr);
        QCOMPARE(stats.rowCount(), 0);
    }

    void colorScale_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<double>("lo");
        QTest::addColumn<double>("hi");
        QTest::addColumn<bool>("diverging");
        QTest::addColumn<double>("expectedLo");
        QTest::addColumn<double>("expectedHi");
        QTest::addColumn<double>("value");
        QTest::addColumn<double>("coordinate");
        const int linear = int(ColorScale::Kind::Linear);
        const int symlog = int(ColorScale::Kind::SymLog);
        QTest::newRow("linear") << linear << 1.0 << 3.0 << false << 1.0 << 3.0 << 2.0 << 2.0;
        QTest::newRow("diverging is symmetric") << linear << -1.0 << 4.0 << true << -4.0 << 4.0 << -1.0 << -1.0;
        QTest::newRow("flat range widened") << linear << 2.0 << 2.0 << false << 1.0 << 3.0 << 2.0 << 2.0;
        QTest::newRow("swapped bounds") << linear << 3.0 << 1.0 << false << 1.0 << 3.0 << 1.0 << 1.0;
        // threshold = 10 / 1000 = 0.01: log10(1 + 1 / 0.01) = log10(101).
        QTest::newRow("symlog") << symlog << -10.0 << 10.0 << true << -10.0 << 10.0 << 1.0 << std::log10(101.0);
        QTest::newRow("symlog odd") << symlog << -10.0 << 10.0 << true << -10.0 << 10.0 << -1.0 << -std::log10(101.0);
        QTest::newRow("symlog zero") << symlog << -10.0 << 10.0 << true << -10.0 << 10.0 << 0.0 << 0.0;
    }

    void colorScale()
    {
        QFETCH(int, kind);
        QFETCH(double, lo);
        QFETCH(double, hi);
        QFETCH(bool, diverging);
        const ColorScale scale = ColorScale::make(ColorScale::Kind(kind), lo, hi, diverging);
        QTEST(scale.lo(), "expectedLo");
        QTEST(scale.hi(), "expectedHi");
        QFETCH(double, value);
        QFETCH(double, coordinate);
        QVERIFY(std::abs(scale.forward(value) - coordinate) < 1e-12);
        QVERIFY(std::abs(scale.inverse(scale.forward(value)) - value) < 1e-12);
    }

    void symlogTicksAreDecadesAroundZero()
    {
        const ColorScale scale = ColorScale::make(ColorScale::Kind::SymLog, -1.0, 1.0, true, 0.01);
        const std::vector<double> expected{-1.0, -0.1, -0.01, 0.0, 0.01, 0.1, 1.0};
        const std::vector<double> ticks = scale.symlogTicks();
        QCOMPARE(ticks.size(), expected.size());
        for (size_t i = 0; i < ticks.size(); ++i)
            QVERIFY2(std::abs(ticks[i] - expected[i]) < 1e-12, qPrintable(QString::number(ticks[i])));
    }

private:
    QTemporaryDir m_dir;
    std::shared_ptr<const Model> m_model;
    QByteArray m_big;
};

QTEST_GUILESS_MAIN(TestValuesModels)
#include "tst_valuesmodels.moc"
