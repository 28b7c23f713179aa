#include "support/moecheckpoint.h"

#include "core/io/localpath.h"
#include "core/export/writer.h"

#include <QDir>
#include <QFile>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace safescope::test {

namespace {

uint64_t blocks(uint64_t size)
{
    return (size + 127) / 128; // DeepSeek-V3's weight_block_size [128, 128], edge blocks included
}

void addLinear(std::vector<MoeTensor>& out, const std::string& prefix, uint64_t rows, uint64_t columns, bool fp8)
{
    out.push_back({prefix + ".weight", false, {rows, columns}});
    if (fp8)
        out.push_back({prefix + ".weight_scale_inv", true, {blocks(rows), blocks(columns)}});
}

QString shardName(int shard, int count)
{
    return QString::asprintf("model-%05d-of-%05d.safetensors", shard + 1, count);
}

Status writeShard(const QString& path, std::vector<WriteTensor> tensors, uint64_t& totalBytes)
{
    Result<std::string> header = buildHeader(tensors, WriteOptions{});
    if (!header)
        return header.error();
    uint64_t dataBytes = 0;
    for (const WriteTensor& tensor : tensors) {
        uint64_t elements = 1;
        for (const uint64_t dim : tensor.shape)
            elements *= dim;
        dataBytes += elements * static_cast<uint64_t>(dtypeBits(tensor.dtype)) / 8;
    }
    totalBytes += dataBytes;
    const int fd = ::open(encodeLocalPath(path).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return makeError(ErrorKind::IoError, QStringLiteral("cannot create the shard"), path);
    unsigned char length[8];
    for (int i = 0; i < 8; ++i)
        length[i] = static_cast<unsigned char>(header->size() >> (8 * i));
    const bool ok = ::write(fd, length, 8) == 8 &&
                    ::write(fd, header->data(), header->size()) == static_cast<ssize_t>(header->size()) &&
                    ::ftruncate(fd, static_cast<off_t>(8 + header->size() + dataBytes)) == 0;
    ::close(fd);
    if (!ok)
        return makeError(ErrorKind::IoError, QStringLiteral("cannot write the shard"), path);
    return Ok{};
}

} // namespace

std::vector<MoeTensor> moeTensors(const MoeCheckpointSpec& spec)
{
    std::vector<MoeTensor> out;
    const uint64_t h = spec.hidden;
    out.push_back({"model.embed_tokens.weight", false, {spec.vocab, h}});
    for (int layer = 0; layer < spec.layers; ++layer) {
        const std::string p = "model.layers." + std::to_string(layer);
        out.push_back({p + ".input_layernorm.weight", false, {h}});
        out.push_back({p + ".post_attention_layernorm.weight", false, {h}});
        // Multi-head latent attention: low-rank q and kv projections.
        addLinear(out, p + ".self_attn.q_a_proj", 1536, h, spec.fp8);
        out.push_back({p + ".self_attn.q_a_layernorm.weight", false, {1536}});
        addLinear(out, p + ".self_attn.q_b_proj", 24576, 1536, spec.fp8);
        addLinear(out, p + ".self_attn.kv_a_proj_with_mqa", 576, h, spec.fp8);
        out.push_back({p + ".self_attn.kv_a_layernorm.weight", false, {512}});
        addLinear(out, p + ".self_attn.kv_b_proj", 32768, 512, spec.fp8);
        addLinear(out, p + ".self_attn.o_proj", h, 16384, spec.fp8);
        if (layer < spec.denseLayers) {
            addLinear(out, p + ".mlp.gate_proj", spec.denseIntermediate, h, spec.fp8);
            addLinear(out, p + ".mlp.up_proj", spec.denseIntermediate, h, spec.fp8);
            addLinear(out, p + ".mlp.down_proj", h, spec.denseIntermediate, spec.fp8);
            continue;
        }
        out.push_back({p + ".mlp.gate.weight", false, {static_cast<uint64_t>(spec.experts), h}});
        out.push_back({p + ".mlp.gate.e_score_correction_bias", true, {static_cast<uint64_t>(spec.experts)}});
        for (int expert = 0; expert < spec.experts; ++expert) {
            const std::string e = p + ".mlp.experts." + std::to_string(expert);
            addLinear(out, e + ".gate_proj", spec.expertIntermediate, h, spec.fp8);
            addLinear(out, e + ".up_proj", spec.expertIntermediate, h, spec.fp8);
            addLinear(out, e + ".down_proj", h, spec.expertIntermediate, spec.fp8);
        }
        addLinear(out, p + ".mlp.shared_experts.gate_proj", spec.expertIntermediate, h, spec.fp8);
        addLinear(out, p + ".mlp.shared_experts.up_proj", spec.expertIntermediate, h, spec.fp8);
        addLinear(out, p + ".mlp.shared_experts.down_proj", h, spec.expertIntermediate, spec.fp8);
    }
    out.push_back({"model.norm.weight", false, {h}});
    out.push_back({"lm_head.weight", false, {spec.vocab, h}});
    return out;
}

Result<MoeCheckpoint> writeMoeCheckpoint(const QString& dir, const MoeCheckpointSpec& spec)
{
    const std::vector<MoeTensor> tensors = moeTensors(spec);
    MoeCheckpoint result;
    result.weightMap.reserve(tensors.size());
    const size_t shards = static_cast<size_t>(std::max(1, spec.shards));
    uint64_t totalBytes = 0;
    for (size_t shard = 0; shard < shards; ++shard) {
        const size_t begin = tensors.size() * shard / shards;
        const size_t end = tensors.size() * (shard + 1) / shards;
        const QString name = shardName(static_cast<int>(shard), static_cast<int>(shards));
        std::vector<WriteTensor> written;
        written.reserve(end - begin);
        for (size_t i = begin; i < end; ++i) {
            const MoeTensor& tensor = tensors[i];
            const bool norm = tensor.shape.size() == 1;
            const DType dtype = tensor.f32 ? DType::F32 : (spec.fp8 && !norm ? DType::F8_E4M3 : DType::BF16);
            written.push_back(WriteTensor{tensor.name, dtype, tensor.shape, nullptr});
            result.weightMap.emplace_back(tensor.name, name.toStdString());
        }
        if (Status status = writeShard(QDir(dir).filePath(name), std::move(written), totalBytes); !status)
            return status.error();
    }
    std::sort(result.weightMap.begin(), result.weightMap.end());

    // The index text is written by hand, keys sorted as transformers writes them: 8 MB at DeepSeek's size.
    const char* indent = spec.compactIndex ? "" : "    ";
    const char* newline = spec.compactIndex ? "" : "\n";
    std::string json = std::string("{") + newline + "\"metadata\":{\"total_size\":" + std::to_string(totalBytes) +
                       "}," + newline + "\"weight_map\":{" + newline;
    for (size_t i = 0; i < result.weightMap.size(); ++i) {
        json += indent + nlohmann::json(result.weightMap[i].first).dump() + ":\"" + result.weightMap[i].second + '"';
        json += (i + 1 < result.weightMap.size() ? "," : "") + std::string(newline);
    }
    json += "}}\n";
    result.indexPath = QDir(dir).filePath(QStringLiteral("model.safetensors.index.json"));
    QFile file(result.indexPath);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(json.data(), static_cast<qint64>(json.size())) != static_cast<qint64>(json.size()))
        return makeError(ErrorKind::IoError, QStringLiteral("cannot write the index"), result.indexPath);
    return result;
}

} // namespace safescope::test
