#include "core/shardindex.h"

#include "core/regularfile.h"
#include "core/textutil.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fcntl.h>
#include <unistd.h>
#include <unordered_set>

namespace safescope {

namespace {

// ordered_json keeps weight_map in file order, which decides the shard order users see.
using Json = nlohmann::ordered_json;

// Same limits as a header: an index is small, and a hostile one must not exhaust memory or the stack
// (dump() recurses, so deep values are refused before they are printed).
constexpr qint64 kMaxIndexBytes = 100'000'000;
constexpr int kMaxDepth = 128;

QString fromStd(const std::string& text)
{
    return QString::fromStdString(text);
}

Error indexError(const QString& path, const QString& what)
{
    return makeError(ErrorKind::InvalidIndex,
                     QStringLiteral("index '%1' cannot be used: %2").arg(QFileInfo(path).fileName(), what), path);
}

const char* jsonTypeName(const Json& value)
{
    switch (value.type()) {
    case Json::value_t::null:
        return "null";
    case Json::value_t::object:
        return "an object";
    case Json::value_t::array:
        return "an array";
    case Json::value_t::string:
        return "a string";
    case Json::value_t::boolean:
        return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
        return "a number";
    default:
        return "invalid";
    }
}

std::string compact(const Json& value)
{
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Some tools write total_size as a float (123.0); an integral value is still a usable byte count.
std::optional<uint64_t> byteCount(const Json& value)
{
    if (value.is_number_unsigned())
        return value.get<uint64_t>();
    if (value.is_number_integer()) {
        const auto signedValue = value.get<int64_t>();
        return signedValue >= 0 ? std::optional<uint64_t>(static_cast<uint64_t>(signedValue)) : std::nullopt;
    }
    if (value.is_number_float()) {
        const double number = value.get<double>();
        if (std::isfinite(number) && number >= 0 && number < 18446744073709551616.0 && std::floor(number) == number)
            return static_cast<uint64_t>(number);
    }
    return std::nullopt;
}

// Why a shard name is refused, or empty: the index must not reach outside its own folder (SPEC.md section 5).
QString unsafeShardReason(const std::string& shard)
{
    if (shard.empty())
        return QStringLiteral("it is empty");
    if (shard.find("..") != std::string::npos)
        return QStringLiteral("it contains '..'");
    // "://" before '/', which it contains, so a URL is called a URL.
    if (shard.find("://") != std::string::npos)
        return QStringLiteral("it contains '://'");
    if (shard.find('/') != std::string::npos)
        return QStringLiteral("it contains '/'");
    if (shard.find('\\') != std::string::npos)
        return QStringLiteral("it contains '\\'");
    if (shard.find('\0') != std::string::npos)
        return QStringLiteral("it contains a NUL character");
    return {};
}

} // namespace

bool isShardIndexName(const QString& fileName)
{
    static const QRegularExpression pattern(QStringLiteral("^.+\\.safetensors\\.index.*\\.json$"));
    return pattern.match(fileName).hasMatch();
}

Result<ShardIndex> parseShardIndex(const QByteArray& json, const QString& path)
{
    bool tooDeep = false;
    const Json::parser_callback_t limitDepth = [&tooDeep](int depth, Json::parse_event_t event, Json&) {
        if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
            depth > kMaxDepth) {
            tooDeep = true;
            return false; // discard: the deep value is never built
        }
        return true;
    };
    Json root;
    try {
        root = Json::parse(json.cbegin(), json.cend(), limitDepth);
    } catch (const nlohmann::json::exception& error) {
        return indexError(path, QStringLiteral("it is not valid JSON (%1)").arg(QString::fromUtf8(error.what())));
    }
    if (tooDeep)
        return indexError(path, QStringLiteral("it nests deeper than %1 levels").arg(kMaxDepth));
    if (!root.is_object())
        return indexError(
            path, QStringLiteral("the top level is %1, not an object").arg(QLatin1StringView(jsonTypeName(root))));

    ShardIndex index;
    index.path = path;

    // "metadata" is optional (older and third-party writers omit it); null is taken as absent.
    if (const auto metadata = root.find("metadata"); metadata != root.end() && !metadata->is_null()) {
        if (!metadata->is_object())
            return indexError(
                path,
                QStringLiteral("\"metadata\" is %1, not an object").arg(QLatin1StringView(jsonTypeName(*metadata))));
        for (const auto& [key, value] : metadata->items())
            index.metadata.push_back({key, compact(value)});
        if (const auto total = metadata->find("total_size"); total != metadata->end()) {
            index.totalSize = byteCount(*total);
            if (!index.totalSize)
                index.unusableTotalSize = compact(*total);
        }
    }

    const auto weightMap = root.find("weight_map");
    if (weightMap == root.end())
        return indexError(path, QStringLiteral("it has no \"weight_map\""));
    if (!weightMap->is_object())
        return indexError(
            path,
            QStringLiteral("\"weight_map\" is %1, not an object").arg(QLatin1StringView(jsonTypeName(*weightMap))));
    if (weightMap->empty())
        return indexError(path, QStringLiteral("\"weight_map\" lists no tensors"));

    std::unordered_set<std::string> seenShards;
    index.weightMap.reserve(weightMap->size());
    for (const auto& [tensor, shard] : weightMap->items()) {
        if (!shard.is_string())
            return indexError(path,
                              QStringLiteral("weight_map maps tensor %1 to %2, not to a shard file name")
                                  .arg(fromStd(quoteForMessage(tensor)), fromStd(quoteForMessage(compact(shard)))));
        const auto& shardName = shard.get_ref<const std::string&>();
        if (const QString reason = unsafeShardReason(shardName); !reason.isEmpty())
            return indexError(path,
                              QStringLiteral("weight_map maps tensor %1 to shard %2, which is refused because "
                                             "%3 (shards must be plain file names next to the index)")
                                  .arg(fromStd(quoteForMessage(tensor)), fromStd(quoteForMessage(shardName)), reason));
        if (seenShards.insert(shardName).second)
            index.shards.push_back(shardName);
        index.weightMap.emplace_back(tensor, shardName);
    }
    return index;
}

Result<ShardIndex> readShardIndex(const QString& path)
{
    // Opened by the bytes of the name (QFile(path) would miss a folder whose name is not UTF-8), never blocking on a
    // FIFO named like an index.
    auto fd = openRegularFile(path, O_RDONLY);
    if (!fd)
        return fd.error();
    QFile file;
    if (!file.open(*fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        ::close(*fd);
        return makeError(ErrorKind::IoError, QStringLiteral("cannot open the index: %1").arg(file.errorString()), path);
    }
    if (file.size() > kMaxIndexBytes)
        return indexError(path, QStringLiteral("it is %1 bytes long; an index is expected to be far smaller than "
                                               "100,000,000 bytes")
                                    .arg(fromStd(groupDigits(static_cast<unsigned long long>(file.size())))));
    const QByteArray json = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return makeError(ErrorKind::IoError, QStringLiteral("cannot read the index: %1").arg(file.errorString()), path);
    return parseShardIndex(json, path);
}

} // namespace safescope
