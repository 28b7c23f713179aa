#include "ui/window/englishplurals.h"

namespace safescope {

EnglishPlurals::EnglishPlurals(QObject* parent) : QTranslator(parent) {}

EnglishPlurals::~EnglishPlurals() = default;

QString EnglishPlurals::translate(const char* /*context*/, const char* sourceText, const char* /*disambiguation*/,
                                  int n) const
{
    if (n < 0 || sourceText == nullptr)
        return {};
    const QString source = QString::fromUtf8(sourceText);
    if (!source.contains(QLatin1StringView("%n")) || !source.contains(QLatin1StringView("(s)")))
        return {};
    return pluralForm(source, n);
}

QString EnglishPlurals::pluralForm(const QString& source, int n)
{
    QString form = source;
    return form.replace(QLatin1StringView("(s)"), n == 1 ? QString() : QStringLiteral("s"));
}

} // namespace safescope
