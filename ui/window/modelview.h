#pragma once

#include "ui/window/modelloader.h"

#include <QWidget>

#include <memory>

class QSplitter;
class QTabWidget;

namespace safescope {

class Document;
class MetadataPage;
class OverviewPage;
class ProblemsPage;
class TensorBrowser;
class TensorPage;

/// An opened model: the tensor browser on the left, the pages (tensor, overview, metadata, problems) on the right.
class ModelView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelView)

public:
    enum Page
    {
        TensorPageIndex,
        OverviewPageIndex,
        MetadataPageIndex,
        ProblemsPageIndex
    };

    /// The pages observe `document` (metadata edits, scope); setModel() shows a model it has been given.
    explicit ModelView(Document* document, QWidget* parent = nullptr);
    ~ModelView() override;

    void setModel(std::shared_ptr<const LoadedModel> loaded);
    /// The first screen of a model still loading: the tree's preview (TensorTree::buildPreview) in the browser, the
    /// pages left as they are until setModel().
    void showPreview(std::shared_ptr<const TensorTree> preview);
    const std::shared_ptr<const LoadedModel>& loaded() const { return m_loaded; }
    /// Shows a page by name: tensor, overview, metadata, problems, or a values tab of the tensor page (values,
    /// slice, heatmap). False for an unknown name.
    bool showPage(const QString& name);
    bool selectMetadataKey(const QString& key);
    QString selectionText() const { return m_selection; }

    TensorBrowser* browser() const { return m_browser; }
    QTabWidget* pages() const { return m_pages; }
    TensorPage* tensorPage() const { return m_tensorPage; }
    OverviewPage* overviewPage() const { return m_overviewPage; }
    MetadataPage* metadataPage() const { return m_metadataPage; }
    ProblemsPage* problemsPage() const { return m_problemsPage; }

signals:
    void selectionChanged(const QString& text);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    /// Gives the tree its width (the user's, else what its columns need) as far as the pages' minimum allows.
    void fitTree();
    void onCurrentNode(uint32_t node);
    void saveLayout() const;
    void updateMetadataTabText();
    void updateProblemsTabText();
    /// Selects `tensor` and, when `element` >= 0, shows that element in the slice view.
    void showProblemAt(const QString& tensor, qint64 element);

    Document* m_document;
    std::shared_ptr<const LoadedModel> m_loaded;
    QSplitter* m_splitter;
    TensorBrowser* m_browser;
    QTabWidget* m_pages;
    TensorPage* m_tensorPage;
    OverviewPage* m_overviewPage;
    MetadataPage* m_metadataPage;
    ProblemsPage* m_problemsPage;
    QString m_selection;
    int m_treeWidth = 0; ///< the tree width the user chose by dragging the handle; 0 until they do
};

} // namespace safescope
