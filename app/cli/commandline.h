#pragma once

#include <QCommandLineParser>
#include <QStringList>

#include <optional>

namespace safescope::cli {

/// QCommandLineParser set up the way every command needs it: --help, --version, --json, and positional
/// arguments checked for count. Commands add their own options before calling parse().
class CommandLine final
{
public:
    CommandLine(const QString& description, const QStringList& positionalNames,
                const QStringList& positionalDescriptions);

    QCommandLineParser& parser() { return m_parser; }
    /// Parses; returns an exit code when the command must stop now (help shown, usage error printed).
    std::optional<int> parse(const QStringList& arguments);

    bool json() const { return m_parser.isSet(m_json); }
    QString positional(int index) const { return m_parser.positionalArguments().value(index); }
    QString value(const QString& option) const { return m_parser.value(option); }
    QStringList values(const QString& option) const { return m_parser.values(option); }
    bool isSet(const QString& option) const { return m_parser.isSet(option); }

    /// Prints "safescope-cli: message" and the usage line to stderr; returns ExitUsage.
    int usageError(const QString& message) const;

private:
    QCommandLineParser m_parser;
    QCommandLineOption m_json;
    int m_minPositional;
    bool m_variadic = false; ///< the last positional name ends with "...": one or more of it
};

} // namespace safescope::cli
