#include "core/diff/namemapper.h"

#include <QStringList>

namespace safescope {

namespace {

Error badRule(const QString& text, const QString& why)
{
    return makeError(ErrorKind::InvalidArgument, QStringLiteral("name rule '%1': %2").arg(text, why));
}

// Splits "s/A/B/" into A and B. A backslash before the delimiter makes it literal; other backslashes stay, so regex
// escapes (\., \d) and capture references (\1) pass through untouched.
bool splitSubstitution(const QString& text, QString& pattern, QString& replacement)
{
    if (text.size() < 4 || text[0] != QLatin1Char('s'))
        return false;
    const QChar delimiter = text[1];
    QStringList parts{QString()};
    for (qsizetype i = 2; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c == QLatin1Char('\\') && i + 1 < text.size() && text[i + 1] == delimiter) {
            parts.back() += delimiter;
            ++i;
        } else if (c == delimiter) {
            parts.append(QString());
        } else {
            parts.back() += c;
        }
    }
    // "s/A/B/" splits into A, B and the empty rest after the closing delimiter; flags are not supported.
    if (parts.size() != 3 || !parts[2].isEmpty())
        return false;
    pattern = parts[0];
    replacement = parts[1];
    return true;
}

} // namespace

Status NameMapper::addRule(const QString& text)
{
    Rule rule;
    if (text.startsWith(QLatin1String("strip:"))) {
        rule.kind = Kind::StripPrefix;
        rule.text = text.mid(6);
    } else if (text.startsWith(QLatin1String("add:"))) {
        rule.kind = Kind::AddPrefix;
        rule.text = text.mid(4);
    } else {
        QString pattern;
        if (!splitSubstitution(text, pattern, rule.text))
            return badRule(text, QStringLiteral("expected s/REGEX/REPL/, strip:PREFIX or add:PREFIX"));
        if (pattern.isEmpty())
            return badRule(text, QStringLiteral("the regular expression is empty"));
        rule.regex.setPattern(pattern);
        if (!rule.regex.isValid())
            return badRule(text, rule.regex.errorString());
        rule.regex.optimize(); // applied to every name of the model
    }
    m_rules.push_back(std::move(rule));
    return Ok{};
}

Result<NameMapper> NameMapper::fromRules(const QStringList& texts)
{
    NameMapper mapper;
    for (const QString& text : texts) {
        if (Status ok = mapper.addRule(text); !ok)
            return ok.error();
    }
    return mapper;
}

std::string NameMapper::map(const std::string& name) const
{
    if (m_rules.empty())
        return name;
    QString text = QString::fromStdString(name);
    for (const Rule& rule : m_rules) {
        switch (rule.kind) {
        case Kind::Regex:
            text.replace(rule.regex, rule.text);
            break;
        case Kind::StripPrefix:
            if (text.startsWith(rule.text))
                text.remove(0, rule.text.size());
            break;
        case Kind::AddPrefix:
            text.prepend(rule.text);
            break;
        }
    }
    return text.toStdString();
}

} // namespace safescope
