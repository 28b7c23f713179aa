// The values tabs of the tensor page in a real window (offscreen): statistics and histogram, slice table, heatmap.
#include "support/fixtures.h"
#include "support/isolatedsettings.h"
#include "support/openedwindow.h"
#include "ui/heatmap/heatmappanel.h"
#include "ui/heatmap/heatmapplot.h"
#include "ui/models/roles.h"
#include "ui/models/slicetablemodel.h"
#include "ui/models/statstablemodel.h"
#include "ui/plots/histogramplot.h"
#include "ui/plots/plotexport.h"
#include "ui/slice/slicecontrols.h"
#include "ui/slice/slicepanel.h"
#include "ui/slice/slicewindowbar.h"
#include "ui/values/statisticspanel.h"
#include "ui/values/statsrunner.h"
#include "ui/values/tensorpage.h"
#include "ui/window/documentview.h"
#include "ui/window/mainwindow.h"
#include "ui/window/modelview.h"
#include "ui/window/tensorbrowser.h"

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFile>
#include <QFloat16>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QResizeEvent>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>
#include <QtEndian>
#include <qcustomplot.h>

#include <bit>
#include <cmath>
#include <limits>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 30000;
constexpr uint64_t kLongCount = 3 * SliceTableModel::kMaxSections + 5;

/// The bytes of the "long" tensor: a prime period, so that no two windows of the slice table look alike.
int longValue(uint64_t i)
{
    return static_cast<int>(i % 251);
}

QByteArray f32(const std::vector<float>& values)
{
    QByteArray bytes(static_cast<qsizetype>(values.size() * 4), '\0');
    for (size_t i = 0; i < values.size(); ++i)
        qToLittleEndian<quint32>(std::bit_cast<quint32>(values[i]), bytes.data() + i * 4);
    return bytes;
}

QByteArray f16(const std::vector<float>& values)
{
    QByteArray bytes(static_cast<qsizetype>(values.size() * 2), '\0');
    for (size_t i = 0; i < values.size(); ++i)
        qToLittleEndian<quint16>(std::bit_cast<quint16>(qfloat16(values[i])), bytes.data() + i * 2);
    return bytes;
}

/// +-10^k for k = lo..hi (the extremes set the log range) and +-3 * 10^k inside each decade, three zeros, NaN, +Inf:
/// 4 * (hi - lo) + 2 non-zero finite values.
std::vector<float> decades(int lo, int hi)
{
    std::vector<float> values{0.0f, 0.0f, 0.0f, std::numeric_limits<float>::quiet_NaN(),
                              std::numeric_limits<float>::infinity()};
    for (int k = lo; k <= hi; ++k) {
        const auto m = static_cast<float>(std::pow(10.0, k));
        values.insert(values.end(), {m, -m});
        if (k < hi)
            values.insert(values.end(), {3 * m, -3 * m});
    }
    return values;
}

/// spread: 0 0 1 / 1 1 2 / NaN +Inf -Inf; flags: BOOL 1 0 1 1 0; grid: F32 [40, 60] = row * 100 + col;
/// big: F32 [2048, 2048] (16 MiB, slow enough to be cancelled); decades: F32 over 1e-6..1e6 and decades16: F16 over
/// 1e-4..1e4 (see decades()); long: U8 [3 * 2^20 + 5], element i = longValue(i) (longer than the slice table holds).
QByteArray valuesFile()
{
    const float inf = std::numeric_limits<float>::infinity();
    const QByteArray spread = f32({0, 0, 1, 1, 1, 2, std::numeric_limits<float>::quiet_NaN(), inf, -inf});
    const QByteArray flags("\x01\x00\x01\x01\x00", 5);
    std::vector<float> grid;
    for (int r = 0; r < 40; ++r)
        for (int c = 0; c < 60; ++c)
            grid.push_back(static_cast<float>(r * 100 + c));
    std::vector<float> big(2048 * 2048);
    for (size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<float>(std::sin(double(i) * 0.001));
    QByteArray data;
    QByteArray header = "{";
    const auto add = [&](const QByteArray& name, const QByteArray& dtype, std::vector<uint64_t> shape,
                         const QByteArray& bytes) {
        if (header.size() > 1)
            header += ',';
        header += tensorJson(name, dtype, shape, uint64_t(data.size()), uint64_t(data.size() + bytes.size()));
        data += bytes;
    };
    add("spread", "F32", {3, 3}, spread);
    add("flags", "BOOL", {5}, flags);
    add("grid", "F32", {40, 60}, f32(grid));
    add("big", "F32", {2048, 2048}, f32(big));
    const std::vector<float> wide = decades(-6, 6);
    add("decades", "F32", {wide.size()}, f32(wide));
    const std::vector<float> narrow = decades(-4, 4);
    add("decades16", "F16", {narrow.size()}, f16(narrow));
    QByteArray longBytes(static_cast<qsizetype>(kLongCount), Qt::Uninitialized);
    for (uint64_t i = 0; i < kLongCount; ++i)
        longBytes[static_cast<qsizetype>(i)] = static_cast<char>(longValue(i));
    add("long", "U8", {kLongCount}, longBytes);
    header += '}';
    return rawFile(header, data);
}

} // namespace

class TestValuesPages final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        isolateSettings(QStringLiteral("tst_valuespages"), m_dir.path());
        m_path = writeFile(m_dir, QStringLiteral("values.safetensors"), valuesFile());
        m_window = std::make_unique<MainWindow>();
        DocumentView* document = openAndWait(*m_window, m_path, kTimeoutMs);
        QVERIFY(document); // loaded and ready
        m_view = document->modelView();
        m_page = m_view->tensorPage();
    }

    void cleanupTestCase() { m_window.reset(); }

    void histogramFillsWithExactCounts()
    {
        QVERIFY(m_view->showPage(QStringLiteral("values")));
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("spread")));
        StatisticsPanel* panel = m_page->statisticsPanel();
        QTRY_VERIFY_WITH_TIMEOUT(panel->stats() && !panel->stats()->sampled, kTimeoutMs);
        HistogramPlot* histogram = panel->histogram();
        QCOMPARE(histogram->total(), uint64_t(6)); // NaN and +-Inf are counted apart
        QCOMPARE(histogram->histogram().counts.size(), size_t(256));
        QCOMPARE(histogram->histogram().counts.front(), uint64_t(2));
        QCOMPARE(histogram->histogram().counts.back(), uint64_t(1));
        QVERIFY(histogram->plot()->plottableCount() > 0);
        QCOMPARE(panel->specialText(), QStringLiteral("NaN 1 \u00b7 +Inf 1 \u00b7 \u2212Inf 1"));
        QCOMPARE(panel->tableModel()->valueText(QStringLiteral("mean")), QStringLiteral("0.8333333"));
        QCOMPARE(panel->tableModel()->valueText(QStringLiteral("count")), QStringLiteral("9"));
        QCOMPARE(panel->tableModel()->valueText(QStringLiteral("max")), QStringLiteral("2"));

        // F32 has no bit-pattern counts: three bins are computed again in the background.
        panel->setBins(3);
        QTRY_COMPARE_WITH_TIMEOUT(histogram->histogram().counts.size(), size_t(3), kTimeoutMs);
        QCOMPARE(histogram->histogram().counts, (std::vector<uint64_t>{2, 3, 1}));
        QCOMPARE(histogram->hoverText(1.0), QStringLiteral("[0.666667, 1.33333)\ncount 3"));
        QCOMPARE(histogram->hoverText(2.0), QStringLiteral("[1.33333, 2]\ncount 1"));
        QCOMPARE(histogram->hoverText(5.0), QString());

        // A dragged range re-bins inside it; values outside are reported below/above.
        panel->setRange(0.5, 1.5);
        QTRY_COMPARE_WITH_TIMEOUT(histogram->histogram().edges.front(), 0.5, kTimeoutMs);
        QCOMPARE(histogram->histogram().counts, (std::vector<uint64_t>{0, 3, 0}));
        QCOMPARE(histogram->histogram().below, uint64_t(2));
        QCOMPARE(histogram->histogram().above, uint64_t(1));
        panel->setRange(0, 0);
        panel->setBins(256);
        QCOMPARE(histogram->total(), uint64_t(6));

        // Log scale drops empty bins instead of drawing log(0).
        histogram->setLogY(true);
        QCOMPARE(histogram->plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
        histogram->setLogY(false);
    }

    void boolTensorsShowTrueAndFalse()
    {
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("flags")));
        StatisticsPanel* panel = m_page->statisticsPanel();
        QTRY_VERIFY_WITH_TIMEOUT(panel->stats() && panel->stats()->bools, kTimeoutMs);
        QCOMPARE(panel->histogram()->histogram().counts, (std::vector<uint64_t>{2, 3}));
        QCOMPARE(panel->histogram()->hoverText(1.0), QStringLiteral("true: 3"));
        QCOMPARE(panel->tableModel()->valueText(QStringLiteral("true")), QStringLiteral("3"));
    }

    void latestSelectionWins()
    {
        StatisticsPanel* panel = m_page->statisticsPanel();
        const size_t big = *m_view->loaded()->model->find("big");
        const size_t grid = *m_view->loaded()->model->find("grid");
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("big")));
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("grid")));
        QTRY_VERIFY_WITH_TIMEOUT(panel->stats() && !panel->stats()->sampled, kTimeoutMs);
        QCOMPARE(panel->stats()->count, uint64_t(2400));
        QTRY_VERIFY_WITH_TIMEOUT(!panel->runner()->isBusy(), kTimeoutMs);
        QTest::qWait(100); // anything the cancelled job might still have posted
        QCOMPARE(panel->stats()->count, uint64_t(2400));
        QCOMPARE(panel->histogram()->total(), uint64_t(2400));
        QVERIFY(panel->runner()->cached(grid));
        // The big tensor was cancelled, unless it finished before the second click (never its result on screen).
        if (const auto cached = panel->runner()->cached(big))
            QCOMPARE(cached->count, uint64_t(2048) * 2048);

        // Back to a cached tensor: at once, no computation.
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("spread")));
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("grid")));
        QVERIFY(panel->stats() && panel->stats()->count == 2400);
        QVERIFY(!panel->runner()->isBusy());
    }

    void logBinsAreGeometric_data()
    {
        QTest::addColumn<QString>("tensor");
        QTest::addColumn<int>("decadeCount");
        QTest::newRow("F32, re-binned in the background") << QStringLiteral("decades") << 12;
        QTest::newRow("F16, re-binned from bit-pattern counts") << QStringLiteral("decades16") << 8;
    }

    void logBinsAreGeometric()
    {
        QFETCH(QString, tensor);
        QFETCH(int, decadeCount);
        QVERIFY(m_view->showPage(QStringLiteral("values")));
        QVERIFY(m_view->browser()->selectTensor(tensor));
        StatisticsPanel* panel = m_page->statisticsPanel();
        QTRY_VERIFY_WITH_TIMEOUT(panel->stats() && !panel->stats()->sampled, kTimeoutMs);
        HistogramPlot* plot = panel->histogram();
        QCOMPARE(plot->histogram().scale, BinScale::Linear);

        panel->setBins(decadeCount); // one bin per decade
        panel->setLogBins(true);
        QTRY_VERIFY_WITH_TIMEOUT(plot->histogram().scale == BinScale::Log &&
                                     plot->histogram().counts.size() == size_t(decadeCount),
                                 kTimeoutMs);
        const Histogram& h = plot->histogram();
        // Edges from the smallest to the largest non-zero |x|, each a constant factor (here 10) above the last.
        // (F16 stores 1e-4 to about 1e-4 relative.)
        QVERIFY(std::fabs(h.edges.front() / std::pow(10.0, -decadeCount / 2) - 1.0) < 1e-3);
        QVERIFY(std::fabs(h.edges.back() / std::pow(10.0, decadeCount / 2) - 1.0) < 1e-3);
        for (size_t i = 0; i + 1 < h.edges.size(); ++i)
            QVERIFY2(std::fabs(h.edges[i + 1] / h.edges[i] - 10.0) < 1e-3, qPrintable(QString::number(i)));
        // Zeros, NaN and Inf are not binned: the counts add up to the non-zero finite values.
        const uint64_t nonZeroFinite = uint64_t(4 * decadeCount + 2);
        QCOMPARE(panel->stats()->finite - panel->stats()->zeros, nonZeroFinite);
        QCOMPARE(plot->total(), nonZeroFinite);
        for (uint64_t count : h.counts)
            QVERIFY(count >= 2); // +-3 * 10^k falls inside every decade
        QVERIFY(panel->specialText().contains(QStringLiteral("zeros 3")));

        QCustomPlot* qcp = plot->plot();
        QCOMPARE(qcp->xAxis->scaleType(), QCPAxis::stLogarithmic);
        QVERIFY(qcp->xAxis->ticker().dynamicCast<QCPAxisTickerLog>());
        QCOMPARE(qcp->xAxis->label(), QStringLiteral("|x| (log bins)"));
        // Hover names the bin's |x| range; 3 lies in the decade [~1, ~10), with -3, and with +-1 when they round up.
        const QString hover = plot->hoverText(3.0);
        QVERIFY2(hover.startsWith(QStringLiteral("|x| in [")) && hover.contains(QStringLiteral(")\ncount ")),
                 qPrintable(hover));
        const uint64_t third = h.counts[size_t(decadeCount / 2)];
        QVERIFY(hover.endsWith(QString::number(third)));
        QCOMPARE(plot->hoverText(0.0), QString());

        // Back to linear bins: the value axis again.
        panel->setLogBins(false);
        QTRY_COMPARE_WITH_TIMEOUT(plot->histogram().scale, BinScale::Linear, kTimeoutMs);
        QCOMPARE(qcp->xAxis->scaleType(), QCPAxis::stLinear);
        QCOMPARE(qcp->xAxis->label(), QStringLiteral("Value"));
        panel->setBins(256);
    }

    // The value axis asks for fewer labels as the plot narrows: at the width an 800 x 600 window leaves it, five
    // labels such as "-0.15" ran into each other; a wide plot keeps QCustomPlot's usual count.
    void valueAxisLabelsThinOutWhenNarrow()
    {
        Histogram h;
        for (int i = 0; i <= 64; ++i)
            h.edges.push_back(-0.16 + 0.3 * i / 64.0);
        h.counts.assign(64, 10);
        HistogramPlot plot;
        plot.setHistogram(h);
        // Not shown (a window of its own would take the focus the later tests type into): the resize event a
        // shown widget gets is sent by hand.
        auto labelsAt = [&plot](int width) {
            const QSize before = plot.size();
            plot.resize(width, 300);
            QResizeEvent resized(plot.size(), before);
            QCoreApplication::sendEvent(&plot, &resized);
            plot.plot()->replot(QCustomPlot::rpImmediateRefresh);
            const QVector<double> ticks = plot.plot()->xAxis->tickVector();
            int shown = 0;
            for (double t : ticks)
                shown += plot.plot()->xAxis->range().contains(t);
            return shown;
        };
        const int narrow = labelsAt(240), wide = labelsAt(900);
        QVERIFY2(narrow >= 2 && narrow <= 4, qPrintable(QString::number(narrow)));
        QVERIFY2(wide >= 5, qPrintable(QString::number(wide)));
        QCOMPARE(plot.plot()->xAxis->ticker()->tickCount(), 5);
        labelsAt(240);
        QCOMPARE(plot.plot()->xAxis->ticker()->tickCount(), 3);
    }

    void logBinsReachThePreview()
    {
        // A tensor selected with log bins on: its sampled preview is already log-binned, then the exact result.
        QVERIFY(m_view->showPage(QStringLiteral("values")));
        StatisticsPanel* panel = m_page->statisticsPanel();
        panel->setLogBins(true);
        // (spec binning, histogram binning) of every preview; the context object ends the connection with this
        // function, even when a check returns early.
        std::vector<std::pair<BinScale, BinScale>> previews;
        QObject context;
        connect(panel->runner(), &StatsRunner::previewReady, &context,
                [&](size_t, const std::shared_ptr<const TensorStats>& stats, const HistogramSpec& spec) {
                    if (stats->sampled)
                        previews.emplace_back(spec.scale, stats->histogram.scale);
                });
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("big")));
        QTRY_VERIFY_WITH_TIMEOUT(panel->stats() && !panel->stats()->sampled, kTimeoutMs);
        // 4 Mi elements: a sampled preview first, already log-binned.
        QCOMPARE(previews, (std::vector<std::pair<BinScale, BinScale>>{{BinScale::Log, BinScale::Log}}));
        QCOMPARE(panel->histogram()->histogram().scale, BinScale::Log);
        QCOMPARE(panel->histogram()->total(), panel->stats()->finite - panel->stats()->zeros);
        QVERIFY(panel->stats()->zeros > 0); // sin(0)
        const size_t big = *m_view->loaded()->model->find("big");
        QVERIFY(panel->runner()->cached(big, panel->currentSpec()));

        // Linear again (re-binned in the background), then away and back: results are cached per binning, so
        // both come back at once, without a pass over the tensor.
        panel->setLogBins(false);
        QTRY_COMPARE_WITH_TIMEOUT(panel->histogram()->histogram().scale, BinScale::Linear, kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!panel->runner()->isBusy(), kTimeoutMs);
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("grid")));
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("big")));
        QVERIFY(panel->stats() && !panel->stats()->sampled);
        QCOMPARE(panel->histogram()->histogram().scale, BinScale::Linear);
        panel->setLogBins(true);
        QCOMPARE(panel->histogram()->histogram().scale, BinScale::Log);
        QCOMPARE(panel->histogram()->total(), panel->stats()->finite - panel->stats()->zeros);
        QVERIFY(!panel->runner()->isBusy());
        panel->setLogBins(false);
    }

    void sliceTableShowsCellsAndCopies()
    {
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("grid")));
        QVERIFY(m_view->showPage(QStringLiteral("slice")));
        QCOMPARE(m_page->valuesArea()->currentIndex(), int(TensorPage::SliceTab));
        SlicePanel* slice = m_page->slicePanel();
        SliceTableModel* model = slice->sliceModel();
        QCOMPARE(model->rowCount(), 40);
        QCOMPARE(model->columnCount(), 60);
        QCOMPARE(model->data(model->index(3, 7)).toString(), QStringLiteral("307"));
        QCOMPARE(model->data(model->index(39, 59)).toString(), QStringLiteral("3959"));

        QTableView* table = slice->tableView();
        table->selectionModel()->select(QItemSelection(model->index(1, 2), model->index(2, 3)),
                                        QItemSelectionModel::ClearAndSelect);
        const QString expected = QStringLiteral("102\t103\n202\t203\n");
        QCOMPARE(slice->copySelection(), expected);
        QCOMPARE(QGuiApplication::clipboard()->text(), expected);

        // Ctrl+C on the table does the same.
        QGuiApplication::clipboard()->clear();
        table->setFocus();
        table->selectionModel()->select(QItemSelection(model->index(0, 0), model->index(0, 1)),
                                        QItemSelectionModel::ClearAndSelect);
        QTest::keyClick(table, Qt::Key_C, Qt::ControlModifier);
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("0\t1\n"));

        // CSV export of the whole slice, full precision, in the background.
        const QString csv = m_dir.filePath(QStringLiteral("grid.csv"));
        QSignalSpy finished(slice, &SlicePanel::exportFinished);
        QCOMPARE(slice->exportCsv(csv), QString());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        QCOMPARE(finished.at(0).at(0).toString(), csv);
        QCOMPARE(finished.at(0).at(1).toString(), QString());
        QCOMPARE(finished.at(0).at(2).toBool(), false);
        QVERIFY(!slice->isExporting());
        QVERIFY(slice->exportStatus().startsWith(QStringLiteral("Saved ")));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().split('\n');
        QCOMPARE(lines.size(), 41); // 40 rows and the final newline
        QVERIFY(lines[1].startsWith("100,101,102,"));
        QCOMPARE(lines[1].count(','), 59);
        QCOMPARE(lines[39], QByteArray("3900,3901,") + lines[39].mid(10));
        QVERIFY(lines[39].endsWith(",3959"));
        QCOMPARE(lines[40], QByteArray());
    }

    void cancelledExportLeavesNoFile_data()
    {
        QTest::addColumn<QByteArray>("previous"); // what is under the final name before; empty: no file
        QTest::newRow("new file") << QByteArray();
        QTest::newRow("existing file") << QByteArray("old contents\n");
    }

    void cancelledExportLeavesNoFile()
    {
        QFETCH(QByteArray, previous);
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("big")));
        QVERIFY(m_view->showPage(QStringLiteral("slice")));
        SlicePanel* slice = m_page->slicePanel();
        QCOMPARE(slice->sliceModel()->rowCount(), 2048);
        QTemporaryDir out;
        const QString csv = out.filePath(QStringLiteral("big.csv"));
        if (!previous.isEmpty())
            writeFile(out, QStringLiteral("big.csv"), previous);

        QSignalSpy finished(slice, &SlicePanel::exportFinished);
        QCOMPARE(slice->exportCsv(csv), QString());
        QVERIFY(slice->isExporting());
        QVERIFY(!slice->exportCsv(csv).isEmpty()); // one at a time
        // Mid-way (4 Mi values, 32 bands): the window keeps processing events meanwhile.
        QTRY_VERIFY_WITH_TIMEOUT(slice->exportProgress() > 0, kTimeoutMs);
        QVERIFY(finished.isEmpty());
        slice->cancelExport();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        QCOMPARE(finished.at(0).at(2).toBool(), true);
        QCOMPARE(finished.at(0).at(1).toString(), QString());
        QVERIFY(slice->exportStatus().startsWith(QStringLiteral("Export cancelled")));
        // Nothing under the final name (or the old file untouched), and no temporary file left behind.
        const QStringList left = QDir(out.path()).entryList(QDir::Files | QDir::Hidden);
        if (previous.isEmpty()) {
            QVERIFY(!QFile::exists(csv));
            QCOMPARE(left, QStringList());
        } else {
            QFile file(csv);
            QVERIFY(file.open(QIODevice::ReadOnly));
            QCOMPARE(file.readAll(), previous);
            QCOMPARE(left, QStringList{QStringLiteral("big.csv")});
        }
    }

    void heatmapTicksAndFooterFollowTheView()
    {
        // A thin tensor: rows and columns are whole numbers, so are the ticks (-0.5 .. 2.5 before).
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("flags")));
        QVERIFY(m_view->showPage(QStringLiteral("heatmap")));
        HeatmapPanel* heatmap = m_page->heatmapPanel();
        HeatmapPlot* plot = heatmap->plot();
        QTRY_VERIFY_WITH_TIMEOUT(plot->hasOverview(), kTimeoutMs);
        QCustomPlot* qcp = plot->plot();
        qcp->replot();
        for (QCPAxis* axis : {qcp->xAxis, qcp->yAxis}) {
            QVERIFY(!axis->tickVector().isEmpty());
            for (const double tick : axis->tickVector())
                QCOMPARE(tick, std::round(tick));
        }

        // A big slice is downsampled; zoomed in until every value shows, the footer says so.
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("big")));
        QTRY_VERIFY_WITH_TIMEOUT(heatmap->statusText().contains(QStringLiteral("drawn as")), kTimeoutMs);
        qcp->xAxis->setRange(-0.5, 49.5);
        qcp->yAxis->setRange(-0.5, 39.5);
        QTRY_VERIFY2_WITH_TIMEOUT(heatmap->statusText().startsWith(QStringLiteral("Every value in view drawn")),
                                  qPrintable(heatmap->statusText()), kTimeoutMs);
        QVERIFY(!heatmap->statusText().contains(QStringLiteral("zoom in")));
    }

    void heatmapDrawsHoversAndJumpsToTheTable()
    {
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("grid")));
        QVERIFY(m_view->showPage(QStringLiteral("heatmap")));
        HeatmapPanel* heatmap = m_page->heatmapPanel();
        HeatmapPlot* plot = heatmap->plot();
        QTRY_VERIFY_WITH_TIMEOUT(plot->hasOverview(), kTimeoutMs);
        // Values 0..3959 are all >= 0: a sequential scale, from the statistics' percentiles.
        QVERIFY(plot->scale().lo() >= 0.0);
        QVERIFY(plot->scale().hi() > 3900.0 && plot->scale().hi() <= 3959.0);

        QCustomPlot* qcp = plot->plot();
        qcp->replot();
        const QPoint cell(int(qcp->xAxis->coordToPixel(9)), int(qcp->yAxis->coordToPixel(5)));
        QCOMPARE(plot->cellAt(cell), (std::optional<std::pair<uint64_t, uint64_t>>{{5, 9}}));
        QCOMPARE(plot->cellText(5, 9), QStringLiteral("row 5, col 9: 509"));
        QCOMPARE(plot->cellAt(QPoint(1, 1)), std::nullopt); // outside the data area

        QTest::mouseMove(qcp, cell);
        QTRY_COMPARE_WITH_TIMEOUT(QToolTip::text(), QStringLiteral("row 5, col 9: 509"), kTimeoutMs);

        QTest::mouseClick(qcp, Qt::LeftButton, {}, cell);
        QCOMPARE(m_page->valuesArea()->currentIndex(), int(TensorPage::SliceTab));
        const QModelIndex current = m_page->slicePanel()->tableView()->currentIndex();
        QCOMPARE(current.row(), 5);
        QCOMPARE(current.column(), 9);

        // Plot export: PNG and SVG.
        const QString png = m_dir.filePath(QStringLiteral("heatmap.png"));
        const QString svg = m_dir.filePath(QStringLiteral("heatmap.svg"));
        QCOMPARE(plotexport::save(qcp, png), QString());
        QCOMPARE(plotexport::save(qcp, svg), QString());
        QVERIFY(QImage(png).width() > 100);
        QFile svgFile(svg);
        QVERIFY(svgFile.open(QIODevice::ReadOnly));
        QVERIFY(svgFile.readAll().contains("<svg"));
    }

    void longAxisIsReachedThroughTheWindowBar()
    {
        QVERIFY(m_view->showPage(QStringLiteral("slice")));
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("grid")));
        SlicePanel* slice = m_page->slicePanel();
        SliceWindowBar* bar = slice->windowBar();
        QVERIFY(bar->isHidden()); // 40 x 60 fits in the table
        const auto* span = bar->findChild<QLabel*>(QStringLiteral("rowWindow"));
        auto* firstRow = bar->findChild<QLineEdit*>(QStringLiteral("firstRow"));
        auto* firstColumn = bar->findChild<QLineEdit*>(QStringLiteral("firstColumn"));
        QVERIFY(span && firstRow && firstColumn);

        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("long")));
        SliceTableModel* model = slice->sliceModel();
        QTableView* table = slice->tableView();
        QVERIFY(bar->isVisible());
        QVERIFY(!firstColumn->isVisibleTo(bar)); // one column: only rows need a window
        QCOMPARE(span->text(), QStringLiteral("Rows 0 \u2013 1,048,575 of 3,145,733"));
        QCOMPARE(firstRow->text(), QStringLiteral("0"));
        QCOMPARE(uint64_t(model->rowCount()), SliceTableModel::kMaxSections);

        // The row shown at the top of the table, with its header and its byte.
        const auto topRow = [&](uint64_t row) {
            const int section = table->rowAt(0);
            QCOMPARE(model->headerData(section, Qt::Vertical).toString(), QString::number(row));
            QCOMPARE(model->data(model->index(section, 0)).toString(), QString::number(longValue(row)));
            QCOMPARE(model->data(model->index(section, 0), SortRole).toDouble(), double(longValue(row)));
            QCOMPARE(table->currentIndex(), model->index(section, 0));
        };

        // A first row the window can start at: it becomes table row 0.
        firstRow->setText(QStringLiteral("1,500,000"));
        QTest::keyClick(firstRow, Qt::Key_Return);
        QCOMPARE(model->rowOrigin(), uint64_t(1'500'000));
        QCOMPARE(span->text(), QStringLiteral("Rows 1,500,000 \u2013 2,548,575 of 3,145,733"));
        QCOMPARE(table->rowAt(0), 0);
        topRow(1'500'000);

        // Row 2,500,000: a window starting there would run past the end, so the window stays full (it ends at
        // the last row) and the row is scrolled to the top of the table instead.
        firstRow->setText(QStringLiteral("2500000"));
        QTest::keyClick(firstRow, Qt::Key_Return);
        QCOMPARE(model->rowOrigin(), kLongCount - SliceTableModel::kMaxSections);
        QCOMPARE(span->text(), QStringLiteral("Rows 2,097,157 \u2013 3,145,732 of 3,145,733"));
        QCOMPARE(firstRow->text(), QStringLiteral("2,500,000"));
        QCOMPARE(table->rowAt(0), int(2'500'000 - model->rowOrigin()));
        topRow(2'500'000);
        QVERIFY(!bar->findChild<QWidget*>(QStringLiteral("nextRows"))->isEnabled());

        // Not an index: the field goes back to the row in force, the window stays.
        firstRow->setText(QStringLiteral("row 5"));
        QTest::keyClick(firstRow, Qt::Key_Return);
        QCOMPARE(firstRow->text(), QStringLiteral("2,500,000"));
        QCOMPARE(model->rowOrigin(), kLongCount - SliceTableModel::kMaxSections);

        // A window back.
        QTest::mouseClick(bar->findChild<QWidget*>(QStringLiteral("previousRows")), Qt::LeftButton);
        QCOMPARE(model->rowOrigin(), uint64_t(1'048'581));
        QCOMPARE(firstRow->text(), QStringLiteral("1,048,581"));
        topRow(1'048'581);

        // A jump from the heatmap to a cell outside the window moves the window and the bar with it.
        slice->jumpTo(3'145'700, 0);
        const QModelIndex current = table->currentIndex();
        QVERIFY(current.isValid());
        QCOMPARE(model->headerData(current.row(), Qt::Vertical).toString(), QStringLiteral("3145700"));
        QCOMPARE(model->data(current).toString(), QString::number(longValue(3'145'700)));
        QCOMPARE(model->rowOrigin() + uint64_t(current.row()), uint64_t(3'145'700));
        QCOMPARE(span->text(), QStringLiteral("Rows 2,097,157 \u2013 3,145,732 of 3,145,733"));
        QCOMPARE(firstRow->text(), QStringLiteral("2,097,157"));

        // Laid out as one row: the window runs across the columns.
        slice->setSpec(SliceSpec{{0}, -1, 0});
        QVERIFY(!firstRow->isVisibleTo(bar));
        QVERIFY(firstColumn->isVisibleTo(bar));
        QCOMPARE(model->colOrigin(), uint64_t(0));
        firstColumn->setText(QStringLiteral("2,600,000"));
        QTest::keyClick(firstColumn, Qt::Key_Return);
        QCOMPARE(model->colOrigin(), kLongCount - SliceTableModel::kMaxSections);
        const int column = table->columnAt(0);
        QCOMPARE(model->headerData(column, Qt::Horizontal).toString(), QStringLiteral("2600000"));
        QCOMPARE(model->data(model->index(0, column)).toString(), QString::number(longValue(2'600'000)));
        QCOMPARE(table->currentIndex(), model->index(0, column));

        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("grid")));
        QVERIFY(bar->isHidden());
    }

    void sliceAndHeatmapShareTheSlice()
    {
        QVERIFY(m_view->browser()->selectTensor(QStringLiteral("grid")));
        SlicePanel* slice = m_page->slicePanel();
        HeatmapPanel* heatmap = m_page->heatmapPanel();
        emit slice->specChanged(SliceSpec{{0, 0}, 1, 0}); // transposed on the slice tab
        QCOMPARE(heatmap->controls()->spec(), (SliceSpec{{0, 0}, 1, 0}));
    }

private:
    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<MainWindow> m_window;
    ModelView* m_view = nullptr;
    TensorPage* m_page = nullptr;
};

QTEST_MAIN(TestValuesPages)
#include "tst_valuespages.moc"
