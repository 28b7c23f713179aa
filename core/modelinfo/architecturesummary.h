#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace safescope {

/// A tensor as the architecture summary sees it: its name and shape.
struct NamedShape
{
    std::string_view name;
    std::span<const uint64_t> shape;
};

/// The model's shape rebuilt from its tensor names, the repeated block folded:
///   "61 x DecoderLayer: attention {q_a, q_b, kv_a, kv_b, o}; layers 0-2: MLP {gate, up, down};
///    layers 3-60: MoE {256 experts x 3 + shared, router}"
/// then a line of what lies outside the blocks ("outside the layers: embed_tokens, norm, lm_head"). A block stack is
/// a name part such as "layers", "h" or "blocks" followed by a number. Experts are counted from numbered
/// "experts.N." names, or from the first dimension of fused expert tensors (gpt-oss). Empty when no block stack is
/// found. One pass over the names: linear in their number.
std::vector<std::string> summarizeArchitecture(std::span<const NamedShape> tensors);

/// What precedes each run of layers after the first clause of a summary's first line ("; layers 3-60: ..."): a
/// viewer may break the line there, and nothing else in a summary contains it.
inline constexpr std::string_view kLayerRunSeparator = "; ";

class Model;
/// summarizeArchitecture() over every tensor of `model`, by qualified name.
std::vector<std::string> architectureSummary(const Model& model);

} // namespace safescope
