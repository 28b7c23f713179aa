#include "core/safetensorsfile.h"

#include <QCoreApplication>
#include <QTextStream>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const auto file = safescope::SafetensorsFile::open(app.arguments().value(1));
    if (!file) {
        out << file.error().describe() << '\n';
        return 1;
    }
    out << (*file)->header().tensors.size() << " tensors\n";
    return 0;
}
