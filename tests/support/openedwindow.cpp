#include "support/openedwindow.h"

#include "ui/window/documentview.h"
#include "ui/window/mainwindow.h"

#include <QTest>

namespace safescope::test {

DocumentView* openAndWait(MainWindow& window, const QString& path, int timeoutMs)
{
    window.resize(1400, 900);
    window.show();
    DocumentView* document = window.openPath(path);
    if (!document)
        return nullptr;
    const bool settled =
        QTest::qWaitFor([document] { return document->state() != DocumentView::State::Loading; }, timeoutMs);
    return settled && document->state() == DocumentView::State::Ready ? document : nullptr;
}

} // namespace safescope::test
