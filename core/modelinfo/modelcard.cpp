#include "core/modelinfo/modelcard.h"

#include "core/io/localpath.h"
#include "core/io/pathstatus.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <nlohmann/json.hpp>

namespace safescope {

namespace {

using Json = nlohmann::json;

// A config is a few KB; anything far larger is not a config and is not read whole.
constexpr qint64 kMaxConfigBytes = 16 << 20;

/// Reads config fields from the top level, else from text_config, recording fields of the wrong type.
class Fields
{
public:
    Fields(const Json& root, ModelCard& card) : m_root(root), m_card(card)
    {
        if (const auto text = root.find("text_config"); text != root.end() && text->is_object())
            m_text = &*text;
    }

    const Json* find(const char* key) const
    {
        if (const auto found = m_root.find(key); found != m_root.end() && !found->is_null())
            return &*found;
        if (m_text != nullptr)
            if (const auto found = m_text->find(key); found != m_text->end() && !found->is_null())
                return &*found;
        return nullptr;
    }

    std::optional<uint64_t> count(const char* key)
    {
        const Json* value = find(key);
        if (value == nullptr)
            return std::nullopt;
        if (value->is_number_unsigned())
            return value->get<uint64_t>();
        if (value->is_number_integer() && value->get<int64_t>() >= 0)
            return static_cast<uint64_t>(value->get<int64_t>());
        wrongType(key, "a non-negative integer", *value);
        return std::nullopt;
    }

    std::string text(const char* key)
    {
        const Json* value = find(key);
        if (value == nullptr)
            return {};
        if (value->is_string())
            return value->get<std::string>();
        wrongType(key, "a string", *value);
        return {};
    }

    std::vector<std::string> texts(const char* key)
    {
        std::vector<std::string> out;
        const Json* value = find(key);
        if (value == nullptr)
            return out;
        if (!value->is_array()) {
            wrongType(key, "an array of strings", *value);
            return out;
        }
        for (const Json& item : *value) {
            if (!item.is_string()) {
                wrongType(key, "an array of strings", *value);
                return {};
            }
            out.push_back(item.get<std::string>());
        }
        return out;
    }

    std::optional<bool> flag(const char* key) const
    {
        const Json* value = find(key);
        return value != nullptr && value->is_boolean() ? std::optional<bool>(value->get<bool>()) : std::nullopt;
    }

private:
    void wrongType(const char* key, const char* expected, const Json& value)
    {
        std::string shown = value.dump(-1, ' ', false, Json::error_handler_t::replace);
        if (shown.size() > 60)
            shown = shown.substr(0, 57) + "...";
        m_card.problems.push_back(
            QStringLiteral("config.json: \"%1\" is %2, expected %3")
                .arg(QLatin1StringView(key), QString::fromStdString(shown), QLatin1StringView(expected)));
    }

    const Json& m_root;
    const Json* m_text = nullptr;
    ModelCard& m_card;
};

std::optional<uint64_t> firstOf(Fields& fields, std::initializer_list<const char*> keys)
{
    for (const char* key : keys)
        if (auto value = fields.count(key))
            return value;
    return std::nullopt;
}

bool isDirectory(const QString& path)
{
    return isFolderPath(path);
}

} // namespace

std::optional<int> ModelCard::dtypeBytes() const
{
    if (torchDtype == "float32" || torchDtype == "float")
        return 4;
    if (torchDtype == "bfloat16" || torchDtype == "float16" || torchDtype == "half")
        return 2;
    if (torchDtype.starts_with("float8"))
        return 1;
    if (torchDtype.empty())
        return 2; // transformers loads an unstated dtype as the checkpoint's; BF16 is what such configs mostly mean
    return std::nullopt;
}

std::optional<uint64_t> ModelCard::kvCacheBytes(uint64_t tokens) const
{
    const auto bytes = dtypeBytes();
    if (!bytes || !layers)
        return std::nullopt;
    if (kvLoraRank) {
        // MLA: one latent of kv_lora_rank plus the rope key shared by all heads, per layer and token.
        return *layers * (*kvLoraRank + qkRopeHeadDim.value_or(0)) * static_cast<uint64_t>(*bytes) * tokens;
    }
    if (!attentionHeads || *attentionHeads == 0)
        return std::nullopt;
    const uint64_t heads = kvHeads.value_or(*attentionHeads);
    const std::optional<uint64_t> dim =
        headDim ? headDim : (hiddenSize ? std::optional<uint64_t>(*hiddenSize / *attentionHeads) : std::nullopt);
    if (!dim)
        return std::nullopt;
    const uint64_t perToken = 2 * heads * *dim * static_cast<uint64_t>(*bytes);
    uint64_t total = 0;
    for (uint64_t layer = 0; layer < *layers; ++layer) {
        // Without layer_types, a configured window applies to every layer (Mistral 7B v0.1).
        const bool sliding = slidingWindow && (layerTypes.empty() ||
                                               (layer < layerTypes.size() && layerTypes[layer] == "sliding_attention"));
        total += perToken * (sliding ? std::min(tokens, *slidingWindow) : tokens);
    }
    return total;
}

std::string ModelCard::kvCacheFormula(uint64_t tokens) const
{
    if (!kvCacheBytes(tokens))
        return {};
    const std::string bytes = std::to_string(*dtypeBytes()) + " bytes (" +
                              (torchDtype.empty() ? std::string("BF16 assumed") : torchDtype) + ")";
    if (kvLoraRank)
        return std::to_string(*layers) + " layers x (kv_lora_rank " + std::to_string(*kvLoraRank) +
               " + qk_rope_head_dim " + std::to_string(qkRopeHeadDim.value_or(0)) + ") x " + bytes + " x " +
               std::to_string(tokens) + " tokens (MLA latent cache)";
    const uint64_t heads = kvHeads.value_or(*attentionHeads);
    const uint64_t dim = headDim.value_or(hiddenSize.value_or(0) / *attentionHeads);
    std::string text = "2 x " + std::to_string(*layers) + " layers x " + std::to_string(heads) + " KV heads x " +
                       std::to_string(dim) + " head_dim x " + bytes + " x " + std::to_string(tokens) + " tokens";
    if (slidingWindow) {
        size_t sliding = layerTypes.empty() ? *layers : 0;
        for (const std::string& type : layerTypes)
            sliding += type == "sliding_attention";
        text += ", " + std::to_string(sliding) + " sliding-window layers capped at " + std::to_string(*slidingWindow) +
                " tokens";
    }
    return text;
}

ModelCard parseModelCard(const QByteArray& json, const QString& path)
{
    ModelCard card;
    card.path = path;
    Json root;
    try {
        root = Json::parse(json.cbegin(), json.cend());
    } catch (const Json::exception& error) {
        card.problems.push_back(
            QStringLiteral("config.json is not valid JSON (%1)").arg(QString::fromUtf8(error.what())));
        return card;
    }
    if (!root.is_object()) {
        card.problems.push_back(QStringLiteral("config.json is not a JSON object"));
        return card;
    }
    Fields fields(root, card);
    card.architectures = fields.texts("architectures");
    card.modelType = fields.text("model_type");
    card.torchDtype = fields.text("torch_dtype");
    if (card.torchDtype.empty())
        card.torchDtype = fields.text("dtype"); // newer transformers write "dtype"
    card.hiddenSize = fields.count("hidden_size");
    card.layers = fields.count("num_hidden_layers");
    card.attentionHeads = fields.count("num_attention_heads");
    card.kvHeads = fields.count("num_key_value_heads");
    card.headDim = fields.count("head_dim");
    card.intermediateSize = fields.count("intermediate_size");
    card.experts = firstOf(fields, {"n_routed_experts", "num_local_experts", "num_experts"});
    card.expertsPerToken = firstOf(fields, {"num_experts_per_tok", "moe_topk"});
    card.sharedExperts = fields.count("n_shared_experts");
    card.moeIntermediateSize = fields.count("moe_intermediate_size");
    card.vocabSize = fields.count("vocab_size");
    card.maxPositions = fields.count("max_position_embeddings");
    card.layerTypes = fields.texts("layer_types");
    card.kvLoraRank = fields.count("kv_lora_rank");
    card.qkRopeHeadDim = fields.count("qk_rope_head_dim");
    // Qwen2 writes a window it does not use (use_sliding_window false); layer_types, when given, decide per layer.
    if (fields.flag("use_sliding_window") != false)
        card.slidingWindow = fields.count("sliding_window");
    return card;
}

std::optional<ModelCard> readModelCard(const QString& openedPath)
{
    const QString folder = isDirectory(openedPath) ? openedPath : QFileInfo(openedPath).absolutePath();
    const QString path = QDir(folder).filePath(QStringLiteral("config.json"));
    const auto status = pathStatus(path);
    if (!status)
        return std::nullopt;
    if (status->kind != platform::FileKind::Regular) { // a FIFO would block the read forever
        ModelCard card;
        card.path = path;
        card.problems.push_back(QStringLiteral("config.json is not a regular file"));
        return card;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        ModelCard card;
        card.path = path;
        card.problems.push_back(QStringLiteral("config.json cannot be read: %1").arg(file.errorString()));
        return card;
    }
    if (file.size() > kMaxConfigBytes) {
        ModelCard card;
        card.path = path;
        card.problems.push_back(
            QStringLiteral("config.json is %1 bytes, too large to be a model config").arg(file.size()));
        return card;
    }
    return parseModelCard(file.read(kMaxConfigBytes), path);
}

} // namespace safescope
