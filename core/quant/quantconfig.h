#pragma once

#include "core/format/warning.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace safescope {

/// The quantization settings a model's folder declares. Read from config.json (`quantization_config`, also under
/// `text_config`; MLX's `quantization`), then hf_quant_config.json (ModelOpt), quantize_config.json (AutoGPTQ) and
/// quant_config.json (AutoAWQ) for what config.json leaves unsaid. Unset numbers are 0 and unset strings empty:
/// a scheme that needs a value it does not find reports a problem instead of assuming one.
struct QuantConfig
{
    QString method;                   ///< quant_method, lower case: "fp8", "gptq", "awq", "bitsandbytes", "mxfp4",
                                      ///< "modelopt", "compressed-tensors", "mlx"; empty when none is declared
    int bits = 0;                     ///< bits / w_bit / num_bits
    int groupSize = 0;                ///< group_size / q_group_size; -1 = one group over a whole column
    std::vector<int> weightBlockSize; ///< [rows, cols] of FP8 block scales
    bool descAct = false;
    bool sym = true;
    QString checkpointFormat; ///< GPTQ: "gptq" (v1) or "gptq_v2"
    bool zeroPoint = true;    ///< AWQ
    QString version;          ///< AWQ: "gemm", "gemv", ... (lower case)
    QString quantAlgo;        ///< ModelOpt: "NVFP4", "FP8" (upper case)
    QString strategy;         ///< compressed-tensors weights strategy: "tensor", "channel", "block", "group"
    QString format;           ///< compressed-tensors format: "float-quantized", "pack-quantized", ...
    QString bnb4bitQuantType; ///< "nf4" or "fp4"
    bool loadIn4bit = false;
    bool loadIn8bit = false;
    QStringList modulesToNotConvert; ///< modules_to_not_convert / ignore / exclude_modules
    QStringList sources;             ///< the files the settings came from, first one first
    std::vector<Warning> problems;   ///< unreadable or malformed files, each naming the file

    bool declared() const { return !method.isEmpty(); }
};

/// The folder whose config files describe `modelPath`: the path itself when it is a folder, otherwise the folder
/// of the file or index.
QString configFolderOf(const QString& modelPath);

/// Reads the quantization settings of the model at `modelPath` (a file, an index or a folder). Missing files are
/// normal (no settings); malformed ones become problems, never a failure.
QuantConfig readQuantConfig(const QString& modelPath);

/// Parses settings from the text of the named config files (for tests and for callers that already hold them):
/// `fileName` decides how the text is read ("config.json", "quantize_config.json", ...).
void mergeQuantConfigText(QuantConfig& config, const QString& fileName, const QByteArray& text,
                          const QString& pathForMessages);

} // namespace safescope
