#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace safescope {

/// File names on Linux are bytes, not text. Qt decodes them as UTF-8 and turns every invalid byte into U+FFFD, so
/// a file named "caf\xE9.safetensors" (Latin-1, as old archives and Windows shares produce) can be neither opened
/// nor named again. These two functions round-trip any byte string: valid UTF-8 decodes as usual, and each byte
/// that is not part of a valid sequence becomes the lone surrogate U+DC80 + (byte - 0x80) ("surrogate escape"),
/// which encodeLocalPath() turns back into that byte. Every place that hands a path to the operating system uses
/// encodeLocalPath(); paths that come from the system as bytes (argv) use decodeLocalPath().
QString decodeLocalPath(const QByteArray& bytes);
QByteArray encodeLocalPath(const QString& path);

/// `path` made absolute against the current folder and cleaned ("." and ".." resolved by name, no links followed),
/// without the round trip through the system's encoding that QFileInfo::absoluteFilePath() makes for a relative
/// path (which turns a byte that is not UTF-8 into U+FFFD, so the result names no file).
QString absoluteLocalPath(const QString& path);

/// argv decoded with decodeLocalPath(): what QCoreApplication::arguments() gives, minus the lossy decoding.
QStringList decodeArguments(int argc, char* argv[]);

} // namespace safescope
