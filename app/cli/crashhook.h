#pragma once

#include "core/edit/savehooks.h"

namespace safescope::cli {

/// Test seam, live only in safescope-cli-testhooks (the shipping CLI returns empty hooks): when
/// SAFESCOPE_TEST_CRASH_AFTER names a save step ("record-written", "renamed", ...), the
/// process dies with _exit(86) right after that step, with no cleanup, as a power cut or kill -9 would. "STEP:K"
/// dies at the K-th time the step is reached (a sharded edit reaches "shard-committed" once per shard). Lets the
/// tests kill a real writer between each step. Empty hooks when the variable is unset.
SaveHooks crashHooksFromEnvironment();

/// Test seam, live only in safescope-cli-testhooks (the shipping CLI does nothing): when
/// SAFESCOPE_TEST_STOP_BEFORE_READ is set, the process stops itself (SIGSTOP) after opening
/// its input and before reading tensor bytes, so a test can rewrite the file in place at exactly that moment and
/// continue it (SIGCONT): the read must then end with FileChanged. Does nothing when the variable is unset.
void stopBeforeReadIfAsked();

} // namespace safescope::cli
