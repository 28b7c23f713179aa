// The diff view in the real window (offscreen): two generated models with a scaled layer, an added tensor and a
// changed metadata key; rows stream into the table, the heatmap selects pairs, tolerances re-run the diff, and the
// report is exported in the three formats.
#include "core/text/format.h"
#include "support/clirun.h"
#include "support/quantmodels.h"
#include "support/tensorfilebuilder.h"
#include "ui/diff/diffheatmap.h"
#include "ui/diff/diffpairpanel.h"
#include "ui/diff/diffslicepanel.h"
#include "ui/diff/diffsliceplot.h"
#include "ui/diff/diffview.h"
#include "ui/models/difffilterproxymodel.h"
#include "ui/models/diffslicetablemodel.h"
#include "ui/models/difftablemodel.h"
#include "ui/models/roles.h"
#include "ui/plots/histogramplot.h"
#include "ui/slice/slicewindowbar.h"
#include "ui/window/mainwindow.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDropEvent>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

#include <cmath>
#include <limits>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 30000;
constexpr int kLayers = 3;
constexpr size_t kElements = 64;

std::vector<float> weights(uint32_t seed)
{
    std::vector<float> v(kElements);
    for (size_t i = 0; i < v.size(); ++i)
        v[i] = std::sin(static_cast<float>(seed * 131 + i)) * 0.5f;
    return v;
}

/// A has layers 0..2 with q_proj and k_proj; B doubles layer 1's q_proj, adds a tensor and changes metadata.
void writeModels(const QTemporaryDir& dir, QString* pathA, QString* pathB)
{
    TensorFileBuilder a;
    TensorFileBuilder b;
    a.metadata(R"({"format":"pt","step":"100"})");
    b.metadata(R"({"format":"pt","step":"200"})");
    for (int layer = 0; layer < kLayers; ++layer) {
        for (const char* module : {"q_proj", "k_proj"}) {
            const QByteArray name = "model.layers." + QByteArray::number(layer) + ".self_attn." + module + ".weight";
            const std::vector<float> w = weights(static_cast<uint32_t>(layer * 2 + (module[0] == 'q')));
            std::vector<float> w2 = w;
            if (layer == 1 && module[0] == 'q') {
                for (float& x : w2)
                    x *= 2.0f;
            }
            a.add(name, "F32", {8, 8}, bytesOf(w));
            b.add(name, "F32", {8, 8}, bytesOf(w2));
        }
    }
    b.add("model.extra.weight", "F32", {8, 8}, bytesOf(weights(99)));
    *pathA = writeFile(dir, QStringLiteral("a.safetensors"), a.build());
    *pathB = writeFile(dir, QStringLiteral("b.safetensors"), b.build());
}

int rowNamed(const DiffTableModel* model, const QString& name)
{
    for (int r = 0; r < model->rowCount(); ++r) {
        if (model->index(r, 0).data().toString() == name)
            return r;
    }
    return -1;
}

// A pair with one axis longer than a table holds: [kLongRows, 1] U8, A and B told apart by their values.
constexpr uint64_t kLongRows = 3'000'000;
uint8_t longA(uint64_t row)
{
    return static_cast<uint8_t>(row % 200);
}
uint8_t longB(uint64_t row)
{
    return static_cast<uint8_t>((row * 7 + 3) % 256);
}

void writeLongModels(const QTemporaryDir& dir, QString* pathA, QString* pathB)
{
    std::vector<uint8_t> a(kLongRows);
    std::vector<uint8_t> b(kLongRows);
    for (uint64_t row = 0; row < kLongRows; ++row) {
        a[row] = longA(row);
        b[row] = longB(row);
    }
    TensorFileBuilder fa;
    TensorFileBuilder fb;
    fa.add("long.weight", "U8", {kLongRows, 1}, bytesOf(a));
    fb.add("long.weight", "U8", {kLongRows, 1}, bytesOf(b));
    *pathA = writeFile(dir, QStringLiteral("long-a.safetensors"), fa.build());
    *pathB = writeFile(dir, QStringLiteral("long-b.safetensors"), fb.build());
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestDiffView : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    // One report module in core: the window's Export report and `safescope-cli diff --format` write the same bytes,
    // names a CSV must quote and metadata a Markdown table must escape included.
    void exportMatchesCli()
    {
        QTemporaryDir dir;
        TensorFileBuilder a;
        TensorFileBuilder b;
        const std::vector<float> w{1, 2, 3, 4};
        const std::vector<float> w2{1, 2, 3, 5};
        // The builder writes names into the header verbatim: this is the JSON text of  say "hi", w|x\y
        const QByteArray name = "say \\\"hi\\\", w|x\\\\y";
        a.metadata(R"({"format":"pt","note":"a|b"})").add(name, "F32", {4}, bytesOf(w));
        a.add("same", "F32", {4}, bytesOf(w));
        b.metadata(R"({"format":"pt","note":"c"})").add(name, "F32", {4}, bytesOf(w2));
        b.add("same", "F32", {4}, bytesOf(w)).add("only,b", "BF16", {2}, QByteArray(4, '\0'));
        const QString pathA = writeFile(dir, QStringLiteral("a.safetensors"), a.build());
        const QString pathB = writeFile(dir, QStringLiteral("b.safetensors"), b.build());

        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        DiffView* view = window.comparePaths(pathA, pathB);
        QVERIFY(view);
        QTRY_VERIFY_WITH_TIMEOUT(view->diff() != nullptr, kTimeoutMs);

        for (const char* format : {"csv", "md", "json"}) {
            const QString path = dir.filePath(QStringLiteral("report.") + QLatin1StringView(format));
            QVERIFY(view->exportReport(path));
            const QByteArray exported = readAll(path);
            const CliRun cli =
                runCli({QStringLiteral("diff"), pathA, pathB, QStringLiteral("--format"), QString::fromLatin1(format)});
            QCOMPARE(cli.exitCode, 0);
            QCOMPARE(cli.out, exported);
            if (QByteArrayView(format) == "csv") { // RFC 4180: quotes doubled, fields with , or " quoted
                QVERIFY2(exported.contains("\n\"say \"\"hi\"\", w|x\\y\",,values_differ,F32,F32,[4],[4],1,"),
                         exported.constData());
                QVERIFY(exported.contains("\n\"only,b\",,only_in_b,,BF16,,[2],"));
            } else if (QByteArrayView(format) == "md") { // a pipe would end the cell, a backslash escape the next
                QVERIFY2(exported.contains("| say \"hi\", w\\|x\\\\y | values_differ | 1 |"), exported.constData());
                QVERIFY(exported.contains("| note | changed | a\\|b | c |"));
            }
        }
        // --json stays what it was: the JSON report.
        const CliRun json = runCli({QStringLiteral("diff"), pathA, pathB, QStringLiteral("--json")});
        QCOMPARE(json.out, readAll(dir.filePath(QStringLiteral("report.json"))));
    }

    void diffInWindow()
    {
        QTemporaryDir dir;
        QString pathA;
        QString pathB;
        writeModels(dir, &pathA, &pathB);
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        DiffView* view = window.comparePaths(pathA, pathB);
        QVERIFY(view);
        QCOMPARE(window.tabs()->currentWidget(), view);
        QTRY_VERIFY_WITH_TIMEOUT(view->diff() != nullptr, kTimeoutMs);

        // Statuses and a metric, against what the fixture did: layer 1's q_proj doubled gives ‖A - 2A‖/‖A‖ = 1.
        const DiffTableModel* model = view->tableModel();
        QCOMPARE(model->rowCount(), kLayers * 2 + 1);
        const int scaled = rowNamed(model, QStringLiteral("model.layers.1.self_attn.q_proj.weight"));
        const int added = rowNamed(model, QStringLiteral("model.extra.weight"));
        const int same = rowNamed(model, QStringLiteral("model.layers.0.self_attn.q_proj.weight"));
        QVERIFY(scaled >= 0 && added >= 0 && same >= 0);
        QCOMPARE(model->index(scaled, DiffTableModel::StatusColumn).data().toString(), QStringLiteral("values_differ"));
        QCOMPARE(model->index(added, DiffTableModel::StatusColumn).data().toString(), QStringLiteral("only_in_b"));
        QCOMPARE(model->index(same, DiffTableModel::StatusColumn).data().toString(), QStringLiteral("identical"));
        QVERIFY(std::fabs(model->index(scaled, DiffTableModel::RelL2Column).data(SortRole).toDouble() - 1.0) < 1e-6);
        QVERIFY(std::fabs(model->index(scaled, DiffTableModel::CosineColumn).data(SortRole).toDouble() - 1.0) < 1e-6);
        QCOMPARE(model->index(scaled, DiffTableModel::BeyondColumn).data(SortRole).toULongLong(),
                 qulonglong(kElements));
        QVERIFY(view->summaryLabel()->text().contains(QStringLiteral("1 values_differ")));
        QVERIFY(view->summaryLabel()->text().contains(QStringLiteral("metadata: 0 added, 0 removed, 1 changed")));

        // The status filter narrows the table to the changed pairs.
        view->proxy()->setStatusFilter(DiffFilterProxyModel::ChangedOnly);
        QCOMPARE(view->table()->model()->rowCount(), 2);
        view->proxy()->setStatusFilter(DiffFilterProxyModel::AllStatuses);

        // Heatmap: 3 layers x 2 modules; clicking the doubled cell selects its pair in the table.
        view->pages()->setCurrentIndex(1);
        DiffHeatmap* heatmap = view->heatmap();
        QCOMPARE(heatmap->grid().rowCount(), kLayers);
        QCOMPARE(heatmap->grid().columnCount(), 2);
        const size_t pair = model->rows()[static_cast<size_t>(scaled)].pair;
        const auto [row, column] = heatmap->grid().cellOf(static_cast<int64_t>(pair));
        QCOMPARE(row, 1);
        QVERIFY(std::fabs(heatmap->grid().value(row, column) - 1.0) < 1e-6);
        QCOMPARE(heatmap->grid().value(0, column), 0.0);
        QTest::qWait(50);
        heatmap->plot()->replot(); // lays the axis rect out at the plot's current size
        const QPoint centre = heatmap->cellCentre(row, column);
        QCOMPARE(heatmap->cellAt(centre), std::make_optional(std::make_pair(row, column)));
        QVERIFY(heatmap->cellText(row, column).contains(QStringLiteral("layer 1")));
        // The view selected the most changed pair by itself; move away so the click has something to do.
        QCOMPARE(view->selectedPair(), std::make_optional(pair));
        QVERIFY(view->selectPair(model->rows()[static_cast<size_t>(same)].pair));
        QVERIFY(view->selectedPair() != std::make_optional(pair));
        QSignalSpy shown(view->pairPanel(), &DiffPairPanel::histogramsShown);
        QTest::mouseClick(heatmap->plot(), Qt::LeftButton, {}, centre);
        QCOMPARE(view->selectedPair(), std::make_optional(pair));
        QVERIFY(view->table()->currentIndex().data().toString().contains(QStringLiteral("layers.1.self_attn.q_proj")));

        // The selected pair's histograms: every element of Δ is binned.
        QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, kTimeoutMs);
        QCOMPARE(view->pairPanel()->deltaPlot()->total(), uint64_t(kElements));

        // The Δ slice of the scaled pair: computed when its tab is shown, every element drawn (8 x 8 fits the
        // plot), each cell A - B of the weights the fixture wrote.
        DiffSlicePanel* slice = view->pairPanel()->slicePanel();
        QSignalSpy deltaShown(slice, &DiffSlicePanel::deltaShown);
        view->showPage(QStringLiteral("slice"));
        QTRY_VERIFY_WITH_TIMEOUT(deltaShown.count() >= 1, kTimeoutMs);
        const Downsampled& cells = slice->plot()->overview();
        QCOMPARE(cells.rows, uint64_t(8));
        QCOMPARE(cells.cols, uint64_t(8));
        const std::vector<float> wa = weights(3); // layer 1, q_proj
        const auto expectedDelta = [&](size_t i) { return double(wa[i]) - double(wa[i] * 2.0f); };
        QCOMPARE(cells.values[5 * 8 + 3], expectedDelta(5 * 8 + 3));
        QVERIFY(expectedDelta(5 * 8 + 3) != 0.0);
        // Diverging around 0: the scale is symmetric whatever the sign of the data.
        QCOMPARE(slice->plot()->scale().lo(), -slice->plot()->scale().hi());
        QVERIFY(slice->plot()->cellText(5, 3).contains(QString::number(expectedDelta(5 * 8 + 3), 'g', 7)));

        // The three tables show A, B and Δ of the same cell; the current cell follows across them.
        using Side = DiffSliceTableModel::Side;
        QCOMPARE(slice->model(Side::A)->index(2, 6).data(SortRole).toDouble(), double(wa[2 * 8 + 6]));
        QCOMPARE(slice->model(Side::B)->index(2, 6).data(SortRole).toDouble(), double(wa[2 * 8 + 6] * 2.0f));
        QCOMPARE(slice->model(Side::Delta)->index(2, 6).data(SortRole).toDouble(), expectedDelta(2 * 8 + 6));
        QVERIFY(!slice->model(Side::Delta)->index(2, 6).data().toString().isEmpty());
        slice->table(Side::B)->setCurrentIndex(slice->model(Side::B)->index(4, 1));
        QCOMPARE(slice->table(Side::A)->currentIndex(), slice->model(Side::A)->index(4, 1));
        QCOMPARE(slice->table(Side::Delta)->currentIndex(), slice->model(Side::Delta)->index(4, 1));
        // Clicking a heatmap cell finds it in the tables.
        slice->plot()->plot()->replot();
        const QPoint cellPoint = slice->plot()->cellCentre(6, 2);
        QCOMPARE(slice->plot()->cellAt(cellPoint), std::make_optional(std::make_pair(uint64_t(6), uint64_t(2))));
        QTest::mouseClick(slice->plot()->plot(), Qt::LeftButton, {}, cellPoint);
        QCOMPARE(slice->table(Side::Delta)->currentIndex(), slice->model(Side::Delta)->index(6, 2));

        // The status bar: the counts by status and the selected pair.
        const QString status = view->statusText();
        QVERIFY2(status.contains(QStringLiteral("7 pairs, 1 differ, 1 only in B, 5 identical")), qPrintable(status));
        QVERIFY(status.contains(QStringLiteral("selected: model.layers.1.self_attn.q_proj.weight")));
        bool shownInBar = false;
        for (const QLabel* label : window.statusBar()->findChildren<QLabel*>())
            shownInBar = shownInBar || label->text() == status;
        QVERIFY(shownInBar);

        // Log colours on the layer heatmap: rel. L2 1 sits at 10^0, identical pairs at the floor below every change.
        QVERIFY(!heatmap->logScale());
        QCOMPARE(heatmap->cellCoordinate(row, column), 1.0);
        view->logScaleBox()->setChecked(true);
        QVERIFY(heatmap->logScale());
        QVERIFY(std::fabs(heatmap->cellCoordinate(row, column)) < 1e-9);
        QCOMPARE(heatmap->cellCoordinate(0, column), heatmap->logColorScale().coordinateLo());
        QVERIFY(heatmap->logColorScale().floor() < 1.0);
        view->logScaleBox()->setChecked(false);
        QCOMPARE(heatmap->cellCoordinate(row, column), 1.0);

        // Exports.
        const QString json = dir.filePath(QStringLiteral("report.json"));
        const QString csv = dir.filePath(QStringLiteral("report.csv"));
        const QString md = dir.filePath(QStringLiteral("report.md"));
        QVERIFY(view->exportReport(json));
        QVERIFY(view->exportReport(csv));
        QVERIFY(view->exportReport(md));
        const QJsonObject report = QJsonDocument::fromJson(readAll(json)).object();
        const QJsonObject summary = report.value(QStringLiteral("summary")).toObject();
        QCOMPARE(summary.value(QStringLiteral("pairs")).toInt(), kLayers * 2 + 1);
        QCOMPARE(summary.value(QStringLiteral("equal")).toBool(), false);
        const QJsonArray tensors = report.value(QStringLiteral("tensors")).toArray();
        QCOMPARE(tensors.size(), kLayers * 2 + 1);
        QCOMPARE(report.value(QStringLiteral("metadata"))
                     .toObject()
                     .value(QStringLiteral("changed"))
                     .toObject()
                     .value(QStringLiteral("step"))
                     .toObject()
                     .value(QStringLiteral("b"))
                     .toString(),
                 QStringLiteral("200"));
        const QByteArray csvText = readAll(csv);
        QVERIFY(csvText.contains("\nmodel.layers.1.self_attn.q_proj.weight,,values_differ,F32,F32,"));
        QVERIFY(csvText.contains("\nmodel.extra.weight,,only_in_b,,F32,"));
        QCOMPARE(csvText.count('\n'), kLayers * 2 + 2);
        const QByteArray mdText = readAll(md);
        QVERIFY(mdText.contains("| model.layers.1.self_attn.q_proj.weight | values_differ |"));
        QVERIFY(mdText.contains("| step | changed | 100 | 200 |"));
        QVERIFY(!mdText.contains("| model.layers.0.self_attn.q_proj.weight |"));

        // A relative tolerance of 1.5 accepts the doubling (|a - 2a| <= 1.5 |2a|): only the added tensor differs.
        view->rtolEdit()->setText(QStringLiteral("1.5"));
        view->rerun();
        QVERIFY(view->diff() == nullptr);
        QTRY_VERIFY_WITH_TIMEOUT(view->diff() != nullptr, kTimeoutMs);
        QCOMPARE(view->diff()->summary.withinTolerance, uint64_t(kLayers * 2));
        QCOMPARE(model->index(scaled, DiffTableModel::BeyondColumn).data(SortRole).toULongLong(), qulonglong(0));

        // A rule that cannot be parsed is reported and nothing runs.
        view->ruleEdit()->setText(QStringLiteral("s/(/x/"));
        view->rerun();
        QVERIFY(view->summaryLabel()->text().contains(QStringLiteral("Cannot compare")));
        QVERIFY(!view->isRunning());
    }

    void longAxisWindowMovesAllThreeTables()
    {
        QTemporaryDir dir;
        QString pathA;
        QString pathB;
        writeLongModels(dir, &pathA, &pathB);
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        DiffView* view = window.comparePaths(pathA, pathB);
        QVERIFY(view);
        QTRY_VERIFY_WITH_TIMEOUT(view->diff() != nullptr, kTimeoutMs);
        QCOMPARE(view->selectedPair(), std::make_optional(size_t(0))); // the only pair, and it differs
        DiffSlicePanel* slice = view->pairPanel()->slicePanel();
        view->showPage(QStringLiteral("slice"));

        using Side = DiffSliceTableModel::Side;
        SliceWindowBar* bar = slice->windowBar();
        const auto* span = bar->findChild<QLabel*>(QStringLiteral("rowWindow"));
        auto* firstRow = bar->findChild<QLineEdit*>(QStringLiteral("firstRow"));
        auto* firstColumn = bar->findChild<QLineEdit*>(QStringLiteral("firstColumn"));
        QVERIFY(span && firstRow && firstColumn);
        QVERIFY(bar->isVisible());
        QVERIFY(!firstColumn->isVisibleTo(bar)); // one column: only rows need a window
        QCOMPARE(span->text(), QStringLiteral("Rows 0 \u2013 1,048,575 of 3,000,000"));
        for (const Side side : {Side::A, Side::B, Side::Delta})
            QCOMPARE(uint64_t(slice->model(side)->rowCount()), DiffSliceTableModel::kMaxSections);

        // Slice row `row` at the top of all three tables, each with its header and its value, and current in each.
        const auto topRow = [&](uint64_t row) {
            for (const Side side : {Side::A, Side::B, Side::Delta}) {
                const DiffSliceTableModel* model = slice->model(side);
                QCOMPARE(model->rowOrigin(), slice->model(Side::A)->rowOrigin());
                const int section = slice->table(side)->rowAt(0);
                QCOMPARE(model->headerData(section, Qt::Vertical).toString(), QString::number(row));
                QCOMPARE(slice->table(side)->currentIndex(), model->index(section, 0));
            }
            const int section = slice->table(Side::A)->rowAt(0);
            const auto value = [&](Side side) { return slice->model(side)->index(section, 0).data(SortRole); };
            QCOMPARE(value(Side::A).toDouble(), double(longA(row)));
            QCOMPARE(value(Side::B).toDouble(), double(longB(row)));
            QCOMPARE(value(Side::Delta).toDouble(), double(longA(row)) - double(longB(row)));
            QCOMPARE(slice->model(Side::Delta)->index(section, 0).data().toString().isEmpty(), false);
        };

        // A first row the window can start at: it becomes row 0 of every table.
        firstRow->setText(QStringLiteral("1,500,000"));
        QTest::keyClick(firstRow, Qt::Key_Return);
        QCOMPARE(slice->model(Side::Delta)->rowOrigin(), uint64_t(1'500'000));
        QCOMPARE(span->text(), QStringLiteral("Rows 1,500,000 \u2013 2,548,575 of 3,000,000"));
        QCOMPARE(slice->table(Side::B)->rowAt(0), 0);
        topRow(1'500'000);

        // Near the end the window stays full (it ends at the last row) and the row is scrolled to the top instead.
        firstRow->setText(QStringLiteral("2999990"));
        QTest::keyClick(firstRow, Qt::Key_Return);
        const uint64_t lastOrigin = kLongRows - DiffSliceTableModel::kMaxSections;
        QCOMPARE(slice->model(Side::A)->rowOrigin(), lastOrigin);
        QCOMPARE(span->text(), QStringLiteral("Rows 1,951,424 \u2013 2,999,999 of 3,000,000"));
        QCOMPARE(firstRow->text(), QStringLiteral("2,999,990"));
        QVERIFY(!bar->findChild<QWidget*>(QStringLiteral("nextRows"))->isEnabled());
        const int expected = int(2'999'990 - lastOrigin);
        // The viewport may hold fewer rows than remain: the last rows then sit at the top only as far as it goes.
        QVERIFY(slice->table(Side::Delta)->rowAt(0) <= expected);
        QCOMPARE(slice->table(Side::Delta)->currentIndex(), slice->model(Side::Delta)->index(expected, 0));
        QCOMPARE(slice->table(Side::A)->currentIndex(), slice->model(Side::A)->index(expected, 0));
        QCOMPARE(slice->model(Side::Delta)->index(expected, 0).data(SortRole).toDouble(),
                 double(longA(2'999'990)) - double(longB(2'999'990)));

        // A window back: every table moves with it.
        QTest::mouseClick(bar->findChild<QWidget*>(QStringLiteral("previousRows")), Qt::LeftButton);
        QCOMPARE(slice->model(Side::A)->rowOrigin(), lastOrigin - DiffSliceTableModel::kMaxSections);
        QCOMPARE(firstRow->text(), format::count(lastOrigin - DiffSliceTableModel::kMaxSections));
        topRow(lastOrigin - DiffSliceTableModel::kMaxSections);

        // A click on the Δ map's cell far down moves the window, and the bar follows.
        slice->jumpTo(2'900'000, 0);
        const uint64_t jumped = slice->model(Side::B)->rowOrigin();
        QVERIFY(jumped <= 2'900'000 && 2'900'000 < jumped + DiffSliceTableModel::kMaxSections);
        QCOMPARE(slice->model(Side::A)->rowOrigin(), jumped);
        QCOMPARE(span->text(),
                 QStringLiteral("Rows %1 \u2013 %2 of 3,000,000")
                     .arg(format::count(jumped), format::count(jumped + DiffSliceTableModel::kMaxSections - 1)));
        QCOMPARE(firstRow->text(), format::count(jumped));
    }

    void cancelDropsLateResults()
    {
        QTemporaryDir dir;
        QString pathA;
        QString pathB;
        writeModels(dir, &pathA, &pathB);
        MainWindow window;
        DiffView* view = window.comparePaths(pathA, pathB);
        QVERIFY(view->isRunning());
        view->cancel();
        QVERIFY(!view->isRunning());
        QTest::qWait(300); // whatever the job posted before it saw the flag must not arrive
        QVERIFY(view->diff() == nullptr);
        QVERIFY(view->summaryLabel()->text().contains(QStringLiteral("Cancelled")));
        view->rerun(); // and a new run after a cancel completes
        QTRY_VERIFY_WITH_TIMEOUT(view->diff() != nullptr, kTimeoutMs);
        QCOMPARE(view->tableModel()->rowCount(), kLayers * 2 + 1);
    }

    void dropTwoFilesCompares()
    {
        QTemporaryDir dir;
        QString pathA;
        QString pathB;
        writeModels(dir, &pathA, &pathB);
        MainWindow window;
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(pathA), QUrl::fromLocalFile(pathB)});
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        // QApplication::notify() drops drop events that no drag started; deliver it as the drag manager would.
        static_cast<QObject*>(&window)->event(&drop);
        auto* view = qobject_cast<DiffView*>(window.tabs()->currentWidget());
        QVERIFY(view);
        QCOMPARE(window.tabs()->count(), 1);
        QCOMPARE(view->pathB(), pathB);
        QTRY_VERIFY_WITH_TIMEOUT(view->diff() != nullptr, kTimeoutMs);
        // Closing the window while nothing runs is fine; a running diff is cancelled by the view's destructor.
        view->rerun();
    }

    void layerHeatmapLabelsDoNotOverlap()
    {
        // 96 layers of 6 modules with long names, in a small window.
        QTemporaryDir dir;
        TensorFileBuilder a;
        TensorFileBuilder b;
        const std::vector<float> w{1.0f, 2.0f};
        const std::vector<float> w2{1.0f, 3.0f};
        for (int layer = 0; layer < 96; ++layer) {
            for (const char* module : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                       "mlp.gate_proj", "mlp.down_proj"}) {
                const QByteArray name = "model.layers." + QByteArray::number(layer) + '.' + module + ".weight";
                a.add(name, "F32", {2}, bytesOf(w));
                b.add(name, "F32", {2}, bytesOf(w2));
            }
        }
        const QString pathA = writeFile(dir, QStringLiteral("deep-a.safetensors"), a.build());
        const QString pathB = writeFile(dir, QStringLiteral("deep-b.safetensors"), b.build());
        MainWindow window;
        window.resize(800, 600);
        window.show();
        DiffView* view = window.comparePaths(pathA, pathB);
        QTRY_VERIFY_WITH_TIMEOUT(view->diff() != nullptr, kTimeoutMs);
        view->showPage(QStringLiteral("heatmap"));
        DiffHeatmap* heatmap = view->heatmap();
        QCustomPlot* plot = heatmap->plot();
        QTRY_VERIFY(plot->isVisible());
        plot->replot();
        QCoreApplication::processEvents();
        plot->replot();
        const int line = plot->fontMetrics().height();
        const double rowPixels = double(plot->axisRect()->height()) / 96;
        const double colPixels = double(plot->axisRect()->width()) / 6;
        QVERIFY2(
            heatmap->labelStep(Qt::Vertical) * rowPixels >= line,
            qPrintable(QStringLiteral("every %1 rows of %2 px").arg(heatmap->labelStep(Qt::Vertical)).arg(rowPixels)));
        QVERIFY(heatmap->labelStep(Qt::Horizontal) * colPixels >= line);
        QCOMPARE(plot->xAxis->tickLabelRotation(), 90.0);
    }

    void quantizationErrorInWindow()
    {
        // A float original against its FP8 block quantization (a folder with config.json): the weight pairs with
        // its float counterpart by logical name, dequantized; the table says what it is and its SQNR, and the map
        // turns to SQNR by itself, drawn linearly with the identical norm at the closest end.
        QTemporaryDir quantDir, originalDir;
        std::vector<float> dequantized;
        writeFp8Model(quantDir, dequantized);
        std::vector<float> original;
        for (size_t i = 0; i < dequantized.size(); ++i)
            original.push_back(dequantized[i] * (1.0f + 0.02f * static_cast<float>(static_cast<int>(i % 5) - 2)));
        double signal = 0, noise = 0;
        for (size_t i = 0; i < original.size(); ++i) {
            const double d = static_cast<double>(original[i]) - static_cast<double>(dequantized[i]);
            signal += static_cast<double>(original[i]) * original[i];
            noise += d * d;
        }
        const double expectedSqnr = 10.0 * std::log10(signal / noise);
        TensorFileBuilder file;
        file.add("layers.0.mlp.weight", "F32", {5, 7}, bytesOf(original))
            .add("layers.0.norm.weight", "F32", {4}, bytesOf(std::vector<float>{1, 2, 3, 4}));
        const QString originalPath = writeFile(originalDir, QStringLiteral("model.safetensors"), file.build());

        MainWindow window;
        window.resize(1200, 800);
        window.show();
        DiffView* view = window.comparePaths(originalPath, quantDir.path());
        QVERIFY(view);
        QTRY_VERIFY_WITH_TIMEOUT(view->diff() != nullptr, kTimeoutMs);
        const DiffTableModel* model = view->tableModel();
        QCOMPARE(model->rowCount(), 2); // the scale is folded under its weight
        const int weight = rowNamed(model, QStringLiteral("layers.0.mlp.weight"));
        QVERIFY(weight >= 0);
        QCOMPARE(model->index(weight, DiffTableModel::DTypeColumn).data().toString(),
                 QStringLiteral("F32 \u2192 fp8 (F8_E4M3)"));
        const double sqnr = model->index(weight, DiffTableModel::SqnrColumn).data(SortRole).toDouble();
        QVERIFY2(std::fabs(sqnr - expectedSqnr) < 1e-6, qPrintable(QString::number(sqnr)));
        QCOMPARE(model->index(weight, DiffTableModel::SqnrColumn).data().toString(),
                 QString::number(expectedSqnr, 'f', 1));

        auto* metric = view->findChild<QComboBox*>(QStringLiteral("diffHeatMetric"));
        QVERIFY(metric);
        QCOMPARE(metric->currentData().toInt(), static_cast<int>(DiffHeatMetric::Sqnr));
        QVERIFY(!view->logScaleBox()->isEnabled());
        view->showPage(QStringLiteral("heatmap"));
        const DiffHeatmap* heatmap = view->heatmap();
        QVERIFY(heatmap->grid().higherIsCloser);
        QCOMPARE(heatmap->grid().rowCount(), 1);
        const auto [row, column] = heatmap->grid().cellOf(static_cast<int64_t>(model->rows()[weight].pair));
        QVERIFY(row == 0 && column >= 0);
        QVERIFY(std::fabs(heatmap->grid().value(row, column) - expectedSqnr) < 1e-6);
        const int norm = 1 - column; // two modules: mlp.weight and norm.weight
        QVERIFY(std::isinf(heatmap->grid().value(0, norm)));
        QVERIFY(std::isnan(heatmap->cellCoordinate(0, norm))); // blank: no error to colour
        QVERIFY(heatmap->cellText(row, column).contains(QString::number(expectedSqnr, 'g', 4)));

        // The selected pair reads B as its dequantized values, never as stored codes (which reach +-448): Δ's
        // histogram spans the quantization error only, and the Δ slice's tables hold the fixture's own values.
        QSignalSpy shown(view->pairPanel(), &DiffPairPanel::histogramsShown);
        DiffSlicePanel* slice = view->pairPanel()->slicePanel();
        QSignalSpy deltaShown(slice, &DiffSlicePanel::deltaShown);
        QVERIFY(view->selectPair(model->rows()[static_cast<size_t>(norm == 0 ? 1 : 0)].pair));
        QVERIFY(view->selectPair(model->rows()[weight].pair));
        QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, kTimeoutMs);
        double maxDelta = 0;
        for (size_t i = 0; i < original.size(); ++i)
            maxDelta = std::max(maxDelta, std::fabs(double(original[i]) - double(dequantized[i])));
        const Histogram& delta = view->pairPanel()->deltaPlot()->histogram();
        QCOMPARE(view->pairPanel()->deltaPlot()->total(), uint64_t(original.size()));
        QVERIFY2(delta.edges.front() >= -maxDelta * 1.01 && delta.edges.back() <= maxDelta * 1.01,
                 qPrintable(QStringLiteral("%1 .. %2").arg(delta.edges.front()).arg(delta.edges.back())));
        view->showPage(QStringLiteral("slice"));
        QTRY_VERIFY_WITH_TIMEOUT(deltaShown.count() >= 1, kTimeoutMs);
        using Side = DiffSliceTableModel::Side;
        for (const auto& [r, c] : {std::pair{0, 0}, std::pair{3, 5}, std::pair{4, 6}}) {
            const size_t i = static_cast<size_t>(r * 7 + c);
            QCOMPARE(slice->model(Side::A)->index(r, c).data(SortRole).toDouble(), double(original[i]));
            QCOMPARE(slice->model(Side::B)->index(r, c).data(SortRole).toDouble(), double(dequantized[i]));
            QCOMPARE(slice->model(Side::Delta)->index(r, c).data(SortRole).toDouble(),
                     double(original[i]) - double(dequantized[i]));
        }

        view->showPage(QStringLiteral("heatmap"));

        // Once the user picks a metric, a re-run keeps it; the log box comes back for a ratio.
        metric->setCurrentIndex(metric->findData(static_cast<int>(DiffHeatMetric::RelativeL2)));
        emit metric->activated(metric->currentIndex());
        QVERIFY(view->logScaleBox()->isEnabled());
        QVERIFY(!heatmap->grid().higherIsCloser);
        view->rerun();
        QTRY_VERIFY_WITH_TIMEOUT(view->diff() != nullptr, kTimeoutMs);
        QCOMPARE(metric->currentData().toInt(), static_cast<int>(DiffHeatMetric::RelativeL2));
    }

    // On the SQNR map, +inf (identical: no error) is blank, and -inf (a value lost to NaN or infinity) is the
    // worst colour there is, never blank as if identical; its hover text says -inf.
    void lostWeightIsTheWorstCellNotABlankOne()
    {
        DiffLayerGrid grid;
        grid.layers = {0, 1};
        grid.modules = {QStringLiteral("mlp.down_proj.weight"), QStringLiteral("norm.weight")};
        const double inf = std::numeric_limits<double>::infinity();
        grid.values = {-inf, inf, 20.0, 35.0};
        grid.pairs = {0, 1, 2, 3};
        grid.higherIsCloser = true;
        DiffHeatmap heatmap;
        heatmap.resize(600, 400);
        heatmap.setGrid(grid, QStringLiteral("SQNR (dB)"));
        QCOMPARE(heatmap.cellCoordinate(0, 0), 20.0); // the worst finite SQNR: the far end of the scale
        QVERIFY(std::isnan(heatmap.cellCoordinate(0, 1)));
        QCOMPARE(heatmap.cellCoordinate(1, 0), 20.0);
        QCOMPARE(heatmap.cellCoordinate(1, 1), 35.0);
        QVERIFY2(heatmap.cellText(0, 0).contains(QStringLiteral("-inf")), qPrintable(heatmap.cellText(0, 0)));
    }

    void summaryCountsFitTogether()
    {
        // Two dtype changes F32 -> BF16: one exact (every value survives the cast), one whose values doubled.
        QTemporaryDir dir;
        const std::vector<float> exact{1.0f, 2.0f, 3.0f, 4.0f};
        const std::vector<float> moved{1.5f, 2.5f, 3.5f, 4.5f};
        std::vector<float> doubled;
        for (float x : moved)
            doubled.push_back(2 * x);
        TensorFileBuilder a;
        TensorFileBuilder b;
        a.add("exact", "F32", {4}, bytesOf(exact));
        b.add("exact", "BF16", {4}, bf16Truncated(exact));
        a.add("moved", "F32", {4}, bytesOf(moved));
        b.add("moved", "BF16", {4}, bf16Truncated(doubled));
        const QString pathA = writeFile(dir, QStringLiteral("cast-a.safetensors"), a.build());
        const QString pathB = writeFile(dir, QStringLiteral("cast-b.safetensors"), b.build());
        MainWindow window;
        DiffView* view = window.comparePaths(pathA, pathB);
        QTRY_VERIFY_WITH_TIMEOUT(view->diff() != nullptr, kTimeoutMs);
        const QString text = view->summaryLabel()->text();
        QVERIFY2(text.contains(QStringLiteral("2 dtype_changed")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("1 pair not equal within tolerance (4 parameters)")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("1 of the 2 dtype changes keep every value within tolerance")),
                 qPrintable(text));
        QVERIFY2(!text.contains(QStringLiteral("changed tensors")), qPrintable(text));
    }
};

QTEST_MAIN(TestDiffView)
#include "tst_diffview.moc"
