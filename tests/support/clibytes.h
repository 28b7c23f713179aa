#pragma once

#include "support/clirun.h"

#include <QByteArray>
#include <QByteArrayList>

#include <functional>

namespace safescope::test {

/// Runs $SAFESCOPE_CLI with arguments given as raw bytes, in the folder `workingDir` (bytes too): QProcess would
/// encode a file name that is not UTF-8 lossily, so tests of such names start the process with fork/exec.
/// When `whenStopped` is given, $SAFESCOPE_CLI_TESTHOOKS runs with SAFESCOPE_TEST_STOP_BEFORE_READ set: it stops itself
/// after opening its input, `whenStopped` runs (to change the file at exactly that moment), and the CLI is continued.
CliRun runCliBytes(const QByteArrayList& arguments, const QByteArray& workingDir,
                   const std::function<void()>& whenStopped = {});

/// The names in folder `dir` as the bytes readdir() returns ("." and ".." left out), sorted.
QByteArrayList namesIn(const QByteArray& dir);

} // namespace safescope::test
