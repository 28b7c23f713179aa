#pragma once

#include "core/format/header.h"
#include "core/edit/metadataedit.h"

#include <string>
#include <vector>

namespace safescope {

/// The `__metadata__` keys in which kohya-ss/sd-scripts (train_network.py, train_db.py, fine_tune.py) records the
/// training data itself rather than how the model was trained, removed by "Remove training data" and
/// `meta --strip-training-data`:
/// - ss_tag_frequency: every tag of every caption, counted per image folder (the captions, in effect);
/// - ss_dataset_dirs, ss_reg_dataset_dirs: the image folder names ("10_firstname lastname") and image counts;
/// - ss_datasets: the dataset config, which repeats the tag frequencies and adds image_dir, metadata_file,
///   class_tokens, caption_prefix and caption_suffix per subset;
/// - ss_sd_model_name, ss_vae_name: the base model and VAE as given on the trainer's command line, which is the
///   whole local path whenever that path did not exist when sd-scripts looked (it keeps only the basename when it
///   did);
/// - ss_training_comment: free text the trainer typed, often the trigger words and the data's source.
/// Hyper-parameters, bucket resolutions, network settings and the ss_*_hash keys stay: they describe the training,
/// not the data, and other tools (the web UIs' LoRA browsers, Civitai) read them.
const std::vector<std::string>& trainingDataKeys();

/// The edit removing trainingDataKeys() (keys a file does not have are ignored, so one edit fits every file).
MetadataEdit stripTrainingDataEdit();

/// Which of trainingDataKeys() `metadata` holds, in the file's order.
std::vector<std::string> trainingDataKeysIn(const std::vector<MetadataEntry>& metadata);

} // namespace safescope
