#include "ui/models/setmetadatavaluecommand.h"

#include "ui/models/metadatamodel.h"

#include <QCoreApplication>

#include <utility>

namespace safescope {

SetMetadataValueCommand::SetMetadataValueCommand(MetadataModel* model, int row, QString oldValue, QString newValue)
    : m_model(model), m_row(row), m_old(std::move(oldValue)), m_new(std::move(newValue))
{
    setText(QCoreApplication::translate("MetadataModel", "Edit value of \u201c%1\u201d").arg(model->key(row)));
}

SetMetadataValueCommand::~SetMetadataValueCommand() = default;

void SetMetadataValueCommand::redo()
{
    m_model->applyValue(m_row, m_new);
}

void SetMetadataValueCommand::undo()
{
    m_model->applyValue(m_row, m_old);
}

} // namespace safescope
