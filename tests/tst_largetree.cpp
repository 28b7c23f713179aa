// The viewer's side of a header at the size limit (issue: hardening): a million tensors build the tree, filter
// quickly enough to stay interactive, and the model plus tree stay a small multiple of the header in memory.
#include "core/format/model.h"
#include "support/fixtures.h"
#include "support/largeheader.h"
#include "support/processstatus.h"
#include "ui/models/tensorfilter.h"
#include "ui/models/tensorfilterproxymodel.h"
#include "ui/models/tensortree.h"
#include "ui/models/tensortreemodel.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kMillion = 1'000'000;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true; // shadow memory and redzones make memory figures meaningless
#else
constexpr bool kSanitized = false;
#endif

} // namespace

class TestLargeTree final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void millionTensorTreeBuildsAndFilters()
    {
        // The viewer's side of the same header: the tree of a million tensors builds, a filter keystroke narrows it,
        // and the tree plus the model stay a small multiple of the header.
        const QByteArray header = millionTensorHeader(kMillion);
        const uint64_t headerMiB = static_cast<uint64_t>(header.size()) >> 20;
        const QString path =
            writeFile(m_dir, QStringLiteral("million.safetensors"), rawFile(header, patternBytes(kMillion)));
        if (QFile refs(QStringLiteral("/proc/self/clear_refs")); refs.open(QIODevice::WriteOnly))
            refs.write("5");
        const uint64_t before = procStatusKiB("VmRSS");
        QElapsedTimer timer;
        timer.start();
        auto opened = Model::open(path, OpenMode::Strict);
        QVERIFY(opened.ok());
        const std::shared_ptr<const Model> model = *opened;
        const std::shared_ptr<const TensorTree> tree = TensorTree::build(model);
        const double buildMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;

        TensorTreeModel treeModel;
        TensorFilterProxyModel proxy;
        proxy.setSourceModel(&treeModel);
        treeModel.setTree(tree);
        QCOMPARE(treeModel.rowCount(), 1);                         // "l"
        QCOMPARE(treeModel.rowCount(treeModel.index(0, 0)), 1000); // l.0 .. l.999
        timer.restart();
        proxy.setTensorFilter(TensorFilter::parse(QStringLiteral("w999")));
        // The proxy maps rows lazily: the time counts up to the first rows a view would ask for.
        const QModelIndex root = proxy.index(0, 0);
        QCOMPARE(proxy.rowCount(root), 1000); // every layer keeps exactly its w999 leaf
        QCOMPARE(proxy.rowCount(proxy.index(0, 0, root)), 1);
        const double filterMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
        proxy.setTensorFilter(TensorFilter::parse(QStringLiteral("l.999.w999")));
        QCOMPARE(proxy.rowCount(root), 1);
        const uint64_t grewMiB = (procStatusKiB("VmHWM") - std::min(procStatusKiB("VmHWM"), before)) >> 10;
        qInfo("1M tensors: model + tree in %.0f ms, filter %.0f ms, peak memory +%llu MiB (%llu MiB header)", buildMs,
              filterMs, static_cast<unsigned long long>(grewMiB), static_cast<unsigned long long>(headerMiB));
        if (!kSanitized)
            QVERIFY2(grewMiB < 12 * headerMiB, qPrintable(QString::number(grewMiB)));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestLargeTree)
#include "tst_largetree.moc"
