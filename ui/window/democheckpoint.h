#pragma once

#include <QString>

namespace safescope {

/// Finds the bundled demo checkpoint: next to the build (developer runs), then in the installed data directory.
class DemoCheckpoint final
{
public:
    static constexpr const char* kFileName = "demo-decoder.safetensors";

    /// `buildPath` is the build-tree location the app was compiled with (may be empty). Empty if none exists.
    static QString locate(const QString& buildPath);
};

} // namespace safescope
