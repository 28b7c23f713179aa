#include "ui/models/metadatamodel.h"
#include "ui/models/problemsmodel.h"
#include "ui/models/roles.h"

#include <QAbstractItemModelTester>
#include <QTest>

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
