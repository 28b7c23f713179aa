#include "core/format/shardindex.h"

#include "core/format/indexjsonparser.h"
#include "core/format/utf8.h"
#include "core/io/regularfile.h"
#include "core/io/sigbusguard.h"
#include "core/platform/filemapping.h"
#include "core/platform/systemerror.h"
#include "core/text/textutil.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_set>

namespace safescope {

namespace {

// ordered_json keeps weight_map in file order, which decides the shard order users see.
using Json = nlohmann::ordered_json;

// Same limits as a header: an index is small, and a hostile one must not exhaust memory or the stack
// (dump() recurses, so deep values are refused before they are printed: the cursor's nesting limit).
constexpr qint64 kMaxIndexBytes = 100'000'000;
constexpr int kMaxDepth = 127;

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

} // namespace

QString unsafeShardReason(std::string_view shard)
{
    if (shard.empty())
        return QStringLiteral("it is empty");
    if (shard.find("..") != std::string_view::npos)
        return QStringLiteral("it contains '..'");
    // "://" before '/', which it contains, so a URL is called a URL.
    if (shard.find("://") != std::string_view::npos)
        return QStringLiteral("it contains '://'");
    if (shard.find('/') != std::string_view::npos)
        return QStringLiteral("it contains '/'");
    if (shard.find('\\') != std::string_view::npos)
        return QStringLiteral("it contains '\\'");
    if (shard.find('\0') != std::string_view::npos)
        return QStringLiteral("it contains a NUL character");
    return {};
}

bool isShardIndexName(const QString& fileName)
{
    static const QRegularExpression pattern(QStringLiteral("^.+\\.safetensors\\.index.*\\.json$"));
    return pattern.match(fileName).hasMatch();
}

Result<ShardIndex> parseShardIndex(const QByteArray& json, const QString& path, const ShardNameFn& onShard)
{
    // The cursor needs valid UTF-8 without NUL bytes; either is invalid JSON anyway (NUL only escaped, as \u0000).
    const auto* bytes = reinterpret_cast<const unsigned char*>(json.constData());
    const auto size = static_cast<size_t>(json.size());
    if (const auto bad = findInvalidUtf8(bytes, size))
        return indexError(path, QStringLiteral("it is not valid JSON (invalid UTF-8 at byte %1)").arg(*bad));
    if (const void* nul = std::memchr(bytes, 0, size))
        return indexError(path, QStringLiteral("it is not valid JSON (a NUL byte at byte %1)")
                                    .arg(static_cast<const unsigned char*>(nul) - bytes));

    IndexJsonParser parser(json.constData(), size, onShard);
    if (!parser.parse()) {
        const std::string& reason = parser.failureMessage();
        if (reason.find("nested more than") != std::string::npos)
            return indexError(path, QStringLiteral("it nests deeper than %1 levels").arg(kMaxDepth));
        // The cursor's words are a header's; here the text is an index.
        QString text =
            QString::fromStdString(reason).replace(QStringLiteral("the header"), QStringLiteral("the index"));
        return indexError(
            path, QStringLiteral("it is not valid JSON (%1 at byte %2)").arg(text).arg(parser.failurePosition()));
    }
    if (!parser.topLevelType().empty())
        return indexError(path,
                          QStringLiteral("the top level is %1, not an object").arg(toQString(parser.topLevelType())));

    ShardIndex index;
    index.path = path;

    // "metadata" is optional (older and third-party writers omit it); null is taken as absent. It is small: a DOM
    // keeps its values' compact text exactly as before.
    if (parser.hasMetadata()) {
        const std::string_view text = parser.metadataText();
        Json metadata;
        try {
            metadata = Json::parse(text.begin(), text.end());
        } catch (const nlohmann::json::exception& error) {
            return indexError(path, QStringLiteral("it is not valid JSON (%1)").arg(QString::fromUtf8(error.what())));
        }
        if (!metadata.is_null() && !metadata.is_object())
            return indexError(
                path,
                QStringLiteral("\"metadata\" is %1, not an object").arg(QLatin1StringView(jsonTypeName(metadata))));
        if (metadata.is_object()) {
            for (const auto& [key, value] : metadata.items())
                index.metadata.push_back({key, compact(value)});
            if (const auto total = metadata.find("total_size"); total != metadata.end()) {
                index.totalSize = byteCount(*total);
                if (!index.totalSize)
                    index.unusableTotalSize = compact(*total);
            }
        }
    }

    if (!parser.hasWeightMap())
        return indexError(path, QStringLiteral("it has no \"weight_map\""));
    if (std::string_view(parser.weightMapType()) != "an object")
        return indexError(
            path, QStringLiteral("\"weight_map\" is %1, not an object").arg(QLatin1StringView(parser.weightMapType())));
    if (parser.hasBadEntry()) {
        std::string value(parser.badEntryValue());
        if (auto parsed = Json::parse(value, nullptr, false); !parsed.is_discarded())
            value = compact(parsed);
        return indexError(path,
                          QStringLiteral("weight_map maps tensor %1 to %2, not to a shard file name")
                              .arg(fromStd(quoteForMessage(parser.badEntryKey())), fromStd(quoteForMessage(value))));
    }
    index.weightMap = std::move(parser.entries());
    index.names = parser.names();
    index.shards = std::move(parser.shards());
    if (index.weightMap.empty())
        return indexError(path, QStringLiteral("\"weight_map\" lists no tensors"));

    for (uint32_t ordinal = 0; ordinal < index.shards.size(); ++ordinal) {
        const std::string& shardName = index.shards[ordinal];
        const QString reason = unsafeShardReason(shardName);
        if (reason.isEmpty())
            continue;
        const auto first = std::ranges::find_if(index.weightMap, [&](const auto& e) { return e.shard == ordinal; });
        return indexError(
            path, QStringLiteral("weight_map maps tensor %1 to shard %2, which is refused because %3 "
                                 "(shards must be plain file names next to the index)")
                      .arg(fromStd(quoteForMessage(first->tensor)), fromStd(quoteForMessage(shardName)), reason));
    }
    return index;
}

Result<ShardIndex> readShardIndex(const QString& path, const ShardNameFn& onShard)
{
    // Opened by the bytes of the name (QFile(path) would miss a folder whose name is not UTF-8), never blocking on a
    // FIFO named like an index.
    auto file = openRegularFile(path, platform::ReadOnly);
    if (!file)
        return file.error();
    platform::FileStatus status;
    if (const int err = file->status(status))
        return makeError(
            ErrorKind::IoError,
            QStringLiteral("cannot open the index: %1").arg(QString::fromLocal8Bit(platform::errorText(err))), path);
    if (status.size > static_cast<uint64_t>(kMaxIndexBytes))
        return indexError(path, QStringLiteral("it is %1 bytes long; an index is expected to be far smaller than "
                                               "100,000,000 bytes")
                                    .arg(fromStd(groupDigits(static_cast<unsigned long long>(status.size)))));
    // Parsed where the page cache holds it: a mapping costs a fault per 16 pages already in memory, where a read
    // copied 8 MB into fresh pages (on a virtual machine, a fault in the host as well for each of them: 10 ms for
    // a DeepSeek-sized index, as long as parsing it). Another program truncating the file meanwhile cannot crash
    // the parse (a guarded read: FileChanged).
    const auto size = static_cast<size_t>(status.size);
    if (size == 0)
        return parseShardIndex(QByteArray(), path, onShard);
    platform::FileMapping mapping;
    if (const int err = platform::FileMapping::map(file->handle(), size, mapping))
        return makeError(
            ErrorKind::IoError,
            QStringLiteral("cannot read the index: %1").arg(QString::fromLocal8Bit(platform::errorText(err))), path);
    platform::adviseMemory(mapping.data(), size, platform::MemoryAdvice::WillNeed);
    std::optional<Result<ShardIndex>> parsed;
    const bool whole = SigbusGuard::runGuarded([&] {
        parsed.emplace(parseShardIndex(
            QByteArray::fromRawData(reinterpret_cast<const char*>(mapping.data()), static_cast<qsizetype>(size)), path,
            onShard));
    });
    if (!whole || !parsed)
        return makeError(ErrorKind::FileChanged,
                         QStringLiteral("the index changed while it was read (another program shortened it)"), path);
    return std::move(*parsed);
}

} // namespace safescope
