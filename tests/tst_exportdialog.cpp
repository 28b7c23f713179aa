// The export dialog's tick tree (issue 5): ticking a group takes its subtree, unticking a leaf leaves it out, and
// the exported file holds exactly the ticked tensors; the patterns still narrow the ticks.
#include "core/format/model.h"
#include "support/editfixtures.h"
#include "support/fixtures.h"
#include "ui/export/exportdialog.h"
#include "ui/models/tensorcheckmodel.h"

#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include <algorithm>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 20000;

// Five U8 [4] tensors, each with its own bytes, so an export that took the wrong tensor shows in the data.
QString writeLayers(const QTemporaryDir& dir)
{
    const QList<QByteArray> names{"model.layers.0.w", "model.layers.0.b", "model.layers.1.w", "model.embed",
                                  "lm_head.w"};
    QByteArray header = "{";
    QByteArray data;
    for (qsizetype i = 0; i < names.size(); ++i) {
        header += (i ? "," : "") +
                  tensorJson(names[i], "U8", {4}, static_cast<uint64_t>(4 * i), static_cast<uint64_t>(4 * i + 4));
        data += QByteArray(4, static_cast<char>('A' + i));
    }
    header += '}';
    return writeFile(dir, QStringLiteral("layers.safetensors"), rawFile(header, data));
}

QModelIndex childNamed(const QAbstractItemModel& model, const QModelIndex& parent, const QString& segment)
{
    for (int row = 0; row < model.rowCount(parent); ++row) {
        const QModelIndex index = model.index(row, 0, parent);
        if (model.data(index).toString() == segment)
            return index;
    }
    return {};
}

QByteArray bytesOf(const Model& model, std::string_view name)
{
    const auto index = model.find(name);
    if (!index)
        return {};
    return QByteArray(reinterpret_cast<const char*>(model.tensorData(*index)),
                      static_cast<qsizetype>(model.tensor(*index).byteSize()));
}

} // namespace

class TestExportDialog final : public QObject
{
    Q_OBJECT

private slots:
    void tickedTensorsAreExported()
    {
        QTemporaryDir dir;
        auto model = Model::open(writeLayers(dir), OpenMode::Strict);
        QVERIFY(model);
        ExportDialog dialog(*model, QString());
        QAbstractItemModel* ticks = dialog.tickTree()->model();
        QCOMPARE(ticks, dialog.checkModel());
        QVERIFY(!dialog.usesTicks());
        QCOMPARE(dialog.previewTable()->rowCount(), 5);

        // As the view does on clicks: untick everything, tick the layers group, untick one of its leaves.
        dialog.checkModel()->setAllChecked(false);
        QVERIFY(dialog.usesTicks()); // ticking switched the choice to the tree
        QCOMPARE(dialog.previewTable()->rowCount(), 0);
        const QModelIndex layers =
            childNamed(*ticks, childNamed(*ticks, {}, QStringLiteral("model")), QStringLiteral("layers"));
        QVERIFY(ticks->setData(layers, Qt::Checked, Qt::CheckStateRole));
        QCOMPARE(dialog.previewTable()->rowCount(), 3);
        const QModelIndex bias =
            childNamed(*ticks, childNamed(*ticks, layers, QStringLiteral("0")), QStringLiteral("b"));
        QVERIFY(ticks->setData(bias, Qt::Unchecked, Qt::CheckStateRole));
        QCOMPARE(layers.data(Qt::CheckStateRole).value<Qt::CheckState>(), Qt::PartiallyChecked);
        QCOMPARE(dialog.previewTable()->rowCount(), 2);
        QVERIFY2(dialog.planMessage().startsWith(QStringLiteral("2 tensor")), qPrintable(dialog.planMessage()));

        const QString out = dir.filePath(QStringLiteral("ticked.safetensors"));
        dialog.setOutputPath(out);
        QSignalSpy finished(&dialog, &ExportDialog::exportFinished);
        QVERIFY(dialog.startExport());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
        auto exported = Model::open(out, OpenMode::Strict);
        QVERIFY(exported);
        std::vector<std::string> names;
        for (size_t i = 0; i < (*exported)->tensorCount(); ++i)
            names.emplace_back((*exported)->qualifiedName(i));
        std::sort(names.begin(), names.end());
        QCOMPARE(names, (std::vector<std::string>{"model.layers.0.w", "model.layers.1.w"}));
        QCOMPARE(bytesOf(**exported, "model.layers.0.w"), QByteArray("AAAA"));
        QCOMPARE(bytesOf(**exported, "model.layers.1.w"), QByteArray("CCCC"));
    }

    void patternsNarrowTheTicks()
    {
        QTemporaryDir dir;
        auto model = Model::open(writeLayers(dir), OpenMode::Strict);
        QVERIFY(model);
        ExportDialog dialog(*model, QString());
        dialog.setUseTicks(true);
        QCOMPARE(dialog.previewTable()->rowCount(), 5);
        dialog.setExcludePattern(QStringLiteral("\\.w$"));
        QCOMPARE(dialog.previewTable()->rowCount(), 2);
        dialog.checkModel()->setAllChecked(false);
        QCOMPARE(dialog.previewTable()->rowCount(), 0);
        QVERIFY(!dialog.startExport());
        // Back to "all tensors": the ticks no longer matter, the pattern still does.
        dialog.setUseTicks(false);
        QCOMPARE(dialog.previewTable()->rowCount(), 2);
    }

    void tickFilterMatches()
    {
        QTemporaryDir dir;
        auto model = Model::open(writeLayers(dir), OpenMode::Strict);
        QVERIFY(model);
        ExportDialog dialog(*model, QStringLiteral("layers"));
        QPushButton* button = nullptr;
        const auto buttons = dialog.findChildren<QPushButton*>();
        for (QPushButton* candidate : buttons) {
            if (candidate->text().remove(u'&') == QStringLiteral("Tick Filter Matches"))
                button = candidate;
        }
        QVERIFY(button);
        QVERIFY(button->isEnabled());
        button->click();
        QVERIFY(dialog.usesTicks());
        QCOMPARE(dialog.checkModel()->checkedCount(), size_t{3});
        QCOMPARE(dialog.previewTable()->rowCount(), 3);
        for (int row = 0; row < 3; ++row)
            QVERIFY(dialog.previewTable()->item(row, 0)->text().startsWith(QStringLiteral("model.layers.")));
    }

    void treeAndLabelsShowWhatIsExported()
    {
        QTemporaryDir dir;
        auto model = Model::open(writeLayers(dir), OpenMode::Strict);
        QVERIFY(model);
        ExportDialog dialog(*model, QString());
        QRadioButton* byFilter = nullptr;
        QRadioButton* byTicks = nullptr;
        const auto radios = dialog.findChildren<QRadioButton*>();
        for (QRadioButton* radio : radios) {
            const QString text = radio->text().remove(u'&');
            byFilter = text.contains(QStringLiteral("filter")) ? radio : byFilter;
            byTicks = text.startsWith(QStringLiteral("Ticked")) ? radio : byTicks;
        }
        QVERIFY(byFilter && byTicks);
        // No filter in the browser: the disabled choice says so instead of showing "()".
        QVERIFY(!byFilter->isEnabled());
        QVERIFY2(!byFilter->text().contains(QStringLiteral("()")), qPrintable(byFilter->text()));
        QVERIFY2(byFilter->text().contains(QStringLiteral("no filter is set")), qPrintable(byFilter->text()));
        QCOMPARE(byTicks->text().remove(u'&'), QStringLiteral("Ticked in the tree (5 of 5)"));

        // Include narrows to 2: the label and the tree say so, and the plan agrees.
        dialog.setIncludePattern(QStringLiteral("layers\\.0\\."));
        QCOMPARE(byTicks->text().remove(u'&'), QStringLiteral("Ticked in the tree (5 of 5; 2 after Include/Exclude)"));
        const QAbstractItemModel& tree = *dialog.tickTree()->model();
        const QModelIndex lmHead = childNamed(tree, {}, QStringLiteral("lm_head"));
        const QModelIndex leftOut = childNamed(tree, lmHead, QStringLiteral("w"));
        QVERIFY(leftOut.isValid());
        QCOMPARE(leftOut.data(Qt::CheckStateRole).value<Qt::CheckState>(), Qt::Unchecked);
        QVERIFY(!(tree.flags(leftOut) & Qt::ItemIsEnabled));
        const QModelIndex layer0 =
            childNamed(tree, childNamed(tree, childNamed(tree, {}, QStringLiteral("model")), QStringLiteral("layers")),
                       QStringLiteral("0"));
        const QModelIndex kept = childNamed(tree, layer0, QStringLiteral("w"));
        QVERIFY(kept.isValid());
        QCOMPARE(kept.data(Qt::CheckStateRole).value<Qt::CheckState>(), Qt::Checked);
        QVERIFY2(dialog.planMessage().startsWith(QStringLiteral("2 tensors, 8 B in 1 file.")),
                 qPrintable(dialog.planMessage()));
    }
};

QTEST_MAIN(TestExportDialog)
#include "tst_exportdialog.moc"
