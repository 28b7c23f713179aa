#include "core/export/renamerule.h"

#include "core/text/textutil.h"

namespace safescope {

namespace {

Error badRule(const QString& text, const QString& why)
{
    return makeError(ErrorKind::InvalidArgument, QStringLiteral("the rename rule '%1' %2").arg(text, why));
}

// Splits "s<d>A<d>B<d>FLAGS" at unescaped delimiters; an escaped delimiter loses its backslash, other escapes
// are kept for the regex engine and the replacement expander.
bool splitSubstitution(const QString& text, QString& pattern, QString& replacement, QString& flags)
{
    if (text.size() < 4 || text[0] != QLatin1Char('s'))
        return false;
    const QChar delimiter = text[1];
    if (delimiter == QLatin1Char('\\') || delimiter.isLetterOrNumber() || delimiter.isSpace())
        return false;
    QString parts[3];
    int part = 0;
    for (qsizetype i = 2; i < text.size(); ++i) {
        const QChar c = text[i];
        if (part == 2) {
            parts[2] += c;
            continue;
        }
        if (c == QLatin1Char('\\') && i + 1 < text.size()) {
            if (text[i + 1] != delimiter)
                parts[part] += c;
            parts[part] += text[++i];
            continue;
        }
        if (c == delimiter) {
            ++part;
            continue;
        }
        parts[part] += c;
    }
    if (part != 2)
        return false;
    pattern = parts[0];
    replacement = parts[1];
    flags = parts[2];
    return true;
}

} // namespace

Result<RenameRule> RenameRule::parseSubstitution(const QString& text)
{
    QString pattern, replacement, flags;
    if (!splitSubstitution(text, pattern, replacement, flags))
        return badRule(text, QStringLiteral("is not of the form s/REGEX/REPLACEMENT/ (flags g, i)"));
    RenameRule rule;
    rule.m_kind = Kind::Substitute;
    rule.m_text = text;
    rule.m_replacement = replacement;
    QRegularExpression::PatternOptions options;
    for (const QChar flag : flags) {
        if (flag == QLatin1Char('g'))
            rule.m_global = true;
        else if (flag == QLatin1Char('i'))
            options |= QRegularExpression::CaseInsensitiveOption;
        else
            return badRule(text, QStringLiteral("has an unknown flag '%1'").arg(flag));
    }
    if (pattern.isEmpty())
        return badRule(text, QStringLiteral("has an empty pattern"));
    rule.m_pattern = QRegularExpression(pattern, options);
    if (!rule.m_pattern.isValid())
        return badRule(text, QStringLiteral("has an invalid pattern: %1").arg(rule.m_pattern.errorString()));
    return rule;
}

RenameRule RenameRule::stripPrefix(const QString& prefix)
{
    RenameRule rule;
    rule.m_kind = Kind::StripPrefix;
    rule.m_prefix = prefix;
    rule.m_text = QStringLiteral("strip prefix '%1'").arg(prefix);
    return rule;
}

RenameRule RenameRule::addPrefix(const QString& prefix)
{
    RenameRule rule;
    rule.m_kind = Kind::AddPrefix;
    rule.m_prefix = prefix;
    rule.m_text = QStringLiteral("add prefix '%1'").arg(prefix);
    return rule;
}

QString RenameRule::expand(const QRegularExpressionMatch& match) const
{
    QString out;
    for (qsizetype i = 0; i < m_replacement.size(); ++i) {
        const QChar c = m_replacement[i];
        if (c == QLatin1Char('&')) {
            out += match.captured(0);
        } else if (c == QLatin1Char('\\') && i + 1 < m_replacement.size()) {
            const QChar next = m_replacement[++i];
            if (next.isDigit())
                out += match.captured(next.digitValue());
            else
                out += next;
        } else {
            out += c;
        }
    }
    return out;
}

QString RenameRule::apply(const QString& name) const
{
    switch (m_kind) {
    case Kind::StripPrefix:
        return name.startsWith(m_prefix) ? name.mid(m_prefix.size()) : name;
    case Kind::AddPrefix:
        return m_prefix + name;
    case Kind::Substitute:
        break;
    }
    QString out;
    qsizetype copiedTo = 0;
    auto matches = m_pattern.globalMatch(name);
    while (matches.hasNext()) {
        const QRegularExpressionMatch match = matches.next();
        out += QStringView(name).mid(copiedTo, match.capturedStart() - copiedTo);
        out += expand(match);
        copiedTo = match.capturedEnd();
        if (!m_global)
            break;
    }
    out += QStringView(name).mid(copiedTo);
    return out;
}

std::string RenameRule::apply(const std::string& name) const
{
    return apply(QString::fromStdString(name)).toStdString();
}

std::string applyRenames(const std::vector<RenameRule>& rules, std::string_view name)
{
    if (rules.empty())
        return std::string(name);
    QString text = toQString(name);
    for (const RenameRule& rule : rules)
        text = rule.apply(text);
    return text.toStdString();
}

} // namespace safescope
