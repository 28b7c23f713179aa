// safescope-cli meta on many models at once (issue 18): the same edit applied to each, a summary per file, a dry run
// that writes nothing, --recursive, --apply TEMPLATE, --strip-training-data; one file failing does not stop the others
// and makes the exit code non-zero.
#include "support/clirun.h"
#include "support/editfixtures.h"
#include "support/fixtures.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <nlohmann/json.hpp>

#include <unistd.h>

using namespace safescope::test;

namespace {

QString qs(const char* text)
{
    return QString::fromUtf8(text);
}

// The file's __metadata__ as the CLI prints it (an object, or null).
nlohmann::json metadataOf(const QString& path)
{
    const CliRun run = runCli({qs("meta"), path, qs("--json")});
    if (run.exitCode != 0)
        return "failed: " + run.err.toStdString();
    return parseJson(run.out)["metadata"];
}

// sd-scripts writes these as json.dumps() text inside the string values (train_network.py).
QByteArray kohyaMetadata()
{
    const nlohmann::ordered_json metadata{
        {"format", "pt"},
        {"ss_network_dim", "32"},
        {"ss_network_alpha", "16.0"},
        {"ss_tag_frequency", R"({"10_mychar": {"mychar": 24, "smile": 7}})"},
        {"ss_dataset_dirs", R"({"10_mychar": {"n_repeats": 10, "img_count": 24}})"},
        {"ss_bucket_info", R"({"buckets": {"0": {"resolution": [512, 512], "count": 240}}})"},
        {"ss_sd_model_name", "/home/me/models/base.safetensors"},
        {"ss_training_comment", "trigger mychar"}};
    return QByteArray::fromStdString(metadata.dump());
}

// nlohmann::json has no QTest::toString(): compare, and print both sides when they differ.
bool sameJson(const nlohmann::json& actual, const nlohmann::json& expected)
{
    if (actual == expected)
        return true;
    qWarning("actual:   %s\nexpected: %s", actual.dump().c_str(), expected.dump().c_str());
    return false;
}

} // namespace

class TestCliBatchMeta final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void oneReadOnlyAmongMany();
    void dryRunWritesNothing();
    void recursiveFindsModelsAndShards();
    void applyTemplateToMany();
    void applyTemplateRefused();
    void stripTrainingData();
    void printsMany();
};

void TestCliBatchMeta::initTestCase()
{
    QVERIFY(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty());
}

void TestCliBatchMeta::oneReadOnlyAmongMany()
{
    QTemporaryDir dir;
    // Permission bits bind only an unprivileged user: the CLI runs as "nobody" when the test runs as root.
    QVERIFY(QFile::setPermissions(dir.path(), QFile::Permissions(0x7777)));
    QStringList paths;
    for (const char* name : {"a.safetensors", "b.safetensors", "c.safetensors", "d.safetensors"}) {
        paths.push_back(makeCheckpoint(dir, qs(name), R"({"format":"pt"})", 64));
        QVERIFY(QFile::setPermissions(paths.back(), QFile::Permissions(0x6666)));
    }
    QVERIFY(QFile::setPermissions(paths[1], QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther));
    const QByteArray readOnlyBefore = readBytes(paths[1]);
    CliRun run =
        runCliUnprivileged(QStringList{qs("meta")} + paths + QStringList{qs("--set"), qs("license=CC-BY-4.0")});
    QCOMPARE(run.exitCode, 2); // an I/O error (permission) is ExitUsage; the others were still edited
    QVERIFY2(run.err.contains(paths[1].toUtf8()), run.err.constData());
    QVERIFY2(run.err.contains("Permission denied"), run.err.constData());
    QCOMPARE(readBytes(paths[1]), readOnlyBefore);
    for (const int i : {0, 2, 3}) {
        QVERIFY2(run.out.contains(QByteArray("in-place: " + paths[i].toUtf8())), run.out.constData());
        QVERIFY(sameJson(metadataOf(paths[i]), (nlohmann::json{{"format", "pt"}, {"license", "CC-BY-4.0"}})));
    }
    QVERIFY2(run.out.contains("3 of 4 models edited, 1 failed"), run.out.constData());

    // The same in JSON: every saved file listed, the failure with its kind and path.
    run =
        runCliUnprivileged(QStringList{qs("meta"), qs("--json")} + paths + QStringList{qs("--set"), qs("license=MIT")});
    QCOMPARE(run.exitCode, 2);
    const auto json = parseJson(run.out);
    QCOMPARE(json["files"].size(), size_t(3));
    QCOMPARE(json["failed"].size(), size_t(1));
    QVERIFY(json["failed"][0]["path"] == paths[1].toStdString());
    QVERIFY(json["failed"][0]["error"]["kind"] == "IoError");
    QCOMPARE(readBytes(paths[1]), readOnlyBefore);
    QVERIFY(sameJson(metadataOf(paths[3]), (nlohmann::json{{"format", "pt"}, {"license", "MIT"}})));
}

void TestCliBatchMeta::dryRunWritesNothing()
{
    QTemporaryDir dir;
    const QString fits = makeCheckpoint(dir, qs("fits.safetensors"), kohyaMetadata(), 16);
    const QString grows = makeCheckpoint(dir, qs("grows.safetensors"), R"({"format":"pt"})", 0);
    const QString shards = writeTwoShardModel(dir, 0);
    const QByteArray fitsBefore = readBytes(fits);
    const QByteArray growsBefore = readBytes(grows);
    const QStringList entriesBefore = QDir(dir.path()).entryList(QDir::Files | QDir::Hidden);

    CliRun run = runCli({qs("meta"), fits, grows, shards, qs("--dry-run"), qs("--strip-training-data"), qs("--set"),
                         qs("modelspec.license=CC-BY-4.0")});
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(readBytes(fits), fitsBefore);
    QCOMPARE(readBytes(grows), growsBefore);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), entriesBefore); // no lock, journal or temp left
    const QList<QByteArray> lines = run.out.split('\n');
    QVERIFY2(lines.size() >= 5, run.out.constData());
    QVERIFY2(lines[0].startsWith(QByteArray("would save in-place: " + fits.toUtf8())), lines[0].constData());
    QVERIFY2(lines[0].contains("removed: ss_tag_frequency, ss_dataset_dirs, ss_sd_model_name, ss_training_comment"),
             lines[0].constData());
    QVERIFY2(lines[0].contains("added: modelspec.license"), lines[0].constData());
    QVERIFY2(lines[1].startsWith(QByteArray("would save rewrite: " + grows.toUtf8())), lines[1].constData());
    QVERIFY2(lines[2].contains("model-00001-of-00002.safetensors"), lines[2].constData());
    QVERIFY2(lines[3].contains("model-00002-of-00002.safetensors"), lines[3].constData());
    QVERIFY2(lines[4] == "dry run: 3 of 3 models would be edited", lines[4].constData());

    // The sizes the dry run states are the save's.
    run = runCli({qs("meta"), grows, qs("--dry-run"), qs("--json"), qs("--set"), qs("author=") + QString(40, u'a')});
    QCOMPARE(run.exitCode, 0);
    const uint64_t predicted = parseJson(run.out)["files"][0]["new_file_size"].get<uint64_t>();
    QCOMPARE(runCli({qs("meta"), grows, qs("--set"), qs("author=") + QString(40, u'a')}).exitCode, 0);
    QCOMPARE(uint64_t(QFileInfo(grows).size()), predicted);

    run = runCli({qs("meta"), fits, qs("--dry-run"), qs("--json"), qs("--unset"), qs("format")});
    QCOMPARE(run.exitCode, 0);
    const auto json = parseJson(run.out);
    QVERIFY(json["dry_run"] == true);
    QVERIFY(json["files"][0]["method"] == "in-place");
    QVERIFY(json["files"][0]["removed"] == nlohmann::json::array({"format"}));
    QCOMPARE(readBytes(fits), fitsBefore);
}

void TestCliBatchMeta::recursiveFindsModelsAndShards()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(qs("loras/deeper")));
    const QString index = writeTwoShardModel(dir, 64);
    const QString one = makeCheckpoint(dir, qs("loras/one.safetensors"), R"({"format":"pt"})", 64);
    const QString two = makeCheckpoint(dir, qs("loras/deeper/two.safetensors"), R"({"format":"pt"})", 64);
    QFile::link(dir.path(), dir.filePath(qs("loras/loop"))); // a link back up must not be walked

    CliRun run = runCli({qs("meta"), dir.path(), qs("--recursive"), qs("--set"), qs("author=me")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains("3 of 3 models edited"), run.out.constData());
    QVERIFY(sameJson(metadataOf(one)["author"], nlohmann::json("me")));
    QVERIFY(sameJson(metadataOf(two)["author"], nlohmann::json("me")));
    for (const char* shard : {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"})
        QVERIFY(sameJson(metadataOf(dir.filePath(qs(shard)))["author"], nlohmann::json("me")));
    Q_UNUSED(index);

    // Without --recursive a folder stays one model (the two shards through their index).
    run = runCli({qs("meta"), dir.filePath(qs("loras")), qs("--unset"), qs("author")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(!metadataOf(one).contains("author"));
    QVERIFY(sameJson(metadataOf(two)["author"], nlohmann::json("me")));

    QTemporaryDir empty;
    run = runCli({qs("meta"), empty.path(), qs("--recursive"), qs("--set"), qs("a=b")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("no .safetensors file"), run.err.constData());
}

void TestCliBatchMeta::applyTemplateToMany()
{
    QTemporaryDir dir;
    const QString a = makeCheckpoint(dir, qs("a.safetensors"), R"({"format":"pt","modelspec.license":"old"})", 0);
    const QString b = makeCheckpoint(dir, qs("b.safetensors"), R"({"format":"pt"})", 200);
    const QString keys = writeFile(dir, qs("keys.json"),
                                   R"({"modelspec.license": "CC-BY-4.0", "modelspec.author": "Jane Doe"})"
                                   "\n");
    const CliRun run = runCli({qs("meta"), a, b, qs("--apply"), keys});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains(QByteArray("rewrite: " + a.toUtf8())), run.out.constData());
    QVERIFY2(run.out.contains(QByteArray("in-place: " + b.toUtf8())), run.out.constData());
    // Keys the file had keep their place; new ones follow in the template's order.
    const nlohmann::ordered_json expectedA = nlohmann::ordered_json::parse(
        R"({"format":"pt","modelspec.license":"CC-BY-4.0","modelspec.author":"Jane Doe"})");
    CliRun printed = runCli({qs("meta"), a});
    QCOMPARE(printed.out, QByteArray("format = pt\nmodelspec.license = CC-BY-4.0\nmodelspec.author = Jane Doe\n"));
    printed = runCli({qs("meta"), b});
    QCOMPARE(printed.out, QByteArray("format = pt\nmodelspec.license = CC-BY-4.0\nmodelspec.author = Jane Doe\n"));
    Q_UNUSED(expectedA);
}

void TestCliBatchMeta::applyTemplateRefused()
{
    QTemporaryDir dir;
    const QString a = makeCheckpoint(dir, qs("a.safetensors"), R"({"format":"pt"})", 64);
    const QByteArray before = readBytes(a);
    const QString bad = writeFile(dir, qs("bad.json"), R"({"modelspec.resolution": 1024})");
    const CliRun run = runCli({qs("meta"), a, qs("--apply"), bad});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("not a string"), run.err.constData());
    QCOMPARE(readBytes(a), before);
}

void TestCliBatchMeta::stripTrainingData()
{
    QTemporaryDir dir;
    const QString lora = makeCheckpoint(dir, qs("lora.safetensors"), kohyaMetadata(), 0);
    const QString plain = makeCheckpoint(dir, qs("plain.safetensors"), R"({"format":"pt"})", 0);
    const QByteArray plainBefore = readBytes(plain);
    const QByteArray dataBefore = dataRegion(lora);
    const CliRun run = runCli({qs("meta"), lora, plain, qs("--strip-training-data"), qs("--json")});
    QCOMPARE(run.exitCode, 0);
    const auto json = parseJson(run.out);
    QCOMPARE(json["files"].size(), size_t(2));
    QVERIFY(json["files"][0]["keys"] ==
            nlohmann::json::array({"format", "ss_network_dim", "ss_network_alpha", "ss_bucket_info"}));
    QVERIFY(sameJson(
        metadataOf(lora),
        (nlohmann::json{{"format", "pt"},
                        {"ss_network_dim", "32"},
                        {"ss_network_alpha", "16.0"},
                        {"ss_bucket_info", R"({"buckets": {"0": {"resolution": [512, 512], "count": 240}}})"}})));
    QCOMPARE(dataRegion(lora), dataBefore);
    // A file without training data is saved unchanged in content (the edit removes nothing there).
    QVERIFY(sameJson(metadataOf(plain), (nlohmann::json{{"format", "pt"}})));
    QCOMPARE(dataRegion(plain), plainBefore.mid(8 + static_cast<qsizetype>(headerLengthOf(plain))));
}

void TestCliBatchMeta::printsMany()
{
    QTemporaryDir dir;
    const QString a = makeCheckpoint(dir, qs("a.safetensors"), R"({"format":"pt"})", 0);
    const QString b = makeCheckpoint(dir, qs("b.safetensors"), R"({"k":"v"})", 0);
    CliRun run = runCli({qs("meta"), a, b});
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.out, QByteArray("==> " + a.toUtf8() + " <==\nformat = pt\n==> " + b.toUtf8() + " <==\nk = v\n"));
    run = runCli({qs("meta"), a, dir.filePath(qs("missing.safetensors")), qs("--json")});
    QCOMPARE(run.exitCode, 2);
    const auto json = parseJson(run.out);
    QCOMPARE(json["models"].size(), size_t(2));
    QVERIFY(json["models"][0]["metadata"]["format"] == "pt");
    QVERIFY(json["models"][1]["error"]["kind"] == "IoError");
}

QTEST_GUILESS_MAIN(TestCliBatchMeta)
#include "tst_cli_batchmeta.moc"
