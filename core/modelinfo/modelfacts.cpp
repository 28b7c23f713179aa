#include "core/modelinfo/modelfacts.h"

#include "core/format/model.h"
#include "core/modelinfo/modelcard.h"
#include "core/text/format.h"

namespace safescope {

ModelFacts ModelFacts::of(const Model& model, uint64_t parameters, const ModelCard* card)
{
    ModelFacts facts;
    // A rough size reads first, the exact one beside it for whoever compares files byte for byte.
    facts.fileSize = format::bytes(model.totalFileBytes()) + QStringLiteral("  (") +
                     format::count(model.totalFileBytes()) + QStringLiteral(" bytes)");
    facts.parameters = format::count(parameters);
    if (parameters >= 1000) // "39  (39)" would say nothing twice
        facts.parameters += QStringLiteral("  (") + format::compactCount(parameters) + u')';
    facts.tensorBytes = format::bytes(model.totalTensorBytes());
    if (parameters > 0)
        facts.bitsPerWeight = QString::number(
            8.0 * static_cast<double>(model.totalTensorBytes()) / static_cast<double>(parameters), 'f', 2);
    // A quantized weight runs as BF16 at one value per element, its scales and zeros not at all.
    facts.memory = QStringLiteral("weights %1 as stored, %2 as BF16")
                       .arg(format::bytes(model.totalTensorBytes()), format::bytes(parameters * 2));
    if (card)
        if (const auto kvCache = card->kvCacheBytes(1000))
            facts.memory += QStringLiteral("; KV cache %1 per 1,000 tokens of context").arg(format::bytes(*kvCache));
    return facts;
}

} // namespace safescope
