#pragma once

#include "core/format/error.h"
#include "core/format/headerparser.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace safescope {

class SafetensorsFile;

/// Where a ModelBuilder reads an index and its shards when they are not local files (a web server, the Hub): the
/// builder's checks of an index against its shards are the same whatever the store, so the store is what varies.
class ModelFileSource
{
public:
    virtual ~ModelFileSource() = default;

    /// The whole text of an index.
    virtual Result<QByteArray> readIndex(const QString& location) const = 0;
    /// Opens files by their headers; results[i] answers locations[i]. Implementations fetch them concurrently.
    virtual std::vector<Result<std::shared_ptr<const SafetensorsFile>>> openFiles(const QStringList& locations,
                                                                                  OpenMode mode) const = 0;
    /// The location of shard `name` listed by the index at `indexLocation`.
    virtual QString sibling(const QString& indexLocation, const QString& name) const = 0;
    /// Whether the failure to open `location` means it does not exist (a missing shard rather than a broken one).
    virtual bool isMissing(const QString& location, const Error& error) const = 0;
};

} // namespace safescope
