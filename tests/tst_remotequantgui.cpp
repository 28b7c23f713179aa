// Quantized weights of remote models in the viewer (issue 17's gap): an FP8 block-scaled and a GPTQ model with their
// config.json served by a real nginx laid out like the Hub (tests/support/hubserver). The slice table, statistics
// and heatmap of the remote logical weight show its dequantized values, exactly those of the local copy.
#include "support/hubserver.h"
#include "support/isolatedsettings.h"
#include "support/openedwindow.h"
#include "support/quantmodels.h"
#include "ui/heatmap/heatmappanel.h"
#include "ui/heatmap/heatmapplot.h"
#include "ui/models/slicetablemodel.h"
#include "ui/models/statstablemodel.h"
#include "ui/slice/slicepanel.h"
#include "ui/values/statisticspanel.h"
#include "ui/values/tensorpage.h"
#include "ui/window/documentview.h"
#include "ui/window/mainwindow.h"
#include "ui/window/modelview.h"
#include "ui/window/tensorbrowser.h"

#include <QFile>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 30000;
const QString kFp8Name = QStringLiteral("layers.0.mlp.weight");
const QString kGptqName = QStringLiteral("model.layers.0.self_attn.q_proj.weight");

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QStringList cellsOf(const QAbstractItemModel* model)
{
    QStringList lines;
    for (int row = 0; row < model->rowCount(); ++row) {
        QStringList cells;
        for (int column = 0; column < model->columnCount(); ++column)
            cells << model->index(row, column).data().toString();
        lines << cells.join(u'|');
    }
    return lines;
}

} // namespace

class TestRemoteQuantGui final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        isolateSettings(QStringLiteral("tst_remotequantgui"), m_dir.path());
        qputenv("SAFESCOPE_REMOTE_CACHE_DIR", m_dir.path().toUtf8() + "/cache");
        qunsetenv("HF_TOKEN");
        qputenv("HF_HOME", m_dir.path().toUtf8() + "/hfhome");
        QVERIFY2(m_server.start(), qPrintable(m_server.errorText()));
        qputenv("HF_ENDPOINT", m_server.endpoint().toUtf8());

        std::vector<float> expected;
        m_fp8 = writeFp8Model(m_fp8Dir, expected);
        TensorFileBuilder gptq;
        buildGptq(gptq, {4, true, false});
        m_gptq = writeFile(m_gptqDir, QStringLiteral("model.safetensors"), gptq.build());
        writeFile(m_gptqDir, QStringLiteral("config.json"), gptqConfig({4, true, false}));
        for (const auto& [repo, dir] : {std::pair{QStringLiteral("acme/fp8"), m_fp8Dir.path()},
                                        std::pair{QStringLiteral("acme/gptq"), m_gptqDir.path()}}) {
            for (const QString& name : {QStringLiteral("model.safetensors"), QStringLiteral("config.json")})
                m_server.addFile(repo, QStringLiteral("main"), name, readAll(dir + u'/' + name));
            m_server.publish(repo, QStringLiteral("main"));
        }
        m_window = std::make_unique<MainWindow>();
    }

    void cleanupTestCase() { m_window.reset(); }

    void sliceAndStatisticsEqualTheLocalOnes_data()
    {
        QTest::addColumn<QString>("repo");
        QTest::addColumn<QString>("local");
        QTest::addColumn<QString>("tensor");
        QTest::newRow("fp8 block") << QStringLiteral("hf://acme/fp8") << m_fp8 << kFp8Name;
        QTest::newRow("gptq act-order") << QStringLiteral("hf://acme/gptq") << m_gptq << kGptqName;
    }

    void sliceAndStatisticsEqualTheLocalOnes()
    {
        QFETCH(QString, repo);
        QFETCH(QString, local);
        QFETCH(QString, tensor);
        DocumentView* localDoc = openAndWait(*m_window, local, kTimeoutMs);
        DocumentView* remoteDoc = openAndWait(*m_window, repo, kTimeoutMs);
        QVERIFY(localDoc && remoteDoc);

        // The slice table: the remote cells read "..." until the stored parts are in, then the local values.
        const auto sliceOf = [&](DocumentView* document) -> SliceTableModel* {
            m_window->tabs()->setCurrentWidget(document);
            ModelView* view = document->modelView();
            view->showPage(QStringLiteral("slice"));
            if (!view->browser()->selectTensor(tensor) || !view->showPage(QStringLiteral("slice")))
                return nullptr;
            return view->tensorPage()->slicePanel()->sliceModel();
        };
        SliceTableModel* localSlice = sliceOf(localDoc);
        SliceTableModel* remoteSlice = sliceOf(remoteDoc);
        QVERIFY(localSlice && remoteSlice);
        QVERIFY2(remoteSlice->error().isEmpty(), qPrintable(remoteSlice->error()));
        QVERIFY(remoteSlice->rowCount() > 1 && remoteSlice->columnCount() > 1);
        QCOMPARE(remoteSlice->rowCount(), localSlice->rowCount());
        QCOMPARE(remoteSlice->columnCount(), localSlice->columnCount());
        remoteSlice->cellText(0, 0);
        QTRY_VERIFY_WITH_TIMEOUT(!remoteSlice->isFetching() && remoteSlice->dequantizer() != nullptr, kTimeoutMs);
        QVERIFY2(remoteSlice->error().isEmpty(), qPrintable(remoteSlice->error()));
        QVERIFY(localSlice->dequantizer() != nullptr);
        QVERIFY(remoteSlice->bytesFetched() > 0);
        for (uint64_t row = 0; row < uint64_t(localSlice->rowCount()); ++row)
            for (uint64_t col = 0; col < uint64_t(localSlice->columnCount()); ++col)
                QCOMPARE(remoteSlice->cellText(row, col), localSlice->cellText(row, col));

        // Statistics of the logical weight: the same table, the parts fetched first.
        const auto statsOf = [&](DocumentView* document) -> StatisticsPanel* {
            m_window->tabs()->setCurrentWidget(document);
            ModelView* view = document->modelView();
            if (!view->browser()->selectTensor(tensor) || !view->showPage(QStringLiteral("values")))
                return nullptr;
            StatisticsPanel* panel = view->tensorPage()->statisticsPanel();
            const bool done =
                QTest::qWaitFor([panel] { return panel->stats() && !panel->stats()->sampled; }, kTimeoutMs);
            return done ? panel : nullptr;
        };
        StatisticsPanel* localStats = statsOf(localDoc);
        StatisticsPanel* remoteStats = statsOf(remoteDoc);
        QVERIFY(localStats && remoteStats);
        QVERIFY(localStats->tableModel()->rowCount() > 0);
        QCOMPARE(cellsOf(remoteStats->tableModel()), cellsOf(localStats->tableModel()));
        QCOMPARE(remoteStats->stats()->count, localStats->stats()->count);
        QCOMPARE(remoteStats->stats()->sum, localStats->stats()->sum);
        QTRY_VERIFY_WITH_TIMEOUT(remoteStats->fetchedText().startsWith(QStringLiteral("Fetched ")), kTimeoutMs);

        // The heatmap draws the remote weight from its fetched parts.
        m_window->tabs()->setCurrentWidget(remoteDoc);
        ModelView* view = remoteDoc->modelView();
        QVERIFY(view->browser()->selectTensor(tensor));
        QVERIFY(view->showPage(QStringLiteral("heatmap")));
        HeatmapPanel* heatmap = view->tensorPage()->heatmapPanel();
        QTRY_VERIFY_WITH_TIMEOUT(heatmap->plot()->hasOverview(), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(heatmap->statusText().startsWith(QStringLiteral("Fetched ")), kTimeoutMs);

        // Another slice asked for while the parts are on their way (transposed, before the fetch can report): the
        // fetch goes on and draws that slice.
        const size_t logical = heatmap->shownTensor().value();
        heatmap->showTensor(0);
        heatmap->showTensor(logical);
        SliceSpec transposed = heatmap->spec();
        std::swap(transposed.rowDim, transposed.colDim);
        heatmap->setSpec(transposed);
        QTRY_VERIFY_WITH_TIMEOUT(heatmap->plot()->hasOverview(), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(heatmap->statusText().startsWith(QStringLiteral("Fetched ")), kTimeoutMs);
        QVERIFY(heatmap->spec() == transposed);
    }

private:
    QTemporaryDir m_dir;
    QTemporaryDir m_fp8Dir;
    QTemporaryDir m_gptqDir;
    HubServer m_server;
    QString m_fp8;
    QString m_gptq;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestRemoteQuantGui)
#include "tst_remotequantgui.moc"
