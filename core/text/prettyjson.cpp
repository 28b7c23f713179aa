#include "core/text/prettyjson.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace safescope {

QString prettyJson(const QString& value)
{
    const QString trimmed = value.trimmed();
    if (!trimmed.startsWith(u'{') && !trimmed.startsWith(u'['))
        return {};
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(trimmed.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        return {};
    return QString::fromUtf8(document.toJson(QJsonDocument::Indented));
}

} // namespace safescope
