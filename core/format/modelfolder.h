#pragma once

#include <QString>
#include <QStringList>

namespace safescope {

/// What a folder offers to open as a model (SPEC.md section 5): the index to use, else the .safetensors files
/// directly inside it. Both empty when the folder holds neither.
struct FolderContents
{
    QString index;     ///< absolute path of the preferred *.safetensors.index*.json, or empty
    QStringList files; ///< absolute paths of the .safetensors files, natural order (only when there is no index)
};

/// Looks at the files directly inside `folder` (no recursion).
FolderContents scanModelFolder(const QString& folder);

/// Immediate subfolders (absolute paths, natural order) that hold an index or .safetensors files: diffusers
/// components such as unet/ or text_encoder/.
QStringList componentFolders(const QString& folder);

/// "model-2" < "model-10": digit runs compare by value, so unpadded shard numbers sort as people expect.
bool naturalLess(const QString& left, const QString& right);

} // namespace safescope
