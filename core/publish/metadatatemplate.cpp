#include "core/publish/metadatatemplate.h"

#include "core/io/atomicfilewriter.h"
#include "core/edit/metadatarules.h"
#include "core/io/wholefile.h"

#include <nlohmann/json.hpp>

namespace safescope {

Result<MetadataTemplate> MetadataTemplate::read(const QString& path)
{
    auto bytes = readWholeFile(path);
    if (!bytes)
        return bytes.error();
    // ordered_json keeps the keys in the file's order, which is the order they are added to a model.
    const nlohmann::ordered_json document = nlohmann::ordered_json::parse(bytes->begin(), bytes->end(), nullptr, false);
    if (document.is_discarded() || !document.is_object())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("%1: a metadata template is one JSON object of string values").arg(path), path);
    MetadataTemplate result;
    for (const auto& [key, value] : document.items()) {
        if (!value.is_string())
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("%1: the value of '%2' is not a string (metadata values are strings)")
                                 .arg(path, QString::fromStdString(key)),
                             path);
        result.entries.push_back({key, value.get<std::string>()});
    }
    if (Status valid = validateMetadata(result.entries); !valid) {
        Error error = valid.error();
        error.message = path + QStringLiteral(": ") + error.message;
        error.path = path;
        return error;
    }
    return result;
}

Status MetadataTemplate::write(const QString& path) const
{
    nlohmann::ordered_json document = nlohmann::ordered_json::object();
    for (const MetadataEntry& entry : entries)
        document[entry.key] = entry.value;
    const std::string text = document.dump(2) + '\n';
    auto writer = AtomicFileWriter::create(path, 0644);
    if (!writer)
        return writer.error();
    if (Status written = (*writer)->file().writeAt(text.data(), text.size(), 0); !written)
        return written;
    if (Status finished = (*writer)->finish(); !finished)
        return finished;
    return (*writer)->commit();
}

MetadataEdit MetadataTemplate::edit() const
{
    MetadataEdit result;
    result.set = entries;
    return result;
}

} // namespace safescope
