#pragma once

#include <QString>

namespace safescope::test {

/// Keeps a GUI test out of the user's settings and every earlier run's: test-mode standard paths, the test's own
/// application name, and an empty QSettings store under `folder` (flat list, recent files, window layout).
void isolateSettings(const QString& testName, const QString& folder);

} // namespace safescope::test
