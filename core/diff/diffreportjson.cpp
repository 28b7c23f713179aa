#include "core/diff/diffreportjson.h"

#include "core/diff/quantpairdiff.h"

#include <cmath>

namespace safescope {

namespace {

nlohmann::json number(double value)
{
    if (std::isnan(value))
        return "nan";
    if (std::isinf(value))
        return value > 0 ? "inf" : "-inf";
    return value;
}

} // namespace

nlohmann::json tensorDiffJson(const TensorDiff& d)
{
    const bool hasA = d.status != DiffStatus::OnlyInB;
    const bool hasB = d.status != DiffStatus::OnlyInA;
    nlohmann::json t{{"name", d.name}, {"status", diffStatusName(d.status)}};
    if (!d.nameB.empty())
        t["name_b"] = d.nameB;
    t["dtype_a"] = hasA ? nlohmann::json(dtypeName(d.dtypeA)) : nlohmann::json();
    t["dtype_b"] = hasB ? nlohmann::json(dtypeName(d.dtypeB)) : nlohmann::json();
    t["shape_a"] = hasA ? nlohmann::json(d.shapeA) : nlohmann::json();
    t["shape_b"] = hasB ? nlohmann::json(d.shapeB) : nlohmann::json();
    if (const auto& m = d.metrics) {
        t["max_abs"] = number(m->maxAbs);
        t["max_abs_index"] = m->maxAbsIndex;
        t["max_abs_position"] = m->maxAbsPosition;
        t["mean_abs"] = number(m->meanAbs);
        t["rms"] = number(m->rms);
        t["rel_l2"] = number(m->relL2);
        t["cosine"] = number(m->cosine);
        t["beyond_tolerance"] = m->beyondTolerance;
        t["nan_mismatch"] = m->nanMismatch;
        t["inf_mismatch"] = m->infMismatch;
    }
    if (!d.schemeA.empty() || !d.schemeB.empty()) { // a quantized side, read dequantized: the quantization error
        t["scheme_a"] = d.schemeA.empty() ? nlohmann::json() : nlohmann::json(d.schemeA);
        t["scheme_b"] = d.schemeB.empty() ? nlohmann::json() : nlohmann::json(d.schemeB);
        t["dequantized"] = true;
        t["sqnr_db"] = d.metrics ? number(sqnrDb(*d.metrics)) : nlohmann::json();
    }
    t["within_tolerance"] = d.withinTolerance();
    if (!d.note.empty())
        t["note"] = d.note;
    if (d.transposed)
        t["transposed"] = true;
    return t;
}

nlohmann::json diffSummaryJson(const ModelDiff& diff, const DiffTolerance& tolerance)
{
    const DiffSummary& s = diff.summary;
    nlohmann::json j{{"pairs", s.pairs}};
    for (int k = 0; k < kDiffStatusCount; ++k)
        j[diffStatusName(static_cast<DiffStatus>(k))] = s.counts[static_cast<size_t>(k)];
    j["within_tolerance"] = s.withinTolerance;
    j["compared"] = s.compared;
    j["parameters_a"] = s.parametersA;
    j["parameters_b"] = s.parametersB;
    j["parameters_changed"] = s.parametersChanged;
    j["parameters_in_changed_tensors"] = s.parametersInChangedTensors;
    j["metadata_changes"] = diff.metadata.size();
    j["atol"] = tolerance.atol;
    j["rtol"] = tolerance.rtol;
    j["equal"] = diff.equal();
    return j;
}

nlohmann::json metadataDiffJson(const MetadataDiff& diff)
{
    nlohmann::json added = nlohmann::json::object();
    nlohmann::json removed = nlohmann::json::object();
    nlohmann::json changed = nlohmann::json::object();
    for (const MetadataEntry& e : diff.added)
        added[e.key] = e.value;
    for (const MetadataEntry& e : diff.removed)
        removed[e.key] = e.value;
    for (const MetadataDiff::Change& c : diff.changed)
        changed[c.key] = {{"a", c.valueA}, {"b", c.valueB}};
    return {{"added", std::move(added)}, {"removed", std::move(removed)}, {"changed", std::move(changed)}};
}

nlohmann::json diffReportJson(const ModelDiff& diff, const DiffTolerance& tolerance)
{
    nlohmann::json tensors = nlohmann::json::array();
    for (const TensorDiff& d : diff.tensors)
        tensors.push_back(tensorDiffJson(d));
    return {{"summary", diffSummaryJson(diff, tolerance)},
            {"tensors", std::move(tensors)},
            {"metadata", metadataDiffJson(diff.metadata)}};
}

} // namespace safescope
