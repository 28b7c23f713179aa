#include "ui/metadata/metadatapublishactions.h"

#include "core/publish/metadatatemplate.h"
#include "ui/models/metadatabulkedit.h"
#include "ui/models/metadatamodel.h"
#include "ui/metadata/modelspeccard.h"
#include "ui/metadata/trainingview.h"

#include <QDialog>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace safescope {

namespace {

QDialog* hostDialog(QWidget* page, QWidget* content, const QString& title, const QString& name)
{
    auto* dialog = new QDialog(page);
    dialog->setObjectName(name);
    dialog->setWindowTitle(title);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(content);
    dialog->resize(760, 560);
    return dialog;
}

} // namespace

MetadataPublishActions::MetadataPublishActions(MetadataModel* model, QToolBar* toolBar, QWidget* page)
    : QObject(page), m_model(model), m_page(page)
{
    setObjectName(QStringLiteral("metadataPublishActions"));
    auto* menu = new QMenu(page);
    menu->addAction(tr("Remove &Training Data"), this, [this] {
        if (stripTrainingData().isEmpty())
            report(tr("This file has no training data keys to remove (tag frequencies, dataset folders, file names)."));
    });
    menu->addSeparator();
    menu->addAction(tr("&Apply Template\u2026"), this, &MetadataPublishActions::applyTemplateDialog);
    menu->addAction(tr("Save Keys as &Template\u2026"), this, &MetadataPublishActions::saveTemplateDialog);
    menu->addSeparator();
    menu->addAction(tr("Trai&ning\u2026"), this, [this] { showTraining(); });
    menu->addAction(tr("&ModelSpec Card\u2026"), this, [this] { showModelSpec(); });
    auto* button = new QToolButton(toolBar);
    button->setObjectName(QStringLiteral("metadataPublishButton"));
    button->setText(tr("&Publish"));
    button->setToolTip(tr("Training data, templates, and the community metadata views"));
    button->setPopupMode(QToolButton::InstantPopup);
    button->setMenu(menu);
    toolBar->addSeparator();
    toolBar->addWidget(button);
}

MetadataPublishActions::~MetadataPublishActions() = default;

QStringList MetadataPublishActions::stripTrainingData()
{
    return safescope::stripTrainingData(m_model);
}

QString MetadataPublishActions::saveTemplate(const QString& path) const
{
    MetadataTemplate keys;
    keys.entries = templateKeysOf(*m_model);
    if (keys.entries.empty())
        return tr("There are no license, author or modelspec keys to keep as a template.");
    if (Status written = keys.write(path); !written)
        return written.error().message;
    return {};
}

QString MetadataPublishActions::applyTemplate(const QString& path)
{
    auto loaded = MetadataTemplate::read(path);
    if (!loaded)
        return loaded.error().message;
    return applyMetadataTemplate(m_model, loaded->entries);
}

TrainingView* MetadataPublishActions::showTraining()
{
    if (!m_training)
        m_training = hostDialog(m_page, new TrainingView, tr("Training"), QStringLiteral("trainingDialog"));
    auto* view = m_training->findChild<TrainingView*>();
    view->setMetadata(m_model->headerEntries());
    m_training->show();
    m_training->raise();
    return view;
}

ModelSpecCard* MetadataPublishActions::showModelSpec()
{
    if (!m_modelSpec)
        m_modelSpec = hostDialog(m_page, new ModelSpecCard, tr("ModelSpec"), QStringLiteral("modelSpecDialog"));
    auto* card = m_modelSpec->findChild<ModelSpecCard*>();
    card->setMetadata(m_model->headerEntries());
    m_modelSpec->show();
    m_modelSpec->raise();
    return card;
}

void MetadataPublishActions::saveTemplateDialog()
{
    const QString path =
        QFileDialog::getSaveFileName(m_page, tr("Save Keys as Template"), QString(), tr("Metadata templates (*.json)"));
    if (!path.isEmpty())
        report(saveTemplate(path));
}

void MetadataPublishActions::applyTemplateDialog()
{
    const QString path =
        QFileDialog::getOpenFileName(m_page, tr("Apply Template"), QString(), tr("Metadata templates (*.json)"));
    if (!path.isEmpty())
        report(applyTemplate(path));
}

void MetadataPublishActions::report(const QString& problem) const
{
    if (!problem.isEmpty())
        QMessageBox::information(m_page, tr("Publish"), problem);
}

} // namespace safescope
