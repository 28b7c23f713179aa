#include "ui/models/metadatamodel.h"
#include "ui/models/problemsmodel.h"
#include "ui/models/roles.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

using namespace safescope;

class TestMetadataModel final : public QObject
{
    Q_OBJECT

private slots:
    void fileOrderAndPreview()
    {
        MetadataModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const std::string longValue(5000, 'x');
        model.setMetadata({{"format", "pt"}, {"a_json", "{\"steps\":\n 12}"}, {"long", longValue}});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), 2);
        // File order, not alphabetical.
        QCOMPARE(model.data(model.index(0, MetadataModel::KeyColumn)).toString(), QStringLiteral("format"));
        QCOMPARE(model.data(model.index(1, MetadataModel::KeyColumn)).toString(), QStringLiteral("a_json"));
        // The table shows one line; the raw role keeps everything.
        QCOMPARE(model.data(model.index(1, MetadataModel::ValueColumn)).toString(), QStringLiteral("{\"steps\":  12}"));
        QCOMPARE(model.data(model.index(1, MetadataModel::ValueColumn), RawValueRole).toString(),
                 QStringLiteral("{\"steps\":\n 12}"));
        const QString preview = model.data(model.index(2, MetadataModel::ValueColumn)).toString();
        QVERIFY(preview.size() < 300);
        QVERIFY(preview.endsWith(u'\u2026'));
        QCOMPARE(model.value(2).size(), 5000);
        QCOMPARE(model.key(7), QString());
    }

    void indexMetadataAddsSourceColumn()
    {
        MetadataModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMetadata({{"format", "pt"}}, {{"total_size", "1234"}});
        QCOMPARE(model.columnCount(), 3);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.data(model.index(1, MetadataModel::KeyColumn)).toString(), QStringLiteral("total_size"));
        QCOMPARE(model.data(model.index(0, MetadataModel::SourceColumn)).toString(), QStringLiteral("header"));
        QCOMPARE(model.data(model.index(1, MetadataModel::SourceColumn)).toString(), QStringLiteral("index file"));
        model.setMetadata({});
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), 2);
    }

    void editValueAndKeyThroughUndoStack()
    {
        MetadataModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMetadata({{"format", "pt"}, {"name", "demo"}});
        QVERIFY(!model.isModified());
        QSignalSpy modified(&model, &MetadataModel::modifiedChanged);
        QVERIFY(model.flags(model.index(1, MetadataModel::ValueColumn)) & Qt::ItemIsEditable);
        QVERIFY(model.setData(model.index(1, MetadataModel::ValueColumn), QStringLiteral("line 1\nline 2")));
        QCOMPARE(model.value(1), QStringLiteral("line 1\nline 2"));
        QVERIFY(model.isModified());
        QCOMPARE(modified.count(), 1);
        QVERIFY(model.setData(model.index(1, MetadataModel::KeyColumn), QStringLiteral("title")));
        QCOMPARE(model.key(1), QStringLiteral("title"));
        QCOMPARE(model.undoStack()->count(), 2);

        model.undoStack()->undo();
        QCOMPARE(model.key(1), QStringLiteral("name"));
        model.undoStack()->undo();
        QCOMPARE(model.value(1), QStringLiteral("demo"));
        QVERIFY(!model.isModified());
        model.undoStack()->redo();
        model.undoStack()->redo();
        QCOMPARE(model.key(1), QStringLiteral("title"));
        QCOMPARE(model.value(1), QStringLiteral("line 1\nline 2"));
        const std::vector<MetadataEntry> entries = model.headerEntries();
        QCOMPARE(entries.size(), size_t(2));
        QCOMPARE(entries[1].key, std::string("title"));
        QCOMPARE(model.originalEntries()[1].key, std::string("name"));
    }

    void addAndRemoveKeys()
    {
        MetadataModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMetadata({{"format", "pt"}}, {{"total_size", "1234"}});
        QVERIFY(model.addKey(QStringLiteral("license"), QStringLiteral("mit")).isEmpty());
        // New keys go to the end of the header's rows, before the index file's.
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.headerRowCount(), 2);
        QCOMPARE(model.key(1), QStringLiteral("license"));
        QCOMPARE(model.key(2), QStringLiteral("total_size"));
        QVERIFY(model.removeKey(0).isEmpty());
        QCOMPARE(model.key(0), QStringLiteral("license"));
        QCOMPARE(model.headerRowCount(), 1);
        model.undoStack()->undo();
        QCOMPARE(model.key(0), QStringLiteral("format"));
        QCOMPARE(model.value(0), QStringLiteral("pt"));
        model.undoStack()->undo();
        QCOMPARE(model.rowCount(), 2);
        QVERIFY(!model.isModified());
        model.undoStack()->redo();
        QCOMPARE(model.key(1), QStringLiteral("license"));
        // The index file's rows are shown, never edited.
        QVERIFY(!(model.flags(model.index(2, MetadataModel::KeyColumn)) & Qt::ItemIsEditable));
        QVERIFY(!model.removeKey(2).isEmpty());
        QVERIFY(!model.setData(model.index(2, MetadataModel::ValueColumn), QStringLiteral("1")));
        // Loading again forgets the history.
        model.setMetadata({{"format", "pt"}});
        QCOMPARE(model.undoStack()->count(), 0);
        QVERIFY(!model.isModified());
    }

    void refusals_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("reason");
        QTest::newRow("empty") << QString() << QStringLiteral("empty");
        QTest::newRow("duplicate") << QStringLiteral("name") << QStringLiteral("unique");
        QTest::newRow("reserved") << QStringLiteral("__metadata__") << QStringLiteral("reserved");
    }

    void refusals()
    {
        QFETCH(QString, key);
        QFETCH(QString, reason);
        MetadataModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMetadata({{"format", "pt"}, {"name", "demo"}});
        QSignalSpy refused(&model, &MetadataModel::editRefused);
        QVERIFY(model.addKey(key, QStringLiteral("v")).contains(reason));
        QVERIFY(!model.setData(model.index(0, MetadataModel::KeyColumn), key));
        QCOMPARE(refused.count(), 2);
        QVERIFY(refused.at(1).at(0).toString().contains(reason));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.key(0), QStringLiteral("format"));
        QCOMPARE(model.undoStack()->count(), 0);
        QVERIFY(!model.isModified());
        // Renaming a key to itself is not an edit and not a refusal.
        QVERIFY(model.renameKey(1, QStringLiteral("name")).isEmpty());
        QCOMPARE(model.undoStack()->count(), 0);
    }

    void problems()
    {
        ProblemsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setWarnings({Warning{QStringLiteral("UnknownDType"), QStringLiteral("Tensor 'w' has dtype 'X'"),
                                   QStringLiteral("w"), QStringLiteral("/tmp/shards/a.safetensors"), 120},
                           Warning{QStringLiteral("MissingShard"), QStringLiteral("gone"), {}, {}, std::nullopt}});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.data(model.index(0, ProblemsModel::CodeColumn)).toString(), QStringLiteral("UnknownDType"));
        QCOMPARE(model.data(model.index(0, ProblemsModel::ShardColumn)).toString(), QStringLiteral("a.safetensors"));
        QCOMPARE(model.data(model.index(0, ProblemsModel::OffsetColumn), SortRole).toULongLong(), 120u);
        QCOMPARE(model.data(model.index(1, ProblemsModel::OffsetColumn)).toString(), QString());
        model.setWarnings({});
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestMetadataModel)
#include "tst_metadatamodel.moc"
