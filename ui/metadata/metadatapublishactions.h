#pragma once

#include <QObject>
#include <QStringList>

class QDialog;
class QToolBar;
class QWidget;

namespace safescope {

class MetadataModel;
class ModelSpecCard;
class TrainingView;

/// The metadata page's publishing tools, in a "Publish" menu on its toolbar: remove the training data kohya left
/// (one undo step; the usual save summary lists what goes), save the current license/author/modelspec keys as a
/// template or apply one (one undo step), and open the Training view and the ModelSpec card for the metadata as
/// edited. Kept apart from MetadataPage so the page only hooks it in.
class MetadataPublishActions final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MetadataPublishActions)

public:
    MetadataPublishActions(MetadataModel* model, QToolBar* toolBar, QWidget* page);
    ~MetadataPublishActions() override;

    /// As the menu does, without dialogs. stripTrainingData returns the keys removed; the others the reason for a
    /// refusal, or empty.
    QStringList stripTrainingData();
    QString saveTemplate(const QString& path) const;
    QString applyTemplate(const QString& path);
    /// Opens (or raises) the non-modal windows; they show the metadata as it is on the page now.
    TrainingView* showTraining();
    ModelSpecCard* showModelSpec();

private:
    void saveTemplateDialog();
    void applyTemplateDialog();
    void report(const QString& problem) const;

    MetadataModel* m_model;
    QWidget* m_page;
    QDialog* m_training = nullptr;
    QDialog* m_modelSpec = nullptr;
};

} // namespace safescope
