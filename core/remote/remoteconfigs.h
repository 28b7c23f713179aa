#pragma once

#include "core/modelinfo/modelcard.h"
#include "core/quant/quantconfig.h"

#include <QStringList>

#include <atomic>
#include <optional>

namespace safescope {

/// The configuration files beside a remote model's weights, as a local folder's are read (readQuantConfig(),
/// readModelCard()): the quantization settings and config.json's model card.
struct RemoteConfigs
{
    QuantConfig quantConfig;
    std::optional<ModelCard> card;
};

/// Reads the config files among `besideWeights` (openModelLocation()'s list: from the Hub's listing, or the names
/// a plain URL's folder may hold); a file that is not there is absent, one that cannot be fetched otherwise becomes a
/// QuantConfigUnreadable problem, never a failure. Shared by the viewer's
/// loader and the CLI so both recognise a remote model's quantized weights as they would the local copy's.
RemoteConfigs readRemoteConfigs(const QStringList& besideWeights, const std::atomic_bool* cancel = nullptr);

} // namespace safescope
