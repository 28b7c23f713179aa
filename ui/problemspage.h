#pragma once

#include "core/model.h"
#include "core/warning.h"

#include <QWidget>

#include <vector>

class QLabel;
class QTableView;

namespace safescope {

class ProblemsModel;

/// Every warning of a leniently opened model: unknown dtypes, duplicate names, sharding inconsistencies.
class ProblemsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProblemsPage)

public:
    explicit ProblemsPage(QWidget* parent = nullptr);
    ~ProblemsPage() override;

    /// Shows the model's problems followed by `extra` ones (ProblemsModel::setModelProblems()).
    void setModel(const Model& model, std::vector<Warning> extra = {});
    int count() const;
    QTableView* table() const { return m_table; }

private:
    ProblemsModel* m_model;
    QTableView* m_table;
    QLabel* m_empty;
};

} // namespace safescope
