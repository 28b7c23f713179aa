#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace safescope {

/// The facts a Hugging Face `config.json` states about a model, as far as they describe its shape and the memory it
/// needs. Fields absent from the config stay empty; each is read from the top level, else from `text_config` (the
/// language model of a multimodal config). A config that cannot be read is a problem listed in `problems`, never an
/// error: the checkpoint opens without it.
struct ModelCard
{
    QString path; ///< the config.json read
    std::vector<std::string> architectures;
    std::string modelType;
    std::string torchDtype;
    std::optional<uint64_t> hiddenSize;
    std::optional<uint64_t> layers; ///< num_hidden_layers
    std::optional<uint64_t> attentionHeads;
    std::optional<uint64_t> kvHeads; ///< num_key_value_heads (grouped-query attention); else attentionHeads
    std::optional<uint64_t> headDim;
    std::optional<uint64_t> intermediateSize;
    std::optional<uint64_t> experts; ///< n_routed_experts / num_local_experts / num_experts
    std::optional<uint64_t> expertsPerToken;
    std::optional<uint64_t> sharedExperts;
    std::optional<uint64_t> moeIntermediateSize;
    std::optional<uint64_t> vocabSize;
    std::optional<uint64_t> maxPositions;
    std::optional<uint64_t> slidingWindow; ///< only when sliding-window attention is in use
    std::vector<std::string> layerTypes;   ///< "sliding_attention" / "full_attention" per layer, when given
    std::optional<uint64_t> kvLoraRank;    ///< DeepSeek multi-head latent attention
    std::optional<uint64_t> qkRopeHeadDim;
    std::vector<QString> problems;

    /// Bytes of one element of torch_dtype (BF16 = 2), or nothing for a dtype not known here.
    std::optional<int> dtypeBytes() const;

    /// KV-cache bytes for `tokens` tokens of context, or nothing when the config lacks what it takes.
    /// Standard attention: sum over layers of 2 (K and V) x kv_heads x head_dim x bytes x cached tokens, where
    /// head_dim defaults to hidden_size / heads, kv_heads to heads, and a sliding-window layer caches at most
    /// `sliding_window` tokens. DeepSeek MLA caches the compressed latent and the shared rope key instead:
    /// layers x (kv_lora_rank + qk_rope_head_dim) x bytes x tokens. Bytes per element: torch_dtype's, BF16 if unset.
    std::optional<uint64_t> kvCacheBytes(uint64_t tokens) const;
    /// How kvCacheBytes() was computed, in words with the numbers used ("2 x 32 layers x 8 KV heads x ...").
    std::string kvCacheFormula(uint64_t tokens) const;
};

/// Parses config.json text; problems (not JSON, not an object, a field of the wrong type) go to `problems`.
ModelCard parseModelCard(const QByteArray& json, const QString& path);

/// The config.json that belongs to what the user opened: inside a folder, or beside a file or an index. Nothing
/// when there is none.
std::optional<ModelCard> readModelCard(const QString& openedPath);

} // namespace safescope
