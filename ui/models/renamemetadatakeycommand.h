#pragma once

#include <QString>
#include <QUndoCommand>

namespace safescope {

class MetadataModel;

/// Renames one header key, keeping its position and value.
class RenameMetadataKeyCommand final : public QUndoCommand
{
public:
    RenameMetadataKeyCommand(MetadataModel* model, int row, QString oldKey, QString newKey);
    ~RenameMetadataKeyCommand() override;
    RenameMetadataKeyCommand(const RenameMetadataKeyCommand&) = delete;
    RenameMetadataKeyCommand& operator=(const RenameMetadataKeyCommand&) = delete;

    void redo() override;
    void undo() override;

private:
    MetadataModel* m_model;
    int m_row;
    QString m_old;
    QString m_new;
};

} // namespace safescope
