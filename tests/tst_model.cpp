#include "core/format/model.h"
#include "core/format/modelfolder.h"
#include "core/format/nameindex.h"
#include "core/format/shardindex.h"
#include "core/text/textutil.h"
#include "support/fixtures.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

using namespace safescope;
using namespace safescope::test;

namespace {

struct TensorSpec
{
    QByteArray name;
    QByteArray dtype;
    std::vector<uint64_t> shape;
    QByteArray data;
};

/// An F32 vector of `count` elements with seeded bytes, so every tensor's data is recognisable.
TensorSpec f32(const QByteArray& name, uint64_t count, uint32_t seed)
{
    return {name, "F32", {count}, patternBytes(count * 4, seed)};
}

/// A valid safetensors image holding `tensors` contiguously in the given (header = file) order.
QByteArray safetensors(const std::vector<TensorSpec>& tensors, const QByteArray& metadata = {})
{
    QByteArray header = "{";
    if (!metadata.isEmpty())
        header += "\"__metadata__\":" + metadata;
    QByteArray data;
    for (const TensorSpec& tensor : tensors) {
        if (header.size() > 1)
            header += ',';
        const auto begin = static_cast<uint64_t>(data.size());
        header += tensorJson(tensor.name, tensor.dtype, tensor.shape, begin, begin + tensor.data.size());
        data += tensor.data;
    }
    return rawFile(header + '}', data);
}

using WeightMap = std::vector<std::pair<QByteArray, QByteArray>>;

/// Index JSON; `metadata` is inserted verbatim, or left out when empty.
QByteArray indexJson(const WeightMap& weightMap, const QByteArray& metadata = {})
{
    QByteArray json = "{";
    if (!metadata.isEmpty())
        json += "\"metadata\":" + metadata + ',';
    json += "\"weight_map\":{";
    for (size_t i = 0; i < weightMap.size(); ++i)
        json += (i ? "," : "") + ('"' + weightMap[i].first + "\":\"" + weightMap[i].second + '"');
    return json + "}}";
}

QByteArray totalSize(uint64_t bytes)
{
    return "{\"total_size\":" + QByteArray::number(qulonglong(bytes)) + '}';
}

/// Writes `bytes` at a path relative to `dir`, creating subfolders.
QString put(const QTemporaryDir& dir, const QString& relative, const QByteArray& bytes)
{
    if (!QDir(dir.path()).mkpath(QFileInfo(relative).path()))
        qFatal("cannot create the folder of %s", qPrintable(relative));
    return writeFile(dir, relative, bytes);
}

QByteArray lfsPointer()
{
    return "version https://git-lfs.github.com/spec/v1\n"
           "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 123456\n";
}

std::shared_ptr<const Model> openOk(const QString& path, OpenMode mode = OpenMode::Lenient)
{
    auto model = Model::open(path, mode);
    if (!model)
        qWarning("%s", qPrintable(model.error().describe()));
    return model ? *model : nullptr;
}

std::vector<const Warning*> warningsWithCode(const Model& model, const QString& code)
{
    std::vector<const Warning*> found;
    for (const Warning& warning : model.warnings())
        if (warning.code == code)
            found.push_back(&warning);
    return found;
}

/// All warnings as text, for failure messages (QVERIFY2 evaluates its message even when the check passes).
QByteArray describe(const Model& model)
{
    QString text;
    for (const Warning& warning : model.warnings())
        text += warning.code + QStringLiteral(": ") + warning.message + QLatin1Char('\n');
    return text.toLocal8Bit();
}

QStringList entryNames(const Model& model)
{
    QStringList names;
    for (size_t i = 0; i < model.tensorCount(); ++i)
        names << toQString(model.qualifiedName(i));
    return names;
}

bool dataEquals(const Model& model, size_t index, const QByteArray& expected)
{
    return model.tensor(index).byteSize() == static_cast<uint64_t>(expected.size()) &&
           std::memcmp(model.tensorData(index), expected.constData(), static_cast<size_t>(expected.size())) == 0;
}

const QString kShard1 = QStringLiteral("model-00001-of-00002.safetensors");
const QString kShard2 = QStringLiteral("model-00002-of-00002.safetensors");
const QString kIndex = QStringLiteral("model.safetensors.index.json");

// How the inconsistency rows alter a consistent two-shard checkpoint.
enum class Mutation
{
    MissingShard,
    LfsPointerShard,
    ExtraListedTensor,
    ListedInWrongShard,
    UnlistedTensor,
    DuplicateTensor,
    WrongTotalSize,
    TotalSizeIsFileSizes,
    TotalSizeText,
    TotalSizeFloat
};

} // namespace

Q_DECLARE_METATYPE(Mutation)

class TestModel : public QObject
{
    Q_OBJECT

private slots:
    void nameIndexFindsEveryNameAndNothingElse()
    {
        // Names as checkpoints have them (long shared prefixes, digits varying), repeats keeping their first
        // position, and near misses: one character off, a prefix, one longer. Each probe compares a hash tag
        // before the name, so a wrong tag or slot would lose names or find wrong ones here.
        std::vector<std::string> names;
        for (int layer = 0; layer < 61; ++layer)
            for (int expert = 0; expert < 64; ++expert)
                names.push_back("model.layers." + std::to_string(layer) + ".mlp.experts." + std::to_string(expert) +
                                ".down_proj.weight");
        names.push_back(names[17]); // a repeat: the first position wins
        names.push_back("");
        const auto nameOf = [&](uint32_t i) { return std::string_view(names[i]); };
        const NameIndex index(static_cast<uint32_t>(names.size()), nameOf);
        for (uint32_t i = 0; i + 2 < names.size(); ++i) {
            const std::optional<uint32_t> found = index.find(names[i], nameOf);
            QVERIFY2(found && *found == i, names[i].c_str());
            std::string near = names[i];
            near.back() = 'x';
            QVERIFY(!index.find(near, nameOf));
            QVERIFY(!index.find(std::string_view(names[i]).substr(0, names[i].size() - 1), nameOf));
            QVERIFY(!index.find(names[i] + "s", nameOf));
        }
        QCOMPARE(index.find(names[17], nameOf), std::optional<uint32_t>(17));
        QCOMPARE(index.find("", nameOf), std::optional<uint32_t>(static_cast<uint32_t>(names.size() - 1)));
        QVERIFY(!NameIndex().find("a", nameOf));
    }

    void singleFile();
    void singleFileWarningsNameTheFile();
    void fromFile();
    void missingPath();
    void consistentIndex();
    void shardOrderIsFirstSeen();
    void inconsistencies_data();
    void inconsistencies();
    void shardHeaderWarnings();
    void noShardOpens();
    void indexVariants_data();
    void indexVariants();
    void invalidIndex_data();
    void invalidIndex();
    void folderWithIndex_data();
    void folderWithIndex();
    void folderOfPlainFiles();
    void diffusersFolder();
    void diffusersBrokenComponent();
    void emptyFolder_data();
    void emptyFolder();
    void indexShortenedWhileReadIsFileChanged();
    void naturalOrder_data();
    void naturalOrder();
};

void TestModel::singleFile()
{
    QTemporaryDir dir;
    // Deliberately not in name order: entries must follow the header.
    const std::vector<TensorSpec> tensors = {
        f32("z.last", 3, 1), f32("a.first", 2, 2), {"scalar", "F16", {}, patternBytes(2, 3)}};
    const QByteArray bytes = safetensors(tensors, "{\"format\":\"pt\"}");
    const QString path = put(dir, QStringLiteral("m.safetensors"), bytes);

    const auto model = openOk(path);
    QVERIFY(model);
    QCOMPARE(model->source(), Model::Source::SingleFile);
    QCOMPARE(model->path(), path);
    QCOMPARE(model->displayName(), QStringLiteral("m.safetensors"));
    QCOMPARE(model->shards().size(), size_t(1));
    QCOMPARE(model->shards()[0].path, QFileInfo(path).absoluteFilePath());
    QVERIFY(model->shards()[0].component.isEmpty());
    QCOMPARE(entryNames(*model),
             QStringList({QStringLiteral("z.last"), QStringLiteral("a.first"), QStringLiteral("scalar")}));
    const uint64_t dataStart = static_cast<uint64_t>(bytes.size()) - (12 + 8 + 2);
    for (size_t i = 0; i < tensors.size(); ++i) {
        QVERIFY(dataEquals(*model, i, tensors[i].data));
        QCOMPARE(model->absoluteOffset(i), dataStart + model->tensor(i).begin);
        QCOMPARE(model->find(model->qualifiedName(i)), std::optional<size_t>(i));
    }
    QVERIFY(!model->find("missing"));
    QCOMPARE(model->totalParameters(), uint64_t(3 + 2 + 1));
    QCOMPARE(model->totalTensorBytes(), uint64_t(22));
    QCOMPARE(model->totalFileBytes(), uint64_t(bytes.size()));
    QCOMPARE(model->metadataState(), MetadataState::Object);
    QCOMPARE(model->metadata().size(), size_t(1));
    QCOMPARE(model->metadata()[0].key, std::string("format"));
    QCOMPARE(model->metadata()[0].value, std::string("pt"));
    QVERIFY(model->indexPath().isEmpty());
    QVERIFY(model->indexMetadata().empty());
    QVERIFY(model->warnings().empty());
}

void TestModel::singleFileWarningsNameTheFile()
{
    QTemporaryDir dir;
    const QString path =
        put(dir, QStringLiteral("odd.safetensors"), safetensors({{"w", "F7", {2}, patternBytes(2, 1)}}));

    QVERIFY(!Model::open(path, OpenMode::Strict));
    const auto model = openOk(path, OpenMode::Lenient);
    QVERIFY(model);
    QCOMPARE(model->tensorCount(), size_t(1));
    QCOMPARE(model->warnings().size(), size_t(1));
    QCOMPARE(model->warnings()[0].code, QStringLiteral("UnknownDType"));
    QCOMPARE(model->warnings()[0].shard, QStringLiteral("odd.safetensors"));
    QCOMPARE(model->warnings()[0].tensor, QStringLiteral("w"));
}

void TestModel::fromFile()
{
    QTemporaryDir dir;
    const TensorSpec tensor = f32("w", 4, 7);
    const QString path = put(dir, QStringLiteral("w.safetensors"), safetensors({tensor}));
    auto file = SafetensorsFile::open(path);
    QVERIFY(file);

    const auto model = Model::fromFile(*file);
    QCOMPARE(model->source(), Model::Source::SingleFile);
    QCOMPARE(model->path(), path);
    QCOMPARE(model->shards()[0].file, *file);
    QCOMPARE(model->tensorCount(), size_t(1));
    QVERIFY(dataEquals(*model, 0, tensor.data));
    QCOMPARE(model->metadataState(), MetadataState::Absent);
    QVERIFY(model->metadata().empty());
}

void TestModel::missingPath()
{
    QTemporaryDir dir;
    const auto model = Model::open(dir.filePath(QStringLiteral("nothing.safetensors")));
    QVERIFY(!model);
    QCOMPARE(model.error().kind, ErrorKind::IoError);
}

void TestModel::consistentIndex()
{
    QTemporaryDir dir;
    const std::vector<std::vector<TensorSpec>> shards = {
        {f32("layers.1.w", 4, 11), f32("layers.0.w", 2, 12)},
        {f32("layers.2.w", 3, 13)},
        {f32("norm", 5, 14), {"lm_head", "BF16", {2, 3}, patternBytes(12, 15)}},
    };
    WeightMap weightMap;
    uint64_t tensorBytes = 0;
    uint64_t fileBytes = 0;
    uint64_t parameters = 0;
    for (size_t s = 0; s < shards.size(); ++s) {
        const QByteArray name = "model-0000" + QByteArray::number(qulonglong(s + 1)) + "-of-00003.safetensors";
        const QByteArray bytes = safetensors(shards[s], "{\"format\":\"pt\",\"shard\":\"" + name + "\"}");
        put(dir, QString::fromLatin1(name), bytes);
        fileBytes += static_cast<uint64_t>(bytes.size());
        for (const TensorSpec& tensor : shards[s]) {
            weightMap.emplace_back(tensor.name, name);
            tensorBytes += static_cast<uint64_t>(tensor.data.size());
            uint64_t elements = 1;
            for (uint64_t dim : tensor.shape)
                elements *= dim;
            parameters += elements;
        }
    }
    std::sort(weightMap.begin(), weightMap.end()); // as transformers writes it
    const QByteArray metadata = "{\"total_size\":" + QByteArray::number(qulonglong(tensorBytes)) +
                                ",\"total_parameters\":" + QByteArray::number(qulonglong(parameters)) + '}';
    const QString indexPath = put(dir, kIndex, indexJson(weightMap, metadata));

    const auto model = openOk(indexPath);
    QVERIFY(model);
    QCOMPARE(model->source(), Model::Source::ShardedIndex);
    QCOMPARE(model->indexPath(), indexPath);
    QCOMPARE(model->displayName(), kIndex);
    QVERIFY2(model->warnings().empty(), describe(*model).constData());
    QCOMPARE(model->shards().size(), size_t(3));
    QCOMPARE(model->tensorCount(), size_t(5));
    // Shard order, then each file's own order.
    QCOMPARE(entryNames(*model),
             QStringList({QStringLiteral("layers.1.w"), QStringLiteral("layers.0.w"), QStringLiteral("layers.2.w"),
                          QStringLiteral("norm"), QStringLiteral("lm_head")}));
    size_t entry = 0;
    for (size_t s = 0; s < shards.size(); ++s) {
        for (const TensorSpec& tensor : shards[s]) {
            QCOMPARE(model->shardIndexOf(entry), uint32_t(s));
            QCOMPARE(model->shardOf(entry).path, model->shards()[s].path);
            QVERIFY2(dataEquals(*model, entry, tensor.data), tensor.name.constData());
            QCOMPARE(model->find(tensor.name.toStdString()), std::optional<size_t>(entry));
            ++entry;
        }
    }
    QCOMPARE(model->totalTensorBytes(), tensorBytes);
    QCOMPARE(model->totalFileBytes(), fileBytes);
    QCOMPARE(model->totalParameters(), parameters);
    QCOMPARE(model->indexMetadata().size(), size_t(2));
    QCOMPARE(model->indexMetadata()[0].key, std::string("total_size"));
    QCOMPARE(model->indexMetadata()[0].value, std::to_string(tensorBytes));
    QCOMPARE(model->indexMetadata()[1].key, std::string("total_parameters"));
    // metadata() is the first shard's.
    QCOMPARE(model->metadata().size(), size_t(2));
    QCOMPARE(model->metadata()[1].value, std::string("model-00001-of-00003.safetensors"));
}

void TestModel::shardOrderIsFirstSeen()
{
    QTemporaryDir dir;
    put(dir, kShard1, safetensors({f32("b", 1, 1)}));
    put(dir, kShard2, safetensors({f32("a", 1, 2)}));
    const QString indexPath =
        put(dir, kIndex, indexJson({{"a", kShard2.toLatin1()}, {"b", kShard1.toLatin1()}}, totalSize(8)));

    const auto model = openOk(indexPath);
    QVERIFY(model);
    QCOMPARE(QFileInfo(model->shards()[0].path).fileName(), kShard2);
    QCOMPARE(QFileInfo(model->shards()[1].path).fileName(), kShard1);
    QCOMPARE(entryNames(*model), QStringList({QStringLiteral("a"), QStringLiteral("b")}));
    QVERIFY(model->warnings().empty());
}

void TestModel::inconsistencies_data()
{
    QTest::addColumn<Mutation>("mutation");
    QTest::addColumn<QString>("code"); // empty: no warning expected
    QTest::addColumn<QString>("shard");
    QTest::addColumn<QString>("tensor");
    QTest::addColumn<QString>("messagePart");
    QTest::addColumn<int>("tensorCount");

    QTest::newRow("missing shard") << Mutation::MissingShard << QStringLiteral("MissingShard") << kShard2 << QString()
                                   << QStringLiteral("missing") << 2;
    QTest::newRow("Git LFS pointer shard") << Mutation::LfsPointerShard << QStringLiteral("ShardUnreadable") << kShard2
                                           << QString() << QStringLiteral("Git LFS pointer") << 2;
    QTest::newRow("listed, absent from shard")
        << Mutation::ExtraListedTensor << QStringLiteral("TensorNotInShard") << kShard2 << QStringLiteral("c.w")
        << QStringLiteral("does not contain") << 3;
    QTest::newRow("listed in the wrong shard")
        << Mutation::ListedInWrongShard << QStringLiteral("TensorNotInShard") << kShard2 << QStringLiteral("a.y")
        << QStringLiteral("it is in '%1'").arg(kShard1) << 3;
    QTest::newRow("in shard, not listed") << Mutation::UnlistedTensor << QStringLiteral("TensorNotInIndex") << kShard2
                                          << QStringLiteral("b.extra") << QStringLiteral("weight_map") << 4;
    QTest::newRow("in two shards") << Mutation::DuplicateTensor << QStringLiteral("TensorInTwoShards") << kShard2
                                   << QStringLiteral("a.x") << kShard1 << 4;
    QTest::newRow("total_size wrong") << Mutation::WrongTotalSize << QStringLiteral("TotalSizeMismatch") << kIndex
                                      << QString() << QStringLiteral("999") << 3;
    QTest::newRow("total_size is the file sizes")
        << Mutation::TotalSizeIsFileSizes << QStringLiteral("TotalSizeMismatch") << kIndex << QString()
        << QStringLiteral("sum of the shard file sizes") << 3;
    QTest::newRow("total_size not a number") << Mutation::TotalSizeText << QStringLiteral("TotalSizeMismatch") << kIndex
                                             << QString() << QStringLiteral("not a byte count") << 3;
    QTest::newRow("total_size as an integral float")
        << Mutation::TotalSizeFloat << QString() << QString() << QString() << QString() << 3;
}

void TestModel::inconsistencies()
{
    QFETCH(Mutation, mutation);
    QFETCH(QString, code);
    QFETCH(QString, shard);
    QFETCH(QString, tensor);
    QFETCH(QString, messagePart);
    QFETCH(int, tensorCount);

    // A consistent base: a.x, a.y in shard 1; b.z in shard 2; 36 tensor bytes.
    std::vector<TensorSpec> shard1 = {f32("a.x", 4, 1), f32("a.y", 2, 2)};
    std::vector<TensorSpec> shard2 = {f32("b.z", 3, 3)};
    WeightMap weightMap = {{"a.x", kShard1.toLatin1()}, {"a.y", kShard1.toLatin1()}, {"b.z", kShard2.toLatin1()}};
    uint64_t total = 36;
    switch (mutation) {
    case Mutation::ExtraListedTensor:
        weightMap.emplace_back("c.w", kShard2.toLatin1());
        break;
    case Mutation::ListedInWrongShard:
        weightMap[1].second = kShard2.toLatin1();
        break;
    case Mutation::UnlistedTensor:
        shard2.push_back(f32("b.extra", 1, 4));
        total += 4;
        break;
    case Mutation::DuplicateTensor:
        shard2.push_back(f32("a.x", 4, 5));
        total += 16;
        break;
    case Mutation::WrongTotalSize:
        total = 999;
        break;
    default:
        break;
    }

    QTemporaryDir dir;
    const QByteArray bytes1 = safetensors(shard1);
    const QByteArray bytes2 = mutation == Mutation::LfsPointerShard ? lfsPointer() : safetensors(shard2);
    put(dir, kShard1, bytes1);
    if (mutation != Mutation::MissingShard)
        put(dir, kShard2, bytes2);
    QByteArray metadata = totalSize(total);
    if (mutation == Mutation::TotalSizeIsFileSizes)
        metadata = totalSize(static_cast<uint64_t>(bytes1.size() + bytes2.size()));
    else if (mutation == Mutation::TotalSizeText)
        metadata = "{\"total_size\":\"36 bytes\"}";
    else if (mutation == Mutation::TotalSizeFloat)
        metadata = "{\"total_size\":36.0}";
    const QString indexPath = put(dir, kIndex, indexJson(weightMap, metadata));

    const auto model = openOk(indexPath);
    QVERIFY(model);
    QCOMPARE(model->tensorCount(), size_t(tensorCount));
    if (code.isEmpty()) {
        QVERIFY2(model->warnings().empty(), describe(*model).constData());
        return;
    }
    // Exactly one finding: the inconsistency is reported once and causes no knock-on warnings.
    QCOMPARE(model->warnings().size(), size_t(1));
    const Warning& warning = model->warnings().front();
    QCOMPARE(warning.code, code);
    QCOMPARE(warning.shard, shard);
    QCOMPARE(warning.tensor, tensor);
    QVERIFY2(warning.message.contains(shard), qPrintable(warning.message));
    QVERIFY2(warning.message.contains(tensor), qPrintable(warning.message));
    QVERIFY2(warning.message.contains(messagePart), qPrintable(warning.message));

    if (mutation == Mutation::DuplicateTensor) {
        const auto found = model->find("a.x");
        QVERIFY(found);
        QCOMPARE(model->shardIndexOf(*found), uint32_t(0));
        QVERIFY(dataEquals(*model, *found, shard1[0].data));
    }
    if (mutation == Mutation::ExtraListedTensor)
        QVERIFY(!model->find("c.w"));
    if (mutation == Mutation::UnlistedTensor)
        QVERIFY(model->find("b.extra"));
}

void TestModel::shardHeaderWarnings()
{
    QTemporaryDir dir;
    put(dir, kShard1, safetensors({f32("a", 2, 1)}));
    put(dir, kShard2, safetensors({{"odd", "F7", {3}, patternBytes(3, 2)}}));
    const QString indexPath = put(dir, kIndex, indexJson({{"a", kShard1.toLatin1()}, {"odd", kShard2.toLatin1()}}));

    const auto lenient = openOk(indexPath, OpenMode::Lenient);
    QVERIFY(lenient);
    QCOMPARE(lenient->tensorCount(), size_t(2));
    QCOMPARE(lenient->warnings().size(), size_t(1));
    const Warning& warning = lenient->warnings().front();
    QCOMPARE(warning.code, QStringLiteral("UnknownDType"));
    QCOMPARE(warning.shard, kShard2);
    QCOMPARE(warning.tensor, QStringLiteral("odd"));
    QVERIFY2(warning.message.startsWith(kShard2), qPrintable(warning.message));

    // The mode reaches every shard: strict refuses that shard, and only that shard.
    const auto strict = openOk(indexPath, OpenMode::Strict);
    QVERIFY(strict);
    QCOMPARE(strict->tensorCount(), size_t(1));
    const auto unreadable = warningsWithCode(*strict, QStringLiteral("ShardUnreadable"));
    QCOMPARE(unreadable.size(), size_t(1));
    QCOMPARE(unreadable[0]->shard, kShard2);
}

void TestModel::noShardOpens()
{
    QTemporaryDir dir;
    const QString indexPath = put(dir, kIndex, indexJson({{"a", kShard1.toLatin1()}, {"b", kShard2.toLatin1()}}));
    auto missing = Model::open(indexPath);
    QVERIFY(!missing);
    QCOMPARE(missing.error().kind, ErrorKind::IoError);
    QCOMPARE(QFileInfo(missing.error().path).fileName(), kShard1); // the first error

    put(dir, kShard1, lfsPointer());
    put(dir, kShard2, lfsPointer());
    auto pointers = Model::open(indexPath);
    QVERIFY(!pointers);
    QCOMPARE(pointers.error().detectedFormat, QStringLiteral("Git LFS pointer"));
    QCOMPARE(QFileInfo(pointers.error().path).fileName(), kShard1);
}

void TestModel::indexVariants_data()
{
    QTest::addColumn<QString>("indexName");
    QTest::addColumn<QByteArray>("metadata");  // verbatim, or empty to leave "metadata" out
    QTest::addColumn<QStringList>("expected"); // key=value pairs of indexMetadata()

    QTest::newRow("transformers") << kIndex << totalSize(8) << QStringList{QStringLiteral("total_size=8")};
    QTest::newRow("fp16 variant, no metadata")
        << QStringLiteral("model.safetensors.index.fp16.json") << QByteArray() << QStringList();
    QTest::newRow("diffusers, empty metadata")
        << QStringLiteral("diffusion_pytorch_model.safetensors.index.json") << QByteArray("{}") << QStringList();
    QTest::newRow("null metadata") << kIndex << QByteArray("null") << QStringList();
    QTest::newRow("values as compact JSON")
        << kIndex << QByteArray("{ \"total_size\" : 8 , \"note\" : { \"a\" : [1, 2] }, \"s\": \"x\" }")
        << QStringList{QStringLiteral("total_size=8"), QStringLiteral("note={\"a\":[1,2]}"), QStringLiteral("s=\"x\"")};
}

void TestModel::indexVariants()
{
    QFETCH(QString, indexName);
    QFETCH(QByteArray, metadata);
    QFETCH(QStringList, expected);

    QTemporaryDir dir;
    put(dir, kShard1, safetensors({f32("a", 1, 1)}));
    put(dir, kShard2, safetensors({f32("b", 1, 2)}));
    const QString indexPath =
        put(dir, indexName, indexJson({{"a", kShard1.toLatin1()}, {"b", kShard2.toLatin1()}}, metadata));

    const auto model = openOk(indexPath);
    QVERIFY(model);
    QCOMPARE(model->source(), Model::Source::ShardedIndex);
    QCOMPARE(model->tensorCount(), size_t(2));
    QVERIFY(model->warnings().empty());
    QStringList actual;
    for (const MetadataEntry& entry : model->indexMetadata())
        actual << QString::fromStdString(entry.key + '=' + entry.value);
    QCOMPARE(actual, expected);
}

void TestModel::invalidIndex_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QStringList>("messageParts");

    const auto one = [](const QByteArray& shard) -> QByteArray {
        return "{\"weight_map\":{\"a.x\":\"" + shard + "\"}}";
    };
    const QStringList notJson = {QStringLiteral("not valid JSON")};
    QTest::newRow("empty file") << QByteArray() << notJson;
    QTest::newRow("truncated") << QByteArray("{\"weight_map\":{") << notJson;
    QTest::newRow("trailing comma") << QByteArray("{\"weight_map\":{\"a\":\"m.safetensors\",}}") << notJson;
    QTest::newRow("top-level array") << QByteArray("[]") << QStringList{QStringLiteral("not an object")};
    QTest::newRow("no weight_map") << QByteArray("{\"metadata\":{}}") << QStringList{QStringLiteral("weight_map")};
    QTest::newRow("weight_map is an array")
        << QByteArray("{\"weight_map\":[]}") << QStringList{QStringLiteral("weight_map"), QStringLiteral("array")};
    QTest::newRow("weight_map is empty") << QByteArray("{\"weight_map\":{}}")
                                         << QStringList{QStringLiteral("no tensors")};
    QTest::newRow("shard is a number") << QByteArray("{\"weight_map\":{\"a.x\":1}}")
                                       << QStringList{QStringLiteral("'a.x'")};
    QTest::newRow("shard is null") << QByteArray("{\"weight_map\":{\"a.x\":null}}")
                                   << QStringList{QStringLiteral("'a.x'")};
    QTest::newRow("metadata is a string")
        << QByteArray("{\"metadata\":\"x\",\"weight_map\":{\"a.x\":\"m.safetensors\"}}")
        << QStringList{QStringLiteral("\"metadata\"")};
    QTest::newRow("too deep") << "{\"metadata\":{\"x\":" + QByteArray(200, '[') + QByteArray(200, ']') +
                                     "},\"weight_map\":{\"a.x\":\"m.safetensors\"}}"
                              << QStringList{QStringLiteral("deeper")};
    QTest::newRow("shard with ..") << one("..m.safetensors")
                                   << QStringList{QStringLiteral("'a.x'"), QStringLiteral("'..m.safetensors'"),
                                                  QStringLiteral("'..'")};
    QTest::newRow("shard with /") << one("sub/m.safetensors")
                                  << QStringList{QStringLiteral("'a.x'"), QStringLiteral("'sub/m.safetensors'")};
    QTest::newRow("shard with \\") << one("sub\\\\m.safetensors")
                                   << QStringList{QStringLiteral("'a.x'"), QStringLiteral("'sub\\m.safetensors'")};
    QTest::newRow("shard with ://") << one("s3://bucket.safetensors")
                                    << QStringList{QStringLiteral("'a.x'"), QStringLiteral("'s3://bucket.safetensors'"),
                                                   QStringLiteral("'://'")};
    QTest::newRow("empty shard name") << one("") << QStringList{QStringLiteral("'a.x'"), QStringLiteral("empty")};
}

void TestModel::invalidIndex()
{
    QFETCH(QByteArray, json);
    QFETCH(QStringList, messageParts);

    QTemporaryDir dir;
    // The shard exists, so a refused name is refused for what it is, not because nothing could be opened.
    put(dir, QStringLiteral("m.safetensors"), safetensors({f32("a.x", 1, 1)}));
    const QString indexPath = put(dir, kIndex, json);

    const auto model = Model::open(indexPath);
    QVERIFY(!model);
    QCOMPARE(model.error().kind, ErrorKind::InvalidIndex);
    QCOMPARE(model.error().path, indexPath);
    QVERIFY2(model.error().message.contains(kIndex), qPrintable(model.error().message));
    for (const QString& part : messageParts)
        QVERIFY2(model.error().message.contains(part), qPrintable(model.error().message));

    // The same index inside a folder is just as fatal: it is the model.
    const auto folder = Model::open(dir.path());
    QVERIFY(!folder);
    QCOMPARE(folder.error().kind, ErrorKind::InvalidIndex);
}

void TestModel::indexShortenedWhileReadIsFileChanged()
{
    // The index is parsed where the page cache holds it (a mapping): another program shortening it meanwhile makes
    // the pages past its new end vanish, which must end the read with FileChanged instead of a crash.
    QTemporaryDir dir;
    WeightMap weightMap;
    for (int i = 0; i < 4000; ++i)
        weightMap.emplace_back("model.layers." + QByteArray::number(i) + ".weight",
                               "model-" + QByteArray::number(i / 10) + ".safetensors");
    const QString indexPath = put(dir, kIndex, indexJson(weightMap));
    QVERIFY(QFileInfo(indexPath).size() > 64 * 1024); // many pages, most read after the shortening
    int shards = 0;
    const auto index = readShardIndex(indexPath, [&](std::string_view) {
        if (++shards == 300) // some 180 KB in: the pages left to read now lie wholly past the end
            QFile::resize(indexPath, 100);
    });
    QVERIFY(shards >= 300);
    QVERIFY(!index);
    QVERIFY2(index.error().kind == ErrorKind::FileChanged, qPrintable(index.error().describe()));
    QCOMPARE(index.error().path, indexPath);
    // Read again as it is now: a clear error about what is there, no crash.
    const auto again = readShardIndex(indexPath);
    QVERIFY(!again);
    QCOMPARE(again.error().kind, ErrorKind::InvalidIndex);
}

void TestModel::folderWithIndex_data()
{
    QTest::addColumn<QStringList>("indexes");
    QTest::addColumn<QString>("chosen");

    const QString plain = kIndex;
    const QString fp16 = QStringLiteral("model.safetensors.index.fp16.json");
    const QString diffusers = QStringLiteral("diffusion_pytorch_model.safetensors.index.json");
    const QString diffusersFp16 = QStringLiteral("diffusion_pytorch_model.safetensors.index.fp16.json");
    QTest::newRow("plain over fp16") << QStringList{fp16, plain} << plain;
    QTest::newRow("diffusers over fp16") << QStringList{diffusersFp16, diffusers} << diffusers;
    QTest::newRow("only a variant") << QStringList{fp16} << fp16;
    QTest::newRow("unknown stem, unsuffixed first") << QStringList{QStringLiteral("other.safetensors.index.fp16.json"),
                                                                   QStringLiteral("other.safetensors.index.json")}
                                                    << QStringLiteral("other.safetensors.index.json");
}

void TestModel::folderWithIndex()
{
    QFETCH(QStringList, indexes);
    QFETCH(QString, chosen);

    QTemporaryDir dir;
    put(dir, QStringLiteral("config.json"), "{}");
    // Not listed by any index: a folder with an index is the index's model only.
    put(dir, QStringLiteral("consolidated.safetensors"), safetensors({f32("stray", 1, 9)}));
    for (int i = 0; i < indexes.size(); ++i) {
        // Each index has its own shard holding a tensor named after the index, to see which one was used.
        const QByteArray shard = "shard-" + QByteArray::number(i) + ".safetensors";
        put(dir, QString::fromLatin1(shard), safetensors({f32(indexes[i].toLatin1(), 1, uint32_t(i))}));
        put(dir, indexes[i], indexJson({{indexes[i].toLatin1(), shard}}, totalSize(4)));
    }

    const auto model = openOk(dir.path());
    QVERIFY(model);
    QCOMPARE(model->source(), Model::Source::Folder);
    QCOMPARE(model->path(), dir.path());
    QCOMPARE(model->displayName(), QDir(dir.path()).dirName());
    QCOMPARE(QFileInfo(model->indexPath()).fileName(), chosen);
    QCOMPARE(entryNames(*model), QStringList{chosen});
    QVERIFY(model->warnings().empty());
}

void TestModel::folderOfPlainFiles()
{
    QTemporaryDir dir;
    const TensorSpec sharedFirst = f32("shared", 2, 1);
    put(dir, QStringLiteral("part-10.safetensors"), safetensors({f32("ten", 1, 2), f32("shared", 2, 3)}));
    put(dir, QStringLiteral("part-2.safetensors"), safetensors({f32("two", 1, 4)}));
    put(dir, QStringLiteral("part-1.safetensors"), safetensors({f32("one", 1, 5), sharedFirst}));
    put(dir, QStringLiteral("config.json"), "{}");
    put(dir, QStringLiteral("notes.txt"), "hello");
    put(dir, QStringLiteral("unet/ignored.safetensors"), safetensors({f32("nested", 1, 6)}));

    const auto model = openOk(dir.path());
    QVERIFY(model);
    QCOMPARE(model->source(), Model::Source::Folder);
    QVERIFY(model->indexPath().isEmpty());
    QCOMPARE(model->shards().size(), size_t(3));
    QCOMPARE(QFileInfo(model->shards()[2].path).fileName(), QStringLiteral("part-10.safetensors"));
    QCOMPARE(entryNames(*model), QStringList({QStringLiteral("one"), QStringLiteral("shared"), QStringLiteral("two"),
                                              QStringLiteral("ten"), QStringLiteral("shared")}));

    QCOMPARE(model->warnings().size(), size_t(1));
    const Warning& warning = model->warnings().front();
    QCOMPARE(warning.code, QStringLiteral("TensorInTwoShards"));
    QCOMPARE(warning.tensor, QStringLiteral("shared"));
    QCOMPARE(warning.shard, QStringLiteral("part-10.safetensors"));
    QVERIFY2(warning.message.contains(QStringLiteral("part-1.safetensors")), qPrintable(warning.message));
    QVERIFY2(warning.message.contains(QStringLiteral("part-10.safetensors")), qPrintable(warning.message));
    const auto found = model->find("shared");
    QCOMPARE(found, std::optional<size_t>(1));
    QVERIFY(dataEquals(*model, *found, sharedFirst.data));

    // One unreadable file does not hide the others.
    put(dir, QStringLiteral("part-3.safetensors"), lfsPointer());
    const auto withPointer = openOk(dir.path());
    QVERIFY(withPointer);
    QCOMPARE(withPointer->tensorCount(), size_t(5));
    const auto unreadable = warningsWithCode(*withPointer, QStringLiteral("ShardUnreadable"));
    QCOMPARE(unreadable.size(), size_t(1));
    QCOMPARE(unreadable[0]->shard, QStringLiteral("part-3.safetensors"));
    QVERIFY2(unreadable[0]->message.contains(QStringLiteral("Git LFS pointer")), qPrintable(unreadable[0]->message));
}

void TestModel::diffusersFolder()
{
    QTemporaryDir dir;
    put(dir, QStringLiteral("model_index.json"), "{}");
    put(dir, QStringLiteral("scheduler/scheduler_config.json"), "{}");
    const TensorSpec embedding = f32("emb", 3, 1);
    put(dir, QStringLiteral("text_encoder/model.safetensors"), safetensors({embedding}));
    const TensorSpec unetWeight = f32("conv.weight", 4, 2);
    const TensorSpec unetBias = f32("conv.bias", 1, 3);
    put(dir, QStringLiteral("unet/diffusion_pytorch_model-00001-of-00002.safetensors"), safetensors({unetWeight}));
    put(dir, QStringLiteral("unet/diffusion_pytorch_model-00002-of-00002.safetensors"), safetensors({unetBias}));
    put(dir, QStringLiteral("unet/diffusion_pytorch_model.safetensors.index.json"),
        indexJson({{"conv.bias", "diffusion_pytorch_model-00002-of-00002.safetensors"},
                   {"conv.weight", "diffusion_pytorch_model-00001-of-00002.safetensors"}},
                  totalSize(20)));
    // The same tensor name in another component is no duplicate.
    const TensorSpec vaeWeight = f32("conv.weight", 2, 4);
    put(dir, QStringLiteral("vae/diffusion_pytorch_model.safetensors"), safetensors({vaeWeight}));

    const auto model = openOk(dir.path());
    QVERIFY(model);
    QCOMPARE(model->source(), Model::Source::Folder);
    QVERIFY2(model->warnings().empty(), describe(*model).constData());
    QStringList components;
    for (const Model::Shard& shard : model->shards())
        components << shard.component;
    QCOMPARE(components, QStringList({QStringLiteral("text_encoder"), QStringLiteral("unet"), QStringLiteral("unet"),
                                      QStringLiteral("vae")}));
    // The unet index's first-seen shard is 00002.
    QCOMPARE(entryNames(*model), QStringList({QStringLiteral("text_encoder/emb"), QStringLiteral("unet/conv.bias"),
                                              QStringLiteral("unet/conv.weight"), QStringLiteral("vae/conv.weight")}));
    const auto unet = model->find("unet/conv.weight");
    const auto vae = model->find("vae/conv.weight");
    const auto text = model->find("text_encoder/emb");
    QVERIFY(unet && vae && text);
    QVERIFY(dataEquals(*model, *unet, unetWeight.data));
    QVERIFY(dataEquals(*model, *vae, vaeWeight.data));
    QVERIFY(dataEquals(*model, *text, embedding.data));
    QCOMPARE(model->tensor(*unet).name, std::string("conv.weight")); // the header's own name is untouched
    QVERIFY(!model->find("conv.weight"));
    QCOMPARE(model->totalParameters(), uint64_t(3 + 4 + 1 + 2));
    // A component's index is not the model's index.
    QVERIFY(model->indexPath().isEmpty());
    QVERIFY(model->indexMetadata().empty());
}

void TestModel::diffusersBrokenComponent()
{
    QTemporaryDir dir;
    put(dir, QStringLiteral("unet/diffusion_pytorch_model.safetensors.index.json"), "{not json");
    put(dir, QStringLiteral("unet/diffusion_pytorch_model-00001-of-00001.safetensors"),
        safetensors({f32("conv.weight", 1, 1)}));
    put(dir, QStringLiteral("vae/diffusion_pytorch_model.safetensors"),
        safetensors({f32("conv.weight", 2, 2), {"odd", "F7", {1}, patternBytes(1, 3)}}));

    const auto model = openOk(dir.path());
    QVERIFY(model);
    QCOMPARE(entryNames(*model), QStringList({QStringLiteral("vae/conv.weight"), QStringLiteral("vae/odd")}));

    const auto broken = warningsWithCode(*model, QStringLiteral("ShardUnreadable"));
    QCOMPARE(broken.size(), size_t(1));
    QCOMPARE(broken[0]->shard, QStringLiteral("unet/diffusion_pytorch_model.safetensors.index.json"));
    QVERIFY2(broken[0]->message.contains(QStringLiteral("not valid JSON")), qPrintable(broken[0]->message));

    // Header warnings of a component name the component's tensor and file.
    const auto unknown = warningsWithCode(*model, QStringLiteral("UnknownDType"));
    QCOMPARE(unknown.size(), size_t(1));
    QCOMPARE(unknown[0]->tensor, QStringLiteral("vae/odd"));
    QCOMPARE(unknown[0]->shard, QStringLiteral("vae/diffusion_pytorch_model.safetensors"));
}

void TestModel::emptyFolder_data()
{
    QTest::addColumn<QStringList>("files");
    QTest::newRow("empty") << QStringList();
    QTest::newRow("config only") << QStringList{QStringLiteral("config.json"), QStringLiteral("scheduler/x.json")};
    QTest::newRow("too deep") << QStringList{QStringLiteral("a/b/model.safetensors")};
}

void TestModel::emptyFolder()
{
    QFETCH(QStringList, files);
    QTemporaryDir dir;
    for (const QString& file : files)
        put(dir, file, file.endsWith(QLatin1StringView(".safetensors")) ? safetensors({f32("x", 1, 1)}) : "{}");

    const auto model = Model::open(dir.path());
    QVERIFY(!model);
    QCOMPARE(model.error().kind, ErrorKind::IoError);
    QCOMPARE(model.error().path, dir.path());
    QVERIFY2(model.error().message.contains(QStringLiteral("no safetensors files in folder")),
             qPrintable(model.error().message));
}

void TestModel::naturalOrder_data()
{
    QTest::addColumn<QString>("left");
    QTest::addColumn<QString>("right");
    QTest::addColumn<bool>("less");

    QTest::newRow("2 < 10") << QStringLiteral("part-2") << QStringLiteral("part-10") << true;
    QTest::newRow("10 > 2") << QStringLiteral("part-10") << QStringLiteral("part-2") << false;
    QTest::newRow("padded") << QStringLiteral("model-00002-of-00010") << QStringLiteral("model-00010-of-00010") << true;
    QTest::newRow("equal") << QStringLiteral("a1") << QStringLiteral("a1") << false;
    QTest::newRow("prefix") << QStringLiteral("a") << QStringLiteral("a1") << true;
    QTest::newRow("text first") << QStringLiteral("b1") << QStringLiteral("a2") << false;
    QTest::newRow("same value, tie broken") << QStringLiteral("a01") << QStringLiteral("a1") << true;
    QTest::newRow("same value, reversed") << QStringLiteral("a1") << QStringLiteral("a01") << false;
    QTest::newRow("long numbers") << QStringLiteral("x99999999999999999999") << QStringLiteral("x100000000000000000000")
                                  << true;
}

void TestModel::naturalOrder()
{
    QFETCH(QString, left);
    QFETCH(QString, right);
    QFETCH(bool, less);
    QCOMPARE(naturalLess(left, right), less);
}

QTEST_GUILESS_MAIN(TestModel)
#include "tst_model.moc"
