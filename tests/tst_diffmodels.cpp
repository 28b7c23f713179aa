// Diff view models: the pair table under QAbstractItemModelTester (streamed rows, reset, sort roles), the filter
// proxy, the layer/module parser, the heatmap grid and the report formats.
#include "core/model.h"
#include "core/modeldiff.h"
#include "support/tensorfilebuilder.h"
#include "ui/models/difffilterproxymodel.h"
#include "ui/models/difflayergrid.h"
#include "ui/models/diffreport.h"
#include "ui/models/difftablemodel.h"
#include "ui/models/layermodule.h"
#include "ui/models/pairhistograms.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPalette>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

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
};

QTEST_MAIN(TestDiffModels) // QGuiApplication: the table's colours come from the application palette
#include "tst_diffmodels.moc"
