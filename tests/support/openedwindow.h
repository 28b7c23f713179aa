#pragma once

#include <QString>

namespace safescope {
class DocumentView;
class MainWindow;
} // namespace safescope

namespace safescope::test {

/// Shows `window` at a size where every page lays out, opens `path` and waits until it has loaded. The document,
/// or nullptr when it failed or did not load within `timeoutMs`.
DocumentView* openAndWait(MainWindow& window, const QString& path, int timeoutMs);

} // namespace safescope::test
