#pragma once

#include <QString>

#include <cstdint>
#include <optional>

namespace safescope {

/// A problem that does not stop a lenient open: shown on the viewer's problems page and in `info`.
struct Warning
{
    QString code;                   ///< stable identifier, e.g. "UnknownDType", "MissingShard"
    QString message;                ///< plain sentence naming the tensor and shard
    QString tensor;                 ///< tensor concerned, if any
    QString shard;                  ///< shard file concerned, if any
    std::optional<uint64_t> offset; ///< byte position in the file, if known
};

} // namespace safescope
