// The overview's summary tables: both kinds under QAbstractItemModelTester, formatted cells, raw sort values,
// alignment, and a reset to other rows.
#include "ui/models/roles.h"
#include "ui/models/summaryrowsmodel.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace safescope;

namespace {

std::vector<ModelSummary::Row> moduleRows()
{
    return {{QStringLiteral("layers"), QStringLiteral("BF16 x 12, F32 x 2"), 14, 1'234'567, 2'469'134},
            {QStringLiteral("embed_tokens"), QStringLiteral("BF16"), 1, 65'536'000, 131'072'000}};
}

} // namespace

class TestSummaryRowsModel final : public QObject
{
    Q_OBJECT

private slots:
    void modulesHaveATensorsColumn()
    {
        SummaryRowsModel model(SummaryRowsModel::Kind::Modules);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        model.setRows(moduleRows());
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), 5);
        QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), QStringLiteral("Module"));
        QCOMPARE(model.headerData(2, Qt::Horizontal).toString(), QStringLiteral("Tensors"));
        QCOMPARE(model.headerData(4, Qt::Horizontal).toString(), QStringLiteral("Size"));
        QCOMPARE(model.headerData(5, Qt::Horizontal), QVariant());
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("layers"));
        QCOMPARE(model.index(0, 1).data().toString(), QStringLiteral("BF16 x 12, F32 x 2"));
        QCOMPARE(model.index(0, 2).data().toString(), QStringLiteral("14"));
        QCOMPARE(model.index(0, 3).data().toString(), QStringLiteral("1,234,567"));
        QVERIFY(model.index(1, 4).data().toString().contains(QStringLiteral("MiB")));
        // Raw values sort numerically, text as text.
        QCOMPARE(model.index(1, 3).data(SortRole).toULongLong(), 65'536'000ull);
        QCOMPARE(model.index(1, 4).data(SortRole).toULongLong(), 131'072'000ull);
        QCOMPARE(model.index(1, 0).data(SortRole).toString(), QStringLiteral("embed_tokens"));
        QCOMPARE(model.index(0, 3).data(Qt::TextAlignmentRole).toInt(), int(Qt::AlignRight | Qt::AlignVCenter));
        QCOMPARE(model.index(0, 0).data(Qt::TextAlignmentRole), QVariant());
        QCOMPARE(model.index(0, 0).data(Qt::ToolTipRole).toString(), QStringLiteral("layers"));
        QCOMPARE(model.index(0, 3).data(Qt::ToolTipRole), QVariant());
    }

    void tensorsSkipTheTensorsColumn()
    {
        SummaryRowsModel model(SummaryRowsModel::Kind::Tensors);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRows({{QStringLiteral("model.embed_tokens.weight"), QStringLiteral("BF16 [32000, 4096]"), 1,
                        131'072'000, 262'144'000}});
        QCOMPARE(model.columnCount(), 4);
        QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), QStringLiteral("Tensor"));
        QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), QStringLiteral("DType and shape"));
        QCOMPARE(model.headerData(2, Qt::Horizontal).toString(), QStringLiteral("Parameters"));
        QCOMPARE(model.headerData(3, Qt::Horizontal).toString(), QStringLiteral("Size"));
        QCOMPARE(model.index(0, 2).data().toString(), QStringLiteral("131,072,000"));
        QCOMPARE(model.index(0, 3).data(SortRole).toULongLong(), 262'144'000ull);
        QCOMPARE(model.index(0, 4).isValid(), false);
    }

    void resetReplacesTheRows()
    {
        SummaryRowsModel model(SummaryRowsModel::Kind::Modules);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRows(moduleRows());
        // Thousands of modules: rows exist without any cell having been formatted.
        std::vector<ModelSummary::Row> many(5000, ModelSummary::Row{QStringLiteral("blocks.n"), {}, 1, 2, 4});
        model.setRows(std::move(many));
        QCOMPARE(model.rowCount(), 5000);
        QCOMPARE(model.index(4999, 2).data().toString(), QStringLiteral("1"));
        model.setRows({});
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSummaryRowsModel)
#include "tst_summaryrowsmodel.moc"
