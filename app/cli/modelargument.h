#pragma once

#include "core/format/error.h"
#include "core/format/headerparser.h"
#include "core/remote/fetchedtensor.h"
#include "core/remote/modellocation.h"
#include "core/values/tensorview.h"

#include <QString>
#include <QStringList>

#include <memory>

namespace safescope {
class Model;
}

namespace safescope::cli {

/// The one place a command turns its PATH argument into a model: a local file, index or folder as before, or a
/// remote location (https:// URL, hf://OWNER/REPO[@REV][/PATH]) opened by its headers (core/remote/modellocation.h).
Result<std::shared_ptr<const Model>> openModelArgument(const QString& location, OpenMode mode);

/// The URLs of the files the Hub lists beside a remote model's weights (config.json, ...) as openModelArgument()
/// found them; empty for a local model or a plain URL.
QStringList besideWeightsOf(const Model& model);

/// The values of one stored tensor for a pass over all of them: the mapping of a local file, or the bytes of a
/// remote one fetched first (several ranges in flight, through the block cache).
struct TensorValues
{
    TensorView view;
    std::unique_ptr<FetchedTensor> fetched; ///< owns the bytes of a remote tensor
};
Result<TensorValues> wholeTensor(const Model& model, size_t index);

} // namespace safescope::cli
