#pragma once

namespace safescope::platform {

enum class StandardStream
{
    Output,
    Error
};

/// Whether the stream is a terminal (isatty / GetConsoleMode), e.g. to draw progress only for a person.
bool isTerminal(StandardStream stream);

} // namespace safescope::platform
