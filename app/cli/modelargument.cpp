#include "modelargument.h"

#include "core/format/model.h"
#include "core/remote/modellocation.h"

#include <map>

namespace safescope::cli {

namespace {

// A CLI process opens a model or two, each once, on one thread: the Hub's listing of the files beside them is kept
// here, by model, so the commands that read a remote model's config files need not ask the Hub again.
std::map<const Model*, QStringList>& besideWeights()
{
    static std::map<const Model*, QStringList> lists;
    return lists;
}

} // namespace

Result<std::shared_ptr<const Model>> openModelArgument(const QString& location, OpenMode mode)
{
    QStringList beside;
    auto opened = openModelLocation(location, mode, nullptr, &beside);
    if (opened && !beside.isEmpty())
        besideWeights()[opened->get()] = std::move(beside);
    return opened;
}

QStringList besideWeightsOf(const Model& model)
{
    const auto found = besideWeights().find(&model);
    return found == besideWeights().end() ? QStringList() : found->second;
}

Result<TensorValues> wholeTensor(const Model& model, size_t index)
{
    TensorValues values;
    if (!model.shardOf(index).file->byteSource()) {
        values.view = viewOf(model, index);
        return values;
    }
    auto fetched = FetchedTensor::fetchWhole(model, index);
    if (!fetched)
        return fetched.error();
    values.fetched = std::move(*fetched);
    values.view = values.fetched->view();
    return values;
}

} // namespace safescope::cli
