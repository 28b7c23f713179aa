#include "core/edit/savehooks.h"

namespace safescope {

const char* saveStepName(SaveStep step)
{
    switch (step) {
    case SaveStep::RecordWritten:
        return "record-written";
    case SaveStep::HeaderPartWritten:
        return "header-part-written";
    case SaveStep::HeaderWritten:
        return "header-written";
    case SaveStep::RecordRemoved:
        return "record-removed";
    case SaveStep::TempHeaderWritten:
        return "temp-header-written";
    case SaveStep::TempDataPartCopied:
        return "temp-data-part-copied";
    case SaveStep::TempSynced:
        return "temp-synced";
    case SaveStep::Renamed:
        return "renamed";
    case SaveStep::JournalWritten:
        return "journal-written";
    case SaveStep::ShardCommitted:
        return "shard-committed";
    case SaveStep::JournalRemoved:
        return "journal-removed";
    }
    return "unknown";
}

} // namespace safescope
