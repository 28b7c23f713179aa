#pragma once

#include "core/format/error.h"

#include <QRegularExpression>
#include <QString>

#include <string>
#include <string_view>
#include <vector>

namespace safescope {

/// One step of renaming tensors on export: a sed-style regex replacement, or stripping/adding a prefix.
class RenameRule final
{
public:
    /// Parses 's/REGEX/REPL/' with optional flags 'g' (every match, not just the first) and 'i' (ignore case).
    /// Any delimiter may replace '/' ('s|a/b|c|'); a backslash escapes it. REPL refers to groups as \1..\9 and
    /// to the whole match as \0 or &; '\&' and '\\' are literal.
    static Result<RenameRule> parseSubstitution(const QString& text);
    static RenameRule stripPrefix(const QString& prefix); ///< names not starting with it are kept
    static RenameRule addPrefix(const QString& prefix);

    QString apply(const QString& name) const;
    std::string apply(const std::string& name) const;
    const QString& text() const { return m_text; } ///< as given, for messages

private:
    enum class Kind : uint8_t
    {
        Substitute,
        StripPrefix,
        AddPrefix
    };
    RenameRule() = default;
    QString expand(const QRegularExpressionMatch& match) const;

    Kind m_kind = Kind::AddPrefix;
    QRegularExpression m_pattern;
    QString m_replacement;
    bool m_global = false;
    QString m_prefix;
    QString m_text;
};

/// Every rule in order.
std::string applyRenames(const std::vector<RenameRule>& rules, std::string_view name);

} // namespace safescope
