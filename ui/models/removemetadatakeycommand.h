#pragma once

#include <QString>
#include <QUndoCommand>

namespace safescope {

class MetadataModel;

/// Removes a header key; undo puts it back at its row.
class RemoveMetadataKeyCommand final : public QUndoCommand
{
public:
    RemoveMetadataKeyCommand(MetadataModel* model, int row);
    ~RemoveMetadataKeyCommand() override;
    RemoveMetadataKeyCommand(const RemoveMetadataKeyCommand&) = delete;
    RemoveMetadataKeyCommand& operator=(const RemoveMetadataKeyCommand&) = delete;

    void redo() override;
    void undo() override;

private:
    MetadataModel* m_model;
    int m_row;
    QString m_key;
    QString m_value;
};

} // namespace safescope
