#pragma once

#include <QString>
#include <QUndoCommand>

namespace safescope {

class MetadataModel;

/// Inserts a header key at a row.
class AddMetadataKeyCommand final : public QUndoCommand
{
public:
    AddMetadataKeyCommand(MetadataModel* model, int row, QString key, QString value);
    ~AddMetadataKeyCommand() override;
    AddMetadataKeyCommand(const AddMetadataKeyCommand&) = delete;
    AddMetadataKeyCommand& operator=(const AddMetadataKeyCommand&) = delete;

    void redo() override;
    void undo() override;

private:
    MetadataModel* m_model;
    int m_row;
    QString m_key;
    QString m_value;
};

} // namespace safescope
