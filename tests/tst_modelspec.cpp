// ModelSpec (Stability AI's "SAI Model Spec" 1.0.0, README of github.com/Stability-AI/ModelSpec) read from
// modelspec.* keys (issue 18): fields, the MUST keys checked, the thumbnail data URI decoded; templates.
#include "core/publish/metadatatemplate.h"
#include "core/publish/modelspec.h"
#include "support/fixtures.h"

#include <QTemporaryDir>
#include <QTest>

using namespace safescope;

namespace {

// The smallest valid PNG (1x1, 8-bit greyscale), base64: what a thumbnail key holds, in miniature.
constexpr const char* kPngBase64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==";

std::vector<MetadataEntry> compliant()
{
    return {
        {"modelspec.sai_model_spec", "1.0.0"},
        {"modelspec.architecture", "stable-diffusion-xl-v1-base/lora"},
        {"modelspec.implementation", "https://github.com/Stability-AI/generative-models"},
        {"modelspec.title", "My Example LoRA"},
        {"modelspec.author", "John Doe"},
        {"modelspec.description", "# Heading\n\nTrained on **cats**."},
        {"modelspec.date", "2023-07-16"},
        {"modelspec.resolution", "1024x1024"},
        {"modelspec.trigger_phrase", "mypetcat"},
        {"modelspec.license", "CC-BY-SA-4.0"},
        {"modelspec.thumbnail", std::string("data:image/png;base64,") + kPngBase64},
        {"ss_network_dim", "32"},
    };
}

} // namespace

class TestModelSpec final : public QObject
{
    Q_OBJECT

private slots:
    void fields();
    void thumbnailDecoded();
    void requiredKeys_data();
    void requiredKeys();
    void problems();
    void noSpecNoComplaint();
    void templateRoundTrip();
    void templateRefused_data();
    void templateRefused();
};

void TestModelSpec::fields()
{
    const ModelSpec spec = parseModelSpec(compliant());
    QVERIFY(spec.present);
    QCOMPARE(spec.version, std::string("1.0.0"));
    QCOMPARE(spec.title, std::string("My Example LoRA"));
    QCOMPARE(spec.architecture, std::string("stable-diffusion-xl-v1-base/lora"));
    QCOMPARE(spec.implementation, std::string("https://github.com/Stability-AI/generative-models"));
    QCOMPARE(spec.author, std::string("John Doe"));
    QCOMPARE(spec.description, std::string("# Heading\n\nTrained on **cats**."));
    QCOMPARE(spec.date, std::string("2023-07-16"));
    QCOMPARE(spec.resolution, std::string("1024x1024"));
    QCOMPARE(spec.triggerPhrase, std::string("mypetcat"));
    QCOMPARE(spec.license, std::string("CC-BY-SA-4.0"));
    QCOMPARE(spec.allFields.size(), size_t(11));
    QCOMPARE(spec.allFields[0].key, std::string("sai_model_spec"));
    QVERIFY(spec.missingRequired.empty());
    QVERIFY(spec.problems.empty());
}

void TestModelSpec::thumbnailDecoded()
{
    const ModelSpec spec = parseModelSpec(compliant());
    QCOMPARE(spec.thumbnailMime, std::string("image/png"));
    QCOMPARE(spec.thumbnailBytes.size(), qsizetype(67));
    QVERIFY(spec.thumbnailBytes.startsWith("\x89PNG\r\n\x1a\n"));
    QCOMPARE(spec.thumbnailBytes, QByteArray::fromBase64(kPngBase64));
}

void TestModelSpec::requiredKeys_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<bool>("blankInsteadOfMissing");
    for (const std::string& key : modelSpecRequiredKeys()) {
        QTest::newRow((key + " missing").c_str()) << QString::fromStdString(key) << false;
        QTest::newRow((key + " blank").c_str()) << QString::fromStdString(key) << true;
    }
}

void TestModelSpec::requiredKeys()
{
    QFETCH(QString, key);
    QFETCH(bool, blankInsteadOfMissing);
    std::vector<MetadataEntry> metadata = compliant();
    for (auto it = metadata.begin(); it != metadata.end(); ++it) {
        if (it->key == key.toStdString()) {
            if (blankInsteadOfMissing)
                it->value = "  ";
            else
                metadata.erase(it);
            break;
        }
    }
    const ModelSpec spec = parseModelSpec(metadata);
    QCOMPARE(spec.missingRequired, std::vector<std::string>{key.toStdString()});
}

void TestModelSpec::problems()
{
    std::vector<MetadataEntry> metadata{{"modelspec.title", "x"},
                                        {"modelspec.thumbnail", "https://example.com/a.png"},
                                        {"modelspec.resolution", "1024"},
                                        {"modelspec.hash_sha256", "abc123"}};
    const ModelSpec spec = parseModelSpec(metadata);
    QCOMPARE(spec.missingRequired.size(), size_t(3));
    QCOMPARE(spec.problems.size(), size_t(3));
    QVERIFY(spec.thumbnailBytes.isEmpty());
    const std::vector<Warning> warnings = modelSpecWarnings(metadata, QStringLiteral("m.safetensors"));
    QCOMPARE(warnings.size(), size_t(6));
    QCOMPARE(warnings[0].code, QStringLiteral("ModelSpecMissingKey"));
    QVERIFY(warnings[0].message.contains(QStringLiteral("modelspec.sai_model_spec")));
    QCOMPARE(warnings[0].shard, QStringLiteral("m.safetensors"));
    QCOMPARE(warnings[5].code, QStringLiteral("ModelSpecProblem"));
    QVERIFY(modelSpecWarnings(compliant()).empty());
    QVERIFY(!decodeDataUri("data:image/png;base64,@@@@"));
    QVERIFY(!decodeDataUri("data:image/png,rawtext"));
    const auto decoded = decodeDataUri("data:text/plain;charset=utf-8;base64,aGk=");
    QVERIFY(decoded);
    QCOMPARE(decoded->first, std::string("text/plain"));
    QCOMPARE(decoded->second, QByteArray("hi"));
}

void TestModelSpec::noSpecNoComplaint()
{
    const ModelSpec spec = parseModelSpec({{"format", "pt"}, {"ss_network_dim", "4"}});
    QVERIFY(!spec.present);
    QVERIFY(spec.missingRequired.empty());
}

void TestModelSpec::templateRoundTrip()
{
    QTemporaryDir dir;
    MetadataTemplate original;
    original.entries = {{"modelspec.license", "CC-BY-4.0"}, {"modelspec.author", "Jane \"J\" Doe"}, {"a", "ü"}};
    const QString path = dir.filePath(QStringLiteral("keys.json"));
    QVERIFY(original.write(path));
    auto read = MetadataTemplate::read(path);
    QVERIFY2(read, qPrintable(read ? QString() : read.error().describe()));
    QCOMPARE(read->entries.size(), size_t(3));
    QCOMPARE(read->entries[0].key, std::string("modelspec.license"));
    QCOMPARE(read->entries[1].value, std::string("Jane \"J\" Doe"));
    QCOMPARE(read->entries[2].value, std::string("ü"));
    const MetadataEdit edit = read->edit();
    const auto applied = edit.apply({{"format", "pt"}, {"modelspec.license", "old"}});
    QVERIFY(applied);
    QCOMPARE(applied->size(), size_t(4));
    QCOMPARE((*applied)[1].value, std::string("CC-BY-4.0")); // replaced in place
}

void TestModelSpec::templateRefused_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("not JSON") << QByteArray("license=x");
    QTest::newRow("array") << QByteArray("[\"a\"]");
    QTest::newRow("number value") << QByteArray("{\"a\": 1}");
    QTest::newRow("empty key") << QByteArray("{\"\": \"x\"}");
    QTest::newRow("reserved key") << QByteArray("{\"__metadata__\": \"x\"}");
}

void TestModelSpec::templateRefused()
{
    QFETCH(QByteArray, text);
    QTemporaryDir dir;
    const QString path = test::writeFile(dir, QStringLiteral("bad.json"), text);
    auto read = MetadataTemplate::read(path);
    QVERIFY(!read);
    QVERIFY2(read.error().message.contains(path), qPrintable(read.error().message));
}

QTEST_GUILESS_MAIN(TestModelSpec)
#include "tst_modelspec.moc"
