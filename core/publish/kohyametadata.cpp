#include "core/publish/kohyametadata.h"

namespace safescope {

namespace {

// The values come from any file: nlohmann's parser recurses once per nesting level, so a hostile value of a
// million '[' would exhaust the stack. The header itself is held to 128 levels (SPEC.md section 2); so are these.
bool nestingWithin(const std::string& text, int limit)
{
    int depth = 0;
    bool inString = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit)
                return false;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return true;
}

std::optional<int64_t> integerOf(const nlohmann::ordered_json& value)
{
    if (value.is_number_integer())
        return value.get<int64_t>();
    if (value.is_number_float())
        return static_cast<int64_t>(value.get<double>());
    return std::nullopt;
}

// Python's str(16.0) is "16.0": people write and read alpha as 16.
std::string trimPointZero(std::string text)
{
    if (text.size() > 2 && text.ends_with(".0"))
        text.resize(text.size() - 2);
    return text;
}

bool isNone(const std::string& value)
{
    return value.empty() || value == "None";
}

void readTagFrequency(const nlohmann::ordered_json& document, KohyaMetadata& out)
{
    for (const auto& [folder, tags] : document.items()) {
        KohyaMetadata::TagFolder entry{folder, {}};
        if (tags.is_object()) {
            for (const auto& [tag, count] : tags.items())
                entry.tags.push_back({tag, integerOf(count).value_or(0)});
        }
        out.tagFrequency.push_back(std::move(entry));
    }
}

void readDatasetFolders(const nlohmann::ordered_json& document, bool regularization, KohyaMetadata& out)
{
    for (const auto& [name, info] : document.items()) {
        KohyaMetadata::DatasetFolder folder{name, std::nullopt, std::nullopt, regularization};
        if (info.is_object()) {
            if (info.contains("n_repeats"))
                folder.repeats = integerOf(info["n_repeats"]);
            if (info.contains("img_count"))
                folder.imageCount = integerOf(info["img_count"]);
        }
        out.datasetFolders.push_back(std::move(folder));
    }
}

void readBuckets(const nlohmann::ordered_json& document, KohyaMetadata& out)
{
    if (!document.is_object())
        return;
    if (const auto found = document.find("buckets"); found != document.end() && found->is_object()) {
        for (const auto& [index, bucket] : found->items()) {
            (void)index;
            if (!bucket.is_object() || !bucket.contains("resolution"))
                continue;
            const nlohmann::ordered_json& resolution = bucket["resolution"];
            if (!resolution.is_array() || resolution.size() != 2)
                continue;
            out.buckets.push_back({integerOf(resolution[0]).value_or(0), integerOf(resolution[1]).value_or(0),
                                   bucket.contains("count") ? integerOf(bucket["count"]).value_or(0) : 0});
        }
    }
    if (const auto found = document.find("mean_img_ar_error"); found != document.end() && found->is_number())
        out.meanAspectRatioError = found->get<double>();
}

// With a dataset config (--dataset_config), sd-scripts writes no ss_bucket_info: each dataset's bucket_info sits
// inside ss_datasets instead (train_network.py, "save metadata of multiple datasets").
void readDatasets(const nlohmann::ordered_json& document, bool haveBuckets, KohyaMetadata& out)
{
    if (!document.is_array() || haveBuckets)
        return;
    for (const nlohmann::ordered_json& dataset : document) {
        if (dataset.is_object() && dataset.contains("bucket_info"))
            readBuckets(dataset["bucket_info"], out);
    }
}

} // namespace

std::optional<nlohmann::ordered_json> parseJsonDocumentValue(const std::string& value)
{
    const auto first = value.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || (value[first] != '{' && value[first] != '['))
        return std::nullopt;
    if (!nestingWithin(value, 128))
        return std::nullopt;
    nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(value, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded())
        return std::nullopt;
    return parsed;
}

KohyaMetadata parseKohyaMetadata(const std::vector<MetadataEntry>& metadata)
{
    KohyaMetadata out;
    const nlohmann::ordered_json* datasets = nullptr;
    nlohmann::ordered_json datasetsHolder;
    std::string sdModelName;
    std::string v2;
    for (const MetadataEntry& entry : metadata) {
        if (!entry.key.starts_with("ss_"))
            continue;
        out.present = true;
        const std::string& key = entry.key;
        std::optional<nlohmann::ordered_json> document = parseJsonDocumentValue(entry.value);
        const bool meantAsJson = key == "ss_tag_frequency" || key == "ss_dataset_dirs" ||
                                 key == "ss_reg_dataset_dirs" || key == "ss_bucket_info" || key == "ss_datasets" ||
                                 key == "ss_network_args";
        if (meantAsJson && !document && !isNone(entry.value) && entry.value != "null")
            out.problems.push_back(key + ": not a JSON document");
        if (document) {
            out.structured.push_back({key, *document});
            const bool wantsObject = key != "ss_datasets";
            if (meantAsJson && wantsObject && !document->is_object()) {
                out.problems.push_back(key + ": a JSON object was expected");
                continue;
            }
            if (key == "ss_tag_frequency")
                readTagFrequency(*document, out);
            else if (key == "ss_dataset_dirs")
                readDatasetFolders(*document, false, out);
            else if (key == "ss_reg_dataset_dirs")
                readDatasetFolders(*document, true, out);
            else if (key == "ss_bucket_info")
                readBuckets(*document, out);
            else if (key == "ss_datasets") {
                datasetsHolder = std::move(*document);
                datasets = &datasetsHolder;
            }
            continue;
        }
        if (meantAsJson || isNone(entry.value))
            continue;
        if (key == "ss_base_model_version")
            out.baseModel = entry.value;
        else if (key == "ss_sd_model_name")
            sdModelName = entry.value;
        else if (key == "ss_v2")
            v2 = entry.value;
        else if (key == "ss_network_module")
            out.networkModule = entry.value;
        else if (key == "ss_network_dim")
            out.networkDim = trimPointZero(entry.value);
        else if (key == "ss_network_alpha")
            out.networkAlpha = trimPointZero(entry.value);
        out.hyperParameters.push_back(entry);
    }
    if (datasets)
        readDatasets(*datasets, !out.buckets.empty(), out);
    // Before ss_base_model_version (sd-scripts 2023), the base is known by its file name or the v2 flag alone.
    if (out.baseModel.empty())
        out.baseModel = !sdModelName.empty() ? sdModelName : v2 == "True" ? "SD 2.x" : v2 == "False" ? "SD 1.x" : "";
    return out;
}

std::string KohyaMetadata::summary() const
{
    std::vector<std::string> parts;
    if (!networkModule.empty())
        parts.push_back(networkModule);
    if (!networkDim.empty())
        parts.push_back("dim " + networkDim);
    if (!networkAlpha.empty())
        parts.push_back("alpha " + networkAlpha);
    if (!baseModel.empty())
        parts.push_back("base " + baseModel);
    std::string line;
    for (const std::string& part : parts)
        line += (line.empty() ? "" : ", ") + part;
    return line;
}

int64_t KohyaMetadata::totalTagCount() const
{
    int64_t total = 0;
    for (const TagFolder& folder : tagFrequency) {
        for (const TagCount& tag : folder.tags)
            total += tag.count;
    }
    return total;
}

} // namespace safescope
