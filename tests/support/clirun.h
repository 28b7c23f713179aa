#pragma once

#include <QByteArray>
#include <QStringList>
#include <nlohmann/json.hpp>

namespace safescope::test {

/// What one run of safescope-cli produced.
struct CliRun
{
    int exitCode = -1; ///< -1 when the process crashed or did not finish within a minute
    QByteArray out;
    QByteArray err;
};

/// Runs the safescope-cli the build registered in $SAFESCOPE_CLI (set by st_add_test) as a real process.
CliRun runCli(const QStringList& arguments);
/// The same, as user "nobody" when the tests run as root (so that permission bits are enforced on the CLI).
CliRun runCliUnprivileged(const QStringList& arguments);

/// Parses the CLI's --json output; throws nlohmann::json::parse_error on invalid text, which fails the test.
nlohmann::json parseJson(const QByteArray& text);

} // namespace safescope::test
