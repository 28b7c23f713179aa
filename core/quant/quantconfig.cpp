#include "core/quant/quantconfig.h"

#include "core/io/localpath.h"
#include "core/io/pathstatus.h"
#include "core/io/systemfile.h"

#include <QDir>
#include <QFileInfo>
#include <nlohmann/json.hpp>

#include <cerrno>

namespace safescope {

namespace {

using Json = nlohmann::json;

// Config files are a few kilobytes; a larger one is not a config file we should read into memory.
constexpr qint64 kMaxConfigBytes = 16 * 1024 * 1024;

// Each setter writes only what the object states, so files applied in rising priority let the stronger file win
// field by field.
void setInt(const Json& object, const char* key, int& target)
{
    const auto it = object.find(key);
    if (it != object.end() && it->is_number_integer())
        target = it->get<int>();
}

void setBool(const Json& object, const char* key, bool& target)
{
    const auto it = object.find(key);
    if (it != object.end() && it->is_boolean())
        target = it->get<bool>();
}

void setString(const Json& object, const char* key, QString& target, bool lower = true)
{
    const auto it = object.find(key);
    if (it != object.end() && it->is_string()) {
        const QString text = QString::fromStdString(it->get<std::string>());
        target = lower ? text.toLower() : text;
    }
}

void setStringList(const Json& object, const char* key, QStringList& target)
{
    const auto it = object.find(key);
    if (it == object.end() || !it->is_array())
        return;
    target.clear();
    for (const Json& item : *it)
        if (item.is_string())
            target.append(QString::fromStdString(item.get<std::string>()));
}

void setBlock(const Json& object, const char* key, std::vector<int>& target)
{
    const auto it = object.find(key);
    if (it == object.end() || !it->is_array())
        return;
    std::vector<int> block;
    for (const Json& item : *it)
        if (item.is_number_integer())
            block.push_back(item.get<int>());
    if (block.size() == 2 && block[0] > 0 && block[1] > 0)
        target = block;
}

// compressed-tensors keeps the weight settings in config_groups.<group>.weights; the first group describes the
// weights (checkpoints with several groups use one scheme per group, and we only need to know the layout).
void applyCompressedTensors(const Json& object, QuantConfig& config)
{
    setString(object, "format", config.format);
    setStringList(object, "ignore", config.modulesToNotConvert);
    const auto groups = object.find("config_groups");
    if (groups == object.end() || !groups->is_object())
        return;
    for (const auto& group : groups->items()) {
        const auto weights = group.value().find("weights");
        if (!group.value().is_object() || weights == group.value().end() || !weights->is_object())
            continue;
        setInt(*weights, "num_bits", config.bits);
        setInt(*weights, "group_size", config.groupSize);
        setString(*weights, "strategy", config.strategy);
        setBlock(*weights, "block_structure", config.weightBlockSize);
        return;
    }
}

// One quantization object, whatever tool wrote it.
void applyQuantObject(const Json& object, QuantConfig& config)
{
    setString(object, "quant_method", config.method);
    setInt(object, "bits", config.bits);
    setInt(object, "w_bit", config.bits);
    setInt(object, "group_size", config.groupSize);
    setInt(object, "q_group_size", config.groupSize);
    setBlock(object, "weight_block_size", config.weightBlockSize);
    setBool(object, "desc_act", config.descAct);
    setBool(object, "sym", config.sym);
    setString(object, "checkpoint_format", config.checkpointFormat);
    setBool(object, "zero_point", config.zeroPoint);
    setString(object, "version", config.version);
    setString(object, "quant_algo", config.quantAlgo, false);
    config.quantAlgo = config.quantAlgo.toUpper();
    setString(object, "bnb_4bit_quant_type", config.bnb4bitQuantType);
    setBool(object, "load_in_4bit", config.loadIn4bit);
    setBool(object, "load_in_8bit", config.loadIn8bit);
    setStringList(object, "modules_to_not_convert", config.modulesToNotConvert);
    setStringList(object, "ignore", config.modulesToNotConvert);
    setStringList(object, "exclude_modules", config.modulesToNotConvert);
    if (config.method == QLatin1String("compressed-tensors"))
        applyCompressedTensors(object, config);
    // transformers writes bitsandbytes configs with quant_method set; older ones only with the load_in flags.
    if (config.method.isEmpty() && (config.loadIn4bit || config.loadIn8bit))
        config.method = QStringLiteral("bitsandbytes");
}

bool applyConfigJson(const Json& root, QuantConfig& config)
{
    // MLX writes `quantization` (mlx-lm mirrors it as quantization_config, which then wins below).
    if (const auto mlx = root.find("quantization"); mlx != root.end() && mlx->is_object()) {
        config.method = QStringLiteral("mlx");
        setInt(*mlx, "bits", config.bits);
        setInt(*mlx, "group_size", config.groupSize);
    }
    const Json* object = nullptr;
    if (const auto it = root.find("quantization_config"); it != root.end() && it->is_object())
        object = &*it;
    else if (const auto text = root.find("text_config"); text != root.end() && text->is_object())
        if (const auto nested = text->find("quantization_config"); nested != text->end() && nested->is_object())
            object = &*nested;
    if (object)
        applyQuantObject(*object, config);
    // mlx-lm's mirror carries no quant_method: keep calling it MLX.
    if (object && config.method.isEmpty() && root.contains("quantization"))
        config.method = QStringLiteral("mlx");
    return object || root.contains("quantization");
}

void addProblem(QuantConfig& config, const QString& path, const QString& what)
{
    config.problems.push_back(
        {QStringLiteral("QuantConfigUnreadable"),
         QStringLiteral("%1: %2; its quantization settings are ignored").arg(QFileInfo(path).fileName(), what),
         {},
         path,
         std::nullopt});
}

} // namespace

QString configFolderOf(const QString& modelPath)
{
    // The status through encodeLocalPath(): a folder whose name is not UTF-8 is still recognised as one.
    const bool folder = isFolderPath(modelPath);
    const QFileInfo info(modelPath);
    return folder ? info.absoluteFilePath() : info.absolutePath();
}

void mergeQuantConfigText(QuantConfig& config, const QString& fileName, const QByteArray& text,
                          const QString& pathForMessages)
{
    const Json root = Json::parse(text.constBegin(), text.constEnd(), nullptr, false);
    if (root.is_discarded()) {
        addProblem(config, pathForMessages, QStringLiteral("not valid JSON"));
        return;
    }
    if (!root.is_object()) {
        addProblem(config, pathForMessages, QStringLiteral("not a JSON object"));
        return;
    }
    bool described = false;
    if (fileName == QLatin1String("config.json")) {
        described = applyConfigJson(root, config);
    } else if (fileName == QLatin1String("hf_quant_config.json")) {
        // ModelOpt: {"producer": ..., "quantization": {"quant_algo": "NVFP4", "group_size": 16, ...}}
        if (const auto q = root.find("quantization"); q != root.end() && q->is_object()) {
            config.method = QStringLiteral("modelopt");
            applyQuantObject(*q, config);
            described = true;
        }
    } else if (root.contains("quant_method") || root.contains("bits") || root.contains("w_bit")) {
        applyQuantObject(root, config);
        // quantize_config.json is AutoGPTQ's, quant_config.json AutoAWQ's; neither has to name its method.
        if (!root.contains("quant_method"))
            config.method =
                fileName == QLatin1String("quant_config.json") ? QStringLiteral("awq") : QStringLiteral("gptq");
        described = true;
    }
    if (described)
        config.sources.prepend(pathForMessages);
}

QuantConfig readQuantConfig(const QString& modelPath)
{
    QuantConfig config;
    const QDir folder(configFolderOf(modelPath));
    // Rising priority: each file overrides what the weaker ones said, field by field.
    static const char* const kFiles[] = {"quant_config.json", "quantize_config.json", "hf_quant_config.json",
                                         "config.json"};
    for (const char* name : kFiles) {
        const QString path = folder.filePath(QLatin1String(name));
        // Read through encodeLocalPath() (SystemFile), so folders whose names are not UTF-8 work too.
        platform::FileStatus status;
        if (pathStatus(path, platform::FollowLinks::Yes, status) == ENOENT)
            continue;
        Result<SystemFile> file = SystemFile::open(path, platform::ReadOnly);
        if (!file) {
            addProblem(config, path, QStringLiteral("cannot be opened (%1)").arg(file.error().message));
            continue;
        }
        const Result<platform::FileStatus> info = file->status();
        if (!info || info->kind != platform::FileKind::Regular || info->size > static_cast<uint64_t>(kMaxConfigBytes)) {
            addProblem(config, path, QStringLiteral("not a regular file of at most %1 bytes").arg(kMaxConfigBytes));
            continue;
        }
        QByteArray text(static_cast<qsizetype>(info->size), Qt::Uninitialized);
        if (const Status read = file->readAt(text.data(), static_cast<uint64_t>(text.size()), 0); !read) {
            addProblem(config, path, QStringLiteral("cannot be read (%1)").arg(read.error().message));
            continue;
        }
        mergeQuantConfigText(config, QLatin1String(name), text, path);
    }
    config.sources.removeDuplicates();
    return config;
}

} // namespace safescope
