#pragma once

#include "core/format/tensorinfo.h"
#include "core/quant/quantcatalog.h"
#include "core/text/textutil.h"

#include <QString>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace safescope {

/// The shared state of one recogniseQuantized() pass, handed to each scheme's recogniser: name lookups through
/// the model's index, the catalog being filled, and the rules every scheme follows (a part claimed once; a
/// missing or misshapen part is a problem naming the tensor, and nothing is added).
class Recognition final
{
public:
    struct Part
    {
        size_t index = 0;
        const TensorInfo* info = nullptr;
        std::string_view name; ///< the model's own copy of the name
    };

    Recognition(const Model& model, const QuantConfig& config, QuantCatalog& catalog);

    const Model& model() const { return m_model; }
    const QuantConfig& config() const { return m_config; }

    /// The stored tensor `name`, unless it is missing or already a part of another logical tensor.
    std::optional<Part> find(std::string_view name) const;
    /// find() of `stem` + `suffix`, joined in a buffer kept for the pass (no allocation per lookup).
    std::optional<Part> find(std::string_view stem, std::string_view suffix) const;

    /// Adds `tensor` and marks `parts` as its stored parts (the roles are taken in the order given).
    void add(LogicalTensor tensor, std::initializer_list<std::pair<const char*, const Part*>> parts);

    /// A problem about the quantized weight `tensor`: the stored tensors stay as they are.
    void problem(const std::string& tensor, const QString& message);
    /// The standard problem for a part that is not there.
    void missing(const std::string& tensor, const std::string& part, const char* scheme);
    /// The standard problem for a part whose dtype or shape does not fit; `expected` says what would.
    void misshapen(const std::string& tensor, const Part& part, const QString& expected);

    /// From now on every stored tensor find() meets is appended to `found` (model indices): what this pass's result
    /// depends on, when a model is recognised in two halves at once (recogniseQuantized).
    void recordFinds(std::vector<uint32_t>* found) { m_found = found; }

    /// The stored tensor whose name is being dispatched (its anchor): find() of that name answers without a
    /// lookup in the model's name index, which every scheme's recogniser does once for its anchor. Not where the
    /// model repeats a name: every reader looks a part up by name and gets the first copy, so recognition must
    /// judge that copy too, not the anchor.
    void setAnchor(size_t index)
    {
        if (!m_repeatedNames)
            m_anchor = index;
    }

private:
    const Model& m_model;
    const QuantConfig& m_config;
    QuantCatalog& m_catalog;
    mutable std::string m_scratch;
    std::vector<uint32_t>* m_found = nullptr;
    std::optional<size_t> m_anchor;
    bool m_repeatedNames = false;
};

/// A name as QString, for messages.
inline QString nameText(std::string_view name)
{
    return toQString(name);
}
/// "[4096, 11008]"
QString shapeText(std::span<const uint64_t> shape);
/// "F32 [32, 86]": a part's dtype and shape as messages show it.
QString partText(const TensorInfo& info);
/// True when `name` ends with `suffix`.
inline bool endsWith(std::string_view name, std::string_view suffix)
{
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}
/// True for the float dtypes scales are stored in.
bool isScaleDType(DType dtype);

} // namespace safescope
