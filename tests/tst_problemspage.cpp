// The Problems page (issue 16): structure, metadata and values. The value scan starts by itself when the page is
// first shown for a small model (and only on "Scan values" for a big one), shows progress, can be cancelled, never
// says "every check passed" before the values were read, and each row leads to its tensor and, for values, to the
// first offending element in the slice view.
#include "support/fixtures.h"
#include "support/isolatedsettings.h"
#include "support/openedwindow.h"
#include "support/tensorfilebuilder.h"
#include "ui/models/problemsmodel.h"
#include "ui/models/slicetablemodel.h"
#include "ui/pages/overviewpage.h"
#include "ui/pages/problemspage.h"
#include "ui/slice/slicepanel.h"
#include "ui/values/tensorpage.h"
#include "ui/window/documentview.h"
#include "ui/window/englishplurals.h"
#include "ui/window/mainwindow.h"
#include "ui/window/modelview.h"
#include "ui/window/tensorbrowser.h"

#include <QFile>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

#include <limits>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 30000;
constexpr float kNan = std::numeric_limits<float>::quiet_NaN();

/// Header padded to 8 bytes so alignment is the tensors' own; tensors in the order given.
QByteArray paddedFile(const QByteArray& metadata,
                      const QList<QPair<QByteArray, QPair<std::vector<uint64_t>, QByteArray>>>& tensors)
{
    QByteArray entries, data;
    for (const auto& [name, tensor] : tensors) {
        const auto begin = static_cast<uint64_t>(data.size());
        entries += (entries.isEmpty() ? "" : ",") +
                   tensorJson(name, "F32", tensor.first, begin, begin + static_cast<uint64_t>(tensor.second.size()));
        data += tensor.second;
    }
    QByteArray header =
        "{" + (metadata.isEmpty() ? QByteArray() : "\"__metadata__\":" + metadata + ",") + entries + "}";
    while (header.size() % 8 != 0)
        header += ' ';
    return rawFile(header, data);
}

int rowOf(const ProblemsModel* model, const QString& tensor, const QString& code)
{
    for (int r = 0; r < model->rowCount(); ++r) {
        if (model->index(r, ProblemsModel::TensorColumn).data().toString() == tensor &&
            model->index(r, ProblemsModel::CodeColumn).data().toString() == code)
            return r;
    }
    return -1;
}

QString emptyText(const ProblemsPage* page)
{
    // The placeholder is the page's only word-wrapped, centred label.
    for (const QLabel* label : page->findChildren<QLabel*>()) {
        if (label->alignment() == Qt::AlignCenter)
            return label->isVisible() ? label->text() : QString();
    }
    return {};
}

} // namespace

class TestProblemsPage final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        isolateSettings(QStringLiteral("tst_problemspage"), m_dir.path());
        QCoreApplication::installTranslator(new EnglishPlurals(this)); // as the application does
    }

    void valueRowsLeadToTheirElement()
    {
        std::vector<float> grid(3 * 4, 0.5f);
        grid[0] = 0.25f;
        grid[7] = kNan; // row 1, column 3
        std::vector<float> cube(2 * 3 * 4, 0.75f);
        cube[0] = 0.5f;
        cube[17] = kNan; // [1, 1, 1]
        const QString path = writeFile(m_dir, QStringLiteral("sick.safetensors"),
                                       paddedFile({}, {{"grid", {{3, 4}, bytesOf(grid)}},
                                                       {"cube", {{2, 3, 4}, bytesOf(cube)}},
                                                       {"norm.weight", {{4}, bytesOf<float>({1, 1, 1, 1})}}}));
        MainWindow window;
        DocumentView* document = openAndWait(window, path, kTimeoutMs);
        QVERIFY(document);
        ModelView* view = document->modelView();
        ProblemsPage* page = view->problemsPage();

        // Before the page is shown: only what needs no value read (the missing "format" key), and no scan yet.
        QCOMPARE(page->scanState(), ProblemsPage::ScanState::NotScanned);
        QCOMPARE(page->count(), 1);
        QCOMPARE(view->pages()->tabText(ModelView::ProblemsPageIndex), QStringLiteral("Problems (1)"));
        QCOMPARE(view->overviewPage()->fact(QStringLiteral("Problems")),
                 QStringLiteral("1 problem, see the Problems tab")); // the Overview agrees with the tab
        QVERIFY(page->scanStatus().contains(QStringLiteral("not scanned")));

        // Showing the page scans this small model by itself.
        QVERIFY(view->showPage(QStringLiteral("problems")));
        QTRY_COMPARE_WITH_TIMEOUT(page->scanState(), ProblemsPage::ScanState::Scanned, kTimeoutMs);
        QCOMPARE(page->count(), 4); // metadata, two NaN, one constant
        QCOMPARE(view->pages()->tabText(ModelView::ProblemsPageIndex), QStringLiteral("Problems (4)"));
        QCOMPARE(view->overviewPage()->fact(QStringLiteral("Problems")),
                 QStringLiteral("4 problems, see the Problems tab"));
        QVERIFY(page->scanStatus().startsWith(QStringLiteral("Values scanned: 3 tensors")));
        const auto* model = qobject_cast<const ProblemsModel*>(
            qobject_cast<const QSortFilterProxyModel*>(page->table()->model())->sourceModel());
        QVERIFY(model);
        QVERIFY(rowOf(model, QStringLiteral("norm.weight"), QStringLiteral("Constant")) >= 0);
        QVERIFY(rowOf(model, QString(), QStringLiteral("Metadata")) >= 0);

        // The NaN row of "grid": tensor selected, slice tab shown, cell (1, 3) current.
        const int gridRow = rowOf(model, QStringLiteral("grid"), QStringLiteral("NaN"));
        QVERIFY(gridRow >= 0);
        QCOMPARE(model->index(gridRow, 0).data(ProblemsModel::JumpElementRole).toLongLong(), 7);
        QCOMPARE(model->index(gridRow, 0).data(ProblemsModel::SeverityRole).toString(), QStringLiteral("error"));
        page->activateRow(gridRow);
        QCOMPARE(view->pages()->currentIndex(), int(ModelView::TensorPageIndex));
        QCOMPARE(view->tensorPage()->valuesArea()->currentIndex(), int(TensorPage::SliceTab));
        QCOMPARE(view->tensorPage()->title(), QStringLiteral("grid"));
        QModelIndex cell = view->tensorPage()->slicePanel()->tableView()->currentIndex();
        QCOMPARE(cell.row(), 1);
        QCOMPARE(cell.column(), 3);

        // In three dimensions the leading axis is fixed at the element's index: [1, :, :], cell (1, 1).
        QVERIFY(view->showPage(QStringLiteral("problems")));
        const int cubeRow = rowOf(model, QStringLiteral("cube"), QStringLiteral("NaN"));
        QVERIFY(cubeRow >= 0);
        page->activateRow(cubeRow);
        QCOMPARE(view->tensorPage()->title(), QStringLiteral("cube"));
        SlicePanel* slice = view->tensorPage()->slicePanel();
        QCOMPARE(slice->sliceModel()->spec().index.at(0), uint64_t(1));
        cell = slice->tableView()->currentIndex();
        QCOMPARE(cell.row(), 1);
        QCOMPARE(cell.column(), 1);

        // A row without an element (constant) shows the tensor.
        QVERIFY(view->showPage(QStringLiteral("problems")));
        page->activateRow(rowOf(model, QStringLiteral("norm.weight"), QStringLiteral("Constant")));
        QCOMPARE(view->pages()->currentIndex(), int(ModelView::TensorPageIndex));
        QCOMPARE(view->tensorPage()->title(), QStringLiteral("norm.weight"));
    }

    void everyCheckPassedOnlyAfterTheScan()
    {
        const QString path = writeFile(m_dir, QStringLiteral("healthy.safetensors"),
                                       paddedFile(R"({"format":"pt"})", {{"w", {{2}, bytesOf<float>({0.5f, -1})}}}));
        MainWindow window;
        DocumentView* document = openAndWait(window, path, kTimeoutMs);
        QVERIFY(document);
        ProblemsPage* page = document->modelView()->problemsPage();
        QCOMPARE(page->count(), 0);
        document->modelView()->pages()->setCurrentIndex(ModelView::ProblemsPageIndex);
        // Until the scan has finished the page must not claim that everything passed.
        if (page->scanState() != ProblemsPage::ScanState::Scanned)
            QVERIFY(!emptyText(page).contains(QStringLiteral("every check passed")));
        QTRY_COMPARE_WITH_TIMEOUT(page->scanState(), ProblemsPage::ScanState::Scanned, kTimeoutMs);
        QCOMPARE(page->count(), 0);
        QCOMPARE(emptyText(page), QStringLiteral("No problems found: every check passed."));
    }

    void bigModelWaitsForTheButtonAndCancels()
    {
        // 6 GiB of F32 zeros as a sparse file: beyond the automatic scan, and slow enough to be cancelled.
        const uint64_t elements = (uint64_t(6) << 30) / 4;
        QByteArray header =
            "{\"__metadata__\":{\"format\":\"pt\"}," + tensorJson("huge", "F32", {elements}, 0, elements * 4) + "}";
        while (header.size() % 8 != 0)
            header += ' ';
        const QString path = writeFile(m_dir, QStringLiteral("huge.safetensors"), rawFile(header));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadWrite));
            QVERIFY(file.resize(static_cast<qint64>(8 + header.size() + elements * 4)));
        }
        MainWindow window;
        DocumentView* document = openAndWait(window, path, kTimeoutMs);
        QVERIFY(document);
        ProblemsPage* page = document->modelView()->problemsPage();
        QVERIFY(document->modelView()->showPage(QStringLiteral("problems")));
        QCoreApplication::processEvents();
        QCOMPARE(page->scanState(), ProblemsPage::ScanState::NotScanned);
        QVERIFY2(page->scanStatus().contains(QStringLiteral("6.00 GiB")), qPrintable(page->scanStatus()));
        QVERIFY(page->scanButton()->isVisible());
        QVERIFY(!emptyText(page).contains(QStringLiteral("every check passed")));

        page->scanButton()->click();
        QCOMPARE(page->scanState(), ProblemsPage::ScanState::Scanning);
        QVERIFY(page->cancelButton()->isVisible());
        QVERIFY(page->scanProgress()->isVisible());
        page->cancelButton()->click();
        QCOMPARE(page->scanState(), ProblemsPage::ScanState::Cancelled);
        QVERIFY(!page->cancelButton()->isVisible());
        QVERIFY(page->scanButton()->isVisible());
        QVERIFY(page->scanStatus().contains(QStringLiteral("cancelled")));
        QCOMPARE(page->count(), 0);
        QVERIFY(!emptyText(page).contains(QStringLiteral("every check passed")));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestProblemsPage)
#include "tst_problemspage.moc"
