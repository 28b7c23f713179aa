// The SafeScope viewer: parses the command line and shows the main window; everything else lives in st_ui.
#include "core/io/localpath.h"
#include "ui/diff/diffview.h"
#include "ui/window/application.h"
#include "ui/window/democheckpoint.h"
#include "ui/window/mainwindow.h"

#include <QCommandLineParser>

int main(int argc, char* argv[])
{
    safescope::Application app(argc, argv);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Viewer for .safetensors checkpoints."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("paths"),
                                 QStringLiteral("Files (.safetensors, *.safetensors.index.json), model folders, "
                                                "http(s):// URLs or hf://OWNER/REPO[@REV][/PATH]."),
                                 QStringLiteral("[PATH...]"));
    const QCommandLineOption page(QStringLiteral("page"),
                                  QStringLiteral("Page to show first: tensor, overview, metadata, problems, or the "
                                                 "tensor's values, slice or heatmap."),
                                  QStringLiteral("name"));
    const QCommandLineOption select(QStringLiteral("select"), QStringLiteral("Tensor to select (qualified name)."),
                                    QStringLiteral("tensor"));
    const QCommandLineOption filter(QStringLiteral("filter"), QStringLiteral("Initial text of the filter box."),
                                    QStringLiteral("text"));
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Open the bundled demo checkpoint."));
    const QCommandLineOption compare(QStringLiteral("compare"),
                                     QStringLiteral("Compare model A with model B, given as the first PATH."),
                                     QStringLiteral("A"));
    parser.addOptions({page, select, filter, demo, compare});
    parser.process(safescope::decodeArguments(argc, argv)); // non-UTF-8 paths too (core/io/localpath.h)

    safescope::MainWindow window;
    const QString demoPath = safescope::DemoCheckpoint::locate(QStringLiteral(SAFESCOPE_DEMO_BUILD_PATH));
    window.setDemoPath(demoPath);
    window.setStartupView(parser.value(page), parser.value(select), parser.value(filter));
    QObject::connect(&app, &safescope::Application::fileOpenRequested, &window, &safescope::MainWindow::openPath);
    window.show();

    QStringList paths = parser.positionalArguments();
    if (parser.isSet(demo) && !demoPath.isEmpty())
        paths.prepend(demoPath);
    const QString compareWith = parser.isSet(compare) && !paths.isEmpty() ? paths.takeFirst() : QString();
    window.openPaths(paths);
    if (!compareWith.isEmpty())
        window.comparePaths(parser.value(compare), compareWith)->showPage(parser.value(page));
    return app.exec();
}
