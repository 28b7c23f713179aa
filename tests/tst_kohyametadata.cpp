// kohya-ss/sd-scripts metadata (issue 18), from fixtures written as train_network.py writes them: a dict whose
// nested parts are json.dumps()'d (", " and ": " separators) and whose every value then went through Python's str().
#include "core/publish/kohyametadata.h"
#include "core/publish/trainingdata.h"

#include <QTest>

using namespace safescope;

namespace {

// A LoRA trained without a dataset config (the ss_dataset_dirs / ss_bucket_info branch of train_network.py).
std::vector<MetadataEntry> loraMetadata()
{
    return {
        {"ss_session_id", "1234567890"},
        {"ss_output_name", "mychar"},
        {"ss_learning_rate", "0.0001"},
        {"ss_unet_lr", "None"},
        {"ss_network_module", "networks.lora"},
        {"ss_network_dim", "32"},
        {"ss_network_alpha", "16.0"},
        {"ss_base_model_version", "sdxl_base_v1-0"},
        {"ss_optimizer", "bitsandbytes.optim.adamw.AdamW8bit"},
        {"ss_num_epochs", "10"},
        {"ss_v2", "False"},
        {"ss_dataset_dirs", R"({"10_mychar": {"n_repeats": 10, "img_count": 24}})"},
        {"ss_reg_dataset_dirs", R"({"1_woman": {"n_repeats": 1, "img_count": 200}})"},
        {"ss_tag_frequency", R"({"10_mychar": {"mychar": 24, "1girl": 22, "smile": 7}, "5_extra": {"mychar": 3}})"},
        {"ss_bucket_info",
         R"({"buckets": {"0": {"resolution": [832, 1216], "count": 140}, "3": {"resolution": [1024, 1024], "count": 100}}, "mean_img_ar_error": 0.0125})"},
        {"ss_network_args", R"({"conv_dim": "8", "conv_alpha": "4"})"},
        {"ss_sd_model_name", "sd_xl_base_1.0.safetensors"},
        {"ss_training_comment", "trigger: mychar"},
        {"format", "pt"},
    };
}

} // namespace

class TestKohyaMetadata final : public QObject
{
    Q_OBJECT

private slots:
    void tagFrequencyPerFolder();
    void datasetFoldersAndBuckets();
    void summaryAndHyperParameters();
    void datasetConfigBuckets();
    void oldFilesWithoutBaseVersion();
    void invalidValuesAreProblemsNotFailures_data();
    void invalidValuesAreProblemsNotFailures();
    void deepNestingIsRefused();
    void notKohya();
    void stripTrainingDataKeys();
};

void TestKohyaMetadata::tagFrequencyPerFolder()
{
    const KohyaMetadata kohya = parseKohyaMetadata(loraMetadata());
    QVERIFY(kohya.present);
    QCOMPARE(kohya.tagFrequency.size(), size_t(2));
    QCOMPARE(kohya.tagFrequency[0].folder, std::string("10_mychar"));
    QCOMPARE(kohya.tagFrequency[0].tags.size(), size_t(3));
    QCOMPARE(kohya.tagFrequency[0].tags[1].tag, std::string("1girl"));
    QCOMPARE(kohya.tagFrequency[0].tags[1].count, int64_t(22));
    QCOMPARE(kohya.tagFrequency[1].folder, std::string("5_extra"));
    QCOMPARE(kohya.tagFrequency[1].tags[0].count, int64_t(3));
    QCOMPARE(kohya.totalTagCount(), int64_t(24 + 22 + 7 + 3));
}

void TestKohyaMetadata::datasetFoldersAndBuckets()
{
    const KohyaMetadata kohya = parseKohyaMetadata(loraMetadata());
    QCOMPARE(kohya.datasetFolders.size(), size_t(2));
    QCOMPARE(kohya.datasetFolders[0].name, std::string("10_mychar"));
    QCOMPARE(kohya.datasetFolders[0].repeats, std::optional<int64_t>(10));
    QCOMPARE(kohya.datasetFolders[0].imageCount, std::optional<int64_t>(24));
    QVERIFY(!kohya.datasetFolders[0].regularization);
    QCOMPARE(kohya.datasetFolders[1].name, std::string("1_woman"));
    QVERIFY(kohya.datasetFolders[1].regularization);
    QCOMPARE(kohya.buckets.size(), size_t(2));
    QCOMPARE(kohya.buckets[0].width, int64_t(832));
    QCOMPARE(kohya.buckets[0].height, int64_t(1216));
    QCOMPARE(kohya.buckets[0].count, int64_t(140));
    QCOMPARE(kohya.buckets[1].width, int64_t(1024));
    QVERIFY(kohya.meanAspectRatioError);
    QCOMPARE(*kohya.meanAspectRatioError, 0.0125);
    // The JSON values are also available as parsed documents, for a structured view of any of them.
    const auto args = std::find_if(kohya.structured.begin(), kohya.structured.end(),
                                   [](const auto& value) { return value.key == "ss_network_args"; });
    QVERIFY(args != kohya.structured.end());
    QVERIFY(args->value["conv_dim"] == "8");
    QVERIFY(kohya.problems.empty());
}

void TestKohyaMetadata::summaryAndHyperParameters()
{
    const KohyaMetadata kohya = parseKohyaMetadata(loraMetadata());
    QCOMPARE(kohya.networkModule, std::string("networks.lora"));
    QCOMPARE(kohya.networkDim, std::string("32"));
    QCOMPARE(kohya.networkAlpha, std::string("16"));
    QCOMPARE(kohya.baseModel, std::string("sdxl_base_v1-0"));
    QCOMPARE(kohya.summary(), std::string("networks.lora, dim 32, alpha 16, base sdxl_base_v1-0"));
    // Plain values only, "None" (an unset option) left out, non-ss keys ignored.
    std::vector<std::string> keys;
    for (const MetadataEntry& entry : kohya.hyperParameters)
        keys.push_back(entry.key);
    QVERIFY(std::find(keys.begin(), keys.end(), "ss_learning_rate") != keys.end());
    QVERIFY(std::find(keys.begin(), keys.end(), "ss_optimizer") != keys.end());
    QVERIFY(std::find(keys.begin(), keys.end(), "ss_unet_lr") == keys.end());
    QVERIFY(std::find(keys.begin(), keys.end(), "ss_tag_frequency") == keys.end());
    QVERIFY(std::find(keys.begin(), keys.end(), "format") == keys.end());
}

void TestKohyaMetadata::datasetConfigBuckets()
{
    // With --dataset_config, sd-scripts writes ss_datasets (a JSON list) and no ss_bucket_info.
    const std::vector<MetadataEntry> metadata{
        {"ss_datasets",
         R"([{"is_dreambooth": true, "batch_size_per_device": 2, "resolution": [1024, 1024], "tag_frequency": {"img": {"a": 1}}, "bucket_info": {"buckets": {"2": {"resolution": [896, 1152], "count": 12}}, "mean_img_ar_error": 0.02}, "subsets": [{"img_count": 12, "num_repeats": 1, "image_dir": "img", "class_tokens": "mychar"}]}])"},
        {"ss_tag_frequency", R"({"img": {"a": 1}})"},
    };
    const KohyaMetadata kohya = parseKohyaMetadata(metadata);
    QCOMPARE(kohya.buckets.size(), size_t(1));
    QCOMPARE(kohya.buckets[0].width, int64_t(896));
    QCOMPARE(kohya.buckets[0].count, int64_t(12));
    QCOMPARE(kohya.tagFrequency.size(), size_t(1));
    QVERIFY(kohya.problems.empty());
}

void TestKohyaMetadata::oldFilesWithoutBaseVersion()
{
    KohyaMetadata kohya = parseKohyaMetadata({{"ss_v2", "False"}, {"ss_network_dim", "128"}});
    QCOMPARE(kohya.baseModel, std::string("SD 1.x"));
    QCOMPARE(kohya.summary(), std::string("dim 128, base SD 1.x"));
    kohya = parseKohyaMetadata({{"ss_v2", "True"}, {"ss_sd_model_name", "v2-1_768-ema-pruned.ckpt"}});
    QCOMPARE(kohya.baseModel, std::string("v2-1_768-ema-pruned.ckpt"));
}

void TestKohyaMetadata::invalidValuesAreProblemsNotFailures_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::newRow("tag frequency not JSON") << QStringLiteral("ss_tag_frequency") << QStringLiteral("{'a': 1}");
    QTest::newRow("tag frequency a list") << QStringLiteral("ss_tag_frequency") << QStringLiteral("[1, 2]");
    QTest::newRow("dataset dirs truncated") << QStringLiteral("ss_dataset_dirs") << QStringLiteral("{\"x\": {");
    QTest::newRow("bucket info text") << QStringLiteral("ss_bucket_info") << QStringLiteral("buckets");
}

void TestKohyaMetadata::invalidValuesAreProblemsNotFailures()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    const KohyaMetadata kohya = parseKohyaMetadata({{key.toStdString(), value.toStdString()}, {"ss_network_dim", "8"}});
    QCOMPARE(kohya.problems.size(), size_t(1));
    QVERIFY(kohya.problems[0].starts_with(key.toStdString()));
    QVERIFY(kohya.tagFrequency.empty());
    QCOMPARE(kohya.networkDim, std::string("8"));
}

void TestKohyaMetadata::deepNestingIsRefused()
{
    // A hostile value must not recurse the parser off the stack.
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    QVERIFY(!parseJsonDocumentValue(deep));
    QVERIFY(parseJsonDocumentValue(std::string(100, '[') + std::string(100, ']')));
    const KohyaMetadata kohya = parseKohyaMetadata({{"ss_bucket_info", deep}});
    QCOMPARE(kohya.problems.size(), size_t(1));
    QVERIFY(!parseJsonDocumentValue("12"));
    QVERIFY(!parseJsonDocumentValue("plain text"));
}

void TestKohyaMetadata::notKohya()
{
    const KohyaMetadata kohya = parseKohyaMetadata({{"format", "pt"}, {"modelspec.title", "x"}});
    QVERIFY(!kohya.present);
    QCOMPARE(kohya.summary(), std::string());
}

void TestKohyaMetadata::stripTrainingDataKeys()
{
    const std::vector<MetadataEntry> metadata = loraMetadata();
    QCOMPARE(trainingDataKeysIn(metadata),
             (std::vector<std::string>{"ss_dataset_dirs", "ss_reg_dataset_dirs", "ss_tag_frequency", "ss_sd_model_name",
                                       "ss_training_comment"}));
    const auto after = stripTrainingDataEdit().apply(metadata);
    QVERIFY(after);
    QCOMPARE(after->size(), metadata.size() - 5);
    QVERIFY(trainingDataKeysIn(*after).empty());
    // What describes the training, not the data, stays.
    const KohyaMetadata kohya = parseKohyaMetadata(*after);
    QCOMPARE(kohya.buckets.size(), size_t(2));
    QCOMPARE(kohya.summary(), std::string("networks.lora, dim 32, alpha 16, base sdxl_base_v1-0"));
    QVERIFY(kohya.tagFrequency.empty());
}

QTEST_GUILESS_MAIN(TestKohyaMetadata)
#include "tst_kohyametadata.moc"
