#include "commandline.h"

#include "commands.h"
#include "terminalstream.h"

#include <QCoreApplication>

namespace safescope::cli {

CommandLine::CommandLine(const QString& description, const QStringList& positionalNames,
                         const QStringList& positionalDescriptions)
    : m_json(QStringLiteral("json"), QStringLiteral("Print one JSON object instead of text.")),
      m_minPositional(static_cast<int>(positionalNames.size())),
      m_variadic(!positionalNames.isEmpty() && positionalNames.last().endsWith(QLatin1String("...")))
{
    // Every command documents the one exit-code rule, so no command can describe it differently.
    m_parser.setApplicationDescription(description + QStringLiteral("\n\n") + exitCodeHelp());
    m_parser.addHelpOption();
    m_parser.addVersionOption();
    m_parser.addOption(m_json);
    for (qsizetype i = 0; i < positionalNames.size(); ++i)
        m_parser.addPositionalArgument(positionalNames[i], positionalDescriptions.value(i));
}

std::optional<int> CommandLine::parse(const QStringList& arguments)
{
    if (!m_parser.parse(arguments))
        return usageError(m_parser.errorText());
    if (m_parser.isSet(QStringLiteral("help"))) {
        TerminalStream(stdout) << m_parser.helpText();
        return ExitOk;
    }
    if (m_parser.isSet(QStringLiteral("version"))) {
        TerminalStream(stdout) << QCoreApplication::applicationName() << ' ' << QCoreApplication::applicationVersion()
                               << '\n';
        return ExitOk;
    }
    const auto given = m_parser.positionalArguments().size();
    if (given < m_minPositional)
        return usageError(QStringLiteral("missing argument"));
    if (given > m_minPositional && !m_variadic)
        return usageError(QStringLiteral("unexpected argument '%1'").arg(m_parser.positionalArguments().last()));
    return std::nullopt;
}

int CommandLine::usageError(const QString& message) const
{
    TerminalStream err(stderr);
    err << "safescope-cli: " << message << "\n"
        << m_parser.helpText().section(QLatin1Char('\n'), 0, 0) << '\n'
        << "Run with --help for details.\n";
    return ExitUsage;
}

} // namespace safescope::cli
