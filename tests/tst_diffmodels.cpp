// Diff view models: the pair table under QAbstractItemModelTester (streamed rows, reset, sort roles), the filter
// proxy, the layer/module parser, the heatmap grid and the report formats.
#include "core/diff/deltaslice.h"
#include "core/diff/diffreport.h"
#include "core/diff/modeldiff.h"
#include "core/diff/pairhistograms.h"
#include "core/format/model.h"
#include "support/tensorfilebuilder.h"
#include "ui/models/difffilterproxymodel.h"
#include "ui/models/difflayergrid.h"
#include "ui/models/diffslicetablemodel.h"
#include "ui/models/difftablemodel.h"
#include "ui/models/layermodule.h"
#include "ui/models/logcolorscale.h"
#include "ui/models/roles.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QItemSelection>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPalette>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <limits>

using namespace safescope;

namespace {

TensorDiff row(size_t pair, const char* name, DiffStatus status, std::optional<double> relL2 = std::nullopt,
               uint64_t beyond = 0)
{
    TensorDiff d;
    d.pair = pair;
    d.name = name;
    d.status = status;
    d.indexA = status == DiffStatus::OnlyInB ? std::nullopt : std::optional<size_t>(pair);
    d.indexB = status == DiffStatus::OnlyInA ? std::nullopt : std::optional<size_t>(pair);
    d.dtypeA = d.dtypeB = DType::F32;
    d.shapeA = d.shapeB = {4};
    if (relL2) {
        DiffMetrics m;
        m.count = 4;
        m.relL2 = *relL2;
        m.maxAbs = *relL2 * 2;
        m.cosine = 1.0 - *relL2 / 10;
        m.beyondTolerance = beyond;
        d.metrics = m;
    }
    return d;
}

std::vector<TensorDiff> sampleRows()
{
    return {row(0, "model.embed.weight", DiffStatus::Identical, 0.0),
            row(1, "model.layers.0.q.weight", DiffStatus::ValuesDiffer, 0.5, 3),
            row(2, "model.layers.1.q.weight", DiffStatus::Identical, 0.0),
            row(3, "model.layers.1.k.weight", DiffStatus::ValuesDiffer, 0.25, 1),
            row(4, "model.layers.0.k.weight", DiffStatus::OnlyInA),
            row(5, "model.extra.bias", DiffStatus::OnlyInB)};
}

/// Bytes of one side of a Δ test and the values a decoder must read back from them.
struct Side
{
    QByteArray bytes;
    std::vector<double> decoded;
    DType dtype = DType::F32;
};

/// `values` stored as `dtype`: F32 exactly, BF16 truncated by the test's own encoder, I32 rounded.
Side encode(const std::vector<float>& values, DType dtype)
{
    Side side;
    side.dtype = dtype;
    if (dtype == DType::BF16) {
        std::vector<float> back;
        side.bytes = test::bf16Truncated(values, &back);
        side.decoded.assign(back.begin(), back.end());
    } else if (dtype == DType::I32) {
        std::vector<int32_t> ints;
        for (float v : values)
            ints.push_back(static_cast<int32_t>(std::lround(v)));
        side.bytes = test::bytesOf(ints);
        side.decoded.assign(ints.begin(), ints.end());
    } else {
        side.bytes = test::bytesOf(values);
        side.decoded.assign(values.begin(), values.end());
    }
    return side;
}

TensorView viewOver(const Side& side, const std::vector<uint64_t>& shape)
{
    uint64_t n = 1;
    for (uint64_t d : shape)
        n *= d;
    return TensorView{side.dtype, shape, n, reinterpret_cast<const unsigned char*>(side.bytes.constData()),
                      static_cast<uint64_t>(side.bytes.size())};
}

/// A 2 x 3 x 4 tensor of distinct non-integral values, and a B that differs from it by a position-dependent amount.
std::vector<float> valuesA()
{
    std::vector<float> v(24);
    for (size_t i = 0; i < v.size(); ++i)
        v[i] = 0.375f * static_cast<float>(i) - 3.1f;
    return v;
}

std::vector<float> valuesB()
{
    std::vector<float> v = valuesA();
    for (size_t i = 0; i < v.size(); ++i)
        v[i] += (i % 5 == 0) ? 0.0f : 0.01f * static_cast<float>(i);
    return v;
}

} // namespace

class TestDiffModels : public QObject
{
    Q_OBJECT

private slots:
    void layerModule_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("layer");
        QTest::addColumn<QString>("module");
        QTest::newRow("llama") << "model.layers.12.self_attn.q_proj.weight" << 12 << "self_attn.q_proj.weight";
        QTest::newRow("no prefix") << "layers.0.mlp.up.weight" << 0 << "mlp.up.weight";
        QTest::newRow("blocks") << "vit.blocks.3.attn.qkv.bias" << 3 << "attn.qkv.bias";
        QTest::newRow("gpt2 h") << "transformer.h.11.ln_1.weight" << 11 << "ln_1.weight";
        QTest::newRow("bert layer") << "encoder.layer.5.output.dense.weight" << 5 << "output.dense.weight";
        QTest::newRow("first index wins") << "layers.2.experts.layers.7.w1" << 2 << "experts.layers.7.w1";
        QTest::newRow("h inside a word") << "graph.4.weight" << -1 << "";
        QTest::newRow("no module after index") << "model.layers.3" << -1 << "";
        QTest::newRow("not a number") << "model.layers.x.weight" << -1 << "";
        QTest::newRow("no layer") << "lm_head.weight" << -1 << "";
    }
    void layerModule()
    {
        QFETCH(QString, name);
        QFETCH(int, layer);
        QFETCH(QString, module);
        const auto parsed = LayerModule::parse(name);
        QCOMPARE(parsed.has_value(), layer >= 0);
        if (parsed) {
            QCOMPARE(parsed->layer, layer);
            QCOMPARE(parsed->module, module);
        }
    }

    void grid()
    {
        const DiffLayerGrid grid = DiffLayerGrid::build(sampleRows(), DiffHeatMetric::RelativeL2);
        QCOMPARE(grid.layers, (std::vector<int>{0, 1}));
        QCOMPARE(grid.modules, (QStringList{QStringLiteral("q.weight"), QStringLiteral("k.weight")}));
        QCOMPARE(grid.value(0, 0), 0.5);
        QCOMPARE(grid.value(1, 0), 0.0); // identical
        QCOMPARE(grid.value(1, 1), 0.25);
        QVERIFY(std::isnan(grid.value(0, 1))); // only in A: blank, but the pair is there to click
        QCOMPARE(grid.pair(0, 1), int64_t(4));
        QCOMPARE(grid.cellOf(3), std::make_pair(1, 1));
        QCOMPARE(grid.cellOf(0), std::make_pair(-1, -1)); // no layer index
        const DiffLayerGrid cosine = DiffLayerGrid::build(sampleRows(), DiffHeatMetric::OneMinusCosine);
        QVERIFY(std::fabs(cosine.value(0, 0) - 0.05) < 1e-12);
        QCOMPARE(cosine.value(1, 0), 0.0);
    }

    void tableModelStreamsAndResets()
    {
        DiffTableModel model;
        DiffFilterProxyModel proxy;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.sort(DiffTableModel::RelL2Column, Qt::DescendingOrder);
        const auto rows = sampleRows();
        model.appendRows({rows.begin(), rows.begin() + 2});
        model.appendRows({rows.begin() + 2, rows.end()});
        QCOMPARE(model.rowCount(), 6);
        QCOMPARE(proxy.rowCount(), 6);
        // Sorted by the raw number, not the text; pairs without metrics go last in descending order.
        QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("model.layers.0.q.weight"));
        QCOMPARE(proxy.index(1, 0).data().toString(), QStringLiteral("model.layers.1.k.weight"));
        QVERIFY(std::isinf(proxy.index(5, DiffTableModel::RelL2Column).data(SortRole).toDouble()));
        QCOMPARE(model.index(1, DiffTableModel::StatusColumn).data().toString(), QStringLiteral("values_differ"));
        QCOMPARE(model.index(1, DiffTableModel::RelL2Column).data(SortRole).toDouble(), 0.5);
        QCOMPARE(model.index(1, DiffTableModel::BeyondColumn).data(SortRole).toULongLong(), 3ULL);
        QCOMPARE(model.index(4, DiffTableModel::RelL2Column).data().toString(), QString());
        QVERIFY(model.index(1, 0).data(Qt::BackgroundRole).value<QColor>().isValid());
        QVERIFY(!model.index(0, 0).data(Qt::BackgroundRole).isValid()); // identical rows keep the base colour
        QCOMPARE(model.rowOfPair(3), 3);

        proxy.setStatusFilter(DiffFilterProxyModel::ChangedOnly);
        QCOMPARE(proxy.rowCount(), 4);
        proxy.setStatusFilter(static_cast<int>(DiffStatus::OnlyInB));
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setStatusFilter(DiffFilterProxyModel::AllStatuses);
        proxy.setNameFilter(QStringLiteral("LAYERS.1"));
        QCOMPARE(proxy.rowCount(), 2);

        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(proxy.rowCount(), 0);
        model.appendRows(rows);
        QCOMPARE(proxy.rowCount(), 2);
    }

    void statusColoursFollowThePalette()
    {
        QPalette light;
        light.setColor(QPalette::Base, Qt::white);
        QPalette dark;
        dark.setColor(QPalette::Base, QColor(30, 30, 30));
        const TensorDiff removed = row(0, "x", DiffStatus::OnlyInA);
        const QColor onLight = DiffTableModel::statusBackground(removed, light);
        const QColor onDark = DiffTableModel::statusBackground(removed, dark);
        // A tint of the base: light stays light (black text readable), dark stays dark (white text readable).
        QVERIFY(onLight.lightnessF() > 0.7);
        QVERIFY(onDark.lightnessF() < 0.35);
        QVERIFY(onLight.red() > onLight.green());
    }

    void reports()
    {
        QTemporaryDir dir;
        test::TensorFileBuilder a;
        test::TensorFileBuilder b;
        const std::vector<float> w{1, 2, 3, 4};
        const std::vector<float> w2{2, 4, 6, 8};
        a.metadata(R"({"format":"pt","note":"x|y"})").add("layers.0.w", "F32", {4}, test::bytesOf(w));
        a.add("layers.0.same", "F32", {4}, test::bytesOf(w));
        b.metadata(R"({"format":"pt","note":"changed"})").add("layers.0.w", "F32", {4}, test::bytesOf(w2));
        b.add("layers.0.same", "F32", {4}, test::bytesOf(w)).add("added,name", "F32", {4}, test::bytesOf(w));
        const QString pathA = test::writeFile(dir, QStringLiteral("a.safetensors"), a.build());
        const QString pathB = test::writeFile(dir, QStringLiteral("b.safetensors"), b.build());
        const auto ma = Model::open(pathA);
        const auto mb = Model::open(pathB);
        QVERIFY(ma && mb);
        const std::atomic_bool cancel{false};
        const auto diff = diffModels(**ma, **mb, {}, cancel);
        QVERIFY(diff);
        const DiffReport report{*diff, {}, pathA, pathB};

        const QList<QByteArray> csv = report.csv().trimmed().split('\n');
        QCOMPARE(csv.size(), 4);
        QVERIFY(csv[0].startsWith("name,name_b,status,"));
        QVERIFY2(csv[1].startsWith("layers.0.w,,values_differ,F32,F32,[4],[4],4,2.5,"), csv[1].constData());
        QVERIFY(csv[1].endsWith(",false"));
        QVERIFY(csv[2].endsWith(",true"));
        QVERIFY2(csv[3].startsWith("\"added,name\",,only_in_b,,F32,,[4],"), csv[3].constData());

        const QJsonObject json = QJsonDocument::fromJson(report.json()).object();
        QCOMPARE(json.value(QStringLiteral("summary")).toObject().value(QStringLiteral("pairs")).toInt(), 3);
        QCOMPARE(json.value(QStringLiteral("tensors")).toArray().size(), 3);

        const QByteArray md = report.markdown();
        QVERIFY(md.contains("| values_differ | 1 |"));
        QVERIFY(md.contains("| layers.0.w | values_differ | 4 |"));
        QVERIFY(!md.contains("| layers.0.same |")); // only changed tensors are listed
        QVERIFY(md.contains("| note | changed | x\\|y | changed |"));

        const QString out = dir.filePath(QStringLiteral("r.md"));
        QCOMPARE(DiffReport::formatFor(out), DiffReport::Format::Markdown);
        QVERIFY(report.save(out, DiffReport::formatFor(out)));
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), md);
        QVERIFY(!report.save(dir.filePath(QStringLiteral("missing/dir/r.csv")), DiffReport::Format::Csv));
    }

    void pairHistograms()
    {
        std::vector<float> a(1000);
        std::vector<float> b(1000);
        for (size_t i = 0; i < a.size(); ++i) {
            a[i] = static_cast<float>(i);
            b[i] = static_cast<float>(i) * 2;
        }
        const QByteArray ba = test::bytesOf(a);
        const QByteArray bb = test::bytesOf(b);
        auto view = [](const QByteArray& bytes) {
            return TensorView{DType::F32,
                              {1000},
                              1000,
                              reinterpret_cast<const unsigned char*>(bytes.constData()),
                              static_cast<uint64_t>(bytes.size())};
        };
        const std::atomic_bool cancel{false};
        auto full = PairHistograms::compute(view(ba), view(bb), 10, 1u << 20, cancel);
        QVERIFY(full);
        QVERIFY(!full->isSample);
        QCOMPARE(full->a.edges, full->b.edges); // one binning, so the two overlay
        QCOMPARE(full->a.edges.front(), 0.0);
        QCOMPARE(full->a.edges.back(), 1998.0);
        uint64_t total = 0;
        for (uint64_t c : full->delta.counts)
            total += c;
        QCOMPARE(total, uint64_t(1000));
        QCOMPARE(full->delta.edges.front(), -999.0); // Δ = A - B = -i
        auto capped = PairHistograms::compute(view(ba), view(bb), 10, 100, cancel);
        QVERIFY(capped);
        QVERIFY(capped->isSample);
        QCOMPARE(capped->sampled, uint64_t(100));
        auto oneSide = PairHistograms::compute(view(ba), TensorView{}, 10, 100, cancel);
        QVERIFY(oneSide);
        QVERIFY(oneSide->delta.edges.empty());
        QVERIFY(oneSide->b.counts.empty());
    }

    void deltaWindow_data()
    {
        QTest::addColumn<int>("dtypeA");
        QTest::addColumn<int>("dtypeB");
        QTest::addColumn<QString>("spec");
        QTest::addColumn<int>("rowBegin");
        QTest::addColumn<int>("rowCount");
        QTest::addColumn<int>("colBegin");
        QTest::addColumn<int>("colCount");
        QTest::addColumn<bool>("transposed"); // rows along the spec's column axis and columns along its row axis
        const int f32 = static_cast<int>(DType::F32);
        const int bf16 = static_cast<int>(DType::BF16);
        const int i32 = static_cast<int>(DType::I32);
        QTest::newRow("f32 whole last slice") << f32 << f32 << "1,:,:" << 0 << 3 << 0 << 4 << false;
        QTest::newRow("f32 inner window") << f32 << f32 << "0,:,:" << 1 << 2 << 1 << 2 << false;
        QTest::newRow("f32 vs bf16") << f32 << bf16 << "1,:,:" << 0 << 3 << 0 << 4 << false;
        QTest::newRow("bf16 vs f32 transposed") << bf16 << f32 << "0,:,:" << 0 << 4 << 1 << 2 << true;
        QTest::newRow("strided columns (axis 0)") << f32 << bf16 << ":,2,:" << 0 << 2 << 1 << 3 << false;
        QTest::newRow("i32 vs f32") << i32 << f32 << "1,:,:" << 0 << 3 << 0 << 4 << false;
        QTest::newRow("one column") << f32 << f32 << "1,:,3" << 0 << 3 << 0 << 1 << false;
    }
    void deltaWindow()
    {
        QFETCH(int, dtypeA);
        QFETCH(int, dtypeB);
        QFETCH(QString, spec);
        QFETCH(int, rowBegin);
        QFETCH(int, rowCount);
        QFETCH(int, colBegin);
        QFETCH(int, colCount);
        QFETCH(bool, transposed);
        const std::vector<uint64_t> shape{2, 3, 4};
        const Side a = encode(valuesA(), static_cast<DType>(dtypeA));
        const Side b = encode(valuesB(), static_cast<DType>(dtypeB));
        auto parsed = parseSliceSpec(spec, shape);
        QVERIFY(parsed);
        if (transposed)
            std::swap(parsed->rowDim, parsed->colDim);
        const auto addressing = sliceAddressing(*parsed, shape);
        QVERIFY(addressing);
        const size_t n = static_cast<size_t>(rowCount * colCount);
        std::vector<double> delta(n), outA(n), outB(n);
        QVERIFY(deltaslice::extractWindow(viewOver(a, shape), viewOver(b, shape), *parsed, uint64_t(rowBegin),
                                          uint64_t(rowCount), uint64_t(colBegin), uint64_t(colCount), delta.data(),
                                          outA.data(), outB.data()));
        // The expected values come from the flat index the test works out itself, not from the slice code.
        for (int r = 0; r < rowCount; ++r) {
            for (int c = 0; c < colCount; ++c) {
                std::vector<uint64_t> at = parsed->index;
                if (parsed->rowDim >= 0)
                    at[static_cast<size_t>(parsed->rowDim)] = uint64_t(rowBegin + r);
                if (parsed->colDim >= 0)
                    at[static_cast<size_t>(parsed->colDim)] = uint64_t(colBegin + c);
                const size_t flat = static_cast<size_t>(at[0] * 12 + at[1] * 4 + at[2]);
                const size_t i = static_cast<size_t>(r * colCount + c);
                QCOMPARE(outA[i], a.decoded[flat]);
                QCOMPARE(outB[i], b.decoded[flat]);
                QCOMPARE(delta[i], a.decoded[flat] - b.decoded[flat]);
            }
        }
    }

    void deltaIncompatible_data()
    {
        QTest::addColumn<bool>("missingB");
        QTest::addColumn<bool>("reshaped");
        QTest::addColumn<int>("dtypeB");
        QTest::addColumn<QString>("message");
        QTest::newRow("only in A") << true << false << int(DType::F32) << "only in one";
        QTest::newRow("shapes differ") << false << true << int(DType::F32) << "shapes differ";
        QTest::newRow("complex") << false << false << int(DType::C64) << "C64";
    }
    void deltaIncompatible()
    {
        QFETCH(bool, missingB);
        QFETCH(bool, reshaped);
        QFETCH(int, dtypeB);
        QFETCH(QString, message);
        const Side a = encode(valuesA(), DType::F32);
        Side b = encode(valuesB(), DType::F32);
        b.dtype = static_cast<DType>(dtypeB);
        const TensorView va = viewOver(a, {2, 3, 4});
        TensorView vb = missingB ? TensorView{} : viewOver(b, reshaped ? std::vector<uint64_t>{6, 4} : va.shape);
        if (b.dtype == DType::C64)
            vb.elementCount = 12; // 8-byte elements: the same 96 bytes hold 12
        QVERIFY(deltaslice::incompatibility(va, vb).contains(message));
        double out = 0.0;
        const auto spec = defaultSliceSpec(va.shape);
        const Status status = deltaslice::extractWindow(va, vb, spec, 0, 1, 0, 1, &out);
        QVERIFY(!status);
        QCOMPARE(status.error().kind, ErrorKind::InvalidArgument);
        const std::atomic_bool cancel{false};
        QVERIFY(!deltaslice::downsample(va, vb, spec, {0, 3}, {0, 4}, 2, 2, Reduction::Mean, cancel));
    }

    void deltaDownsample_data()
    {
        QTest::addColumn<int>("reduction");
        QTest::addColumn<int>("dtypeB");
        QTest::newRow("max |delta|, f32") << int(Reduction::MaxAbs) << int(DType::F32);
        QTest::newRow("mean, f32") << int(Reduction::Mean) << int(DType::F32);
        QTest::newRow("max |delta|, bf16") << int(Reduction::MaxAbs) << int(DType::BF16);
        QTest::newRow("mean, bf16") << int(Reduction::Mean) << int(DType::BF16);
    }
    void deltaDownsample()
    {
        QFETCH(int, reduction);
        QFETCH(int, dtypeB);
        // Slice 1,:,: is 3 x 4; 2 x 2 output cells cover rows {0}, {1, 2} and columns {0, 1}, {2, 3}.
        const std::vector<uint64_t> shape{2, 3, 4};
        const Side a = encode(valuesA(), DType::F32);
        const Side b = encode(valuesB(), static_cast<DType>(dtypeB));
        const auto spec = parseSliceSpec(QStringLiteral("1,:,:"), shape);
        QVERIFY(spec);
        const std::atomic_bool cancel{false};
        const auto result = deltaslice::downsample(viewOver(a, shape), viewOver(b, shape), *spec, {0, 3}, {0, 4}, 2, 2,
                                                   static_cast<Reduction>(reduction), cancel);
        QVERIFY(result);
        QCOMPARE(result->rows, uint64_t(2));
        QCOMPARE(result->cols, uint64_t(2));
        const uint64_t rowEdges[] = {0, 1, 3};
        const uint64_t colEdges[] = {0, 2, 4};
        for (int i = 0; i < 2; ++i) {
            for (int j = 0; j < 2; ++j) {
                double sum = 0.0;
                double largest = 0.0;
                int n = 0;
                for (uint64_t r = rowEdges[i]; r < rowEdges[i + 1]; ++r) {
                    for (uint64_t c = colEdges[j]; c < colEdges[j + 1]; ++c) {
                        const size_t flat = static_cast<size_t>(12 + r * 4 + c);
                        const double d = a.decoded[flat] - b.decoded[flat];
                        sum += d;
                        if (n == 0 || std::fabs(d) > std::fabs(largest))
                            largest = d;
                        ++n;
                    }
                }
                const double expected = static_cast<Reduction>(reduction) == Reduction::Mean ? sum / n : largest;
                QCOMPARE(result->values[static_cast<size_t>(i * 2 + j)], expected);
            }
        }
        std::atomic_bool cancelled{true};
        const auto stopped = deltaslice::downsample(viewOver(a, shape), viewOver(b, shape), *spec, {0, 3}, {0, 4}, 2, 2,
                                                    static_cast<Reduction>(reduction), cancelled);
        QVERIFY(!stopped);
        QCOMPARE(stopped.error().kind, ErrorKind::Cancelled);
    }

    void diffSliceTableModel_data()
    {
        QTest::addColumn<int>("dtypeB");
        QTest::newRow("f32 vs f32") << int(DType::F32);
        QTest::newRow("f32 vs bf16") << int(DType::BF16);
    }
    void diffSliceTableModel()
    {
        QFETCH(int, dtypeB);
        const std::vector<uint64_t> shape{2, 3, 4};
        const Side a = encode(valuesA(), DType::F32);
        const Side b = encode(valuesB(), static_cast<DType>(dtypeB));
        DiffSliceTableModel modelA(DiffSliceTableModel::Side::A);
        DiffSliceTableModel modelB(DiffSliceTableModel::Side::B);
        DiffSliceTableModel delta(DiffSliceTableModel::Side::Delta);
        QAbstractItemModelTester testerA(&modelA, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester testerB(&modelB, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester testerDelta(&delta, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(delta.rowCount(), 0);
        SliceSpec spec = defaultSliceSpec(shape); // 0,:,:
        for (DiffSliceTableModel* model : {&modelA, &modelB, &delta})
            model->setPair(nullptr, viewOver(a, shape), nullptr, viewOver(b, shape), spec);
        QCOMPARE(delta.rowCount(), 3);
        QCOMPARE(delta.columnCount(), 4);
        QVERIFY(delta.error().isEmpty());
        for (int r = 0; r < 3; ++r) {
            for (int c = 0; c < 4; ++c) {
                const size_t flat = static_cast<size_t>(r * 4 + c);
                QCOMPARE(modelA.index(r, c).data(SortRole).toDouble(), a.decoded[flat]);
                QCOMPARE(modelB.index(r, c).data(SortRole).toDouble(), b.decoded[flat]);
                QCOMPARE(delta.index(r, c).data(SortRole).toDouble(), a.decoded[flat] - b.decoded[flat]);
            }
        }
        QCOMPARE(modelA.index(0, 0).data().toString(), QStringLiteral("-3.1"));
        // Another slice, transposed: rows along axis 2, columns along axis 0, index 2 on axis 1.
        spec.index = {0, 2, 0};
        spec.rowDim = 2;
        spec.colDim = 0;
        for (DiffSliceTableModel* model : {&modelA, &modelB, &delta})
            QVERIFY(model->setSpec(spec));
        QCOMPARE(delta.rowCount(), 4);
        QCOMPARE(delta.columnCount(), 2);
        const size_t flat = 1 * 12 + 2 * 4 + 3; // row 3, column 1
        QCOMPARE(delta.cellValue(3, 1), a.decoded[flat] - b.decoded[flat]);
        QCOMPARE(modelB.cellValue(3, 1), b.decoded[flat]);
        QVERIFY(!delta.setSpec(SliceSpec{{0, 0}, 0, 1})); // two indices for three axes
        // Raw bits are A's and B's own codes; Δ has none and falls back to scientific notation.
        modelA.setNumberFormat(NumberFormat::HexBits);
        delta.setNumberFormat(NumberFormat::HexBits);
        QVERIFY(modelA.index(0, 0).data().toString().startsWith(QStringLiteral("0x")));
        QVERIFY(delta.index(0, 0).data().toString().contains(QLatin1Char('e')));
        // A pair Δ cannot be shown for: the Δ table is empty and says why, A still shows its side.
        for (DiffSliceTableModel* model : {&modelA, &modelB, &delta})
            model->setPair(nullptr, viewOver(a, shape), nullptr, TensorView{}, defaultSliceSpec(shape));
        QCOMPARE(delta.rowCount(), 0);
        QVERIFY(delta.error().contains(QStringLiteral("only in one")));
        QCOMPARE(modelA.rowCount(), 3);
        QCOMPARE(modelB.rowCount(), 0);
        delta.clear();
        QCOMPARE(delta.rowCount(), 0);
    }

    void diffSliceTableWindowsLongAxes()
    {
        // A pair of 1-D U8 tensors of 3 * 2^20 + 5 elements: no table may make a header section per element.
        constexpr uint64_t kWindow = SliceWindowTableModel::kMaxSections;
        const uint64_t n = 3 * kWindow + 5;
        Side a;
        a.dtype = DType::U8;
        a.bytes = QByteArray(static_cast<qsizetype>(n), '\0');
        Side b = a;
        for (uint64_t i = 0; i < n; ++i) {
            a.bytes[static_cast<qsizetype>(i)] = static_cast<char>(i % 251);
            b.bytes[static_cast<qsizetype>(i)] = static_cast<char>(i % 7);
        }
        const auto expectedDelta = [](uint64_t i) { return double(i % 251) - double(i % 7); };
        DiffSliceTableModel modelB(DiffSliceTableModel::Side::B);
        DiffSliceTableModel delta(DiffSliceTableModel::Side::Delta);
        QAbstractItemModelTester testerB(&modelB, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester testerDelta(&delta, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const std::vector<uint64_t> column{n};
        for (DiffSliceTableModel* model : {&modelB, &delta})
            model->setPair(nullptr, viewOver(a, column), nullptr, viewOver(b, column), defaultSliceSpec(column));
        QCOMPARE(uint64_t(delta.rowCount()), kWindow);
        QCOMPARE(delta.columnCount(), 1);
        QCOMPARE(delta.addressing().rows, n);

        delta.setOrigin(2 * kWindow, 0);
        QCOMPARE(delta.rowOrigin(), 2 * kWindow);
        QCOMPARE(delta.headerData(0, Qt::Vertical).toString(), QString::number(2 * kWindow));
        QCOMPARE(delta.index(3, 0).data(SortRole).toDouble(), expectedDelta(2 * kWindow + 3));
        // A copy names slice cells, not table rows.
        const QItemSelection firstTwo(delta.index(0, 0), delta.index(1, 0));
        QCOMPARE(delta.tsv(firstTwo),
                 delta.cellText(2 * kWindow, 0) + u'\n' + delta.cellText(2 * kWindow + 1, 0) + u'\n');
        delta.setOrigin(n, 0); // clamped: the window stays full
        QCOMPARE(delta.rowOrigin(), n - kWindow);
        QCOMPARE(uint64_t(delta.rowCount()), kWindow);

        // Revealing a cell inside the window keeps it; outside, the window moves (and stays full at the end).
        QCOMPARE(delta.revealCell(n - 2, 0).row(), int(kWindow - 2));
        QCOMPARE(delta.rowOrigin(), n - kWindow);
        const QModelIndex first = delta.revealCell(5, 0);
        QCOMPARE(delta.rowOrigin(), uint64_t(0));
        QCOMPARE(first.data(SortRole).toDouble(), expectedDelta(5));
        const QModelIndex last = modelB.revealCell(n - 1, 0);
        QCOMPARE(modelB.rowOrigin(), n - kWindow);
        QCOMPARE(last.data(SortRole).toDouble(), double((n - 1) % 7));
        QVERIFY(!modelB.revealCell(n, 0).isValid());

        // A new slice starts at the top left; the long axis may be the columns too.
        const std::vector<uint64_t> row{1, n};
        for (DiffSliceTableModel* model : {&modelB, &delta})
            model->setPair(nullptr, viewOver(a, row), nullptr, viewOver(b, row), defaultSliceSpec(row));
        QCOMPARE(modelB.rowOrigin(), uint64_t(0));
        QCOMPARE(delta.rowCount(), 1);
        QCOMPARE(uint64_t(delta.columnCount()), kWindow);
        delta.setOrigin(0, kWindow);
        QCOMPARE(delta.headerData(0, Qt::Horizontal).toString(), QString::number(kWindow));
        QCOMPARE(delta.index(0, 1).data(SortRole).toDouble(), expectedDelta(kWindow + 1));
        delta.clear();
        QCOMPARE(delta.rowCount(), 0);
        QCOMPARE(delta.rowOrigin(), uint64_t(0));
    }

    void logColorScale_data()
    {
        QTest::addColumn<QList<double>>("values");
        QTest::addColumn<double>("floor");
        QTest::addColumn<double>("top");
        const double nan = std::nan("");
        QTest::newRow("decades with a zero") << QList<double>{0.0, 3e-6, 0.02, 0.3, nan} << 1e-7 << 1.0;
        QTest::newRow("exact decade") << QList<double>{0.001, 10.0} << 1e-4 << 10.0;
        QTest::newRow("all zero") << QList<double>{0.0, 0.0} << 1e-6 << 1.0;
        QTest::newRow("one value") << QList<double>{0.5} << 0.01 << 1.0;
        QTest::newRow("infinite ignored") << QList<double>{0.5, std::numeric_limits<double>::infinity()} << 0.01 << 1.0;
        QTest::newRow("denormal floor clamped") << QList<double>{1e-300, 1.0} << 1e-15 << 1.0;
    }
    void logColorScale()
    {
        QFETCH(QList<double>, values);
        QFETCH(double, floor);
        QFETCH(double, top);
        const std::vector<double> v(values.begin(), values.end());
        const LogColorScale scale = LogColorScale::fit(v);
        QVERIFY(std::fabs(scale.floor() / floor - 1.0) < 1e-9);
        QVERIFY(std::fabs(scale.top() / top - 1.0) < 1e-9);
        QCOMPARE(scale.forward(0.0), scale.coordinateLo());
        QVERIFY(std::isnan(scale.forward(std::nan(""))));
        QCOMPARE(scale.forward(std::numeric_limits<double>::infinity()), scale.coordinateHi());
        QVERIFY(std::fabs(scale.forward(top) - std::log10(top)) < 1e-12);
        const auto ticks = scale.ticks(6);
        QVERIFY(ticks.size() >= 2 && ticks.size() <= 7);
        QCOMPARE(ticks.front().first, scale.coordinateLo());
        QVERIFY(ticks.front().second.startsWith(QStringLiteral("\u2264")));
        QCOMPARE(ticks.back().first, scale.coordinateHi());
        QCOMPARE(ticks.back().second, QString::number(top, 'g', 1));
    }
};

QTEST_MAIN(TestDiffModels) // QGuiApplication: the table's colours come from the application palette
#include "tst_diffmodels.moc"
