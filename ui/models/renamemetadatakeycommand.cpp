#include "ui/models/renamemetadatakeycommand.h"

#include "ui/models/metadatamodel.h"

#include <QCoreApplication>

#include <utility>

namespace safescope {

RenameMetadataKeyCommand::RenameMetadataKeyCommand(MetadataModel* model, int row, QString oldKey, QString newKey)
    : m_model(model), m_row(row), m_old(std::move(oldKey)), m_new(std::move(newKey))
{
    setText(QCoreApplication::translate("MetadataModel", "Rename \u201c%1\u201d").arg(model->key(row)));
}

RenameMetadataKeyCommand::~RenameMetadataKeyCommand() = default;

void RenameMetadataKeyCommand::redo()
{
    m_model->applyKey(m_row, m_new);
}

void RenameMetadataKeyCommand::undo()
{
    m_model->applyKey(m_row, m_old);
}

} // namespace safescope
