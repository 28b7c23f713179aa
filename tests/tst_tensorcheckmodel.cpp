// Tick selection for export (issue 5): a group ticks its subtree, partial subtrees show PartiallyChecked, and the
// counters stay right through tree/flat switches and on a 100,000-tensor model.
#include "core/format/model.h"
#include "support/fixtures.h"
#include "ui/models/tensorcheckmodel.h"
#include "ui/models/tensortree.h"
#include "ui/models/tensortreemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace safescope;
using namespace safescope::test;

namespace {

// Zero-sized U8 tensors: only the names matter here, and a 100,000-tensor header stays a few MB.
std::shared_ptr<const Model> openNames(const QTemporaryDir& dir, const QString& file, const QList<QByteArray>& names)
{
    QByteArray header = "{";
    for (qsizetype i = 0; i < names.size(); ++i)
        header += (i ? "," : "") + tensorJson(names[i], "U8", {0}, 0, 0);
    header += '}';
    auto model = Model::open(writeFile(dir, file, rawFile(header)), OpenMode::Strict);
    return model ? *model : nullptr;
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

Qt::CheckState stateOf(const QModelIndex& index)
{
    return index.data(Qt::CheckStateRole).value<Qt::CheckState>();
}

std::vector<std::string> checkedNames(const TensorCheckModel& checks, const Model& model)
{
    std::vector<std::string> names;
    for (const size_t i : checks.checkedTensors())
        names.emplace_back(model.qualifiedName(i));
    return names;
}

} // namespace

class TestTensorCheckModel final : public QObject
{
    Q_OBJECT

private slots:
    void groupTicksItsSubtree()
    {
        QTemporaryDir dir;
        const auto model =
            openNames(dir, QStringLiteral("m.safetensors"),
                      {"model.layers.0.w", "model.layers.0.b", "model.layers.1.w", "model.embed", "lm_head.weight"});
        QVERIFY(model);
        TensorTreeModel tree;
        TensorCheckModel checks;
        QAbstractItemModelTester treeTester(&tree, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester checkTester(&checks, QAbstractItemModelTester::FailureReportingMode::QtTest);
        checks.setSourceModel(&tree);
        tree.setTree(TensorTree::build(model));
        QCOMPARE(checks.tensorCount(), size_t{5});
        QCOMPARE(checks.checkedCount(), size_t{5}); // everything starts ticked

        const QModelIndex modelNode = childNamed(checks, {}, QStringLiteral("model"));
        const QModelIndex layers = childNamed(checks, modelNode, QStringLiteral("layers"));
        const QModelIndex layer0 = childNamed(checks, layers, QStringLiteral("0"));
        const QModelIndex w0 = childNamed(checks, layer0, QStringLiteral("w"));
        QVERIFY(w0.isValid());
        QVERIFY(checks.flags(w0).testFlag(Qt::ItemIsUserCheckable));
        QVERIFY(!checks.flags(w0.siblingAtColumn(1)).testFlag(Qt::ItemIsUserCheckable));
        QVERIFY(!w0.siblingAtColumn(1).data(Qt::CheckStateRole).isValid());

        // Untick a group: its subtree unticks, its ancestors become partial, its siblings keep their ticks.
        QSignalSpy changed(&checks, &QAbstractItemModel::dataChanged);
        QSignalSpy checkedChanged(&checks, &TensorCheckModel::checkedChanged);
        QVERIFY(checks.setData(layers, Qt::Unchecked, Qt::CheckStateRole));
        QCOMPARE(checkedChanged.count(), 1);
        QCOMPARE(stateOf(layers), Qt::Unchecked);
        QCOMPARE(stateOf(layer0), Qt::Unchecked);
        QCOMPARE(stateOf(w0), Qt::Unchecked);
        QCOMPARE(stateOf(modelNode), Qt::PartiallyChecked);
        QCOMPARE(stateOf(childNamed(checks, modelNode, QStringLiteral("embed"))), Qt::Checked);
        QCOMPARE(checkedNames(checks, *model), (std::vector<std::string>{"model.embed", "lm_head.weight"}));
        // Views hear about the leaves (as a range under their parent) and the ancestors.
        bool leafNotified = false;
        bool ancestorNotified = false;
        for (const QList<QVariant>& args : changed) {
            const auto first = args.at(0).value<QModelIndex>();
            const auto last = args.at(1).value<QModelIndex>();
            QCOMPARE(first.parent(), last.parent());
            leafNotified |= first.parent() == layer0 && first.row() <= w0.row() && w0.row() <= last.row();
            ancestorNotified |= first == modelNode;
        }
        QVERIFY(leafNotified);
        QVERIFY(ancestorNotified);

        // Tick one leaf back: its group is partial, then complete when its sibling follows.
        QVERIFY(checks.setData(w0, Qt::Checked, Qt::CheckStateRole));
        QCOMPARE(stateOf(layer0), Qt::PartiallyChecked);
        QCOMPARE(stateOf(layers), Qt::PartiallyChecked);
        QVERIFY(checks.setData(childNamed(checks, layer0, QStringLiteral("b")), Qt::Checked, Qt::CheckStateRole));
        QCOMPARE(stateOf(layer0), Qt::Checked);
        QCOMPARE(stateOf(layers), Qt::PartiallyChecked);
        // Clicking a partial group (views send Checked) ticks all of it.
        QVERIFY(checks.setData(layers, Qt::Checked, Qt::CheckStateRole));
        QCOMPARE(stateOf(modelNode), Qt::Checked);
        QCOMPARE(checks.checkedCount(), size_t{5});

        // Ticking what is already ticked changes nothing and says nothing.
        checkedChanged.clear();
        checks.setNodeChecked(checks.treeModel()->nodeId(checks.mapToSource(layers)), true);
        QCOMPARE(checkedChanged.count(), 0);

        checks.setCheckedTensors({*model->find("lm_head.weight"), *model->find("model.layers.1.w")});
        QCOMPARE(checkedNames(checks, *model), (std::vector<std::string>{"model.layers.1.w", "lm_head.weight"}));
        QCOMPARE(stateOf(layers), Qt::PartiallyChecked);
        QCOMPARE(stateOf(childNamed(checks, layers, QStringLiteral("1"))), Qt::Checked);
        QCOMPARE(stateOf(layer0), Qt::Unchecked);
        checks.setAllChecked(false);
        QCOMPARE(checks.checkedCount(), size_t{0});
        QCOMPARE(stateOf(modelNode), Qt::Unchecked);
    }

    void flatModeKeepsTicks()
    {
        QTemporaryDir dir;
        const auto model = openNames(dir, QStringLiteral("m.safetensors"), {"a.x", "a.y", "b.z"});
        QVERIFY(model);
        TensorTreeModel tree;
        TensorCheckModel checks;
        QAbstractItemModelTester checkTester(&checks, QAbstractItemModelTester::FailureReportingMode::QtTest);
        checks.setSourceModel(&tree);
        tree.setTree(TensorTree::build(model));
        QVERIFY(checks.setData(childNamed(checks, {}, QStringLiteral("a")), Qt::Unchecked, Qt::CheckStateRole));
        tree.setFlat(true);
        QCOMPARE(checks.rowCount(), 3);
        QCOMPARE(stateOf(childNamed(checks, {}, QStringLiteral("a.x"))), Qt::Unchecked);
        QCOMPARE(stateOf(childNamed(checks, {}, QStringLiteral("b.z"))), Qt::Checked);
        QVERIFY(checks.setData(childNamed(checks, {}, QStringLiteral("a.y")), Qt::Checked, Qt::CheckStateRole));
        tree.setFlat(false);
        QCOMPARE(stateOf(childNamed(checks, {}, QStringLiteral("a"))), Qt::PartiallyChecked);
        QCOMPARE(checkedNames(checks, *model), (std::vector<std::string>{"a.y", "b.z"}));
        // A different tree starts over, every tensor ticked.
        tree.setTree(TensorTree::build(model));
        QCOMPARE(checks.checkedCount(), size_t{3});
    }

    void hundredThousandTensors()
    {
        // Counters per node: ticking a group touches its subtree and its ancestors, never all 100,000 leaves.
        QTemporaryDir dir;
        QList<QByteArray> names;
        for (int i = 0; i < 100000; ++i)
            names.append("layers." + QByteArray::number(i / 100) + ".block." + QByteArray::number(i % 100) + ".w");
        const auto model = openNames(dir, QStringLiteral("big.safetensors"), names);
        QVERIFY(model);
        TensorTreeModel tree;
        tree.setTree(TensorTree::build(model));
        TensorCheckModel checks;
        checks.setSourceModel(&tree);
        QCOMPARE(checks.checkedCount(), size_t{100000});
        const QModelIndex layers = childNamed(checks, {}, QStringLiteral("layers"));
        const QModelIndex layer500 = childNamed(checks, layers, QStringLiteral("500"));
        QVERIFY(checks.setData(layer500, Qt::Unchecked, Qt::CheckStateRole));
        QCOMPARE(checks.checkedCount(), size_t{99900});
        QCOMPARE(stateOf(layers), Qt::PartiallyChecked);
        QVERIFY(checks.setData(layers, Qt::Unchecked, Qt::CheckStateRole));
        QCOMPARE(checks.checkedCount(), size_t{0});
        const QModelIndex leaf = childNamed(
            checks, childNamed(checks, childNamed(checks, layer500, QStringLiteral("block")), QStringLiteral("7")),
            QStringLiteral("w"));
        QVERIFY(checks.setData(leaf, Qt::Checked, Qt::CheckStateRole));
        QCOMPARE(checkedNames(checks, *model), (std::vector<std::string>{"layers.500.block.7.w"}));
        QCOMPARE(stateOf(layer500), Qt::PartiallyChecked);
        QCOMPARE(stateOf(childNamed(checks, layers, QStringLiteral("499"))), Qt::Unchecked);
    }
};

QTEST_GUILESS_MAIN(TestTensorCheckModel)
#include "tst_tensorcheckmodel.moc"
