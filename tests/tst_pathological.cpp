// Legal but extreme shapes on every page and in the CLI (issue: hardening): 64 dimensions, a dimension of 2^63 next
// to a zero, a scalar, an empty vector. Each must be shown in words, computed (statistics of zero elements are a
// count of 0, not NaN soup), sliced and drawn without a crash, a hang or an int overflow in a view.
#include "support/clirun.h"
#include "support/fixtures.h"
#include "support/isolatedsettings.h"
#include "support/openedwindow.h"
#include "ui/window/documentview.h"
#include "ui/heatmap/heatmappanel.h"
#include "ui/heatmap/heatmapplot.h"
#include "ui/window/mainwindow.h"
#include "ui/models/slicetablemodel.h"
#include "ui/models/statstablemodel.h"
#include "ui/window/modelview.h"
#include "ui/slice/slicepanel.h"
#include "ui/values/statisticspanel.h"
#include "ui/values/statsrunner.h"
#include "ui/window/tensorbrowser.h"
#include "ui/values/tensorpage.h"

#include <QAbstractItemModelTester>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 30000;
constexpr uint64_t kTwoTo63 = uint64_t(1) << 63;

/// deep: F32 with 64 dimensions of 1 (one element, 1.5); huge_empty: [2^63, 0]; empty_huge: [0, 2^63] (both zero
/// elements, zero bytes); scalar: F32 shape [] = 2.5; empty: BF16 [0].
QByteArray pathologicalFile()
{
    const std::vector<uint64_t> deep(64, 1);
    const QByteArray oneAndHalf("\x00\x00\xc0\x3f", 4);
    const QByteArray twoAndHalf("\x00\x00\x20\x40", 4);
    const QByteArray header =
        "{" + tensorJson("deep", "F32", deep, 0, 4) + "," + tensorJson("huge_empty", "F32", {kTwoTo63, 0}, 4, 4) + "," +
        tensorJson("empty_huge", "F64", {0, kTwoTo63}, 4, 4) + "," + tensorJson("scalar", "F32", {}, 4, 8) + "," +
        tensorJson("empty", "BF16", {0}, 8, 8) + "}";
    return rawFile(header, oneAndHalf + twoAndHalf);
}

} // namespace

class TestPathological final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        isolateSettings(QStringLiteral("tst_pathological"), m_dir.path());
        m_path = writeFile(m_dir, QStringLiteral("extreme shapes.safetensors"), pathologicalFile());
        m_window = std::make_unique<MainWindow>();
        DocumentView* document = openAndWait(*m_window, m_path, kTimeoutMs);
        QVERIFY(document); // loaded and ready
        m_view = document->modelView();
        m_page = m_view->tensorPage();
    }

    void cleanupTestCase() { m_window.reset(); }

    void everyPageShowsEveryTensor_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("elements");
        QTest::addColumn<QString>("shapeStart");
        QTest::addColumn<int>("sliceCells");
        QTest::addColumn<QString>("mean");
        QTest::newRow("64 dimensions") << "deep"
                                       << "1"
                                       << "[1, 1, 1" << 1 << "1.5";
        QTest::newRow("2^63 x 0") << "huge_empty"
                                  << "0"
                                  << "[9223372036854775808, 0]" << 0 << "";
        QTest::newRow("0 x 2^63") << "empty_huge"
                                  << "0"
                                  << "[0, 9223372036854775808]" << 0 << "";
        QTest::newRow("scalar") << "scalar"
                                << "1"
                                << "[]" << 1 << "2.5";
        QTest::newRow("empty vector") << "empty"
                                      << "0"
                                      << "[0]" << 0 << "";
    }

    void everyPageShowsEveryTensor()
    {
        QFETCH(QString, name);
        QFETCH(QString, elements);
        QFETCH(QString, shapeStart);
        QFETCH(int, sliceCells);
        QFETCH(QString, mean);

        QVERIFY(m_view->browser()->selectTensor(name));
        QCOMPARE(m_page->fact(QStringLiteral("Elements")), elements);
        QVERIFY2(m_page->fact(QStringLiteral("Shape")).startsWith(shapeStart),
                 qPrintable(m_page->fact(QStringLiteral("Shape"))));

        QVERIFY(m_view->showPage(QStringLiteral("values")));
        StatisticsPanel* statistics = m_page->statisticsPanel();
        QTRY_VERIFY_WITH_TIMEOUT(statistics->stats() && !statistics->stats()->sampled, kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!statistics->runner()->isBusy(), kTimeoutMs);
        QCOMPARE(statistics->tableModel()->valueText(QStringLiteral("count")), elements);
        if (!mean.isEmpty())
            QCOMPARE(statistics->tableModel()->valueText(QStringLiteral("mean")), mean);

        QVERIFY(m_view->showPage(QStringLiteral("slice")));
        SliceTableModel* slice = m_page->slicePanel()->sliceModel();
        QAbstractItemModelTester tester(slice, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(slice->rowCount() * slice->columnCount(), sliceCells);
        if (sliceCells == 1) {
            QCOMPARE(slice->data(slice->index(0, 0)).toString().toDouble(), mean.toDouble());
        }

        QVERIFY(m_view->showPage(QStringLiteral("heatmap")));
        HeatmapPanel* heatmap = m_page->heatmapPanel();
        if (sliceCells == 1)
            QTRY_VERIFY_WITH_TIMEOUT(heatmap->plot()->hasOverview(), kTimeoutMs);
        else
            QTest::qWait(50); // nothing to draw: the panel says so and must not crash while it settles
        QVERIFY(m_window->isVisible());
    }

    void cliHandlesEveryTensor_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("count");
        QTest::newRow("64 dimensions") << "deep" << 1;
        QTest::newRow("2^63 x 0") << "huge_empty" << 0;
        QTest::newRow("0 x 2^63") << "empty_huge" << 0;
        QTest::newRow("scalar") << "scalar" << 1;
        QTest::newRow("empty vector") << "empty" << 0;
    }

    void cliHandlesEveryTensor()
    {
        QFETCH(QString, name);
        QFETCH(int, count);
        const CliRun stats = runCli({QStringLiteral("stats"), m_path, name, QStringLiteral("--json")});
        QVERIFY2(stats.exitCode == 0, stats.err.constData());
        const nlohmann::json json = parseJson(stats.out);
        QCOMPARE(json.at("count").get<int>(), count);

        const CliRun slice = runCli({QStringLiteral("slice"), m_path, name, QStringLiteral("--json")});
        QVERIFY2(slice.exitCode == 0, slice.err.constData());
        QVERIFY(!parseJson(slice.out).is_null());
    }

    void cliInfoListsTheShapes()
    {
        const CliRun info = runCli({QStringLiteral("info"), m_path, QStringLiteral("--json")});
        QVERIFY2(info.exitCode == 0, info.err.constData());
        const QByteArray text = info.out;
        QVERIFY(text.contains("9223372036854775808"));
    }

private:
    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<MainWindow> m_window;
    ModelView* m_view = nullptr;
    TensorPage* m_page = nullptr;
};

QTEST_MAIN(TestPathological)
#include "tst_pathological.moc"
