#include "commandline.h"

#include "commands.h"

#include <QCoreApplication>
#include <QTextStream>

namespace safescope::cli {

CommandLine::CommandLine(const QString& description, const QStringList& positionalNames,
                         const QStringList& positionalDescriptions)
    : m_json(QStringLiteral("json"), QStringLiteral("Print one JSON object instead of text.")),
      m_minPositional(static_cast<int>(positionalNames.size()))
{
    m_parser.setApplicationDescription(description);
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
        QTextStream(stdout) << m_parser.helpText();
        return ExitOk;
    }
    if (m_parser.isSet(QStringLiteral("version"))) {
        QTextStream(stdout) << QCoreApplication::applicationName() << ' ' << QCoreApplication::applicationVersion()
                            << '\n';
        return ExitOk;
    }
    const auto given = m_parser.positionalArguments().size();
    if (given < m_minPositional)
        return usageError(QStringLiteral("missing argument"));
    if (given > m_minPositional)
        return usageError(QStringLiteral("unexpected argument '%1'").arg(m_parser.positionalArguments().last()));
    return std::nullopt;
}

int CommandLine::usageError(const QString& message) const
{
    QTextStream err(stderr);
    err << "safescope-cli: " << message << "\n" << m_parser.helpText().section(QLatin1Char('\n'), 0, 0) << '\n'
        << "Run with --help for details.\n";
    return ExitUsage;
}

} // namespace safescope::cli
