#include "ui/models/removemetadatakeycommand.h"

#include "ui/models/metadatamodel.h"

#include <QCoreApplication>

#include <utility>

namespace safescope {

RemoveMetadataKeyCommand::RemoveMetadataKeyCommand(MetadataModel* model, int row)
    : m_model(model), m_row(row), m_key(model->key(row)), m_value(model->value(row))
{
    setText(QCoreApplication::translate("MetadataModel", "Remove \u201c%1\u201d").arg(model->key(row)));
}

RemoveMetadataKeyCommand::~RemoveMetadataKeyCommand() = default;

void RemoveMetadataKeyCommand::redo()
{
    m_model->applyRemove(m_row);
}

void RemoveMetadataKeyCommand::undo()
{
    m_model->applyInsert(m_row, m_key, m_value);
}

} // namespace safescope
