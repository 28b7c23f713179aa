#include "core/publish/hasheffects.h"

#include "core/publish/filehashes.h"

#include <QStringList>

namespace safescope {

HashEffects hashEffectsOfEdit(uint64_t oldHeaderLength, uint64_t newHeaderLength, uint64_t dataLength, bool inPlace)
{
    if (inPlace)
        newHeaderLength = oldHeaderLength;
    HashEffects effects;
    const uint64_t oldSize = 8 + oldHeaderLength + dataLength;
    const uint64_t newSize = 8 + newHeaderLength + dataLength;
    if (oldSize <= kLegacyHashOffset && newSize <= kLegacyHashOffset)
        effects.legacyHash = HashEffect::Keeps; // sha256 of nothing, before and after
    else if (newHeaderLength != oldHeaderLength)
        effects.legacyHash = HashEffect::Changes; // the window now sees data shifted by the change in N
    else if (8 + oldHeaderLength > kLegacyHashOffset)
        effects.legacyHash = HashEffect::MayChange; // the window holds header bytes, which the edit may rewrite
    else
        effects.legacyHash = HashEffect::Keeps;
    return effects;
}

QString hashEffectWord(HashEffect effect)
{
    switch (effect) {
    case HashEffect::Keeps:
        return QStringLiteral("keeps");
    case HashEffect::Changes:
        return QStringLiteral("changes");
    case HashEffect::MayChange:
        break;
    }
    return QStringLiteral("may change");
}

QString describeHashEffects(const HashEffects& effects)
{
    const auto name = [](int kind) {
        switch (kind) {
        case 0:
            return QStringLiteral("the file's SHA-256 (Hugging Face LFS oid, Civitai AutoV2)");
        case 1:
            return QStringLiteral("the tensor data's SHA-256 (sshs_model_hash, modelspec.hash_sha256, Civitai AutoV3)");
        default:
            return QStringLiteral("the legacy hash (sshs_legacy_hash, old web-UI model hash)");
        }
    };
    const HashEffect all[] = {effects.sha256, effects.dataSha256, effects.legacyHash};
    QStringList parts;
    for (HashEffect effect : {HashEffect::Changes, HashEffect::MayChange, HashEffect::Keeps}) {
        QStringList names;
        for (int kind = 0; kind < 3; ++kind)
            if (all[kind] == effect)
                names << name(kind);
        if (!names.isEmpty())
            parts << hashEffectWord(effect) + QLatin1Char(' ') + names.join(QStringLiteral(" and "));
    }
    return QStringLiteral("This save ") + parts.join(QStringLiteral("; it ")) + QLatin1Char('.');
}

} // namespace safescope
