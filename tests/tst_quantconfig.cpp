// Quantization settings read from a model folder's config files: each tool's spelling, the priority between files,
// and malformed files reported as problems, never a crash.
#include "core/io/localpath.h"
#include "core/quant/quantconfig.h"
#include "support/fixtures.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace safescope;

class TestQuantConfig : public QObject
{
    Q_OBJECT

private slots:
    void deepSeekFp8()
    {
        QTemporaryDir dir;
        test::writeFile(dir, QStringLiteral("config.json"),
                        R"({"architectures":["DeepseekV3ForCausalLM"],"quantization_config":{"activation_scheme":)"
                        R"("dynamic","fmt":"e4m3","quant_method":"fp8","weight_block_size":[128,128]}})");
        // Any path inside the folder finds it: a file, an index, or the folder.
        const QString file = dir.filePath(QStringLiteral("model-00001-of-00163.safetensors"));
        for (const QString& path : {file, dir.filePath(QStringLiteral("model.safetensors.index.json")), dir.path()}) {
            const QuantConfig c = readQuantConfig(path);
            QCOMPARE(c.method, QStringLiteral("fp8"));
            QCOMPARE(c.weightBlockSize, (std::vector<int>{128, 128}));
            QVERIFY(c.problems.empty());
            QCOMPARE(c.sources, QStringList{dir.filePath(QStringLiteral("config.json"))});
        }
    }

    void nestedUnderTextConfig()
    {
        QTemporaryDir dir;
        test::writeFile(dir, QStringLiteral("config.json"),
                        R"({"text_config":{"quantization_config":{"quant_method":"gptq","bits":3,"group_size":-1,)"
                        R"("desc_act":true,"sym":false,"checkpoint_format":"gptq_v2"}}})");
        const QuantConfig c = readQuantConfig(dir.path());
        QCOMPARE(c.method, QStringLiteral("gptq"));
        QCOMPARE(c.bits, 3);
        QCOMPARE(c.groupSize, -1);
        QVERIFY(c.descAct);
        QVERIFY(!c.sym);
        QCOMPARE(c.checkpointFormat, QStringLiteral("gptq_v2"));
    }

    void mlxQuantization()
    {
        QTemporaryDir dir;
        test::writeFile(dir, QStringLiteral("config.json"),
                        R"({"model_type":"llama","quantization":{"group_size":64,"bits":4}})");
        const QuantConfig c = readQuantConfig(dir.path());
        QCOMPARE(c.method, QStringLiteral("mlx"));
        QCOMPARE(c.bits, 4);
        QCOMPARE(c.groupSize, 64);
    }

    // AutoGPTQ's quantize_config.json and AutoAWQ's quant_config.json name no method; config.json wins where both
    // speak.
    void separateFilesAndPriority()
    {
        QTemporaryDir a;
        test::writeFile(a, QStringLiteral("quantize_config.json"),
                        R"({"bits":4,"group_size":128,"desc_act":false,"sym":true})");
        QuantConfig c = readQuantConfig(a.path());
        QCOMPARE(c.method, QStringLiteral("gptq"));
        QCOMPARE(c.groupSize, 128);

        QTemporaryDir b;
        test::writeFile(b, QStringLiteral("quant_config.json"),
                        R"({"zero_point":true,"q_group_size":64,"w_bit":4,"version":"GEMM"})");
        c = readQuantConfig(b.path());
        QCOMPARE(c.method, QStringLiteral("awq"));
        QCOMPARE(c.bits, 4);
        QCOMPARE(c.groupSize, 64);
        QCOMPARE(c.version, QStringLiteral("gemm"));

        test::writeFile(b, QStringLiteral("config.json"),
                        R"({"quantization_config":{"quant_method":"awq","group_size":128}})");
        c = readQuantConfig(b.path());
        QCOMPARE(c.groupSize, 128); // config.json's
        QCOMPARE(c.bits, 4);        // quant_config.json's, unsaid in config.json
    }

    void modelOptAndCompressedTensors()
    {
        QTemporaryDir a;
        test::writeFile(a, QStringLiteral("hf_quant_config.json"),
                        R"({"producer":{"name":"modelopt"},"quantization":{"quant_algo":"NVFP4","group_size":16,)"
                        R"("exclude_modules":["lm_head"]}})");
        QuantConfig c = readQuantConfig(a.path());
        QCOMPARE(c.method, QStringLiteral("modelopt"));
        QCOMPARE(c.quantAlgo, QStringLiteral("NVFP4"));
        QCOMPARE(c.groupSize, 16);
        QCOMPARE(c.modulesToNotConvert, QStringList{QStringLiteral("lm_head")});

        QTemporaryDir b;
        test::writeFile(b, QStringLiteral("config.json"),
                        R"({"quantization_config":{"quant_method":"compressed-tensors","format":"float-quantized",)"
                        R"("ignore":["lm_head"],"config_groups":{"group_0":{"targets":["Linear"],"weights":)"
                        R"({"num_bits":8,"type":"float","strategy":"channel"}}}}})");
        c = readQuantConfig(b.path());
        QCOMPARE(c.method, QStringLiteral("compressed-tensors"));
        QCOMPARE(c.format, QStringLiteral("float-quantized"));
        QCOMPARE(c.strategy, QStringLiteral("channel"));
        QCOMPARE(c.bits, 8);
        QCOMPARE(c.modulesToNotConvert, QStringList{QStringLiteral("lm_head")});
    }

    void bitsandbytesFlags()
    {
        QTemporaryDir dir;
        test::writeFile(dir, QStringLiteral("config.json"),
                        R"({"quantization_config":{"load_in_4bit":true,"bnb_4bit_quant_type":"NF4",)"
                        R"("llm_int8_skip_modules":null,"modules_to_not_convert":["lm_head"]}})");
        const QuantConfig c = readQuantConfig(dir.path());
        QCOMPARE(c.method, QStringLiteral("bitsandbytes"));
        QVERIFY(c.loadIn4bit);
        QCOMPARE(c.bnb4bitQuantType, QStringLiteral("nf4"));
    }

    // A folder whose name is not UTF-8 (Latin-1 "café"): found and read through encodeLocalPath().
    void folderNameNotUtf8()
    {
        QTemporaryDir dir;
        const QByteArray folder = encodeLocalPath(dir.path()) + "/caf\xe9";
        QVERIFY(::mkdir(folder.constData(), 0700) == 0);
        const QByteArray config = R"({"quantization_config":{"quant_method":"mxfp4"}})";
        const int fd = ::open(QByteArray(folder + "/config.json").constData(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        QVERIFY(fd >= 0);
        QCOMPARE(::write(fd, config.constData(), static_cast<size_t>(config.size())), ssize_t(config.size()));
        ::close(fd);
        const QString path = decodeLocalPath(folder);
        QCOMPARE(readQuantConfig(path).method, QStringLiteral("mxfp4"));
        QCOMPARE(readQuantConfig(path + QStringLiteral("/model.safetensors")).method, QStringLiteral("mxfp4"));
    }

    void noConfigAndMalformedConfig()
    {
        QTemporaryDir empty;
        QuantConfig c = readQuantConfig(empty.path());
        QVERIFY(!c.declared());
        QVERIFY(c.problems.empty());

        QTemporaryDir dir;
        test::writeFile(dir, QStringLiteral("config.json"), R"({"quantization_config":{"quant_method":"fp8",)");
        test::writeFile(dir, QStringLiteral("quantize_config.json"), R"([4, 128])");
        c = readQuantConfig(dir.path());
        QVERIFY(!c.declared());
        QCOMPARE(c.problems.size(), size_t(2));
        QVERIFY(c.problems[0].message.contains(QStringLiteral("quantize_config.json")));
        QVERIFY(c.problems[1].message.contains(QStringLiteral("config.json")));

        // Wrong types are ignored field by field.
        QTemporaryDir odd;
        test::writeFile(odd, QStringLiteral("config.json"),
                        R"({"quantization_config":{"quant_method":7,"bits":"four","weight_block_size":[128]}})");
        c = readQuantConfig(odd.path());
        QVERIFY(!c.declared());
        QCOMPARE(c.bits, 0);
        QVERIFY(c.weightBlockSize.empty());
    }
};

QTEST_GUILESS_MAIN(TestQuantConfig)
#include "tst_quantconfig.moc"
