#pragma once

namespace safescope::platform {

enum class StandardStream
{
    Output,
    Error
};

/// Whether the stream is a terminal (isatty / GetConsoleMode), e.g. to draw progress only for a person.
bool isTerminal(StandardStream stream);
/// Stops this process until another one continues it (SIGSTOP), so a test can act at a known point; false where
/// the system has no such thing (Windows).
bool stopThisProcess();

} // namespace safescope::platform
