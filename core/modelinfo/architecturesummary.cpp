#include "core/modelinfo/architecturesummary.h"

#include "core/format/model.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace safescope {

namespace {

void splitDots(std::string_view name, std::vector<std::string_view>& parts)
{
    parts.clear();
    size_t from = 0;
    while (true) {
        const size_t dot = name.find('.', from);
        parts.push_back(name.substr(from, dot == std::string_view::npos ? std::string_view::npos : dot - from));
        if (dot == std::string_view::npos)
            return;
        from = dot + 1;
    }
}

std::optional<uint32_t> number(std::string_view part)
{
    uint32_t value = 0;
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (error != std::errc() || end != part.data() + part.size() || part.empty())
        return std::nullopt;
    return value;
}

bool isStackName(std::string_view part)
{
    return part == "layers" || part == "h" || part == "blocks" || part == "layer" || part == "block";
}

bool isAttention(std::string_view part)
{
    return part == "self_attn" || part == "attn" || part == "attention" || part == "self_attention";
}

bool isFeedForward(std::string_view part)
{
    return part == "mlp" || part == "block_sparse_moe" || part == "feed_forward" || part == "moe" || part == "ffn";
}

/// "q_a_proj" -> "q_a", "kv_a_proj_with_mqa" -> "kv_a", "gate_up_proj_blocks" -> "gate_up", "w1" -> "w1".
std::string_view projectionName(std::string_view part)
{
    if (const size_t proj = part.find("_proj"); proj != std::string_view::npos && proj > 0)
        return part.substr(0, proj);
    return part;
}

using NameSet = std::set<std::string, std::less<>>;

/// Inserts without building a string when the name is already there (nearly always: every layer repeats them).
void insertName(NameSet& names, std::string_view name)
{
    if (names.find(name) == names.end())
        names.emplace(name);
}

/// Attention projections in reading order: queries, keys, values, then outputs.
int projectionRank(std::string_view name)
{
    if (name.starts_with("qkv") || name == "query_key_value" || name == "c_attn")
        return 0;
    if (name.starts_with("q"))
        return 0;
    if (name.starts_with("kv"))
        return 3;
    if (name.starts_with("k"))
        return 1;
    if (name.starts_with("v"))
        return 2;
    if (name.starts_with("o") || name == "dense" || name == "c_proj")
        return 4;
    return 5;
}

std::string braces(std::vector<std::string> names, bool attentionOrder)
{
    if (attentionOrder)
        std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
            const int ra = projectionRank(a);
            const int rb = projectionRank(b);
            return ra != rb ? ra < rb : a < b;
        });
    std::string out = "{";
    for (size_t i = 0; i < names.size(); ++i)
        out += (i ? ", " : "") + names[i];
    return out + "}";
}

/// Feed-forward projections in the order they compute: gate, up, then down (w1, w3, w2 for Mixtral).
int ffnRank(std::string_view name)
{
    if (name.starts_with("gate") || name == "w1" || name == "fc1" || name == "c_fc")
        return 0;
    if (name.starts_with("up") || name == "w3")
        return 1;
    if (name.starts_with("down") || name == "w2" || name == "fc2" || name == "c_proj")
        return 2;
    return 3;
}

std::vector<std::string> sortedFfn(const std::set<std::string, std::less<>>& names)
{
    std::vector<std::string> out(names.begin(), names.end());
    std::stable_sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
        const int ra = ffnRank(a);
        const int rb = ffnRank(b);
        return ra != rb ? ra < rb : a < b;
    });
    return out;
}

bool isNorm(std::string_view part)
{
    return part.find("norm") != std::string_view::npos || part == "ln_1" || part == "ln_2";
}

/// What one block holds, gathered name by name.
struct Block
{
    NameSet attention;
    NameSet dense;                        ///< feed-forward projections without experts
    std::unordered_set<uint32_t> experts; ///< numbered experts
    uint64_t fusedExperts = 0;            ///< first dimension of fused expert tensors
    NameSet expertParts;
    bool shared = false;
    bool router = false;
};

std::string feedForwardText(const Block& block)
{
    const uint64_t experts = std::max<uint64_t>(block.experts.size(), block.fusedExperts);
    if (experts > 0) {
        std::string text = "MoE {" + std::to_string(experts) + " experts x " +
                           std::to_string(std::max<size_t>(1, block.expertParts.size()));
        if (block.shared)
            text += " + shared";
        if (block.router)
            text += ", router";
        return text + "}";
    }
    if (!block.dense.empty())
        return "MLP " + braces(sortedFfn(block.dense), false);
    return {};
}

} // namespace

std::vector<std::string> summarizeArchitecture(std::span<const NamedShape> tensors)
{
    // The block stack: the most common "<prefix>.<layers>.<N>" prefix.
    std::unordered_map<std::string_view, size_t> stackVotes;
    for (const NamedShape& tensor : tensors) {
        const std::string_view name = tensor.name;
        for (size_t from = 0;;) {
            const size_t dot = name.find('.', from);
            if (dot == std::string_view::npos)
                break;
            const size_t next = name.find('.', dot + 1);
            const std::string_view part = name.substr(from, dot - from);
            if (isStackName(part) && next != std::string_view::npos && number(name.substr(dot + 1, next - dot - 1))) {
                ++stackVotes[name.substr(0, dot)];
                break;
            }
            from = dot + 1;
        }
    }
    if (stackVotes.empty())
        return {};
    const std::string_view stack =
        std::max_element(stackVotes.begin(), stackVotes.end(), [](const auto& a, const auto& b) {
            return a.second != b.second ? a.second < b.second : a.first > b.first;
        })->first;

    std::map<uint32_t, Block> blocks; // node-based: `current` stays valid as blocks are added
    Block* current = nullptr;
    uint32_t currentIndex = 0;
    std::vector<std::string> outside;
    std::unordered_set<std::string> outsideSeen;
    std::vector<std::string_view> parts; // reused: one allocation for all names
    for (const NamedShape& tensor : tensors) {
        const std::string_view name = tensor.name;
        if (!name.starts_with(stack) || name.size() <= stack.size() + 1 || name[stack.size()] != '.') {
            // "model.embed_tokens.weight" -> "embed_tokens": the module, without the common prefix or the parameter.
            splitDots(name, parts);
            if (parts.size() > 1)
                parts.pop_back();
            const size_t stackDepth = static_cast<size_t>(std::count(stack.begin(), stack.end(), '.'));
            const std::string_view module = parts.size() > stackDepth ? parts[stackDepth] : parts.back();
            if (outsideSeen.insert(std::string(module)).second)
                outside.emplace_back(module);
            continue;
        }
        splitDots(name.substr(stack.size() + 1), parts);
        const auto index = number(parts[0]);
        if (!index || parts.size() < 2)
            continue;
        // Names come grouped by layer: the previous block is nearly always the one.
        if (current == nullptr || currentIndex != *index) {
            current = &blocks[*index];
            currentIndex = *index;
        }
        Block& block = *current;
        const std::string_view group = parts[1];
        if (isAttention(group)) {
            if (parts.size() >= 4 && !isNorm(parts[2]))
                insertName(block.attention, projectionName(parts[2]));
        } else if (isFeedForward(group) && parts.size() >= 3) {
            const std::string_view sub = parts[2];
            if (sub == "experts" && parts.size() >= 4) {
                if (const auto expert = number(parts[3])) {
                    block.experts.insert(*expert);
                    if (parts.size() >= 6)
                        insertName(block.expertParts, projectionName(parts[4]));
                } else {
                    // Fused experts (gpt-oss: experts.gate_up_proj_blocks [32, ...]): one tensor holds them all.
                    if (!tensor.shape.empty())
                        block.fusedExperts = std::max<uint64_t>(block.fusedExperts, tensor.shape[0]);
                    insertName(block.expertParts, projectionName(parts[3]));
                }
            } else if (sub.starts_with("shared_expert")) {
                block.shared = true;
            } else if (sub == "gate" || sub == "router") {
                block.router = true; // "mlp.gate" routes; "mlp.gate_proj" is a projection
            } else if (parts.size() >= 4) {
                insertName(block.dense, projectionName(sub));
            }
        }
    }

    // The attention text of the most common kind; feed-forward kinds as runs of consecutive layers.
    std::map<std::string, size_t> attentionKinds;
    for (const auto& [index, block] : blocks)
        if (!block.attention.empty())
            ++attentionKinds[braces({block.attention.begin(), block.attention.end()}, true)];
    std::vector<std::pair<std::string, std::pair<uint32_t, uint32_t>>> runs;
    for (const auto& [index, block] : blocks) {
        const std::string text = feedForwardText(block);
        if (!runs.empty() && runs.back().first == text && runs.back().second.second + 1 == index)
            runs.back().second.second = index;
        else
            runs.push_back({text, {index, index}});
    }

    std::string line = std::to_string(blocks.size()) + " x DecoderLayer:";
    std::string separator = " ";
    if (!attentionKinds.empty()) {
        const auto common = std::max_element(attentionKinds.begin(), attentionKinds.end(),
                                             [](const auto& a, const auto& b) { return a.second < b.second; });
        line += separator + "attention " + common->first;
        separator = ", ";
    }
    if (runs.size() == 1 && !runs.front().first.empty()) {
        line += separator + runs.front().first;
    } else if (runs.size() > 1) {
        separator = kLayerRunSeparator;
        for (const auto& [text, range] : runs) {
            if (text.empty())
                continue;
            line += separator + "layers " + std::to_string(range.first) +
                    (range.second != range.first ? "-" + std::to_string(range.second) : std::string()) + ": " + text;
        }
    }
    std::vector<std::string> lines{line};
    // Files list tensors by dtype then name; the model reads embeddings first and its head last.
    const auto outsideRank = [](const std::string& module) {
        return module.find("embed") != std::string::npos ? 0 : module.find("head") != std::string::npos ? 2 : 1;
    };
    std::stable_sort(outside.begin(), outside.end(),
                     [&](const std::string& a, const std::string& b) { return outsideRank(a) < outsideRank(b); });
    if (!outside.empty()) {
        std::string rest = "outside the layers:";
        for (size_t i = 0; i < outside.size(); ++i)
            rest += (i ? ", " : " ") + outside[i];
        lines.push_back(rest);
    }
    return lines;
}

std::vector<std::string> architectureSummary(const Model& model)
{
    std::vector<NamedShape> tensors;
    tensors.reserve(model.tensorCount());
    for (size_t i = 0; i < model.tensorCount(); ++i)
        tensors.push_back({model.qualifiedName(i), model.tensor(i).shape});
    return summarizeArchitecture(tensors);
}

} // namespace safescope
