#include "core/tensorpairing.h"

#include "core/model.h"
#include "core/textutil.h"

#include <unordered_map>

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
            pairs.push_back(TensorPair{std::nullopt, j, {}, std::string(b.qualifiedName(j))});
    }
    return pairs;
}

} // namespace safescope
