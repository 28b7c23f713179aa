#pragma once

#include "core/format/error.h"
#include "core/format/headerparser.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>

namespace safescope {

class Model;

/// The one place a location string becomes a Model, for the CLI and the viewer alike: a local path opens as
/// Model::open() does; an http(s):// URL of a .safetensors file or a *.safetensors.index*.json, or a
/// hf://OWNER/REPO[@REVISION][/PATH], opens by headers alone over the network (HF_ENDPOINT, HF_TOKEN: see
/// HubConfig). The model is the same structure a local open produces; its shards' files have a byteSource() instead
/// of a mapping, and their values are read with FetchedTensor.
/// `besideWeights`, when given, receives the URLs of the other files the Hub lists in the folder of the opened
/// weights (config.json, quantize_config.json, ...), so a viewer reads them without guessing; for a plain URL, the
/// config files its folder may hold, by name (readRemoteConfigs() takes those not found as absent); empty for a local
/// path.
Result<std::shared_ptr<const Model>> openModelLocation(const QString& location, OpenMode mode = OpenMode::Lenient,
                                                       const std::atomic_bool* cancel = nullptr,
                                                       QStringList* besideWeights = nullptr);

/// True when any shard of `model` is remote (read through a ByteSource, not mapped).
bool isRemoteModel(const Model& model);

} // namespace safescope
