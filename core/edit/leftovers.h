#pragma once

#include "core/edit/recoveryrecord.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace safescope {

class Model;

/// A file an interrupted save left beside a model: reported by validate, info and the viewer with its size and the
/// command that cleans it up. Built from RecoveryInfo (per file) and the transaction journals (per model).
struct Leftover
{
    enum class Kind : uint8_t
    {
        TempFile,          ///< ".<name>.safescope-XXXXXX.tmp": an interrupted rewrite; the model was not changed
        RecoveryRecord,    ///< ".<name>.safescope-recovery": an interrupted in-place save (see `state`)
        TransactionJournal ///< ".<index|folder>.safescope-transaction": an interrupted edit of several shards
    };
    Kind kind = Kind::TempFile;
    QString path;                              ///< the leftover itself
    QString file;                              ///< the model file it belongs to (the model for a journal)
    uint64_t size = 0;                         ///< bytes on disk
    RecoveryState state = RecoveryState::None; ///< for a recovery record
    QString message;                           ///< one sentence: what it is, its size, what it means
    QString command;                           ///< the command that resolves it
};

const char* leftoverKindName(Leftover::Kind kind); ///< "temp-file", "recovery-record", "transaction-journal"

/// The .safetensors files `path` stands for, found without parsing any (a torn header must not hide its own
/// leftovers): the file itself, an index's shards, or every *.safetensors under a folder (names read as bytes).
QStringList modelFilesWithoutParsing(const QString& path);

/// Every leftover beside the model the user named as `modelPath` (a file, an index or a folder).
std::vector<Leftover> findLeftovers(const QString& modelPath);
/// Same, for an opened model (its shards and its journal).
std::vector<Leftover> findLeftovers(const Model& model);

} // namespace safescope
