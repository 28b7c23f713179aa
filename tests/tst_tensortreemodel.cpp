#include "core/format/model.h"
#include "core/quant/quantcatalog.h"
#include "core/quant/quantconfig.h"
#include "core/text/textutil.h"
#include "support/fixtures.h"
#include "ui/models/naturalcompare.h"
#include "ui/models/roles.h"
#include "ui/models/tensorfilterproxymodel.h"
#include "ui/models/tensortree.h"
#include "ui/models/tensortreemodel.h"

#include <QAbstractItemModelTester>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <tuple>

using namespace safescope;
using namespace safescope::test;

namespace {

struct Spec
{
    QByteArray name;
    QByteArray dtype;
    std::vector<uint64_t> shape;
    uint64_t elementBytes;
};

/// A valid file with the tensors laid out contiguously in the given order (payload bytes are a pattern).
QByteArray fileOf(const std::vector<Spec>& specs)
{
    QByteArray header = "{";
    uint64_t offset = 0;
    for (size_t i = 0; i < specs.size(); ++i) {
        uint64_t count = 1;
        for (const uint64_t dim : specs[i].shape)
            count *= dim;
        const uint64_t size = count * specs[i].elementBytes;
        header += (i ? "," : "") + tensorJson(specs[i].name, specs[i].dtype, specs[i].shape, offset, offset + size);
        offset += size;
    }
    header += '}';
    return rawFile(header, patternBytes(offset));
}

const std::vector<Spec> kSpecs{
    {"model.layers.10.mlp.weight", "BF16", {4, 8}, 2},
    {"model.layers.2.mlp.weight", "BF16", {4, 8}, 2},
    {"model.layers.2.norm", "F32", {8}, 4},
    {"model.layers.1.mlp.weight", "BF16", {4, 8}, 2},
    {"model.embed", "BF16", {16, 8}, 2},
    {"lm_head.weight", "F32", {16, 8}, 4},
    {"unet/down.0.conv", "F16", {2, 2, 3, 3}, 2},
    {"scale", "F64", {}, 8},
};

QString name(const QAbstractItemModel& model, const QModelIndex& index)
{
    return model.data(index.siblingAtColumn(TensorTreeModel::NameColumn)).toString();
}

QModelIndex child(const QAbstractItemModel& model, const QModelIndex& parent, const QString& segment)
{
    for (int row = 0; row < model.rowCount(parent); ++row) {
        const QModelIndex index = model.index(row, 0, parent);
        if (name(model, index) == segment)
            return index;
    }
    return {};
}

/// Every node of the tree below `id`, one line each: its path, whether it is a quantized weight, its tensor's name
/// and its totals. Node ids (which depend on the stored order) are left out.
void dumpTree(const TensorTree& tree, uint32_t id, int depth, QStringList& lines)
{
    const TensorTree::Node node = tree.node(id);
    const QString tensor =
        node.tensor == TensorTree::kNone ? QString() : QString::fromUtf8(tree.model().qualifiedName(node.tensor));
    lines << QStringLiteral("%1%2 logical=%3 tensor=%4 count=%5 params=%6 bytes=%7")
                 .arg(QString(depth * 2, QLatin1Char(' ')), QString::fromUtf8(node.path))
                 .arg(node.isLogical() ? QStringLiteral("yes") : QStringLiteral("no"))
                 .arg(tensor)
                 .arg(node.tensorCount)
                 .arg(node.parameters)
                 .arg(node.bytes);
    for (const uint32_t child : node.children)
        dumpTree(tree, child, depth + 1, lines);
}

QStringList treeLines(const TensorTree& tree)
{
    QStringList lines;
    dumpTree(tree, TensorTree::rootId(), 0, lines);
    for (const uint32_t row : tree.flatOrder())
        lines << QStringLiteral("flat ") + QString::fromUtf8(tree.pathOf(row));
    return lines;
}

/// Compares a preview with the whole tree, walking both by rows: each node's path, segment, row, parent link, tensor,
/// totals, logical flag and the per-node accessors the item models use; a node must hide its children exactly when
/// it is at the limit and has children in the whole tree, and leafOf() / logicalNodeOf() of the preview must point
/// at the node the whole tree has at the same rows. Returns the first difference, or "".
QString previewDifference(const TensorTree& preview, const TensorTree& whole, uint32_t depthLimit)
{
    std::map<uint32_t, uint32_t> toWhole; // preview node -> whole-tree node at the same rows
    const std::function<QString(uint32_t, uint32_t, uint32_t)> compare = [&](uint32_t p, uint32_t w,
                                                                             uint32_t depth) -> QString {
        toWhole[p] = w;
        const TensorTree::Node a = preview.node(p);
        const TensorTree::Node b = whole.node(w);
        const QString where = QStringLiteral("'%1' at depth %2: ").arg(QString::fromUtf8(b.path)).arg(depth);
        if (a.path != b.path || a.segmentStart != b.segmentStart || a.row != b.row)
            return where + QStringLiteral("path, segment or row differs ('%1')").arg(QString::fromUtf8(a.path));
        if ((a.parent == TensorTree::kNone) != (b.parent == TensorTree::kNone) ||
            (a.parent != TensorTree::kNone && toWhole[a.parent] != b.parent))
            return where + QStringLiteral("parent differs");
        if (a.tensor != b.tensor || a.tensorCount != b.tensorCount || a.parameters != b.parameters ||
            a.bytes != b.bytes || a.firstOffset != b.firstOffset || a.logical != b.logical ||
            a.isGroup() != b.isGroup())
            return where +
                   QStringLiteral("totals differ: tensor %1/%2 count %3/%4 params %5/%6 bytes %7/%8 offset %9/%10")
                       .arg(a.tensor)
                       .arg(b.tensor)
                       .arg(a.tensorCount)
                       .arg(b.tensorCount)
                       .arg(a.parameters)
                       .arg(b.parameters)
                       .arg(a.bytes)
                       .arg(b.bytes)
                       .arg(a.firstOffset)
                       .arg(b.firstOffset);
        if (!std::equal(a.dtypes.begin(), a.dtypes.end(), b.dtypes.begin(), b.dtypes.end()))
            return where + QStringLiteral("dtype mixes differ");
        if (preview.tensorOf(p) != whole.tensorOf(w) || preview.tensorCountOf(p) != whole.tensorCountOf(w) ||
            preview.logicalOf(p) != whole.logicalOf(w) || preview.parentOf(p) != a.parent ||
            preview.rowOf(p) != a.row || preview.pathOf(p) != a.path)
            return where + QStringLiteral("an accessor disagrees with node()");
        const bool shouldHide = depth == depthLimit && !b.children.empty();
        if (a.hiddenChildren != shouldHide || preview.hasHiddenChildren(p) != shouldHide)
            return where + QStringLiteral("hides children: %1, should: %2").arg(a.hiddenChildren).arg(shouldHide);
        if (a.hiddenChildren)
            return a.children.empty() ? QString() : where + QStringLiteral("hides children but lists some");
        if (a.children.size() != b.children.size())
            return where + QStringLiteral("%1 children, not %2").arg(a.children.size()).arg(b.children.size());
        for (size_t row = 0; row < a.children.size(); ++row) {
            if (QString difference = compare(a.children[row], b.children[row], depth + 1); !difference.isEmpty())
                return difference;
        }
        return {};
    };
    if (preview.isComplete() || !preview.flatOrder().empty())
        return QStringLiteral("a preview must say it is incomplete and have no flat list");
    if (QString difference = compare(TensorTree::rootId(), TensorTree::rootId(), 0); !difference.isEmpty())
        return difference;
    if (toWhole.size() != preview.nodeCount())
        return QStringLiteral("%1 nodes unreachable from the root").arg(preview.nodeCount() - toWhole.size());
    for (size_t i = 0; i < preview.model().tensorCount(); ++i) {
        const uint32_t leaf = preview.leafOf(i);
        if (leaf != TensorTree::kNone && toWhole[leaf] != whole.leafOf(i))
            return QStringLiteral("leafOf(%1) is another node").arg(i);
        if (leaf == TensorTree::kNone && whole.leafOf(i) != TensorTree::kNone && preview.node(0).tensorCount != 0) {
            // Left out: then the whole tree's leaf must lie below the limit.
            uint32_t depth = 0;
            for (uint32_t id = whole.leafOf(i); id != TensorTree::rootId(); id = whole.parentOf(id))
                ++depth;
            if (depth <= depthLimit)
                return QStringLiteral("leafOf(%1) is missing at depth %2").arg(i).arg(depth);
        }
    }
    if (const auto& quant = preview.quant()) {
        for (size_t k = 0; k < quant->tensors.size(); ++k) {
            const uint32_t node = preview.logicalNodeOf(k);
            if (node != TensorTree::kNone && toWhole[node] != whole.logicalNodeOf(k))
                return QStringLiteral("logicalNodeOf(%1) is another node").arg(k);
            if (node == TensorTree::kNone && whole.logicalNodeOf(k) != TensorTree::kNone) {
                uint32_t depth = 0;
                for (uint32_t id = whole.logicalNodeOf(k); id != TensorTree::rootId(); id = whole.parentOf(id))
                    ++depth;
                if (depth <= depthLimit)
                    return QStringLiteral("logicalNodeOf(%1) is missing at depth %2").arg(k).arg(depth);
            }
        }
    }
    return {};
}
} // namespace

class TestTensorTreeModel final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString path = writeFile(m_dir, QStringLiteral("tree.safetensors"), fileOf(kSpecs));
        auto opened = Model::open(path, OpenMode::Lenient);
        QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().describe()));
        m_model = opened.value();
    }

    void naturalCompare_data()
    {
        QTest::addColumn<QString>("a");
        QTest::addColumn<QString>("b");
        QTest::addColumn<int>("expected");
        QTest::newRow("numeric runs") << "layers.2"
                                      << "layers.10" << -1;
        QTest::newRow("reverse") << "layers.10"
                                 << "layers.2" << 1;
        QTest::newRow("equal") << "a.1.b"
                               << "a.1.b" << 0;
        QTest::newRow("text first") << "alpha"
                                    << "beta" << -1;
        QTest::newRow("prefix") << "layer"
                                << "layer.0" << -1;
        QTest::newRow("leading zeros tie") << "x01"
                                           << "x1" << 1;
        QTest::newRow("zero vs nine") << "x0"
                                      << "x9" << -1;
        QTest::newRow("huge runs") << "w.100000000000000000000001"
                                   << "w.99999999999999999999999" << 1;
        QTest::newRow("digit vs letter") << "a1"
                                         << "ab" << -1;
        QTest::newRow("empty") << ""
                               << "a" << -1;
    }

    void naturalCompare()
    {
        QFETCH(QString, a);
        QFETCH(QString, b);
        QFETCH(int, expected);
        const std::string sa = a.toStdString();
        const std::string sb = b.toStdString();
        QCOMPARE(safescope::naturalCompare(sa, sb), expected);
        QCOMPARE(safescope::naturalCompare(sb, sa), -expected);
    }

    void treeStructure()
    {
        TensorTreeModel model;
        TensorFilterProxyModel proxy;
        QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);

        model.setTree(TensorTree::build(m_model));
        // Top level, natural order: lm_head, model, scale, unet.
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(name(model, model.index(0, 0)), QStringLiteral("lm_head"));
        QCOMPARE(name(model, model.index(3, 0)), QStringLiteral("unet"));

        const QModelIndex layers = child(model, child(model, {}, QStringLiteral("model")), QStringLiteral("layers"));
        QVERIFY(layers.isValid());
        QCOMPARE(model.rowCount(layers), 3);
        QCOMPARE(name(model, model.index(0, 0, layers)), QStringLiteral("1"));
        QCOMPARE(name(model, model.index(1, 0, layers)), QStringLiteral("2"));
        QCOMPARE(name(model, model.index(2, 0, layers)), QStringLiteral("10"));

        // Group aggregates: 3 BF16 weights of 32 elements and one F32 norm of 8.
        const QModelIndex params = layers.siblingAtColumn(TensorTreeModel::ParametersColumn);
        QCOMPARE(model.data(params, SortRole).toULongLong(), 3u * 32u + 8u);
        QCOMPARE(model.data(layers.siblingAtColumn(TensorTreeModel::SizeColumn), SortRole).toULongLong(),
                 3u * 64u + 32u);
        QCOMPARE(model.data(layers.siblingAtColumn(TensorTreeModel::DTypeColumn)).toString(),
                 QStringLiteral("BF16 \u00d73, F32 \u00d71"));
        QCOMPARE(model.data(layers, TensorIndexRole).toLongLong(), -1);

        // '/' splits component-qualified names.
        const QModelIndex down = child(model, child(model, {}, QStringLiteral("unet")), QStringLiteral("down"));
        QVERIFY(down.isValid());
        const QModelIndex conv = model.index(0, 0, model.index(0, 0, down));
        QCOMPARE(name(model, conv), QStringLiteral("conv"));
        QCOMPARE(model.data(conv, FullNameRole).toString(), QStringLiteral("unet/down.0.conv"));
        QCOMPARE(model.data(conv.siblingAtColumn(TensorTreeModel::ShapeColumn)).toString(),
                 QStringLiteral("[2, 2, 3, 3]"));
        QCOMPARE(model.data(conv.siblingAtColumn(TensorTreeModel::DTypeColumn)).toString(), QStringLiteral("F16"));

        // A scalar: shape [] and one parameter.
        const QModelIndex scale = child(model, {}, QStringLiteral("scale"));
        QCOMPARE(model.data(scale.siblingAtColumn(TensorTreeModel::ShapeColumn)).toString(), QStringLiteral("[]"));
        QCOMPARE(model.data(scale.siblingAtColumn(TensorTreeModel::ParametersColumn)).toString(), QStringLiteral("1"));
        const auto tensor = static_cast<size_t>(model.data(scale, TensorIndexRole).toLongLong());
        QCOMPARE(toQString(m_model->qualifiedName(tensor)), QStringLiteral("scale"));
        QCOMPARE(model.indexOfTensor(tensor), scale);
    }

    // The proxy answers hasChildren() from the source while nothing is filtered out; it must agree with rowCount()
    // for every row, with and without a filter, and after the filter is cleared again.
    void proxyHasChildrenAgreesWithRowCount()
    {
        TensorTreeModel model;
        TensorFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTree(TensorTree::build(m_model));
        int rowsSeen = 0;
        const std::function<void(const QModelIndex&)> walk = [&](const QModelIndex& parent) {
            for (int row = 0; row < proxy.rowCount(parent); ++row) {
                const QModelIndex index = proxy.index(row, 0, parent);
                ++rowsSeen;
                QCOMPARE(proxy.hasChildren(index), proxy.rowCount(index) > 0);
                walk(index);
            }
        };
        for (const QString& filter : {QString(), QStringLiteral("dtype:F32"), QStringLiteral("conv"), QString()}) {
            proxy.setTensorFilter(TensorFilter::parse(filter));
            rowsSeen = 0;
            QVERIFY(proxy.hasChildren());
            walk({});
            QVERIFY2(rowsSeen > 0, qPrintable(filter));
        }
        // A filter that hides every tensor leaves groups without children.
        proxy.setTensorFilter(TensorFilter::parse(QStringLiteral("no_such_tensor_anywhere")));
        QCOMPARE(proxy.rowCount(), 0);
        QVERIFY(!proxy.hasChildren());
    }

    void flatListAndSorting()
    {
        TensorTreeModel model;
        TensorFilterProxyModel proxy;
        QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTree(TensorTree::build(m_model));

        model.setFlat(true);
        QCOMPARE(model.rowCount(), static_cast<int>(kSpecs.size()));
        QCOMPARE(model.rowCount(model.index(0, 0)), 0);
        QCOMPARE(name(model, model.index(0, 0)), QStringLiteral("lm_head.weight"));
        QCOMPARE(name(model, model.index(2, 0)), QStringLiteral("model.layers.1.mlp.weight"));
        QCOMPARE(name(model, model.index(4, 0)), QStringLiteral("model.layers.2.norm"));
        QCOMPARE(name(model, model.index(5, 0)), QStringLiteral("model.layers.10.mlp.weight"));

        // Sorting by bytes uses the raw SortRole number, not the "1.00 KiB" text.
        proxy.sort(TensorTreeModel::SizeColumn, Qt::DescendingOrder);
        QCOMPARE(name(proxy, proxy.index(0, 0)), QStringLiteral("lm_head.weight"));           // 512 bytes
        QCOMPARE(name(proxy, proxy.index(proxy.rowCount() - 1, 0)), QStringLiteral("scale")); // 8 bytes
        proxy.sort(TensorTreeModel::ShapeColumn, Qt::AscendingOrder);
        QCOMPARE(name(proxy, proxy.index(0, 0)), QStringLiteral("scale")); // rank 0 first
        QCOMPARE(name(proxy, proxy.index(proxy.rowCount() - 1, 0)), QStringLiteral("unet/down.0.conv"));

        model.setFlat(false);
        QCOMPARE(model.rowCount(), 4);
    }

    void filtering()
    {
        TensorTreeModel model;
        TensorFilterProxyModel proxy;
        QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTree(TensorTree::build(m_model));

        proxy.setTensorFilter(TensorFilter::parse(QStringLiteral("dtype:F32")));
        // lm_head.weight and model.layers.2.norm: their groups stay, the rest goes.
        QCOMPARE(proxy.rowCount(), 2);
        QCOMPARE(name(proxy, proxy.index(0, 0)), QStringLiteral("lm_head"));
        QCOMPARE(name(proxy, proxy.index(1, 0)), QStringLiteral("model"));
        const QModelIndex layers = proxy.index(0, 0, proxy.index(1, 0));
        QCOMPARE(name(proxy, layers), QStringLiteral("layers"));
        QCOMPARE(proxy.rowCount(layers), 1);

        // Groups count what the filter shows below them, not everything below them.
        const QModelIndex modelGroup = proxy.index(1, 0);
        QCOMPARE(proxy.index(1, TensorTreeModel::DTypeColumn).data().toString(), QStringLiteral("F32 \u00d71"));
        QCOMPARE(modelGroup.siblingAtColumn(TensorTreeModel::ParametersColumn).data(SortRole).toULongLong(), 8ull);
        QCOMPARE(modelGroup.siblingAtColumn(TensorTreeModel::SizeColumn).data().toString(), QStringLiteral("32 B"));

        // An invalid filter shows nothing: the previous results beside its error read as if they matched it.
        proxy.setTensorFilter(TensorFilter::parse(QStringLiteral("dtype:NOPE")));
        QCOMPARE(proxy.rowCount(), 0);

        proxy.setTensorFilter(TensorFilter::parse(QStringLiteral("layers numel>=32 ndim:2")));
        QCOMPARE(proxy.rowCount(), 1);
        model.setFlat(true);
        QCOMPARE(proxy.rowCount(), 3);

        proxy.setTensorFilter(TensorFilter::parse(QString()));
        QCOMPARE(proxy.rowCount(), static_cast<int>(kSpecs.size()));

        // Reset with a new snapshot while filtered.
        proxy.setTensorFilter(TensorFilter::parse(QStringLiteral("unet")));
        model.setTree(TensorTree::build(m_model));
        QCOMPARE(proxy.rowCount(), 1);
        model.setTree(nullptr);
        QCOMPARE(proxy.rowCount(), 0);
    }

    void largeModelStaysCompact()
    {
        // 20,000 tensors in 2,000 layers: building and walking the tree must not depend on the GUI.
        std::vector<Spec> specs;
        for (int layer = 0; layer < 2000; ++layer) {
            for (int part = 0; part < 10; ++part)
                specs.push_back(
                    {"model.layers." + QByteArray::number(layer) + ".p" + QByteArray::number(part), "F32", {1}, 4});
        }
        const QString path = writeFile(m_dir, QStringLiteral("large.safetensors"), fileOf(specs));
        auto opened = Model::open(path, OpenMode::Lenient);
        QVERIFY(opened.ok());
        const auto tree = TensorTree::build(opened.value());
        TensorTreeModel model;
        model.setTree(tree);
        const QModelIndex layers = model.index(0, 0, model.index(0, 0));
        QCOMPARE(model.rowCount(layers), 2000);
        QCOMPARE(name(model, model.index(1999, 0, layers)), QStringLiteral("1999"));
        QCOMPARE(model.data(layers.siblingAtColumn(TensorTreeModel::ParametersColumn), SortRole).toULongLong(), 20000u);
        QCOMPARE(tree->nodeCount(), size_t{1 + 1 + 1 + 2000 + 20000});
    }

    void quantizedWeightsFoldTheirParts()
    {
        const FoldingFixture fixture = foldingFixture();
        QVERIFY(fixture.model);
        const std::vector<Spec>& specs = foldingSpecs();
        const auto tree = TensorTree::build(fixture.model, fixture.quant);
        TensorTreeModel model;
        model.setTree(tree);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);

        const QModelIndex layer = model.index(0, 0, model.index(0, 0, model.index(1, 0))); // m.layers.0
        QCOMPARE(name(model, layer), QStringLiteral("0"));
        QCOMPARE(model.rowCount(layer), 3); // down, norm, up
        const QModelIndex downGroup = model.index(0, 0, layer);
        QCOMPARE(model.rowCount(downGroup), 1); // the logical row only, its parts beneath it
        const QModelIndex downRow = model.index(0, 0, downGroup);
        QCOMPARE(name(model, downRow), QStringLiteral("weight"));
        QCOMPARE(model.data(downRow.siblingAtColumn(TensorTreeModel::ParametersColumn), SortRole).toULongLong(), 24u);
        QCOMPARE(model.rowCount(downRow), 2);
        QCOMPARE(name(model, model.index(1, 0, downRow)), QStringLiteral("weight_scale_inv"));
        const QModelIndex upRow = model.index(0, 0, model.index(2, 0, layer));
        QCOMPARE(model.data(upRow.siblingAtColumn(TensorTreeModel::ShapeColumn)).toString(),
                 QStringLiteral("[16, 64]"));
        QCOMPARE(model.data(upRow, FullNameRole).toString(), QStringLiteral("m.layers.0.up.weight"));
        QCOMPARE(model.data(upRow, TensorIndexRole).toLongLong(), -1);
        QCOMPARE(model.rowCount(upRow), 3);
        QCOMPARE(name(model, model.index(0, 0, upRow)), QStringLiteral("qweight"));
        QCOMPARE(model.data(model.index(2, 0, upRow), FullNameRole).toString(), QStringLiteral("m.layers.0.up.scales"));
        // Group totals are logical: 1024 + 24 + the 6-element norm; the parts are all still tensors below.
        QCOMPARE(model.data(layer.siblingAtColumn(TensorTreeModel::ParametersColumn), SortRole).toULongLong(), 1054u);
        QCOMPARE(tree->tensorCountOf(model.nodeId(layer)), 6u);
        // A part outside its weight's groups leaves that weight as it was: plain rows.
        QCOMPARE(tree->logicalNodeOf(2), TensorTree::kNone);
        QVERIFY(tree->logicalOf(tree->leafOf(6)) == nullptr);
        // Every stored tensor keeps its leaf, which indexOfTensor reaches in both modes.
        for (size_t i = 0; i < specs.size(); ++i)
            QCOMPARE(QString::fromUtf8(tree->pathOf(tree->leafOf(i))), QString::fromUtf8(specs[i].name));
        QCOMPARE(model.indexOfLogical("m.layers.0.up.weight"), upRow);
        // The flat list: the two quantized weights as one row each, then the plain tensors (the odd weight's parts
        // were not folded); the 5 folded parts stay beneath their rows.
        QCOMPARE(tree->flatOrder().size(), specs.size() - 3);
        model.setFlat(true);
        QStringList rows;
        for (int r = 0; r < model.rowCount(); ++r)
            rows << model.data(model.index(r, 0), FullNameRole).toString();
        QCOMPARE(rows, (QStringList{QStringLiteral("elsewhere.scale"), QStringLiteral("m.layers.0.down.weight"),
                                    QStringLiteral("m.layers.0.norm"), QStringLiteral("m.layers.0.up.weight"),
                                    QStringLiteral("m.odd.weight")}));
        const QModelIndex flatUp = model.indexOfLogical("m.layers.0.up.weight");
        QCOMPARE(flatUp.row(), 3);
        QCOMPARE(model.rowCount(flatUp), 3);
        for (size_t i = 0; i < specs.size(); ++i) {
            const QModelIndex row = model.indexOfTensor(i);
            QVERIFY(row.isValid());
            QCOMPARE(model.data(row, FullNameRole).toString(), QString::fromUtf8(specs[i].name));
            QCOMPARE(model.index(row.row(), 0, row.parent()), row);
        }
    }

    void filteredTotalsOfQuantizedWeightsAreLogical()
    {
        // Without a filter a group counts a quantized weight's logical parameters; with one it must still do so,
        // through the weight's main stored part only: summing the matched parts counted packed int4 words once
        // (16 + 2 + 16 "parameters" for 1,024 weights) and scales as weights.
        const FoldingFixture fixture = foldingFixture();
        QVERIFY(fixture.model);
        TensorTreeModel model;
        TensorFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        model.setTree(TensorTree::build(fixture.model, fixture.quant));
        const auto layerTotals = [&](const QString& filter) {
            proxy.setTensorFilter(TensorFilter::parse(filter));
            const QModelIndex layer =
                child(proxy, child(proxy, child(proxy, {}, QStringLiteral("m")), QStringLiteral("layers")),
                      QStringLiteral("0"));
            return std::tuple(layer.siblingAtColumn(TensorTreeModel::ParametersColumn).data(SortRole).toULongLong(),
                              layer.siblingAtColumn(TensorTreeModel::SizeColumn).data(SortRole).toULongLong(),
                              layer.siblingAtColumn(TensorTreeModel::DTypeColumn).data().toString());
        };
        // Every part of the AWQ weight matches: its 1,024 logical parameters, all its stored bytes and dtypes.
        QCOMPARE(layerTotals(QStringLiteral("up")),
                 std::tuple(qulonglong{1024}, qulonglong{8 * 2 * 4 + 1 * 2 * 4 + 16 * 2},
                            QStringLiteral("I32 \u00d72, F16 \u00d71")));
        // Only companions and a float tensor are F32: the scale adds its bytes, the norm its 6 parameters.
        QCOMPARE(layerTotals(QStringLiteral("dtype:F32")),
                 std::tuple(qulonglong{6}, qulonglong{2 * 2 * 4 + 6 * 4}, QStringLiteral("F32 \u00d72")));
        // The FP8 weight's codes match: its logical 24, its codes' bytes.
        QCOMPARE(layerTotals(QStringLiteral("dtype:F8_E4M3")),
                 std::tuple(qulonglong{24}, qulonglong{4 * 6}, QStringLiteral("F8_E4M3 \u00d71")));
        // Without a filter the layer's totals are the tree's own: 1,024 + 24 + 6.
        proxy.setTensorFilter(TensorFilter::parse(QString()));
        const QModelIndex layer = child(
            proxy, child(proxy, child(proxy, {}, QStringLiteral("m")), QStringLiteral("layers")), QStringLiteral("0"));
        QCOMPARE(layer.siblingAtColumn(TensorTreeModel::ParametersColumn).data(SortRole).toULongLong(), 1054ull);
    }

    void quantizedTreeDoesNotDependOnStoredOrder()
    {
        // FP8 block weights recognised by the core (so the catalog knows where each part is), stored in three
        // orders: scales before or after their weights, a weight's parts apart with other layers between them,
        // and a float tensor between the groups. Each quantized weight is placed where its first part is met, so
        // every order must give the same tree, and the same as looking the parts up by name.
        std::vector<Spec> specs;
        for (const char* layer : {"0", "1", "10", "2"}) {
            for (const char* module : {"q_proj", "o_proj"}) {
                const QByteArray stem = QByteArray("model.layers.") + layer + ".self_attn." + module;
                specs.push_back({stem + ".weight", "F8_E4M3", {4, 6}, 1});
                specs.push_back({stem + ".weight_scale_inv", "F32", {2, 2}, 4});
            }
            specs.push_back({QByteArray("model.layers.") + layer + ".norm.weight", "BF16", {6}, 2});
        }
        specs.push_back({"model.scale", "F32", {1}, 4});
        specs.push_back({"lm_head.weight", "BF16", {8, 6}, 2});
        QuantConfig config;
        config.method = QStringLiteral("fp8");
        config.weightBlockSize = {2, 3};

        const auto treeOf = [&](const std::vector<Spec>& order, const QString& file, bool byName) {
            auto opened = Model::open(writeFile(m_dir, file, fileOf(order)), OpenMode::Lenient);
            if (!opened.ok())
                return QStringList{QStringLiteral("open failed")};
            auto catalog = std::make_shared<QuantCatalog>(recogniseQuantized(*opened.value(), config));
            if (catalog->tensors.size() != 8)
                return QStringList{QStringLiteral("recognised %1").arg(catalog->tensors.size())};
            if (byName) { // as a catalog made by hand: the tree looks every part up
                catalog->partIndices.clear();
                catalog->partStart.clear();
            }
            return treeLines(*TensorTree::build(opened.value(), catalog));
        };
        const QStringList expected = treeOf(specs, QStringLiteral("order0.safetensors"), false);
        // Nodes: the root, lm_head and its weight, model, the layers group, model.scale, 12 a layer
        // (its group, self_attn, two modules each with a logical row and two parts, norm and its weight); then 14
        // rows of the flat list (8 quantized weights, 4 norms, 2 other tensors).
        QCOMPARE(expected.size(), 54 + 14);
        QVERIFY2(expected.contains(QStringLiteral("            model.layers.10.self_attn.o_proj.weight logical=yes "
                                                  "tensor= count=2 params=24 bytes=40")),
                 qPrintable(expected.join(QLatin1Char('\n'))));
        QCOMPARE(treeOf(specs, QStringLiteral("order0byname.safetensors"), true), expected);
        std::vector<Spec> reversed(specs.rbegin(), specs.rend());
        QCOMPARE(treeOf(reversed, QStringLiteral("order1.safetensors"), false), expected);
        // Scales first, then every weight: each weight's two parts far apart.
        std::vector<Spec> apart = specs;
        std::stable_partition(apart.begin(), apart.end(), [](const Spec& s) { return s.name.endsWith("_inv"); });
        QCOMPARE(treeOf(apart, QStringLiteral("order2.safetensors"), false), expected);
    }

    void previewMatchesTheWholeTreeToItsDepth()
    {
        // The viewer paints a preview first: its nodes must show exactly what the whole tree's do, totals of what
        // they hide included. Plain names with both separators and a tensor beside a group of its name, duplicates
        // (a lenient file keeps both), quantized weights whose parts and logical rows fall on both sides of the
        // depth limit, and one left unfolded.
        std::vector<Spec> plain = kSpecs;
        plain.push_back({"model.layers.2", "F32", {3}, 4});  // a tensor named like a group
        plain.push_back({"model.embed", "BF16", {2, 8}, 2}); // a duplicate name
        plain.push_back({"a.b.c.d.e.f", "I8", {5}, 1});      // a deep single chain
        auto plainModel =
            Model::open(writeFile(m_dir, QStringLiteral("preview.safetensors"), fileOf(plain)), OpenMode::Lenient);
        QVERIFY(plainModel.ok());
        const FoldingFixture folding = foldingFixture();
        QVERIFY(folding.model);
        std::vector<Spec> fp8;
        for (const char* layer : {"0", "1"}) {
            const QByteArray stem = QByteArray("model.layers.") + layer + ".mlp.down_proj";
            fp8.push_back({stem + ".weight", "F8_E4M3", {4, 6}, 1});
            fp8.push_back({stem + ".weight_scale_inv", "F32", {2, 2}, 4});
        }
        fp8.push_back({"lm_head.weight", "F8_E4M3", {4, 6}, 1}); // a logical row at depth 2, parts at 3
        fp8.push_back({"lm_head.weight_scale_inv", "F32", {2, 2}, 4});
        fp8.push_back({"weight", "F8_E4M3", {4, 6}, 1}); // at the root: not recognised (no module), plain rows
        fp8.push_back({"weight_scale_inv", "F32", {2, 2}, 4});
        auto fp8Model =
            Model::open(writeFile(m_dir, QStringLiteral("previewfp8.safetensors"), fileOf(fp8)), OpenMode::Lenient);
        QVERIFY(fp8Model.ok());
        QuantConfig config;
        config.method = QStringLiteral("fp8");
        config.weightBlockSize = {2, 3};
        auto fp8Quant = std::make_shared<const QuantCatalog>(recogniseQuantized(*fp8Model.value(), config));
        QCOMPARE(fp8Quant->tensors.size(), size_t{3});

        const std::vector<std::pair<std::shared_ptr<const Model>, std::shared_ptr<const QuantCatalog>>> cases{
            {plainModel.value(), nullptr}, {folding.model, folding.quant}, {fp8Model.value(), fp8Quant}};
        int hiding = 0;
        for (const auto& [model, quant] : cases) {
            const auto whole = TensorTree::build(model, quant);
            QVERIFY(whole->isComplete());
            for (uint32_t depth = 1; depth <= 7; ++depth) {
                const auto preview = TensorTree::buildPreview(model, quant, depth);
                const QString difference = previewDifference(*preview, *whole, depth);
                QVERIFY2(difference.isEmpty(), qPrintable(QStringLiteral("depth %1: %2").arg(depth).arg(difference)));
                for (uint32_t id = 0; id < preview->nodeCount(); ++id)
                    hiding += preview->hasHiddenChildren(id) ? 1 : 0;
                // What the item model shows of it: rows below the limit are there once the whole tree is.
                TensorTreeModel items;
                items.setTree(preview);
                QAbstractItemModelTester tester(&items, QAbstractItemModelTester::FailureReportingMode::QtTest);
            }
        }
        QVERIFY(hiding > 20); // the limit did cut: the comparison above checked hidden totals
        // A preview keeps no leaf for what it hides; the whole tree has one for every tensor.
        const auto shallow = TensorTree::buildPreview(fp8Model.value(), fp8Quant, 2);
        QCOMPARE(shallow->leafOf(0), TensorTree::kNone);
        QCOMPARE(shallow->logicalNodeOf(0), TensorTree::kNone);
    }

    void previewMatchesTheWholeTreeOnRandomNames()
    {
        // Differential: random names from a few segments (empty ones included: "a..b", ".a", "a.", "") joined by
        // both separators, duplicates, tensors named like groups, random data offsets and dtypes, and hand-made
        // catalogs whose logical rows and parts land anywhere (some left unfolded: a part elsewhere, missing, or
        // shared); every preview depth 1..8 against the whole tree.
        std::mt19937 random(20261203u);
        const auto below = [&random](uint32_t n) { return static_cast<uint32_t>(random() % n); };
        const std::vector<QByteArray> segments{"a", "b", "a1", "a10", "a2", "w", "weight", "", "w_s"};
        const std::vector<std::pair<QByteArray, uint64_t>> dtypes{{"F32", 4}, {"BF16", 2},    {"F16", 2},
                                                                  {"I8", 1},  {"F8_E4M3", 1}, {"I32", 4}};
        const auto randomName = [&]() {
            QByteArray name;
            const uint32_t count = below(6);
            for (uint32_t i = 0; i < count; ++i) {
                if (i > 0)
                    name += below(3) == 0 ? '/' : '.';
                name += segments[below(static_cast<uint32_t>(segments.size()))];
            }
            if (below(12) == 0)
                name += below(2) == 0 ? '.' : '/';
            return name;
        };
        int previews = 0, hidingLogical = 0, folded = 0;
        for (int round = 0; round < 1000; ++round) {
            const uint32_t tensors = 1 + below(round < 20 ? 4 : 40);
            struct Entry
            {
                QByteArray name;
                QByteArray dtype;
                std::vector<uint64_t> shape;
                uint64_t size;
            };
            std::vector<Entry> entries;
            for (uint32_t i = 0; i < tensors; ++i) {
                QByteArray name = randomName();
                if (!entries.empty() && below(8) == 0)
                    name = entries[below(static_cast<uint32_t>(entries.size()))].name; // a duplicate
                if (name == "__metadata__")
                    name = "m";
                const auto& [dtype, width] = dtypes[below(static_cast<uint32_t>(dtypes.size()))];
                std::vector<uint64_t> shape;
                for (uint32_t d = below(3); d > 0; --d)
                    shape.push_back(1 + below(5));
                uint64_t count = 1;
                for (const uint64_t dim : shape)
                    count *= dim;
                entries.push_back({name, dtype, shape, count * width});
            }
            // The data in another order than the header: first offsets are not the first names'.
            std::vector<uint32_t> order(tensors);
            for (uint32_t i = 0; i < tensors; ++i)
                order[i] = i;
            std::shuffle(order.begin(), order.end(), random);
            std::vector<uint64_t> begin(tensors);
            uint64_t offset = 0;
            for (const uint32_t i : order) {
                begin[i] = offset;
                offset += entries[i].size;
            }
            QByteArray header = "{";
            for (uint32_t i = 0; i < tensors; ++i)
                header += (i ? "," : "") + tensorJson(entries[i].name, entries[i].dtype, entries[i].shape, begin[i],
                                                      begin[i] + entries[i].size);
            header += '}';
            const QString path = writeFile(m_dir, QStringLiteral("random%1.safetensors").arg(round),
                                           rawFile(header, patternBytes(offset)));
            auto opened = Model::open(path, OpenMode::Lenient);
            QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().describe()));
            const std::shared_ptr<const Model> model = opened.value();

            // A hand-made catalog: logical names beside or on stored names, parts mostly under the logical name's
            // groups (so that they fold), sometimes elsewhere, missing, repeated or another logical's.
            std::shared_ptr<QuantCatalog> quant;
            if (round % 4 != 0 && model->tensorCount() > 0) {
                quant = std::make_shared<QuantCatalog>();
                for (uint32_t k = below(5); k > 0; --k) {
                    const std::string stored(model->qualifiedName(below(static_cast<uint32_t>(model->tensorCount()))));
                    LogicalTensor logical;
                    logical.name = below(2) == 0 ? stored : randomName().toStdString();
                    logical.elementCount = 1000 + below(100000);
                    logical.shape = {logical.elementCount};
                    const size_t separator = logical.name.find_last_of("./");
                    const std::string prefix =
                        logical.name.substr(0, separator == std::string::npos ? 0 : separator + 1);
                    // Parts are views, as recognition makes them: the model's own names, literals otherwise.
                    std::vector<std::string_view> candidates;
                    for (size_t i = 0; i < model->tensorCount(); ++i) {
                        const std::string_view name = model->qualifiedName(i);
                        if (name.starts_with(prefix))
                            candidates.push_back(name);
                    }
                    static constexpr std::string_view kRoles[] = {"p0", "p1", "p2", "p3"};
                    for (uint32_t p = 1 + below(3); p > 0; --p) {
                        std::string_view part;
                        const uint32_t pick = below(10);
                        if (pick == 0)
                            part = "missing.part";
                        else if (pick == 1 || candidates.empty())
                            part = model->qualifiedName(below(static_cast<uint32_t>(model->tensorCount())));
                        else
                            part = candidates[below(static_cast<uint32_t>(candidates.size()))];
                        logical.parts.emplace_back(kRoles[p], part);
                    }
                    quant->tensors.push_back(std::move(logical));
                }
                quant->indexNames();
            }

            const auto whole = TensorTree::build(model, quant);
            for (uint32_t id = 0; id < whole->nodeCount(); ++id)
                folded += whole->logicalOf(id) != nullptr ? 1 : 0;
            for (uint32_t depth = 1; depth <= 8; ++depth) {
                const auto preview = TensorTree::buildPreview(model, quant, depth);
                ++previews;
                const QString difference = previewDifference(*preview, *whole, depth);
                QVERIFY2(difference.isEmpty(), qPrintable(QStringLiteral("round %1, depth %2: %3\n%4")
                                                              .arg(round)
                                                              .arg(depth)
                                                              .arg(difference, QString::fromUtf8(header))));
                for (uint32_t id = 0; id < preview->nodeCount(); ++id)
                    hidingLogical += preview->hasHiddenChildren(id) && preview->logicalOf(id) != nullptr ? 1 : 0;
                if (round % 25 == 0) {
                    TensorTreeModel items;
                    items.setTree(preview);
                    QAbstractItemModelTester tester(&items, QAbstractItemModelTester::FailureReportingMode::QtTest);
                    TensorFilterProxyModel proxy;
                    proxy.setSourceModel(&items);
                    QAbstractItemModelTester proxyTester(&proxy,
                                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
                }
            }
        }
        QCOMPARE(previews, 1000 * 8);
        QVERIFY(folded > 200);        // the catalogs did fold quantized weights
        QVERIFY(hidingLogical > 100); // and some logical rows sat at the limit with their parts hidden
    }

private:
    /// A hand-made catalog over a small file (the tree reads names and shapes only): an AWQ-like weight whose parts
    /// have other names than the logical one, an FP8-like one whose main part shares it, one whose part lies outside
    /// its groups (left unfolded), and a float neighbour.
    struct FoldingFixture
    {
        std::shared_ptr<const Model> model;
        std::shared_ptr<const QuantCatalog> quant;
    };
    static const std::vector<Spec>& foldingSpecs()
    {
        static const std::vector<Spec> specs{
            {"m.layers.0.up.qweight", "I32", {8, 2}, 4},
            {"m.layers.0.up.qzeros", "I32", {1, 2}, 4},
            {"m.layers.0.up.scales", "F16", {1, 16}, 2},
            {"m.layers.0.down.weight", "F8_E4M3", {4, 6}, 1},
            {"m.layers.0.down.weight_scale_inv", "F32", {2, 2}, 4},
            {"m.layers.0.norm", "F32", {6}, 4},
            {"m.odd.weight", "F8_E4M3", {2, 2}, 1},
            {"elsewhere.scale", "F32", {1}, 4},
        };
        return specs;
    }
    FoldingFixture foldingFixture()
    {
        const QString path = writeFile(m_dir, QStringLiteral("quant.safetensors"), fileOf(foldingSpecs()));
        auto opened = Model::open(path, OpenMode::Lenient);
        if (!opened.ok())
            return {};
        auto quant = std::make_shared<QuantCatalog>();
        LogicalTensor up;
        up.name = "m.layers.0.up.weight";
        up.scheme = QuantScheme::Awq;
        up.bits = 4;
        up.groupSize = 64;
        up.shape = {16, 64};
        up.elementCount = 1024;
        up.parts = {{"qweight", "m.layers.0.up.qweight"},
                    {"qzeros", "m.layers.0.up.qzeros"},
                    {"scales", "m.layers.0.up.scales"}};
        LogicalTensor down;
        down.name = "m.layers.0.down.weight";
        down.shape = {4, 6};
        down.elementCount = 24;
        down.block = {2, 3};
        down.parts = {{"weight", "m.layers.0.down.weight"}, {"scale_inv", "m.layers.0.down.weight_scale_inv"}};
        LogicalTensor odd;
        odd.name = "m.odd.weight";
        odd.shape = {2, 2};
        odd.elementCount = 4;
        odd.parts = {{"weight", "m.odd.weight"}, {"scale", "elsewhere.scale"}};
        quant->tensors = {up, down, odd};
        quant->indexNames();
        return {opened.value(), quant};
    }

    QTemporaryDir m_dir;
    std::shared_ptr<const Model> m_model;
};

QTEST_GUILESS_MAIN(TestTensorTreeModel)
#include "tst_tensortreemodel.moc"
