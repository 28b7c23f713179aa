// The window a user lives in (issue 16): room for names, a first screen that orients, sizes down to 800x600.
#include "support/fixtures.h"
#include "support/isolatedsettings.h"
#include "support/openedwindow.h"
#include "ui/models/roles.h"
#include "ui/models/tensortreemodel.h"
#include "ui/pages/overviewpage.h"
#include "ui/values/tensorpage.h"
#include "ui/window/documentview.h"
#include "ui/window/mainwindow.h"
#include "ui/window/modelview.h"
#include "ui/window/tensorbrowser.h"

#include <QAction>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 20000;

/// More tensors than the browser expands on a filter (3,000), in one collapsed group under a wrapper: the group's
/// size reads "376 KiB" unfiltered and "1.17 KiB", wider, when a filter keeps only `model.g.special`.
QByteArray wideWhenFilteredFile()
{
    QByteArray header = "{";
    uint64_t offset = 0;
    for (int i = 0; i < 3000; ++i) {
        header += tensorJson("model.g.t" + QByteArray::number(i), "F32", {32}, offset, offset + 128) + ',';
        offset += 128;
    }
    header += tensorJson("model.g.special", "F32", {300}, offset, offset + 1200);
    offset += 1200;
    header += '}';
    return rawFile(header, patternBytes(offset));
}

/// A DeepSeek-like layer layout in miniature: the architecture summary's first line runs to some 130 characters.
QByteArray longLayoutFile()
{
    std::vector<QByteArray> names;
    for (int layer = 0; layer < 3; ++layer) {
        const QByteArray prefix = "model.layers." + QByteArray::number(layer) + '.';
        for (const char* module : {"self_attn.q_a_proj", "self_attn.q_b_proj", "self_attn.kv_a_proj_with_mqa",
                                   "self_attn.kv_b_proj", "self_attn.o_proj", "input_layernorm"})
            names.push_back(prefix + module + ".weight");
        if (layer == 0) {
            for (const char* projection : {"gate_proj", "up_proj", "down_proj"})
                names.push_back(prefix + "mlp." + projection + ".weight");
            continue;
        }
        for (int expert = 0; expert < 4; ++expert)
            for (const char* projection : {"gate_proj", "up_proj", "down_proj"})
                names.push_back(prefix + "mlp.experts." + QByteArray::number(expert) + '.' + projection + ".weight");
        for (const char* projection : {"gate_proj", "up_proj", "down_proj"})
            names.push_back(prefix + "mlp.shared_experts." + projection + ".weight");
        names.push_back(prefix + "mlp.gate.weight");
    }
    for (const char* outside : {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"})
        names.emplace_back(outside); // a second line: "outside the layers: ..."
    QByteArray header = "{";
    uint64_t offset = 0;
    for (const QByteArray& name : names) {
        header += (offset > 0 ? "," : "") + tensorJson(name, "F32", {2, 2}, offset, offset + 16);
        offset += 16;
    }
    header += '}';
    return rawFile(header, patternBytes(offset));
}

/// Deep names as PEFT writes them: the part that tells rows apart sits in the middle and at the end.
QByteArray deepNamesFile()
{
    QByteArray header = "{";
    uint64_t offset = 0;
    for (int layer = 0; layer < 3; ++layer) {
        for (const char* part : {"self_attn.q_proj.lora_A.weight", "mlp.down_proj.lora_B.weight"}) {
            if (offset > 0)
                header += ',';
            header += tensorJson("base_model.model.model.layers." + QByteArray::number(layer) + '.' + part, "F32",
                                 {4, 2}, offset, offset + 32);
            offset += 32;
        }
    }
    header += '}';
    return rawFile(header, patternBytes(offset));
}

// Every widget below `root` whose minimum is wider or taller than the limit, for a readable failure.
QString offenders(QWidget* root, QSize limit)
{
    QStringList lines;
    const QList<QWidget*> children = root->findChildren<QWidget*>();
    for (QWidget* child : children) {
        const QSize min = child->minimumSizeHint().expandedTo(child->minimumSize());
        if (min.width() > limit.width() || min.height() > limit.height())
            lines << QStringLiteral("%1 %2: %3x%4")
                         .arg(QString::fromLatin1(child->metaObject()->className()), child->objectName())
                         .arg(min.width())
                         .arg(min.height());
    }
    return lines.join(u'\n');
}

} // namespace

class TestWindow final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        isolateSettings(QStringLiteral("tst_window"), m_dir.path());
        m_deep = writeFile(m_dir, QStringLiteral("deep.safetensors"), deepNamesFile());
    }

    void init() { QSettings().clear(); }

    void worksDownTo800x600()
    {
        MainWindow window;
        DocumentView* document = openAndWait(window, m_deep, kTimeoutMs);
        QVERIFY(document);
        QVERIFY(document->modelView()->browser()->selectTensor(
            QStringLiteral("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight")));
        const QSize min = window.minimumSizeHint().expandedTo(window.minimumSize());
        QVERIFY2(min.width() <= 800 && min.height() <= 600,
                 qPrintable(QStringLiteral("minimum %1x%2\n").arg(min.width()).arg(min.height()) +
                            offenders(&window, QSize(500, 400))));
        // At 800x600 the tree still gets a useful share: the pages give way first.
        ModelView* view = document->modelView();
        for (int page = 0; page < view->pages()->count(); ++page)
            QVERIFY2(view->pages()->widget(page)->minimumSizeHint().width() <= 520,
                     qPrintable(view->pages()->tabText(page) + u'\n' + offenders(view->pages(), QSize(520, 2000))));
        window.resize(800, 600);
        QTRY_VERIFY(view->browser()->width() >= 240);
    }

    void opensOnTheOverview()
    {
        MainWindow window;
        DocumentView* document = openAndWait(window, m_deep, kTimeoutMs);
        QVERIFY(document);
        ModelView* view = document->modelView();
        QCOMPARE(view->pages()->currentIndex(), int(ModelView::OverviewPageIndex));
        // Picking a tensor shows it; a reload keeps the page the user is on.
        QVERIFY(view->browser()->selectTensor(
            QStringLiteral("base_model.model.model.layers.0.mlp.down_proj.lora_B.weight")));
        QCOMPARE(view->pages()->currentIndex(), int(ModelView::TensorPageIndex));
        QVERIFY(view->tensorPage()->valuesArea()->isVisible());
        document->reload();
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        QCOMPARE(view->pages()->currentIndex(), int(ModelView::TensorPageIndex));
    }

    void noTensorsSaysSo()
    {
        const QString path =
            writeFile(m_dir, QStringLiteral("empty.safetensors"), rawFile("{\"__metadata__\":{\"format\":\"pt\"}}"));
        MainWindow window;
        DocumentView* document = openAndWait(window, path, kTimeoutMs);
        QVERIFY(document);
        ModelView* view = document->modelView();
        QCOMPARE(view->pages()->currentIndex(), int(ModelView::OverviewPageIndex));
        QVERIFY2(view->overviewPage()->fact(QStringLiteral("Tensors")).startsWith(QStringLiteral("none")),
                 qPrintable(view->overviewPage()->fact(QStringLiteral("Tensors"))));
        QCOMPARE(view->tensorPage()->title(), QStringLiteral("No tensors"));
        view->pages()->setCurrentIndex(ModelView::TensorPageIndex);
        QVERIFY(!view->tensorPage()->valuesArea()->isVisible()); // no empty axes
    }

    void treeGetsTheRoomItsNamesNeed()
    {
        MainWindow window;
        window.resize(1600, 1000);
        DocumentView* document = openAndWait(window, m_deep, kTimeoutMs);
        QVERIFY(document);
        window.resize(1600, 1000);
        ModelView* view = document->modelView();
        QTreeView* tree = view->browser()->view();
        QCOMPARE(tree->textElideMode(), Qt::ElideMiddle);
        // Every column is on screen and wide enough for its contents.
        QTRY_VERIFY(view->browser()->width() >= view->browser()->preferredWidth());
        QVERIFY(tree->header()->length() <= tree->viewport()->width());
        for (int column = 0; column < tree->model()->columnCount(); ++column)
            QVERIFY2(tree->header()->sectionSize(column) >= tree->header()->sectionSizeHint(column),
                     qPrintable(QString::number(column)));

        // Squeezed to 800 the pages give way first; grown again the tree gets its width back.
        const int wide = view->browser()->width();
        window.resize(800, 600);
        QTRY_VERIFY(view->browser()->width() < wide);
        window.resize(1600, 1000);
        QTRY_COMPARE(view->browser()->width(), wide);
        QVERIFY(view->findChild<QSplitter*>()->handleWidth() >= 8);
    }

    void filteredRowsGetTheRoomTheyNeed()
    {
        // A filter changes what groups count: the columns must grow to the new texts, or a filtered group's size
        // reads "1....iB" (seen on a DeepSeek-sized index: "3....iB" where the unfiltered "625 GiB" had been fitted).
        const QString path = writeFile(m_dir, QStringLiteral("filtered.safetensors"), wideWhenFilteredFile());
        MainWindow window;
        window.resize(1600, 1000);
        DocumentView* document = openAndWait(window, path, kTimeoutMs);
        QVERIFY(document);
        TensorBrowser* browser = document->modelView()->browser();
        QTreeView* tree = browser->view();
        const int sizeColumn = TensorTreeModel::SizeColumn;
        const QModelIndex group = tree->model()->index(0, sizeColumn, tree->model()->index(0, 0));
        QCOMPARE(group.data().toString(), QStringLiteral("376 KiB"));
        const int before = tree->header()->sectionSize(sizeColumn);
        browser->setFilterText(QStringLiteral("special"));
        const QModelIndex filtered = tree->model()->index(0, sizeColumn, tree->model()->index(0, 0));
        QCOMPARE(filtered.data().toString(), QStringLiteral("1.17 KiB"));
        // What the rows on screen need (QTreeView keeps its override protected; the base's is public).
        const QAbstractItemView* asView = tree;
        QTRY_VERIFY2(tree->header()->sectionSize(sizeColumn) >= asView->sizeHintForColumn(sizeColumn),
                     qPrintable(QStringLiteral("%1 < %2")
                                    .arg(tree->header()->sectionSize(sizeColumn))
                                    .arg(asView->sizeHintForColumn(sizeColumn))));
        QVERIFY(tree->header()->sectionSize(sizeColumn) > before);
    }

    void treeWidthTheUserChoseIsKept()
    {
        // A width dragged to in an earlier session (QSettings) wins over the columns' own, at any window size.
        QSettings().setValue(QStringLiteral("modelView/treeWidth"), 333);
        MainWindow window;
        window.resize(1600, 1000);
        DocumentView* document = openAndWait(window, m_deep, kTimeoutMs);
        QVERIFY(document);
        window.resize(1600, 1000);
        QTRY_COMPARE(document->modelView()->browser()->width(), 333);
        window.resize(1200, 800);
        QTRY_COMPARE(document->modelView()->browser()->width(), 333);
    }

    void longNamesDoNotMoveTheValuesTabs()
    {
        MainWindow window;
        window.resize(900, 700);
        DocumentView* document = openAndWait(window, m_deep, kTimeoutMs);
        QVERIFY(document);
        window.resize(900, 700);
        ModelView* view = document->modelView();
        TensorPage* page = view->tensorPage();
        const QString longName = QStringLiteral("base_model.model.model.layers.2.self_attn.q_proj.lora_A.weight");
        QVERIFY(view->browser()->selectTensor(
            QStringLiteral("base_model.model.model.layers.0.mlp.down_proj.lora_B.weight")));
        QTest::qWait(50);
        const int top = page->valuesArea()->y();
        QVERIFY(view->browser()->selectTensor(longName));
        QTest::qWait(50);
        QCOMPARE(page->valuesArea()->y(), top);
        QCOMPARE(page->title(), longName); // the whole name, though the label shows it elided
        QCOMPARE(page->findChild<QLabel*>(QStringLiteral("tensorName"))->toolTip(), longName);
    }

    void flatModeFollowsTheMenuAndKeepsTheSelection()
    {
        // A restart with flat mode saved: the menu says so, and the first Ctrl+L goes back to the tree.
        QSettings().setValue(QStringLiteral("modelView/flat"), true);
        MainWindow window;
        DocumentView* document = openAndWait(window, m_deep, kTimeoutMs);
        QVERIFY(document);
        TensorBrowser* browser = document->modelView()->browser();
        auto* flatAction = window.findChild<QAction*>(QStringLiteral("flatListAction"));
        QVERIFY(flatAction);
        QVERIFY(browser->isFlat());
        QVERIFY(flatAction->isChecked());
        const QString name = QStringLiteral("base_model.model.model.layers.2.mlp.down_proj.lora_B.weight");
        QVERIFY(browser->selectTensor(name));
        flatAction->trigger();
        QVERIFY(!browser->isFlat());
        // Back in the tree the selection is kept and shown (its groups expanded).
        const QModelIndex current = browser->view()->currentIndex();
        QCOMPARE(current.data(FullNameRole).toString(), name);
        for (QModelIndex parent = current.parent(); parent.isValid(); parent = parent.parent())
            QVERIFY(browser->view()->isExpanded(parent));
        // The Flat button moves the menu's check too.
        browser->setFlat(true);
        QVERIFY(flatAction->isChecked());
        QCOMPARE(browser->view()->currentIndex().data(FullNameRole).toString(), name);
        browser->setFlat(false);
        QVERIFY(!flatAction->isChecked());
    }

    void invalidFilterShowsNothing()
    {
        MainWindow window;
        DocumentView* document = openAndWait(window, m_deep, kTimeoutMs);
        QVERIFY(document);
        TensorBrowser* browser = document->modelView()->browser();
        browser->setFilterText(QStringLiteral("lora_A"));
        QVERIFY(browser->view()->model()->rowCount() > 0);
        browser->setFilterText(QStringLiteral("shape:[1,2"));
        QVERIFY(!browser->filterError().isEmpty());
        QCOMPARE(browser->view()->model()->rowCount(), 0);
    }

    void overviewLayoutFitsThePage()
    {
        // A MoE model's architecture summary kept on one line made the whole page wider than the window: every other
        // fact was cut off at the right edge behind a sideways scroll bar. Each run of layers is a line of its own.
        const QString path = writeFile(m_dir, QStringLiteral("layout.safetensors"), longLayoutFile());
        MainWindow window;
        window.resize(1000, 700);
        window.show();
        DocumentView* document = openAndWait(window, path, kTimeoutMs);
        QVERIFY(document);
        document->modelView()->pages()->setCurrentIndex(ModelView::OverviewPageIndex);
        OverviewPage* overview = document->modelView()->overviewPage();
        QCOMPARE(
            overview->fact(QStringLiteral("Layout")),
            QStringLiteral("3 x DecoderLayer: attention {q_a, q_b, kv_a, kv_b, o}\nlayers 0: MLP {gate, up, down}\n"
                           "layers 1-2: MoE {4 experts x 3 + shared, router}\n"
                           "outside the layers: embed_tokens, norm, lm_head"));
        auto* scroll = overview->findChild<QScrollArea*>();
        QVERIFY(scroll);
        QTRY_VERIFY(scroll->viewport()->width() > 0);
        QVERIFY2(scroll->widget()->minimumSizeHint().width() <= scroll->viewport()->width(),
                 qPrintable(QStringLiteral("%1 > %2")
                                .arg(scroll->widget()->minimumSizeHint().width())
                                .arg(scroll->viewport()->width())));
        QCOMPARE(scroll->horizontalScrollBar()->maximum(), 0);
    }

    void shardsAreNamedInTheirFolder()
    {
        QTemporaryDir dir;
        // Written sorted by tensor name, as transformers writes it, the weight map names shard 3 first (DeepSeek's
        // names its lm_head's shard 163 first): the Files table still lists the shards by file name.
        const QString file[] = {QStringLiteral("model-00001-of-00003.safetensors"),
                                QStringLiteral("model-00002-of-00003.safetensors"),
                                QStringLiteral("model-00003-of-00003.safetensors")};
        const std::pair<QByteArray, int> sortedMap[] = {{"w1", 2}, {"w2", 0}, {"w3", 1}};
        QByteArray weightMap;
        for (const auto& [name, shard] : sortedMap) {
            writeFile(dir, file[shard], rawFile("{" + tensorJson(name, "F32", {2}, 0, 8) + "}", patternBytes(8)));
            weightMap += (weightMap.isEmpty() ? "" : ",") + ('"' + name + "\":\"" + file[shard].toUtf8() + '"');
        }
        const QString index = writeFile(dir, QStringLiteral("model.safetensors.index.json"),
                                        "{\"metadata\":{},\"weight_map\":{" + weightMap + "}}");
        MainWindow window;
        DocumentView* document = openAndWait(window, index, kTimeoutMs);
        QVERIFY(document);
        auto* files = document->modelView()->overviewPage()->findChild<QTreeWidget*>();
        QVERIFY(files);
        QCOMPARE(files->topLevelItemCount(), 3);
        for (int row = 0; row < 3; ++row)
            QCOMPARE(files->topLevelItem(row)->text(0),
                     QStringLiteral("model-%1-of-00003.safetensors").arg(row + 1, 5, 10, QLatin1Char('0')));
        // Counts read naturally: one tensor per shard.
        QCOMPARE(files->topLevelItem(0)->text(4), QStringLiteral("1"));
        QVERIFY2(document->summary().startsWith(QStringLiteral("3 tensors")), qPrintable(document->summary()));
    }

    void pluralsOfOne()
    {
        const QString path = writeFile(m_dir, QStringLiteral("one.safetensors"),
                                       rawFile("{" + tensorJson("only", "F32", {2}, 0, 8) + "}", patternBytes(8)));
        MainWindow window;
        DocumentView* document = openAndWait(window, path, kTimeoutMs);
        QVERIFY(document);
        QVERIFY2(document->summary().startsWith(QStringLiteral("1 tensor \u00b7")), qPrintable(document->summary()));
        TensorBrowser* browser = document->modelView()->browser();
        browser->setFilterText(QStringLiteral("only"));
        const QString count = browser->findChild<QLabel*>(QStringLiteral("tensorCount"))->text();
        QCOMPARE(count, QStringLiteral("1 of 1 tensor matches"));
    }

private:
    QTemporaryDir m_dir;
    QString m_deep;
};

QTEST_MAIN(TestWindow)
#include "tst_window.moc"
