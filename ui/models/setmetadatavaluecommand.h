#pragma once

#include <QString>
#include <QUndoCommand>

namespace safescope {

class MetadataModel;

/// Changes the value of one header key.
class SetMetadataValueCommand final : public QUndoCommand
{
public:
    SetMetadataValueCommand(MetadataModel* model, int row, QString oldValue, QString newValue);
    ~SetMetadataValueCommand() override;
    SetMetadataValueCommand(const SetMetadataValueCommand&) = delete;
    SetMetadataValueCommand& operator=(const SetMetadataValueCommand&) = delete;

    void redo() override;
    void undo() override;

private:
    MetadataModel* m_model;
    int m_row;
    QString m_old;
    QString m_new;
};

} // namespace safescope
