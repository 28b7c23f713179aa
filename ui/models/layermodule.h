#pragma once

#include <QString>
#include <QStringView>

#include <optional>

namespace safescope {

/// Where a tensor sits in a stack of repeated blocks: `model.layers.3.self_attn.q_proj.weight` is layer 3, module
/// `self_attn.q_proj.weight`. The diff heatmap lays pairs out as layer x module with it.
struct LayerModule
{
    int layer = -1;
    QString module;

    /// The first `layers.N.`, `blocks.N.`, `h.N.` or `layer.N.` in a name (dot-separated, so `path.N` does not
    /// count as `h.N`); nullopt when there is none or nothing follows the index.
    static std::optional<LayerModule> parse(QStringView name);
};

} // namespace safescope
