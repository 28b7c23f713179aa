#include "ui/models/addmetadatakeycommand.h"

#include "ui/models/metadatamodel.h"

#include <QCoreApplication>

#include <utility>

namespace safescope {

AddMetadataKeyCommand::AddMetadataKeyCommand(MetadataModel* model, int row, QString key, QString value)
    : m_model(model), m_row(row), m_key(std::move(key)), m_value(std::move(value))
{
    setText(QCoreApplication::translate("MetadataModel", "Add key"));
}

AddMetadataKeyCommand::~AddMetadataKeyCommand() = default;

void AddMetadataKeyCommand::redo()
{
    m_model->applyInsert(m_row, m_key, m_value);
}

void AddMetadataKeyCommand::undo()
{
    m_model->applyRemove(m_row);
}

} // namespace safescope
