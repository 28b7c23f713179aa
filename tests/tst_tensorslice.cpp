// Slices, windows and downsampling checked against index arithmetic and brute force written out here.
#include "core/values/downsample.h"
#include "core/values/tensorslice.h"

#include <QTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

using namespace safescope;

using Shape = std::vector<uint64_t>;
Q_DECLARE_METATYPE(Shape)

namespace {

// A F32 tensor whose element i holds the value i (exact in float up to 2^24).
struct Iota
{
    explicit Iota(const Shape& s) : shape(s)
    {
        count = std::accumulate(shape.begin(), shape.end(), uint64_t(1), std::multiplies<>());
        bytes.resize(static_cast<qsizetype>(count * 4));
        for (uint64_t i = 0; i < count; ++i) {
            const float v = static_cast<float>(i);
            std::memcpy(bytes.data() + i * 4, &v, 4);
        }
    }
    TensorView view() const
    {
        return {DType::F32, shape, count, reinterpret_cast<const unsigned char*>(bytes.constData()),
                static_cast<uint64_t>(bytes.size())};
    }
    Shape shape;
    uint64_t count = 0;
    QByteArray bytes;
};

// Row-major flat index of a full coordinate.
uint64_t flatIndex(const Shape& shape, const std::vector<uint64_t>& coord)
{
    uint64_t index = 0;
    for (size_t d = 0; d < shape.size(); ++d)
        index = index * shape[d] + coord[d];
    return index;
}

const std::atomic_bool kNoCancel{false};

} // namespace

class TestTensorSlice : public QObject
{
    Q_OBJECT

private slots:
    void windows_data()
    {
        QTest::addColumn<Shape>("shape");
        QTest::addColumn<QString>("index");
        QTest::newRow("0-D") << Shape{} << QString();
        QTest::newRow("1-D") << Shape{7} << QStringLiteral(":");
        QTest::newRow("2-D") << Shape{5, 6} << QStringLiteral(":,:");
        QTest::newRow("2-D row fixed") << Shape{5, 6} << QStringLiteral("2,:");
        QTest::newRow("3-D first fixed") << Shape{3, 4, 5} << QStringLiteral("1,:,:");
        QTest::newRow("3-D middle fixed") << Shape{3, 4, 5} << QStringLiteral(":,-1,:");
        QTest::newRow("3-D last fixed") << Shape{3, 4, 5} << QStringLiteral(":,:,2");
        QTest::newRow("4-D") << Shape{2, 3, 4, 5} << QStringLiteral("1,:,2,:");
        QTest::newRow("5-D") << Shape{2, 3, 2, 4, 3} << QStringLiteral(":,-2,1,:,0");
        QTest::newRow("5-D one free") << Shape{2, 3, 2, 4, 3} << QStringLiteral("1,2,1,:,0");
        QTest::newRow("5-D none free") << Shape{2, 3, 2, 4, 3} << QStringLiteral("1,2,1,3,-1");
    }

    void windows()
    {
        QFETCH(Shape, shape);
        QFETCH(QString, index);
        const Iota t(shape);
        auto spec = parseSliceSpec(index, shape);
        QVERIFY2(spec.ok(), qPrintable(spec.ok() ? QString() : spec.error().message));
        QCOMPARE(parseSliceSpec(formatSliceSpec(*spec), shape)->index, spec->index);
        auto a = sliceAddressing(*spec, shape);
        QVERIFY(a.ok());
        // Every window inside the slice, against coordinates resolved by hand.
        for (uint64_t r0 = 0; r0 < a->rows; ++r0) {
            for (uint64_t c0 = 0; c0 < a->cols; ++c0) {
                const uint64_t rows = a->rows - r0, cols = a->cols - c0;
                std::vector<double> out(static_cast<size_t>(rows * cols), -1);
                QVERIFY(extractWindow(t.view(), *spec, r0, rows, c0, cols, out.data()).ok());
                std::vector<uint64_t> bits(out.size());
                QVERIFY(rawBitsWindow(t.view(), *spec, r0, rows, c0, cols, bits.data()).ok());
                for (uint64_t r = 0; r < rows; ++r) {
                    for (uint64_t c = 0; c < cols; ++c) {
                        std::vector<uint64_t> coord = spec->index;
                        if (spec->rowDim >= 0)
                            coord[static_cast<size_t>(spec->rowDim)] = r0 + r;
                        if (spec->colDim >= 0)
                            coord[static_cast<size_t>(spec->colDim)] = c0 + c;
                        const double want = static_cast<double>(flatIndex(shape, coord));
                        QCOMPARE(out[static_cast<size_t>(r * cols + c)], want);
                        const float f = static_cast<float>(want);
                        uint32_t code;
                        std::memcpy(&code, &f, 4);
                        QCOMPARE(bits[static_cast<size_t>(r * cols + c)], uint64_t(code));
                    }
                }
            }
        }
    }

    void negativeIndex()
    {
        auto spec = parseSliceSpec(QStringLiteral("-1, :, -3"), std::vector<uint64_t>{4, 5, 6});
        QVERIFY(spec.ok());
        QCOMPARE(spec->index[0], uint64_t(3));
        QCOMPARE(spec->index[2], uint64_t(3));
        QCOMPARE(spec->rowDim, 1);
        QCOMPARE(spec->colDim, -1);
    }

    void parseErrors_data()
    {
        QTest::addColumn<Shape>("shape");
        QTest::addColumn<QString>("index");
        QTest::newRow("too few items") << Shape{3, 4, 5} << QStringLiteral(":,:");
        QTest::newRow("too many items") << Shape{3, 4} << QStringLiteral("0,:,:");
        QTest::newRow("three free axes") << Shape{3, 4, 5} << QStringLiteral(":,:,:");
        QTest::newRow("out of range") << Shape{3, 4} << QStringLiteral("3,:");
        QTest::newRow("negative out of range") << Shape{3, 4} << QStringLiteral("-4,:");
        QTest::newRow("not a number") << Shape{3, 4} << QStringLiteral("x,:");
        QTest::newRow("empty item") << Shape{3, 4} << QStringLiteral(",:");
        QTest::newRow("python range") << Shape{3, 4} << QStringLiteral("0:2,:");
        QTest::newRow("index on 0-D") << Shape{} << QStringLiteral("0");
        QTest::newRow("zero-size axis") << Shape{0, 4} << QStringLiteral("0,:");
    }

    void parseErrors()
    {
        QFETCH(Shape, shape);
        QFETCH(QString, index);
        auto spec = parseSliceSpec(index, shape);
        QVERIFY(!spec.ok());
        QCOMPARE(spec.error().kind, ErrorKind::InvalidArgument);
        QVERIFY(!spec.error().message.isEmpty());
    }

    void windowErrors()
    {
        const Iota t({4, 5});
        const SliceSpec spec = defaultSliceSpec(t.shape);
        double out[64];
        QCOMPARE(extractWindow(t.view(), spec, 3, 2, 0, 1, out).error().kind, ErrorKind::InvalidArgument);
        QCOMPARE(extractWindow(t.view(), spec, 0, 1, 5, 1, out).error().kind, ErrorKind::InvalidArgument);
        SliceSpec bad = spec;
        bad.colDim = bad.rowDim;
        QCOMPARE(extractWindow(t.view(), bad, 0, 1, 0, 1, out).error().kind, ErrorKind::InvalidArgument);
    }

    void downsampling_data()
    {
        QTest::addColumn<Shape>("shape");
        QTest::addColumn<QString>("index");
        QTest::addColumn<int>("outRows");
        QTest::addColumn<int>("outCols");
        QTest::newRow("2-D even") << Shape{40, 60} << QStringLiteral(":,:") << 4 << 6;
        QTest::newRow("2-D uneven") << Shape{37, 53} << QStringLiteral(":,:") << 5 << 7;
        QTest::newRow("2-D larger than data") << Shape{3, 4} << QStringLiteral(":,:") << 10 << 10;
        QTest::newRow("3-D strided columns") << Shape{30, 4, 50} << QStringLiteral(":,2,:") << 7 << 9;
        QTest::newRow("3-D transposed axes") << Shape{20, 3, 30} << QStringLiteral(":,1,:") << 3 << 11;
        QTest::newRow("1-D") << Shape{1000} << QStringLiteral(":") << 13 << 1;
        QTest::newRow("wide rows") << Shape{3, 40000} << QStringLiteral(":,:") << 2 << 17;
    }

    void downsampling()
    {
        QFETCH(Shape, shape);
        QFETCH(QString, index);
        QFETCH(int, outRows);
        QFETCH(int, outCols);
        Iota t(shape);
        // Signs and NaNs so both reductions have something to get wrong.
        for (uint64_t i = 0; i < t.count; ++i) {
            float v = static_cast<float>(i % 97) - 48.0f;
            if (i % 31 == 5)
                v = std::numeric_limits<float>::quiet_NaN();
            std::memcpy(t.bytes.data() + i * 4, &v, 4);
        }
        auto spec = parseSliceSpec(index, shape);
        QVERIFY(spec.ok());
        auto a = sliceAddressing(*spec, shape);
        const IndexRange rows{1, a->rows - 1};
        const IndexRange cols{0, a->cols};
        for (Reduction reduction : {Reduction::Mean, Reduction::MaxAbs}) {
            auto d = downsample(t.view(), *spec, rows, cols, static_cast<uint64_t>(outRows),
                                static_cast<uint64_t>(outCols), reduction, kNoCancel);
            QVERIFY(d.ok());
            QCOMPARE(d->rows, std::min<uint64_t>(static_cast<uint64_t>(outRows), rows.count));
            QCOMPARE(d->cols, std::min<uint64_t>(static_cast<uint64_t>(outCols), cols.count));
            for (uint64_t i = 0; i < d->rows; ++i) {
                for (uint64_t j = 0; j < d->cols; ++j) {
                    double sum = 0, best = 0;
                    uint64_t n = 0;
                    for (uint64_t r = rows.begin + i * rows.count / d->rows;
                         r < rows.begin + (i + 1) * rows.count / d->rows; ++r) {
                        for (uint64_t c = j * cols.count / d->cols; c < (j + 1) * cols.count / d->cols; ++c) {
                            float v;
                            std::memcpy(&v, t.bytes.constData() + (a->base + r * a->rowStride + c * a->colStride) * 4,
                                        4);
                            if (std::isnan(v))
                                continue;
                            sum += v;
                            if (n == 0 || std::fabs(v) > std::fabs(best))
                                best = v;
                            ++n;
                        }
                    }
                    const double got = d->values[static_cast<size_t>(i * d->cols + j)];
                    if (n == 0) {
                        QVERIFY(std::isnan(got));
                        continue;
                    }
                    const double want = reduction == Reduction::Mean ? sum / static_cast<double>(n) : best;
                    QVERIFY2(std::fabs(got - want) <= 1e-9 * std::max(1.0, std::fabs(want)),
                             qPrintable(QStringLiteral("cell %1,%2: %3 vs %4").arg(i).arg(j).arg(got).arg(want)));
                }
            }
        }
    }

    void downsampleErrorsAndCancel()
    {
        const Iota t({2000, 100});
        const SliceSpec spec = defaultSliceSpec(t.shape);
        QCOMPARE(downsample(t.view(), spec, {0, 2000}, {0, 100}, 0, 10, Reduction::Mean, kNoCancel).error().kind,
                 ErrorKind::InvalidArgument);
        QCOMPARE(downsample(t.view(), spec, {10, 1991}, {0, 100}, 10, 10, Reduction::Mean, kNoCancel).error().kind,
                 ErrorKind::InvalidArgument);
        std::atomic_bool cancel{false};
        int calls = 0;
        auto d = downsample(t.view(), spec, {0, 2000}, {0, 100}, 1000, 100, Reduction::MaxAbs, cancel, [&](double) {
            if (++calls == 2)
                cancel = true;
        });
        QVERIFY(!d.ok());
        QCOMPARE(d.error().kind, ErrorKind::Cancelled);
        QVERIFY(calls < 10);
    }
};

QTEST_GUILESS_MAIN(TestTensorSlice)
#include "tst_tensorslice.moc"
