#pragma once

#include "ui/models/tensortree.h"

#include <QWidget>

#include <memory>

class QFormLayout;
class QLabel;
class QTabWidget;

namespace safescope {

/// Facts about the selected tensor (or module group), with a tab area below reserved for value statistics.
class TensorPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TensorPage)

public:
    explicit TensorPage(QWidget* parent = nullptr);
    ~TensorPage() override;

    void setTree(std::shared_ptr<const TensorTree> tree);
    void showNode(uint32_t node);
    /// The value of a fact row by its label ("DType", "Shape", ...), for tests.
    QString fact(const QString& label) const;
    QString title() const;
    /// Where statistics and plots of the tensor's values go; holds the placeholder tab for now.
    QTabWidget* valuesArea() const { return m_values; }

private:
    void addFact(const QString& label, const QString& value);
    void showTensor(size_t index);
    void showGroup(const TensorTree::Node& node);

    std::shared_ptr<const TensorTree> m_tree;
    QLabel* m_title;
    QLabel* m_kind;
    QFormLayout* m_facts;
    QTabWidget* m_values;
};

} // namespace safescope
