#include "core/diff/tensorpairing.h"

#include "core/format/model.h"
#include "core/quant/quantcatalog.h"
#include "core/text/textutil.h"

#include <unordered_map>
#include <unordered_set>

namespace safescope {

Result<std::vector<TensorPair>> pairTensors(const Model& a, const Model& b, const NameMapper& mapper)
{
    std::vector<TensorPair> pairs;
    pairs.reserve(a.tensorCount() + b.tensorCount());
    std::vector<bool> pairedB(b.tensorCount(), false);
    // Only needed to catch rules that fold two names into one; a plain diff cannot collide (names are unique).
    std::unordered_map<std::string, size_t> mappedFrom;
    for (size_t i = 0; i < a.tensorCount(); ++i) {
        TensorPair pair;
        pair.a = i;
        pair.nameA = a.qualifiedName(i);
        pair.nameB = mapper.map(pair.nameA);
        if (!mapper.isEmpty()) {
            const auto [it, inserted] = mappedFrom.emplace(pair.nameB, i);
            if (!inserted)
                return makeError(ErrorKind::InvalidArgument,
                                 QStringLiteral("name rules map both '%1' and '%2' to '%3'")
                                     .arg(toQString(a.qualifiedName(it->second)), QString::fromStdString(pair.nameA),
                                          QString::fromStdString(pair.nameB)),
                                 a.path());
        }
        pair.b = b.find(pair.nameB);
        if (pair.b)
            pairedB[*pair.b] = true;
        pairs.push_back(std::move(pair));
    }
    for (size_t j = 0; j < b.tensorCount(); ++j) {
        if (!pairedB[j])
            pairs.push_back(
                TensorPair{std::nullopt, j, {}, std::string(b.qualifiedName(j)), std::nullopt, std::nullopt});
    }
    return pairs;
}

namespace {

// Stored tensor -> the logical tensor whose main (first) part it is.
std::unordered_map<size_t, size_t> mainParts(const Model& model, const QuantCatalog* catalog)
{
    std::unordered_map<size_t, size_t> main;
    if (catalog)
        for (size_t t = 0; t < catalog->tensors.size(); ++t)
            if (!catalog->tensors[t].parts.empty())
                if (const auto at = model.find(catalog->tensors[t].parts.front().second))
                    main.emplace(*at, t);
    return main;
}

} // namespace

std::vector<TensorPair> foldQuantized(std::vector<TensorPair> pairs, const Model& a, const Model& b,
                                      const QuantCatalog* quantA, const QuantCatalog* quantB, const NameMapper& mapper)
{
    const bool anyA = quantA && !quantA->tensors.empty();
    const bool anyB = quantB && !quantB->tensors.empty();
    if (!anyA && !anyB)
        return pairs; // the plain diff's pairs, untouched
    const auto mainA = mainParts(a, anyA ? quantA : nullptr);
    const auto mainB = mainParts(b, anyB ? quantB : nullptr);
    // The same quantized weight on both sides (same scheme, same parts): two revisions of one quantized model.
    // Its stored parts are compared as they are, so identical bytes stay "identical" and take the fast paths.
    std::unordered_set<size_t> keptA, keptB;
    if (anyA && anyB) {
        for (const LogicalTensor& ta : quantA->tensors) {
            const std::optional<size_t> at = quantB->find(mapper.map(ta.name));
            if (!at)
                continue;
            const LogicalTensor& tb = quantB->tensors[*at];
            if (tb.scheme != ta.scheme || tb.parts.size() != ta.parts.size())
                continue;
            bool same = true;
            for (size_t k = 0; k < ta.parts.size() && same; ++k)
                same = ta.parts[k].first == tb.parts[k].first &&
                       mapper.map(std::string(ta.parts[k].second)) == tb.parts[k].second;
            if (!same)
                continue;
            for (const auto& part : ta.parts)
                if (const auto index = a.find(part.second))
                    keptA.insert(*index);
            for (const auto& part : tb.parts)
                if (const auto index = b.find(part.second))
                    keptB.insert(*index);
        }
    }
    for (TensorPair& pair : pairs) {
        const bool keepA = pair.a && keptA.contains(*pair.a);
        const bool keepB = pair.b && keptB.contains(*pair.b);
        if ((keepA || keepB) && (keepA || !pair.a) && (keepB || !pair.b))
            continue;
        if (pair.a && anyA && quantA->isStoredPart(*pair.a)) {
            if (const auto main = mainA.find(*pair.a); main != mainA.end()) {
                pair.logicalA = main->second;
                pair.nameA = quantA->tensors[main->second].name;
                if (!pair.b || (anyB && quantB->isStoredPart(*pair.b) && !mainB.contains(*pair.b)))
                    pair.nameB = mapper.map(pair.nameA);
            } else {
                pair.a.reset();
                pair.nameA.clear();
            }
        }
        if (pair.b && anyB && quantB->isStoredPart(*pair.b)) {
            if (const auto main = mainB.find(*pair.b); main != mainB.end()) {
                pair.logicalB = main->second;
                pair.nameB = quantB->tensors[main->second].name;
            } else {
                pair.b.reset();
            }
        }
    }
    // A-only pairs by B's spelling, so that a B-only logical tensor joins its float counterpart.
    std::unordered_map<std::string, size_t> onlyA;
    for (size_t i = 0; i < pairs.size(); ++i)
        if (pairs[i].a && !pairs[i].b)
            onlyA.emplace(pairs[i].nameB, i);
    std::vector<TensorPair> folded;
    folded.reserve(pairs.size());
    std::vector<bool> merged(pairs.size(), false);
    for (size_t i = 0; i < pairs.size(); ++i) {
        TensorPair& pair = pairs[i];
        if (!pair.a && pair.b) {
            if (const auto match = onlyA.find(pair.nameB); match != onlyA.end() && !pairs[match->second].b) {
                pairs[match->second].b = pair.b;
                pairs[match->second].logicalB = pair.logicalB;
                merged[i] = true;
            }
        }
    }
    for (size_t i = 0; i < pairs.size(); ++i)
        if (!merged[i] && (pairs[i].a || pairs[i].b))
            folded.push_back(std::move(pairs[i]));
    return folded;
}

} // namespace safescope
