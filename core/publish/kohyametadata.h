#pragma once

#include "core/format/header.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace safescope {

/// What kohya-ss/sd-scripts (train_network.py, library/train_util.py) leaves in `__metadata__`, read back into
/// structure. sd-scripts builds a Python dict, JSON-encodes the nested parts (ss_tag_frequency, ss_dataset_dirs,
/// ss_reg_dataset_dirs, ss_bucket_info, ss_datasets, ss_network_args) and then turns every value into a string with
/// str(): so numbers arrive as "32" or "16.0", booleans as "True"/"False" and unset options as "None".
struct KohyaMetadata
{
    struct TagCount
    {
        std::string tag;
        int64_t count = 0;
    };
    /// ss_tag_frequency: {"<dataset folder>": {"<tag>": count}}, one entry per image folder (e.g. "10_mychar").
    struct TagFolder
    {
        std::string folder;
        std::vector<TagCount> tags; ///< the file's order
    };
    /// ss_dataset_dirs / ss_reg_dataset_dirs: {"<folder>": {"n_repeats": n, "img_count": n}}.
    struct DatasetFolder
    {
        std::string name;
        std::optional<int64_t> repeats;
        std::optional<int64_t> imageCount;
        bool regularization = false; ///< from ss_reg_dataset_dirs
    };
    /// ss_bucket_info: {"buckets": {"<i>": {"resolution": [w, h], "count": n}}, "mean_img_ar_error": x}.
    struct Bucket
    {
        int64_t width = 0;
        int64_t height = 0;
        int64_t count = 0; ///< images in the bucket, repeats included
    };
    /// A value that held a JSON document, parsed keeping the order of its keys (the raw text stays in the metadata).
    struct StructuredValue
    {
        std::string key;
        nlohmann::ordered_json value;
    };

    bool present = false; ///< any ss_* key at all
    std::vector<TagFolder> tagFrequency;
    std::vector<DatasetFolder> datasetFolders;
    std::vector<Bucket> buckets;
    std::optional<double> meanAspectRatioError;
    /// Plain ss_* values (learning rate, optimizer, epochs, ...) in file order, "None" left out.
    std::vector<MetadataEntry> hyperParameters;
    std::vector<StructuredValue> structured;
    std::string baseModel;     ///< ss_base_model_version, else ss_sd_model_name, else "SD 2.x"/"SD 1.x" from ss_v2
    std::string networkModule; ///< ss_network_module ("networks.lora", "lycoris.kohya")
    std::string networkDim;    ///< ss_network_dim as written ("32")
    std::string networkAlpha;  ///< ss_network_alpha without a needless ".0" ("16")
    /// Keys whose value should have been JSON but did not parse (or had the wrong shape), with why.
    std::vector<std::string> problems;

    /// One line: "networks.lora, dim 32, alpha 16, base sdxl_base_v1-0"; empty when nothing is known.
    std::string summary() const;
    int64_t totalTagCount() const;
};

/// Reads the kohya keys of `metadata`. Never fails: a value that does not parse is listed in `problems`.
KohyaMetadata parseKohyaMetadata(const std::vector<MetadataEntry>& metadata);

/// A metadata value that is a JSON object or array written as a string; nullopt for anything else (plain text,
/// numbers, invalid JSON).
std::optional<nlohmann::ordered_json> parseJsonDocumentValue(const std::string& value);

} // namespace safescope
