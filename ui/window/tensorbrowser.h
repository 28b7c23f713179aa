#pragma once

#include "ui/models/tensortree.h"

#include <QWidget>

#include <cstdint>
#include <memory>
#include <vector>

class QLabel;
class QLineEdit;
class QModelIndex;
class QTimer;
class QToolButton;
class QTreeView;

namespace safescope {

class TensorFilterProxyModel;
class TensorTreeModel;

/// The left side of a document: the filter box and the tensor tree (or flat list).
class TensorBrowser final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TensorBrowser)

public:
    explicit TensorBrowser(QWidget* parent = nullptr);
    ~TensorBrowser() override;

    /// Shows a tree snapshot. A preview (TensorTree::buildPreview) is shown while the whole tree is built: it can be
    /// browsed to its depth but not filtered, listed flat or selected from, and the rows opened in it open again
    /// when the whole tree replaces it.
    void setTree(std::shared_ptr<const TensorTree> tree);
    bool showsPreview() const;
    void setFlat(bool flat);
    bool isFlat() const;
    void focusFilter();
    void setFilterText(const QString& text);
    /// Selects a tensor by qualified name; false when there is none.
    bool selectTensor(const QString& name);

    QTreeView* view() const { return m_view; }
    QLineEdit* filterEdit() const { return m_filter; }
    QString filterError() const;
    /// The width at which every column shows whole (after a model opens, columns fit their contents).
    int preferredWidth() const;
    QByteArray headerState() const;
    void restoreHeaderState(const QByteArray& state);

signals:
    /// The current row's snapshot node (TensorTree::kNone when nothing is selected).
    void currentNodeChanged(uint32_t node);
    void flatChanged(bool flat);
    /// Columns grew to fit rows opened later: the tree may be given more width.
    void preferredWidthChanged();

private:
    void applyFilter();
    void updateCount();
    void expandWrappers();
    void fitColumns();
    void growColumns();
    /// The rows from the top level down to `index` (a view index), in the current tree; empty for none.
    std::vector<uint32_t> rowsOf(const QModelIndex& index) const;
    /// Opens the rows these row paths lead to (groups, quantized weights) in the current tree, in order.
    void reopen(const std::vector<std::vector<uint32_t>>& rowPaths);

    QLineEdit* m_filter;
    QToolButton* m_regex;
    QToolButton* m_flat;
    QLabel* m_error;
    QLabel* m_count;
    QTreeView* m_view;
    QTimer* m_debounce;
    TensorTreeModel* m_model;
    TensorFilterProxyModel* m_proxy;
    std::vector<std::vector<uint32_t>> m_openedInPreview; ///< rows the user opened while a preview was shown
    bool m_openingWrappers = false; ///< expandWrappers() at work: fitColumns() follows, no growColumns() needed
};

} // namespace safescope
