#pragma once

#include "core/savehooks.h"

namespace safescope::cli {

/// Hidden test seam: when SAFESCOPE_TEST_CRASH_AFTER names a save step ("record-written", "renamed", ...), the
/// process dies with _exit(86) right after that step, with no cleanup, as a power cut or kill -9 would. "STEP:K"
/// dies at the K-th time the step is reached (a sharded edit reaches "shard-committed" once per shard). Lets the
/// tests kill a real writer between each step. Empty hooks when the variable is unset.
SaveHooks crashHooksFromEnvironment();

} // namespace safescope::cli
