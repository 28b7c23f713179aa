#include "core/publish/trainingdata.h"

#include <algorithm>

namespace safescope {

const std::vector<std::string>& trainingDataKeys()
{
    static const std::vector<std::string> keys{"ss_tag_frequency",   "ss_dataset_dirs",  "ss_reg_dataset_dirs",
                                               "ss_datasets",        "ss_sd_model_name", "ss_vae_name",
                                               "ss_training_comment"};
    return keys;
}

MetadataEdit stripTrainingDataEdit()
{
    MetadataEdit edit;
    edit.unset = trainingDataKeys();
    return edit;
}

std::vector<std::string> trainingDataKeysIn(const std::vector<MetadataEntry>& metadata)
{
    std::vector<std::string> found;
    const std::vector<std::string>& keys = trainingDataKeys();
    for (const MetadataEntry& entry : metadata) {
        if (std::find(keys.begin(), keys.end(), entry.key) != keys.end())
            found.push_back(entry.key);
    }
    return found;
}

} // namespace safescope
