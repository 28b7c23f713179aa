// A DeepSeek-V3-sized sharded checkpoint (163 shards, ~90,000 tensors, FP8 with block scales) written sparse with the
// project's writer: it opens, every tensor is found by name in the shard the index names, and broken indexes still
// give the SPEC.md section 5 warnings and error kinds. Not timed: speed is bench/run_moe_bench.sh's business.
#include "core/format/model.h"
#include "support/clirun.h"
#include "support/moecheckpoint.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

using namespace safescope;
using namespace safescope::test;

namespace {

using WeightMap = std::vector<std::pair<std::string, std::string>>;

void writeIndex(const QString& path, const WeightMap& weightMap, const std::string& totalSize)
{
    std::string json = "{\"metadata\":{\"total_size\":" + totalSize + "},\"weight_map\":{";
    for (size_t i = 0; i < weightMap.size(); ++i)
        json += (i ? "," : "") + nlohmann::json(weightMap[i].first).dump() + ":" +
                nlohmann::json(weightMap[i].second).dump();
    json += "}}";
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(json.data(), static_cast<qint64>(json.size())), static_cast<qint64>(json.size()));
}

QStringList codes(const Model& model)
{
    QStringList out;
    for (const Warning& warning : model.warnings())
        out << warning.code;
    return out;
}

const Warning* findWarning(const Model& model, const QString& code)
{
    const auto& warnings = model.warnings();
    const auto found = std::ranges::find_if(warnings, [&](const Warning& w) { return w.code == code; });
    return found == warnings.end() ? nullptr : &*found;
}

} // namespace

class TestMoeScale : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void opensWithEveryTensorWhereTheIndexSays();
    void cliValidatesIt();
    void tensorListedButMissingFromItsShard();
    void tensorListedUnderTheWrongShard();
    void tensorNotInTheIndex();
    void missingShard();
    void totalSizeDisagrees();
    void repeatedKeyKeepsTheLastShard();
    void unsafeShardNameIsAnIndexError();

private:
    QTemporaryDir m_dir;
    MoeCheckpointSpec m_spec;
    MoeCheckpoint m_checkpoint;
    std::string m_totalSize;
    QString m_indexText;
};

void TestMoeScale::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const auto written = writeMoeCheckpoint(m_dir.path(), m_spec); // DeepSeek-V3's layout and shapes
    QVERIFY2(written, written ? "" : qPrintable(written.error().message));
    m_checkpoint = *written;
    QFile index(m_checkpoint.indexPath);
    QVERIFY(index.open(QIODevice::ReadOnly));
    const auto json = nlohmann::json::parse(index.readAll().toStdString());
    m_totalSize = json["metadata"]["total_size"].dump();
}

void TestMoeScale::opensWithEveryTensorWhereTheIndexSays()
{
    const std::vector<MoeTensor> expected = moeTensors(m_spec);
    QVERIFY(expected.size() > 90'000); // the scale this test is about
    QCOMPARE(m_checkpoint.weightMap.size(), expected.size());

    const auto model = Model::open(m_checkpoint.indexPath);
    QVERIFY2(model, model ? "" : qPrintable(model.error().message));
    QCOMPARE((*model)->source(), Model::Source::ShardedIndex);
    QCOMPARE((*model)->shards().size(), size_t{163});
    QCOMPARE((*model)->tensorCount(), expected.size());
    QVERIFY2((*model)->warnings().empty(), qPrintable(codes(**model).join(QLatin1Char(','))));
    QCOMPARE((*model)->totalFileBytes() > uint64_t{600} * 1000 * 1000 * 1000, true); // 680 GB, all holes

    // Every tensor by name, in the shard the index gives.
    for (const auto& [name, shard] : m_checkpoint.weightMap) {
        const auto found = (*model)->find(name);
        QVERIFY2(found, name.c_str());
        QCOMPARE(QFileInfo((*model)->shardOf(*found).path).fileName(), QString::fromStdString(shard));
    }

    // One expert's FP8 weight and its 128x128 block scales, shapes as written.
    const auto weight = (*model)->find("model.layers.60.mlp.experts.255.down_proj.weight");
    const auto scale = (*model)->find("model.layers.60.mlp.experts.255.down_proj.weight_scale_inv");
    QVERIFY(weight && scale);
    QCOMPARE((*model)->tensor(*weight).dtype, DType::F8_E4M3);
    QCOMPARE(std::vector<uint64_t>((*model)->tensor(*weight).shape.begin(), (*model)->tensor(*weight).shape.end()),
             (std::vector<uint64_t>{7168, 2048}));
    QCOMPARE((*model)->tensor(*scale).dtype, DType::F32);
    QCOMPARE(std::vector<uint64_t>((*model)->tensor(*scale).shape.begin(), (*model)->tensor(*scale).shape.end()),
             (std::vector<uint64_t>{56, 16}));
    QCOMPARE(QFileInfo((*model)->shardOf(*weight).path).fileName(), QStringLiteral("model-00163-of-00163.safetensors"));
    QVERIFY(!(*model)->find("model.layers.61.mlp.experts.0.up_proj.weight"));
}

void TestMoeScale::cliValidatesIt()
{
    const CliRun run = runCli({QStringLiteral("validate"), m_checkpoint.indexPath, QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 0);
    const auto report = parseJson(run.out);
    QCOMPARE(report["valid"].get<bool>(), true);
    QCOMPARE(report["tensors"].get<size_t>(), m_checkpoint.weightMap.size());
}

void TestMoeScale::tensorListedButMissingFromItsShard()
{
    WeightMap weightMap = m_checkpoint.weightMap;
    weightMap.emplace_back("model.layers.7.mlp.experts.3.ghost_proj.weight", "model-00010-of-00163.safetensors");
    const QString path = QDir(m_dir.path()).filePath(QStringLiteral("ghost.safetensors.index.json"));
    writeIndex(path, weightMap, m_totalSize);
    const auto model = Model::open(path);
    QVERIFY(model);
    QCOMPARE(codes(**model), QStringList{QStringLiteral("TensorNotInShard")});
    const Warning* warning = findWarning(**model, QStringLiteral("TensorNotInShard"));
    QCOMPARE(warning->tensor, QStringLiteral("model.layers.7.mlp.experts.3.ghost_proj.weight"));
    QCOMPARE(warning->shard, QStringLiteral("model-00010-of-00163.safetensors"));
    QCOMPARE((*model)->tensorCount(), m_checkpoint.weightMap.size());
}

void TestMoeScale::tensorListedUnderTheWrongShard()
{
    WeightMap weightMap = m_checkpoint.weightMap;
    auto moved = std::ranges::find_if(weightMap, [](const auto& e) { return e.first == "model.embed_tokens.weight"; });
    QVERIFY(moved != weightMap.end());
    QCOMPARE(moved->second, std::string("model-00001-of-00163.safetensors"));
    moved->second = "model-00002-of-00163.safetensors";
    const QString path = QDir(m_dir.path()).filePath(QStringLiteral("moved.safetensors.index.json"));
    writeIndex(path, weightMap, m_totalSize);
    const auto model = Model::open(path);
    QVERIFY(model);
    QCOMPARE(codes(**model), QStringList{QStringLiteral("TensorNotInShard")});
    const QString message = findWarning(**model, QStringLiteral("TensorNotInShard"))->message;
    QVERIFY2(message.contains(QStringLiteral("'model-00002-of-00163.safetensors'")) &&
                 message.contains(QStringLiteral("(it is in 'model-00001-of-00163.safetensors')")),
             qPrintable(message));
    // Looking it up still finds the real one.
    const auto found = (*model)->find("model.embed_tokens.weight");
    QVERIFY(found);
    QCOMPARE(QFileInfo((*model)->shardOf(*found).path).fileName(), QStringLiteral("model-00001-of-00163.safetensors"));
}

void TestMoeScale::tensorNotInTheIndex()
{
    WeightMap weightMap = m_checkpoint.weightMap;
    const auto dropped = std::ranges::find_if(weightMap, [](const auto& e) { return e.first == "lm_head.weight"; });
    QVERIFY(dropped != weightMap.end());
    weightMap.erase(dropped);
    const QString path = QDir(m_dir.path()).filePath(QStringLiteral("dropped.safetensors.index.json"));
    writeIndex(path, weightMap, m_totalSize);
    const auto model = Model::open(path);
    QVERIFY(model);
    QCOMPARE(codes(**model), QStringList{QStringLiteral("TensorNotInIndex")});
    QCOMPARE(findWarning(**model, QStringLiteral("TensorNotInIndex"))->tensor, QStringLiteral("lm_head.weight"));
    QCOMPARE((*model)->tensorCount(), m_checkpoint.weightMap.size()); // shown anyway
}

void TestMoeScale::missingShard()
{
    WeightMap weightMap = m_checkpoint.weightMap;
    size_t listed = 0;
    for (auto& [tensor, shard] : weightMap)
        if (shard == "model-00050-of-00163.safetensors") {
            shard = "model-00050-of-00163-gone.safetensors";
            ++listed;
        }
    QVERIFY(listed > 100);
    const QString path = QDir(m_dir.path()).filePath(QStringLiteral("gone.safetensors.index.json"));
    writeIndex(path, weightMap, m_totalSize);
    const auto model = Model::open(path);
    QVERIFY(model);
    QCOMPARE(codes(**model), QStringList{QStringLiteral("MissingShard")}); // once, not once per tensor
    QVERIFY(findWarning(**model, QStringLiteral("MissingShard"))
                ->message.contains(QStringLiteral("its %1 tensors listed").arg(listed)));
    QCOMPARE((*model)->tensorCount(), m_checkpoint.weightMap.size() - listed);
    QCOMPARE((*model)->shards().size(), size_t{162});
}

void TestMoeScale::totalSizeDisagrees()
{
    const QString path = QDir(m_dir.path()).filePath(QStringLiteral("size.safetensors.index.json"));
    writeIndex(path, m_checkpoint.weightMap, "12345");
    const auto model = Model::open(path);
    QVERIFY(model);
    QCOMPARE(codes(**model), QStringList{QStringLiteral("TotalSizeMismatch")});
    const CliRun run = runCli({QStringLiteral("validate"), path});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.out.contains("TotalSizeMismatch"), run.out.constData());
}

void TestMoeScale::repeatedKeyKeepsTheLastShard()
{
    // A JSON object with a repeated key means its last value: the first listing, pointing at the wrong shard, is
    // replaced by the second, right one, so nothing is reported.
    WeightMap weightMap = m_checkpoint.weightMap;
    const auto right = std::ranges::find_if(weightMap, [](const auto& e) { return e.first == "model.norm.weight"; });
    QVERIFY(right != weightMap.end());
    weightMap.insert(weightMap.begin(), {right->first, "model-00001-of-00163.safetensors"});
    const QString path = QDir(m_dir.path()).filePath(QStringLiteral("repeat.safetensors.index.json"));
    writeIndex(path, weightMap, m_totalSize);
    const auto model = Model::open(path);
    QVERIFY(model);
    QVERIFY2((*model)->warnings().empty(), qPrintable(codes(**model).join(QLatin1Char(','))));
}

void TestMoeScale::unsafeShardNameIsAnIndexError()
{
    WeightMap weightMap = m_checkpoint.weightMap;
    weightMap[5000].second = "../model-00001-of-00163.safetensors";
    const QString path = QDir(m_dir.path()).filePath(QStringLiteral("unsafe.safetensors.index.json"));
    writeIndex(path, weightMap, m_totalSize);
    const auto model = Model::open(path);
    QVERIFY(!model);
    QCOMPARE(model.error().kind, ErrorKind::InvalidIndex);
    QVERIFY2(model.error().message.contains(QString::fromStdString("'" + weightMap[5000].first + "'")),
             qPrintable(model.error().message));
}

QTEST_GUILESS_MAIN(TestMoeScale)
#include "tst_moescale.moc"
