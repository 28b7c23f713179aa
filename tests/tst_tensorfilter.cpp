#include "ui/models/tensorfilter.h"

#include <QTest>

using namespace safescope;

namespace {

/// `shape` must outlive the result: a TensorInfo views its dimensions.
TensorInfo tensor(DType dtype, const std::vector<uint64_t>& shape)
{
    TensorInfo info;
    info.dtype = dtype;
    info.shape = shape;
    info.elementCount = 1;
    for (const uint64_t dim : info.shape)
        info.elementCount *= dim;
    return info;
}

} // namespace

class TestTensorFilter final : public QObject
{
    Q_OBJECT

private slots:
    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("regex");
        QTest::addColumn<QString>("errorContains"); // empty: must parse

        QTest::newRow("empty") << "" << false << "";
        QTest::newRow("words") << "attn  q_proj" << false << "";
        QTest::newRow("dtype") << "dtype:BF16" << false << "";
        QTest::newRow("dtype lower case") << "dtype:bf16" << false << "";
        QTest::newRow("dtype list") << "dtype:F16,BF16" << false << "";
        QTest::newRow("dtype fnuz") << "dtype:f8_e4m3fnuz" << false << "";
        QTest::newRow("unknown dtype") << "dtype:F17" << false << "Unknown dtype 'F17'";
        QTest::newRow("empty dtype") << "dtype:" << false << "needs a dtype";
        QTest::newRow("dtype with >") << "dtype>BF16" << false << "dtype:VALUE";
        QTest::newRow("shape") << "shape:[*,4096]" << false << "";
        QTest::newRow("shape spaces") << "shape:[* , 4096]" << false << "";
        QTest::newRow("shape scalar") << "shape:[]" << false << "";
        QTest::newRow("shape bare") << "shape:4096" << false << "";
        QTest::newRow("shape bad dim") << "shape:[a,1]" << false << "'a' is not a dimension";
        QTest::newRow("shape one bracket") << "shape:[1,2" << false << "Unbalanced brackets";
        QTest::newRow("numel scientific") << "numel>1e6" << false << "";
        QTest::newRow("numel ops") << "numel<=10 numel>=1 numel=5 numel:5 numel<9" << false << "";
        QTest::newRow("numel not a number") << "numel>lots" << false << "'lots' is not a number";
        QTest::newRow("numel missing") << "numel>" << false << "is not a number";
        QTest::newRow("ndim") << "ndim:2" << false << "";
        QTest::newRow("unknown key") << "rank:2" << false << "Unknown filter 'rank:'";
        QTest::newRow("quoted") << "\"a b\"" << false << "";
        QTest::newRow("open quote") << "\"a b" << false << "Missing closing quote";
        QTest::newRow("regex") << "layers\\.\\d+\\.mlp" << true << "";
        QTest::newRow("bad regex") << "(unclosed" << true << "Invalid regular expression";
    }

    void parse()
    {
        QFETCH(QString, text);
        QFETCH(bool, regex);
        QFETCH(QString, errorContains);
        const TensorFilter filter = TensorFilter::parse(text, regex);
        if (errorContains.isEmpty()) {
            QVERIFY2(filter.isValid(), qPrintable(filter.error()));
        } else {
            QVERIFY(!filter.isValid());
            QVERIFY2(filter.error().contains(errorContains), qPrintable(filter.error()));
        }
    }

    void match_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("regex");
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("dtype");
        QTest::addColumn<QList<qulonglong>>("shape");
        QTest::addColumn<bool>("expected");

        const auto bf16 = static_cast<int>(DType::BF16);
        const auto f32 = static_cast<int>(DType::F32);
        const QList<qulonglong> matrix{1024, 4096};
        const QList<qulonglong> vector{4096};
        QTest::newRow("empty matches all") << "" << false << "x" << bf16 << matrix << true;
        QTest::newRow("substring") << "q_proj" << false << "layers.0.attn.q_proj.weight" << bf16 << matrix << true;
        QTest::newRow("substring case") << "Q_PROJ" << false << "layers.0.attn.q_proj.weight" << bf16 << matrix << true;
        QTest::newRow("name in upper case") << "lm_head" << false << "LM_HEAD.Weight" << bf16 << matrix << true;
        QTest::newRow("substring at the end") << "weight" << false << "a.b.WEIGHT" << bf16 << matrix << true;
        QTest::newRow("after a partial match") << "aab" << false << "x.aaab" << bf16 << matrix << true;
        QTest::newRow("longer than the name") << "weights" << false << "weight" << bf16 << matrix << false;
        QTest::newRow("one char short at the end") << "weightx" << false << "a.weight" << bf16 << matrix << false;
        QTest::newRow("non-ASCII name") << QString::fromUtf8("époque") << false << QString::fromUtf8("l.époque.w")
                                        << bf16 << matrix << true;
        QTest::newRow("non-ASCII capital in the name")
            << QString::fromUtf8("über") << false << QString::fromUtf8("Über.weight") << bf16 << matrix << true;
        QTest::newRow("non-ASCII capital in the words")
            << QString::fromUtf8("ÜBER.w") << false << QString::fromUtf8("l.über.weight") << bf16 << matrix << true;
        QTest::newRow("non-ASCII words are not patterns")
            << QString::fromUtf8("é.*x") << false << QString::fromUtf8("é.abx") << bf16 << matrix << false;
        QTest::newRow("substring miss") << "k_proj" << false << "layers.0.attn.q_proj.weight" << bf16 << matrix
                                        << false;
        QTest::newRow("AND of words") << "attn weight" << false << "attn.bias" << bf16 << matrix << false;
        QTest::newRow("dtype hit") << "dtype:BF16" << false << "w" << bf16 << matrix << true;
        QTest::newRow("dtype miss") << "dtype:BF16" << false << "w" << f32 << matrix << false;
        QTest::newRow("dtype list") << "dtype:f16,f32" << false << "w" << f32 << matrix << true;
        QTest::newRow("shape wildcard") << "shape:[*,4096]" << false << "w" << bf16 << matrix << true;
        QTest::newRow("shape rank differs") << "shape:[*,4096]" << false << "w" << bf16 << vector << false;
        QTest::newRow("shape exact miss") << "shape:[1024,1024]" << false << "w" << bf16 << matrix << false;
        QTest::newRow("shape scalar") << "shape:[]" << false << "w" << f32 << QList<qulonglong>{} << true;
        QTest::newRow("numel >") << "numel>1e6" << false << "w" << bf16 << matrix << true;
        QTest::newRow("numel > miss") << "numel>1e6" << false << "w" << bf16 << vector << false;
        QTest::newRow("numel =") << "numel=4096" << false << "w" << bf16 << vector << true;
        QTest::newRow("numel <=") << "numel<=4096" << false << "w" << bf16 << vector << true;
        QTest::newRow("numel <") << "numel<4096" << false << "w" << bf16 << vector << false;
        QTest::newRow("numel >=") << "numel>=4194304" << false << "w" << bf16 << matrix << true;
        QTest::newRow("ndim") << "ndim:2" << false << "w" << bf16 << matrix << true;
        QTest::newRow("ndim miss") << "ndim:2" << false << "w" << bf16 << vector << false;
        QTest::newRow("ndim >") << "ndim>1" << false << "w" << bf16 << matrix << true;
        QTest::newRow("combined") << "mlp dtype:BF16 ndim:2 numel>1000" << false << "l.3.mlp.up" << bf16 << matrix
                                  << true;
        QTest::newRow("combined miss") << "mlp dtype:BF16 ndim:2" << false << "l.3.mlp.up" << bf16 << vector << false;
        QTest::newRow("regex hit") << "layers\\.1\\d\\." << true << "layers.12.w" << bf16 << matrix << true;
        QTest::newRow("regex miss") << "layers\\.1\\d\\." << true << "layers.1.w" << bf16 << matrix << false;
        QTest::newRow("regex anchored") << "^lm_head" << true << "model.lm_head" << bf16 << matrix << false;
        QTest::newRow("quoted phrase") << "\"q_proj.weight\"" << false << "a.q_proj.weight" << bf16 << matrix << true;
    }

    void match()
    {
        QFETCH(QString, text);
        QFETCH(bool, regex);
        QFETCH(QString, name);
        QFETCH(int, dtype);
        QFETCH(QList<qulonglong>, shape);
        QFETCH(bool, expected);
        const TensorFilter filter = TensorFilter::parse(text, regex);
        QVERIFY2(filter.isValid(), qPrintable(filter.error()));
        const std::vector<uint64_t> dims(shape.begin(), shape.end());
        const TensorInfo info = tensor(static_cast<DType>(dtype), dims);
        QCOMPARE(filter.matches(info, name.toStdString()), expected);
    }
};

QTEST_GUILESS_MAIN(TestTensorFilter)
#include "tst_tensorfilter.moc"
