// The metadata page's publishing tools (issue 18) on a real window: "Remove Training Data" as one undo step, a
// template saved and applied, the Training view (tag table sorted and filtered through its proxy) and the ModelSpec
// card; ModelSpec's required keys on the Problems model.
#include "core/format/model.h"
#include "support/editfixtures.h"
#include "support/fixtures.h"
#include "support/isolatedsettings.h"
#include "ui/window/documentview.h"
#include "ui/window/mainwindow.h"
#include "ui/metadata/metadatapage.h"
#include "ui/metadata/metadatapublishactions.h"
#include "ui/models/metadatamodel.h"
#include "ui/models/problemsmodel.h"
#include "ui/models/tagfrequencymodel.h"
#include "ui/metadata/modelspeccard.h"
#include "ui/window/modelview.h"
#include "ui/metadata/savesummarydialog.h"
#include "ui/metadata/trainingview.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTimer>
#include <QUndoStack>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 20000;

// The smallest valid PNG (1x1 greyscale), as a ModelSpec thumbnail data URI holds it.
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==";

// As train_network.py writes it: nested parts json.dumps()'d into strings, every value str()'d.
QByteArray kohyaMetadata()
{
    const nlohmann::ordered_json metadata{
        {"format", "pt"},
        {"ss_network_module", "networks.lora"},
        {"ss_network_dim", "16"},
        {"ss_network_alpha", "8.0"},
        {"ss_base_model_version", "sd_v1"},
        {"ss_learning_rate", "0.0001"},
        {"ss_tag_frequency", R"({"10_cat": {"cat": 30, "sitting": 9, "outdoors": 12}, "2_dog": {"dog": 5}})"},
        {"ss_dataset_dirs",
         R"({"10_cat": {"n_repeats": 10, "img_count": 30}, "2_dog": {"n_repeats": 2, "img_count": 5}})"},
        {"ss_bucket_info", R"({"buckets": {"0": {"resolution": [512, 512], "count": 310}}, "mean_img_ar_error": 0.0})"},
        {"ss_training_comment", "cats from my phone"},
        {"modelspec.sai_model_spec", "1.0.0"},
        {"modelspec.architecture", "stable-diffusion-v1/lora"},
        {"modelspec.implementation", "diffusers"},
        {"modelspec.title", "Cat LoRA"},
        {"modelspec.description", "# Cats\n\nTrained on **cats**."},
        {"modelspec.license", "CC-BY-4.0"},
        {"modelspec.thumbnail", std::string("data:image/png;base64,") + kPng}};
    return QByteArray::fromStdString(metadata.dump());
}

// Answers the next modal dialog from inside its event loop (nullptr when none came up within ten seconds).
void whenModal(QObject* owner, std::function<void(QWidget*)> answer)
{
    auto* timer = new QTimer(owner);
    auto tries = std::make_shared<int>(0);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, tries, answer = std::move(answer)] {
        QWidget* modal = QApplication::activeModalWidget();
        if (!modal && ++*tries <= 400)
            return;
        timer->stop();
        answer(modal);
    });
    timer->start(25);
}

QStringList keysOf(const MetadataModel& model)
{
    QStringList keys;
    for (int row = 0; row < model.headerRowCount(); ++row)
        keys.push_back(model.key(row));
    return keys;
}

} // namespace

class TestPublishGui final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_settings.isValid());
        isolateSettings(QStringLiteral("tst_publishgui"), m_settings.path());
    }

    void stripIsOneUndoStep()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("lora.safetensors"), kohyaMetadata(), 0);
        MainWindow window;
        window.show();
        DocumentView* document = window.openPath(path);
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        MetadataPage* page = document->modelView()->metadataPage();
        MetadataModel* model = page->metadataModel();
        auto* actions = page->findChild<MetadataPublishActions*>();
        QVERIFY(actions);
        const QStringList before = keysOf(*model);
        QCOMPARE(before.size(), 17);

        const QStringList removed = actions->stripTrainingData();
        QCOMPARE(removed, (QStringList{QStringLiteral("ss_tag_frequency"), QStringLiteral("ss_dataset_dirs"),
                                       QStringLiteral("ss_training_comment")}));
        QCOMPARE(model->headerRowCount(), 14);
        QVERIFY(!keysOf(*model).contains(QStringLiteral("ss_tag_frequency")));
        QVERIFY(keysOf(*model).contains(QStringLiteral("ss_bucket_info")));
        QVERIFY(model->isModified());
        QCOMPARE(model->undoStack()->count(), 1);
        QCOMPARE(model->undoStack()->undoText(), QStringLiteral("Remove training data"));
        // The training view follows the page's edited metadata: no tags left, buckets kept.
        TrainingView* training = actions->showTraining();
        QCOMPARE(training->tagProxy()->rowCount(), 0);
        QCOMPARE(training->bucketTable()->rowCount(), 1);

        model->undoStack()->undo();
        QCOMPARE(keysOf(*model), before);
        QVERIFY(!model->isModified());
        model->undoStack()->redo();
        QCOMPARE(model->headerRowCount(), 14);
        // Nothing left to remove: nothing pushed.
        QVERIFY(actions->stripTrainingData().isEmpty());
        QCOMPARE(model->undoStack()->count(), 1);
        // Nothing was written: only a save writes.
        QVERIFY(Model::open(path, OpenMode::Strict).value()->metadata().size() == 17);

        // The save shows the usual summary, listing each removed key, and writes only the header.
        const QByteArray data = dataRegion(path);
        QStringList summary;
        whenModal(&window, [&](QWidget* modal) {
            auto* dialog = qobject_cast<SaveSummaryDialog*>(modal);
            if (!dialog) {
                if (modal)
                    modal->close();
                return;
            }
            for (int row = 0; row < dialog->table()->rowCount(); ++row)
                summary.push_back(dialog->table()->item(row, 0)->text() + u' ' + dialog->table()->item(row, 1)->text());
            dialog->accept();
        });
        QSignalSpy saved(document, &DocumentView::saveFinished);
        document->save();
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, kTimeoutMs);
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
        QCOMPARE(summary.size(), 3);
        for (const QString& key : removed)
            QVERIFY2(summary.filter(key).size() == 1, qPrintable(summary.join(u',')));
        const auto onDisk = Model::open(path, OpenMode::Strict);
        QVERIFY(onDisk);
        QCOMPARE((*onDisk)->metadata().size(), size_t(14));
        QCOMPARE(dataRegion(path), data);
    }

    void templateSavedAndApplied()
    {
        QTemporaryDir dir;
        const QString source = makeCheckpoint(dir, QStringLiteral("source.safetensors"), kohyaMetadata(), 0);
        const QString target =
            makeCheckpoint(dir, QStringLiteral("target.safetensors"), R"({"format":"pt","modelspec.license":"x"})", 0);
        const QString keys = dir.filePath(QStringLiteral("keys.json"));
        MainWindow window;
        window.show();
        DocumentView* first = window.openPath(source);
        QTRY_COMPARE_WITH_TIMEOUT(first->state(), DocumentView::State::Ready, kTimeoutMs);
        auto* actions = first->modelView()->metadataPage()->findChild<MetadataPublishActions*>();
        QCOMPARE(actions->saveTemplate(keys), QString());
        // The general keys only: not the title or the thumbnail, which belong to one file.
        const auto saved = nlohmann::ordered_json::parse(readBytes(keys).toStdString());
        QCOMPARE(saved.size(), size_t(5));
        QVERIFY(saved["modelspec.license"] == "CC-BY-4.0");
        QVERIFY(!saved.contains("modelspec.title"));

        DocumentView* second = window.openPath(target);
        QTRY_COMPARE_WITH_TIMEOUT(second->state(), DocumentView::State::Ready, kTimeoutMs);
        MetadataModel* model = second->modelView()->metadataPage()->metadataModel();
        auto* targetActions = second->modelView()->metadataPage()->findChild<MetadataPublishActions*>();
        QCOMPARE(targetActions->applyTemplate(keys), QString());
        QCOMPARE(model->headerRowCount(), 6);
        QCOMPARE(model->key(1), QStringLiteral("modelspec.license"));
        QCOMPARE(model->value(1), QStringLiteral("CC-BY-4.0"));
        QCOMPARE(model->undoStack()->count(), 1);
        model->undoStack()->undo();
        QCOMPARE(model->headerRowCount(), 2);
        QCOMPARE(model->value(1), QStringLiteral("x"));
        QVERIFY(!targetActions->applyTemplate(dir.filePath(QStringLiteral("missing.json"))).isEmpty());
        QCOMPARE(model->undoStack()->count(), 1);
    }

    void trainingViewSortsAndFilters()
    {
        TrainingView view;
        QAbstractItemModelTester tester(view.tagProxy(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        std::vector<MetadataEntry> metadata;
        const auto parsed = nlohmann::ordered_json::parse(kohyaMetadata().toStdString());
        for (const auto& [key, value] : parsed.items())
            metadata.push_back({key, value.get<std::string>()});
        view.setMetadata(metadata);
        view.show();
        QCOMPARE(view.summaryText(), QStringLiteral("networks.lora, dim 16, alpha 8, base sd_v1"));
        QSortFilterProxyModel* proxy = view.tagProxy();
        QCOMPARE(proxy->rowCount(), 4);
        // Sorted by count, largest first, as numbers.
        QCOMPARE(proxy->index(0, TagFrequencyModel::TagColumn).data().toString(), QStringLiteral("cat"));
        QCOMPARE(proxy->index(1, TagFrequencyModel::TagColumn).data().toString(), QStringLiteral("outdoors"));
        QCOMPARE(proxy->index(2, TagFrequencyModel::TagColumn).data().toString(), QStringLiteral("sitting"));
        QCOMPARE(proxy->index(3, TagFrequencyModel::FolderColumn).data().toString(), QStringLiteral("2_dog"));
        view.setTagFilter(QStringLiteral("DOG"));
        QCOMPARE(proxy->rowCount(), 1);
        QCOMPARE(proxy->index(0, TagFrequencyModel::CountColumn).data().toString(), QStringLiteral("5"));
        view.setTagFilter(QString());
        QCOMPARE(view.datasetTable()->rowCount(), 2);
        QCOMPARE(view.datasetTable()->item(0, 0)->text(), QStringLiteral("10_cat")); // file order
        QCOMPARE(view.datasetTable()->item(0, 1)->data(Qt::DisplayRole).toLongLong(), 10);
        QCOMPARE(view.bucketTable()->item(0, 2)->data(Qt::DisplayRole).toLongLong(), 310);
        QCOMPARE(view.parameterTable()->rowCount(), 6); // module, dim, alpha, base, learning rate, comment
    }

    void modelSpecCard()
    {
        ModelSpecCard card;
        std::vector<MetadataEntry> metadata;
        const auto parsed = nlohmann::ordered_json::parse(kohyaMetadata().toStdString());
        for (const auto& [key, value] : parsed.items())
            metadata.push_back({key, value.get<std::string>()});
        card.setMetadata(metadata);
        QCOMPARE(card.fieldText(QStringLiteral("Title")), QStringLiteral("Cat LoRA"));
        QCOMPARE(card.fieldText(QStringLiteral("License")), QStringLiteral("CC-BY-4.0"));
        QVERIFY(card.hasThumbnail());
        // Markdown rendered: the heading and bold markers are formatting, not text.
        const QString text = card.description()->toPlainText();
        QVERIFY2(text.startsWith(QStringLiteral("Cats")) && !text.contains(u'*'), qPrintable(text));
        QVERIFY(card.problemsText().isEmpty());
        card.setMetadata({{"modelspec.title", "x"}});
        QVERIFY(card.problemsText().contains(QStringLiteral("modelspec.architecture")));
        QVERIFY(!card.hasThumbnail());
    }

    void problemsListMissingModelSpecKeys()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"),
                                            R"({"format":"pt","modelspec.title":"T","modelspec.resolution":"big"})", 0);
        auto model = Model::open(path, OpenMode::Strict);
        QVERIFY(model);
        ProblemsModel problems;
        problems.setModelProblems(**model);
        QStringList codes;
        for (int row = 0; row < problems.rowCount(); ++row)
            codes.push_back(problems.index(row, ProblemsModel::CodeColumn).data().toString());
        QCOMPARE(codes, (QStringList{QStringLiteral("ModelSpecMissingKey"), QStringLiteral("ModelSpecMissingKey"),
                                     QStringLiteral("ModelSpecMissingKey"), QStringLiteral("ModelSpecProblem")}));
        QVERIFY(problems.index(0, ProblemsModel::MessageColumn)
                    .data()
                    .toString()
                    .contains(QStringLiteral("modelspec.sai_model_spec")));
    }

private:
    QTemporaryDir m_settings;
};

QTEST_MAIN(TestPublishGui)
#include "tst_publishgui.moc"
