#pragma once

#include "core/format/error.h"

#include <QRegularExpression>
#include <QString>

#include <string>
#include <vector>

namespace safescope {

/// Rewrites model A's tensor names into model B's naming, so a diff can pair `model.layers.0.x` with `layers.0.x`.
/// Rules apply in order, each to the previous one's output. Rule texts, as the CLI's --map takes them:
///   s/REGEX/REPL/   regex replace of every match (PCRE syntax; \1 in REPL is a capture; \/ is a literal slash)
///   strip:PREFIX    removes PREFIX where a name starts with it
///   add:PREFIX      puts PREFIX in front of every name
class NameMapper final
{
public:
    /// Parses and appends one rule; InvalidArgument (naming the rule) when it cannot be used.
    Status addRule(const QString& text);
    /// Parses every rule, stopping at the first bad one.
    static Result<NameMapper> fromRules(const QStringList& texts);

    bool isEmpty() const { return m_rules.empty(); }
    /// A's name as B would spell it.
    std::string map(const std::string& name) const;

private:
    enum class Kind : uint8_t
    {
        Regex,
        StripPrefix,
        AddPrefix
    };
    struct Rule
    {
        Kind kind = Kind::Regex;
        QRegularExpression regex;
        QString text; ///< replacement or prefix
    };
    std::vector<Rule> m_rules;
};

} // namespace safescope
