#include "ui/window/application.h"

#include "ui/window/englishplurals.h"

#include <QFileOpenEvent>

namespace safescope {

Application::Application(int& argc, char** argv) : QApplication(argc, argv)
{
    setApplicationName(QStringLiteral("SafeScope"));
    setOrganizationName(QStringLiteral("SafeScope"));
    setApplicationVersion(QStringLiteral(SAFESCOPE_VERSION));
    setDesktopFileName(QStringLiteral("io.github.safescope.SafeScope"));
    installTranslator(new EnglishPlurals(this)); // "1 tensor", "43 tensors" rather than "43 tensor(s)"
}

Application::~Application() = default;

bool Application::event(QEvent* event)
{
    if (event->type() == QEvent::FileOpen) {
        auto* open = static_cast<QFileOpenEvent*>(event);
        // A web link handed over by the system is opened as a remote location.
        const QUrl url = open->url();
        const bool web = url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https");
        const QString path = !open->file().isEmpty() ? open->file() : web ? url.toString() : url.toLocalFile();
        if (!path.isEmpty())
            emit fileOpenRequested(path);
        return true;
    }
    return QApplication::event(event);
}

} // namespace safescope
