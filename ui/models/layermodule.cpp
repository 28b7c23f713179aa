#include "ui/models/layermodule.h"

#include <QRegularExpression>

namespace safescope {

std::optional<LayerModule> LayerModule::parse(QStringView name)
{
    // Anchored on a dot or the start so that e.g. `graph.0.x` is not read as `h.0`; the index must be followed by a
    // module name, otherwise a flat list like `layers.0` would give an empty column.
    static const QRegularExpression pattern(QStringLiteral(R"((?:^|\.)(?:layers|blocks|h|layer)\.(\d{1,6})\.(.+)$)"));
    const QRegularExpressionMatch match = pattern.match(name);
    if (!match.hasMatch())
        return std::nullopt;
    bool ok = false;
    const int layer = match.capturedView(1).toInt(&ok);
    if (!ok)
        return std::nullopt;
    return LayerModule{layer, match.captured(2)};
}

} // namespace safescope
