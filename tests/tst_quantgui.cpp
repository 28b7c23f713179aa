// Quantized models in the window (issue 14, "What the user sees"): models quantized and packed here, independently of
// the product's decoders, opened in a real (offscreen) window. The tree shows one logical row per quantized weight
// with its scheme badge and its stored parts beneath it; the overview counts logical parameters; the values tabs
// show dequantized values, and the "Stored codes" switch the raw stored parts; a missing part is a problem row.
#include "support/fixtures.h"
#include "support/isolatedsettings.h"
#include "support/openedwindow.h"
#include "support/quantfixtures.h"
#include "support/tensorfilebuilder.h"
#include "ui/heatmap/heatmappanel.h"
#include "ui/heatmap/heatmapplot.h"
#include "ui/models/cellformat.h"
#include "ui/models/slicetablemodel.h"
#include "ui/models/tensortreemodel.h"
#include "ui/pages/overviewpage.h"
#include "ui/pages/problemspage.h"
#include "ui/slice/slicepanel.h"
#include "ui/values/statisticspanel.h"
#include "ui/values/tensorpage.h"
#include "ui/window/documentview.h"
#include "ui/window/mainwindow.h"
#include "ui/window/modelview.h"
#include "ui/window/tensorbrowser.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include <algorithm>
#include <bit>
#include <cmath>
#include <memory>
#include <numeric>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 30000;
const QString kFp8Name = QStringLiteral("model.layers.0.mlp.down_proj.weight");
const QString kAwqName = QStringLiteral("model.layers.0.mlp.up_proj.weight");

/// FP8 e4m3 [4, 6] with 2x3 block scales (DeepSeek-V3 layout): value = code value * scale[r / 2][c / 3].
struct Fp8Model
{
    std::vector<float> codes;    ///< the code values, row-major
    std::vector<float> scales;   ///< [2, 2]
    std::vector<float> expected; ///< dequantized, row-major
    QByteArray config = R"({"architectures":["LlamaForCausalLM"],"hidden_size":6,"num_hidden_layers":1,
        "num_attention_heads":2,"num_key_value_heads":1,"vocab_size":32,"torch_dtype":"bfloat16",
        "quantization_config":{"quant_method":"fp8","weight_block_size":[2,3]}})";
    TensorFileBuilder file;

    /// `misshapen`: the scales are stored as [1, 4], which fits no 2x3 blocking of [4, 6].
    explicit Fp8Model(bool misshapen = false)
    {
        scales = {0.5f, 2.0f, 4.0f, 0.25f};
        QByteArray bytes;
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 6; ++c) {
                const E4M3 q = e4m3((r + c) % 3 == 0, r - 1, c);
                bytes.append(static_cast<char>(q.code));
                codes.push_back(q.value);
                expected.push_back(q.value * scales[static_cast<size_t>((r / 2) * 2 + c / 3)]);
            }
        file.add(kFp8Name.toUtf8(), "F8_E4M3", {4, 6}, bytes);
        file.add(kFp8Name.toUtf8() + "_scale_inv", "F32",
                 misshapen ? std::vector<uint64_t>{1, 4} : std::vector<uint64_t>{2, 2}, bytesOf(scales));
        file.add("model.norm.weight", "F32", {4}, bytesOf(std::vector<float>{1, 2, 3, 4}));
    }
};

/// AutoAWQ GEMM int4, group 32: qweight [in, out / 8] with nibble i of a word holding output column col * 8 +
/// order[i] (order 0 2 4 6 1 3 5 7), zeros packed alike, value (q - z) * s; the logical weight is [out, in].
struct AwqModel
{
    static constexpr uint64_t in = 64, out = 16, group = 32, groups = in / group;
    std::vector<float> expected; ///< [out, in], row-major
    TensorFileBuilder file;
    QByteArray config = R"({"quantization_config":{"quant_method":"awq","bits":4,"group_size":32,
        "version":"gemm","zero_point":true}})";

    AwqModel()
    {
        static const int order[8] = {0, 2, 4, 6, 1, 3, 5, 7};
        std::vector<std::vector<uint32_t>> q(in, std::vector<uint32_t>(out)), z(groups, std::vector<uint32_t>(out));
        for (uint64_t i = 0; i < in; ++i)
            for (uint64_t o = 0; o < out; ++o)
                q[i][o] = static_cast<uint32_t>((i * 5 + o * 3 + i * o) % 16);
        for (uint64_t g = 0; g < groups; ++g)
            for (uint64_t o = 0; o < out; ++o)
                z[g][o] = static_cast<uint32_t>((g * 3 + o) % 16);
        const auto pack = [](const std::vector<std::vector<uint32_t>>& m) {
            std::vector<uint32_t> packed(m.size() * out / 8, 0);
            for (size_t r = 0; r < m.size(); ++r)
                for (uint64_t word = 0; word < out / 8; ++word)
                    for (int i = 0; i < 8; ++i)
                        packed[r * (out / 8) + word] |= m[r][word * 8 + static_cast<uint64_t>(order[i])] << (i * 4);
            return packed;
        };
        std::vector<float> scales;
        for (uint64_t g = 0; g < groups; ++g)
            for (uint64_t o = 0; o < out; ++o)
                scales.push_back(std::ldexp(1.0f + 0.25f * static_cast<float>((g + o) % 4), -static_cast<int>(o % 3)));
        for (uint64_t o = 0; o < out; ++o)
            for (uint64_t i = 0; i < in; ++i)
                expected.push_back(static_cast<float>(static_cast<int>(q[i][o]) - static_cast<int>(z[i / group][o])) *
                                   scales[(i / group) * out + o]);
        file.add("model.layers.0.mlp.up_proj.qweight", "I32", {in, out / 8}, bytesOf(pack(q)))
            .add("model.layers.0.mlp.up_proj.qzeros", "I32", {groups, out / 8}, bytesOf(pack(z)))
            .add("model.layers.0.mlp.up_proj.scales", "F16", {groups, out}, f16Bytes(scales));
    }
};

double meanOf(const std::vector<float>& values)
{
    double sum = 0.0;
    for (const float v : values)
        sum += v;
    return sum / static_cast<double>(values.size());
}

/// The source-model index of the browser's current row.
QModelIndex currentSourceIndex(TensorBrowser* browser)
{
    QModelIndex index = browser->view()->currentIndex();
    while (const auto* proxy = qobject_cast<const QAbstractProxyModel*>(index.model()))
        index = proxy->mapToSource(index);
    return index;
}

QString cell(const QModelIndex& row, int column)
{
    return row.sibling(row.row(), column).data().toString();
}

} // namespace

class TestQuantGui final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        isolateSettings(QStringLiteral("tst_quantgui"), m_dir.path());
    }

    void fp8TreeShowsOneLogicalRowWithItsParts()
    {
        Opened o = open(QStringLiteral("fp8"), m_fp8.file, m_fp8.config);
        QVERIFY(o.view);
        TensorBrowser* browser = o.view->browser();
        QVERIFY(browser->selectTensor(kFp8Name));
        const QModelIndex row = currentSourceIndex(browser);
        QVERIFY(row.isValid());
        QCOMPARE(cell(row, TensorTreeModel::NameColumn), QStringLiteral("weight"));
        QCOMPARE(cell(row, TensorTreeModel::DTypeColumn), QStringLiteral("FP8 e4m3 2x3"));
        QCOMPARE(cell(row, TensorTreeModel::ShapeColumn), QStringLiteral("[4, 6]"));
        QCOMPARE(cell(row, TensorTreeModel::ParametersColumn), QStringLiteral("24"));
        // The stored parts are folded beneath it, not its siblings.
        const QAbstractItemModel* model = row.model();
        QCOMPARE(model->rowCount(row), 2);
        QCOMPARE(model->index(0, 0, row).data().toString(), QStringLiteral("weight"));
        QCOMPARE(model->index(0, TensorTreeModel::DTypeColumn, row).data().toString(), QStringLiteral("F8_E4M3"));
        QCOMPARE(model->index(1, 0, row).data().toString(), QStringLiteral("weight_scale_inv"));
        QCOMPARE(model->rowCount(row.parent()), 1); // down_proj holds the logical row only
        // Group totals count logical parameters: the 4 scales are not weights.
        QCOMPARE(cell(row.parent(), TensorTreeModel::ParametersColumn), QStringLiteral("24"));
        // The tensor page describes the logical tensor.
        TensorPage* page = o.view->tensorPage();
        QCOMPARE(page->fact(QStringLiteral("Scheme")), QStringLiteral("FP8 e4m3 2x3"));
        QVERIFY(page->fact(QStringLiteral("Shape")).startsWith(QStringLiteral("[4, 6]")));
        QVERIFY(page->storedCodesSwitch()->isVisibleTo(page));
    }

    void flatListShowsLogicalRowsNotTheirParts()
    {
        Opened o = open(QStringLiteral("fp8"), m_fp8.file, m_fp8.config);
        QVERIFY(o.view);
        TensorBrowser* browser = o.view->browser();
        QVERIFY(browser->selectTensor(kFp8Name));
        browser->setFlat(true);
        // The logical row stays selected across the switch, under its full float name.
        const QModelIndex row = currentSourceIndex(browser);
        QVERIFY(row.isValid());
        QVERIFY(!row.parent().isValid());
        QCOMPARE(cell(row, TensorTreeModel::NameColumn), kFp8Name);
        QCOMPARE(cell(row, TensorTreeModel::DTypeColumn), QStringLiteral("FP8 e4m3 2x3"));
        QCOMPARE(cell(row, TensorTreeModel::ParametersColumn), QStringLiteral("24"));
        // Two top rows (the weight and the norm), never the scale beside them; the parts stay folded beneath.
        const QAbstractItemModel* model = row.model();
        QAbstractItemModelTester tester(const_cast<QAbstractItemModel*>(model),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model->rowCount(), 2);
        QStringList top;
        for (int r = 0; r < model->rowCount(); ++r)
            top << model->index(r, 0).data().toString();
        QCOMPARE(top, (QStringList{kFp8Name, QStringLiteral("model.norm.weight")}));
        QCOMPARE(model->rowCount(row), 2);
        const QModelIndex scale = model->index(1, 0, row);
        QCOMPARE(scale.data().toString(), kFp8Name + QStringLiteral("_scale_inv"));
        QCOMPARE(scale.parent(), row);
        QCOMPARE(model->rowCount(scale), 0);
        // Selecting by name in the flat list finds the logical row and the stored tensors alike.
        QVERIFY(browser->selectTensor(QStringLiteral("model.norm.weight")));
        QCOMPARE(cell(currentSourceIndex(browser), TensorTreeModel::NameColumn), QStringLiteral("model.norm.weight"));
        QVERIFY(browser->selectTensor(kFp8Name));
        QCOMPARE(currentSourceIndex(browser), row);
        // And back: the tree shows the same logical row selected.
        browser->setFlat(false);
        QCOMPARE(cell(currentSourceIndex(browser), TensorTreeModel::NameColumn), QStringLiteral("weight"));
        QCOMPARE(cell(currentSourceIndex(browser), TensorTreeModel::DTypeColumn), QStringLiteral("FP8 e4m3 2x3"));
    }

    void fp8OverviewCountsLogicalParameters()
    {
        Opened o = open(QStringLiteral("fp8"), m_fp8.file, m_fp8.config);
        QVERIFY(o.view);
        OverviewPage* overview = o.view->overviewPage();
        // 24 weights + 4 norm; the 4 scales are companions (stored elements: 32). Under 1,000 no compact form.
        QVERIFY2(overview->fact(QStringLiteral("Parameters")).startsWith(QStringLiteral("28; ")),
                 qPrintable(overview->fact(QStringLiteral("Parameters"))));
        QVERIFY(overview->fact(QStringLiteral("Parameters")).contains(QStringLiteral("32 stored elements")));
        // Per dtype the counts are stored elements (the scales among them) and are labelled so: they add up to 32.
        QVERIFY(overview->fact(QStringLiteral("Parameters per dtype")).isEmpty());
        QCOMPARE(overview->fact(QStringLiteral("Stored elements per dtype")), QStringLiteral("F32: 8\nF8_E4M3: 24"));
        QVERIFY2(overview->fact(QStringLiteral("Dimensions")).startsWith(QStringLiteral("hidden 6,")) &&
                     overview->fact(QStringLiteral("Dimensions")).contains(QStringLiteral("2 heads, 1 KV heads")),
                 qPrintable(overview->fact(QStringLiteral("Dimensions"))));
        QVERIFY(overview->fact(QStringLiteral("Quantization")).startsWith(QStringLiteral("fp8")));
        QVERIFY(overview->fact(QStringLiteral("Memory")).contains(QStringLiteral("KV cache")));
        // The status bar agrees with the Overview: logical parameters, the stored elements said apart.
        QVERIFY2(o.document->summary().contains(QStringLiteral("28 parameters (32 stored elements)")),
                 qPrintable(o.document->summary()));
    }

    void fp8StatisticsAreDequantized()
    {
        Opened o = open(QStringLiteral("fp8"), m_fp8.file, m_fp8.config);
        QVERIFY(o.view);
        QVERIFY(o.view->showPage(QStringLiteral("values")));
        QVERIFY(o.view->browser()->selectTensor(kFp8Name));
        StatisticsPanel* panel = o.view->tensorPage()->statisticsPanel();
        QTRY_VERIFY_WITH_TIMEOUT(panel->stats() && !panel->stats()->sampled, kTimeoutMs);
        const TensorStats& stats = *panel->stats();
        QCOMPARE(stats.count, uint64_t(24));
        QCOMPARE(stats.min, double(*std::min_element(m_fp8.expected.begin(), m_fp8.expected.end())));
        QCOMPARE(stats.max, double(*std::max_element(m_fp8.expected.begin(), m_fp8.expected.end())));
        QVERIFY(std::abs(stats.mean - meanOf(m_fp8.expected)) < 1e-9);
    }

    void fp8StoredCodesSwitchShowsRawParts()
    {
        Opened o = open(QStringLiteral("fp8"), m_fp8.file, m_fp8.config);
        QVERIFY(o.view);
        QVERIFY(o.view->showPage(QStringLiteral("values")));
        QVERIFY(o.view->browser()->selectTensor(kFp8Name));
        TensorPage* page = o.view->tensorPage();
        StatisticsPanel* panel = page->statisticsPanel();
        QTRY_VERIFY_WITH_TIMEOUT(panel->stats() && !panel->stats()->sampled, kTimeoutMs);
        page->storedCodesSwitch()->setChecked(true);
        // The main part's codes, unscaled.
        QTRY_VERIFY_WITH_TIMEOUT(panel->stats() && !panel->stats()->sampled &&
                                     panel->stats()->max ==
                                         double(*std::max_element(m_fp8.codes.begin(), m_fp8.codes.end())),
                                 kTimeoutMs);
        QCOMPARE(panel->stats()->min, double(*std::min_element(m_fp8.codes.begin(), m_fp8.codes.end())));
        QCOMPARE(page->slicePanel()->sliceModel()->cellValue(1, 2), double(m_fp8.codes[1 * 6 + 2]));
        // The scales' distribution.
        page->storedPartChoice()->setCurrentIndex(1);
        QTRY_VERIFY_WITH_TIMEOUT(panel->stats() && panel->stats()->count == 4, kTimeoutMs);
        QCOMPARE(panel->stats()->min, 0.25);
        QCOMPARE(panel->stats()->max, 4.0);
        // Back to the dequantized values.
        page->storedCodesSwitch()->setChecked(false);
        QTRY_VERIFY_WITH_TIMEOUT(panel->stats() && panel->stats()->count == 24, kTimeoutMs);
        QCOMPARE(panel->stats()->max, double(*std::max_element(m_fp8.expected.begin(), m_fp8.expected.end())));
    }

    void fp8SliceShowsDequantizedValues()
    {
        Opened o = open(QStringLiteral("fp8"), m_fp8.file, m_fp8.config);
        QVERIFY(o.view);
        QVERIFY(o.view->showPage(QStringLiteral("slice")));
        QVERIFY(o.view->browser()->selectTensor(kFp8Name));
        SliceTableModel* slice = o.view->tensorPage()->slicePanel()->sliceModel();
        QCOMPARE(slice->rowCount(), 4);
        QCOMPARE(slice->columnCount(), 6);
        // One cell in each block: each scale applies to its own block.
        for (const auto& [r, c] : {std::pair{0, 0}, std::pair{1, 4}, std::pair{3, 1}, std::pair{2, 5}, std::pair{3, 3}})
            QCOMPARE(slice->cellValue(uint64_t(r), uint64_t(c)), double(m_fp8.expected[size_t(r * 6 + c)]));
        QVERIFY(slice->error().isEmpty());

        // The heatmap draws the same dequantized values and hovers show them.
        QVERIFY(o.view->showPage(QStringLiteral("heatmap")));
        HeatmapPlot* plot = o.view->tensorPage()->heatmapPanel()->plot();
        QTRY_VERIFY_WITH_TIMEOUT(plot->hasOverview(), kTimeoutMs);
        QCOMPARE(plot->cellText(3, 1), QStringLiteral("row 3, col 1: ") +
                                           cellformat::exact(DType::F32, m_fp8.expected[3 * 6 + 1],
                                                             std::bit_cast<uint32_t>(m_fp8.expected[3 * 6 + 1])));
    }

    void awqTreeStatisticsAndSlice()
    {
        Opened o = open(QStringLiteral("awq"), m_awq.file, m_awq.config);
        QVERIFY(o.view);
        QVERIFY(o.view->showPage(QStringLiteral("values")));
        TensorBrowser* browser = o.view->browser();
        QVERIFY(browser->selectTensor(kAwqName));
        const QModelIndex row = currentSourceIndex(browser);
        QCOMPARE(cell(row, TensorTreeModel::NameColumn), QStringLiteral("weight"));
        QCOMPARE(cell(row, TensorTreeModel::DTypeColumn), QStringLiteral("int4 AWQ g32"));
        QCOMPARE(cell(row, TensorTreeModel::ShapeColumn), QStringLiteral("[16, 64]"));
        QCOMPARE(cell(row, TensorTreeModel::ParametersColumn), QStringLiteral("1,024"));
        const QAbstractItemModel* model = row.model();
        QCOMPARE(model->rowCount(row), 3);
        QCOMPARE(model->index(0, 0, row).data().toString(), QStringLiteral("qweight"));
        QCOMPARE(model->index(1, 0, row).data().toString(), QStringLiteral("qzeros"));
        QCOMPARE(model->index(2, 0, row).data().toString(), QStringLiteral("scales"));
        QCOMPARE(model->rowCount(row.parent()), 1);

        StatisticsPanel* panel = o.view->tensorPage()->statisticsPanel();
        QTRY_VERIFY_WITH_TIMEOUT(panel->stats() && !panel->stats()->sampled, kTimeoutMs);
        QCOMPARE(panel->stats()->count, uint64_t(AwqModel::in * AwqModel::out));
        QCOMPARE(panel->stats()->min, double(*std::min_element(m_awq.expected.begin(), m_awq.expected.end())));
        QCOMPARE(panel->stats()->max, double(*std::max_element(m_awq.expected.begin(), m_awq.expected.end())));
        QVERIFY(std::abs(panel->stats()->mean - meanOf(m_awq.expected)) < 1e-9);

        SliceTableModel* slice = o.view->tensorPage()->slicePanel()->sliceModel();
        QCOMPARE(slice->rowCount(), int(AwqModel::out));
        QCOMPARE(slice->columnCount(), int(AwqModel::in));
        for (const auto& [r, c] : {std::pair{0, 0}, std::pair{5, 33}, std::pair{15, 63}, std::pair{9, 31}})
            QCOMPARE(slice->cellValue(uint64_t(r), uint64_t(c)), double(m_awq.expected[size_t(r) * 64 + size_t(c)]));
        QVERIFY(o.view->overviewPage()->fact(QStringLiteral("Parameters")).startsWith(QStringLiteral("1,024  (")));

        // Export CSV writes the values the table shows (dequantized), every one exactly.
        SlicePanel* slicePanel = o.view->tensorPage()->slicePanel();
        const QString csv = m_dir.filePath(QStringLiteral("awq-slice.csv"));
        QSignalSpy finished(slicePanel, &SlicePanel::exportFinished);
        QCOMPARE(slicePanel->exportCsv(csv), QString());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        QCOMPARE(finished.first().at(1).toString(), QString());
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), qsizetype(AwqModel::out));
        for (qsizetype r = 0; r < lines.size(); ++r) {
            const QList<QByteArray> cells = lines[r].split(',');
            QCOMPARE(cells.size(), qsizetype(AwqModel::in));
            for (qsizetype c = 0; c < cells.size(); ++c) {
                const float expected = m_awq.expected[size_t(r) * 64 + size_t(c)];
                QCOMPARE(cells[c].toFloat(), expected); // shortest text that reads back to the same float
                QCOMPARE(QString::fromLatin1(cells[c]),
                         cellformat::exact(DType::F32, expected, std::bit_cast<uint32_t>(expected)));
            }
        }
    }

    void misshapenScaleIsAProblemRow()
    {
        const Fp8Model broken(true);
        Opened o = open(QStringLiteral("broken"), broken.file, broken.config);
        QVERIFY(o.view);
        ProblemsPage* problems = o.view->problemsPage();
        QVERIFY(problems->count() >= 1);
        const QAbstractItemModel* model = problems->table()->model();
        bool named = false;
        for (int r = 0; r < model->rowCount(); ++r)
            for (int c = 0; c < model->columnCount(); ++c)
                named = named || model->index(r, c).data().toString() == kFp8Name;
        QVERIFY(named);
        // Nothing is folded: the stored weight stays an ordinary row.
        QVERIFY(o.view->browser()->selectTensor(kFp8Name));
        QCOMPARE(cell(currentSourceIndex(o.view->browser()), TensorTreeModel::DTypeColumn), QStringLiteral("F8_E4M3"));
    }

private:
    struct Opened
    {
        std::unique_ptr<MainWindow> window;
        ModelView* view = nullptr;
        DocumentView* document = nullptr;
    };

    Opened open(const QString& name, const TensorFileBuilder& file, const QByteArray& config)
    {
        QDir(m_dir.path()).mkpath(name);
        writeFile(m_dir, name + QStringLiteral("/config.json"), config);
        const QString path = writeFile(m_dir, name + QStringLiteral("/model.safetensors"), file.build());
        Opened o;
        o.window = std::make_unique<MainWindow>();
        o.document = openAndWait(*o.window, path, kTimeoutMs);
        if (o.document)
            o.view = o.document->modelView();
        return o;
    }

    QTemporaryDir m_dir;
    Fp8Model m_fp8;
    AwqModel m_awq;
};

QTEST_MAIN(TestQuantGui)
#include "tst_quantgui.moc"
