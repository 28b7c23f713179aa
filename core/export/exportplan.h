#pragma once

#include "core/edit/savehooks.h"
#include "core/export/renamerule.h"
#include "core/export/tensorselection.h"
#include "core/format/dtype.h"
#include "core/format/error.h"
#include "core/format/header.h"
#include "core/values/heldtensorbytes.h"

#include <QString>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace safescope {

class Model;
struct QuantCatalog;

/// What happens to `__metadata__` on export.
enum class MetadataPolicy : uint8_t
{
    Keep,    ///< the source's metadata (a sharded source: its first shard's), in every output file
    Replace, ///< ExportOptions::metadata instead
    Drop     ///< no `__metadata__`
};

struct ExportOptions
{
    SelectionRules selection;
    std::vector<RenameRule> renames;  ///< applied in order to each qualified name
    std::optional<DType> targetDtype; ///< F32/F16/BF16/F8_E4M3/F8_E5M2; only F32/F16/BF16 tensors are converted
    MetadataPolicy metadataPolicy = MetadataPolicy::Keep;
    std::vector<MetadataEntry> metadata; ///< for Replace
    /// 0: one file at outputPath. Otherwise shards of at most this many tensor bytes (a bigger tensor gets a shard
    /// of its own), named like Hugging Face's, with an index when there is more than one.
    uint64_t maxShardSize = 0;
    /// A .safetensors file name, or a folder (created if missing) that receives "<baseName>.safetensors" or
    /// "<baseName>-00001-of-0000N.safetensors" + "<baseName>.safetensors.index.json". With a file name and
    /// sharding, its stem is the base name.
    QString outputPath;
    QString baseName = QStringLiteral("model");
    uint64_t reserveBytes = 0; ///< extra header padding in every output file
    SaveHooks hooks;           ///< test seams
    /// The source's quantized weights (recogniseQuantized()). With a targetDtype, each selected one whose main
    /// stored part is selected is written dequantized under its logical name and shape, and its stored parts
    /// (codes, scales, zero points) are dropped. Without a targetDtype, or when null, everything is copied as stored.
    std::shared_ptr<const QuantCatalog> quantized;
    /// Where a dequantized weight's stored parts are read from: the mappings when empty; for a remote model, each
    /// part fetched whole (TensorBytes::parts()) while its one logical tensor is written, then let go, so memory
    /// holds the parts of one tensor at a time (file-backed when large).
    TensorBytesFn partBytes;
};

/// One tensor of the output.
struct ExportTensor
{
    size_t source = 0; ///< index in the source model
    std::string name;  ///< after renames
    DType dtype = DType::Unknown;
    std::vector<uint64_t> shape;
    uint64_t byteSize = 0; ///< in the output dtype
    bool converted = false;
    uint32_t file = 0; ///< index into ExportPlan::files
    /// Set for a dequantized logical tensor: index into ExportOptions::quantized->tensors. Its bytes come from a
    /// TensorProducer (DequantizedProducer), not from the stored tensor `source` (its main part).
    std::optional<size_t> logical;
};

/// Everything an export will do, computed without touching tensor data: for a preview of names and sizes.
struct ExportPlan
{
    std::vector<ExportTensor> tensors;             ///< source model order
    std::vector<QString> files;                    ///< final paths of the .safetensors files
    QString indexPath;                             ///< empty unless there is more than one file
    uint64_t totalBytes = 0;                       ///< tensor bytes of the output
    std::vector<std::string> notConverted;         ///< selected tensors kept in their dtype (not F32/F16/BF16)
    std::vector<std::string> dropped;              ///< stored parts of dequantized tensors, not written
    std::shared_ptr<const QuantCatalog> quantized; ///< ExportOptions::quantized, for ExportTensor::logical
    TensorBytesFn partBytes;                       ///< ExportOptions::partBytes
    std::optional<std::vector<MetadataEntry>> metadata;
};

/// Selects, renames (refusing collisions, empty names and "__metadata__", naming both sources), assigns dtypes and
/// shards. Fails before anything is written.
Result<ExportPlan> planExport(const Model& model, const ExportOptions& options);

/// "model-00002-of-00003.safetensors" (1-based `index`).
QString shardFileName(const QString& baseName, int index, int count);

/// Parses "5GB", "500MB", "1.5GiB", "1000" (bytes); decimal units are powers of 1000, binary ones of 1024, as in
/// Hugging Face's max_shard_size. nullopt when unusable.
std::optional<uint64_t> parseByteSize(const QString& text);

} // namespace safescope
