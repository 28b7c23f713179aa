#include "ui/problemspage.h"

#include "ui/models/problemsmodel.h"
#include "ui/models/roles.h"

#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace safescope {

ProblemsPage::ProblemsPage(QWidget* parent)
    : QWidget(parent), m_model(new ProblemsModel(this)), m_table(new QTableView(this)),
      m_empty(new QLabel(tr("No problems found: every check passed."), this))
{
    auto* sorted = new QSortFilterProxyModel(this);
    sorted->setSourceModel(m_model);
    sorted->setSortRole(SortRole);
    m_table->setModel(sorted);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setForegroundRole(QPalette::PlaceholderText);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_empty);
    layout->addWidget(m_table, 1);
}

ProblemsPage::~ProblemsPage() = default;

void ProblemsPage::setModel(const Model& model, std::vector<Warning> extra)
{
    m_model->setModelProblems(model, std::move(extra));
    const bool empty = m_model->rowCount() == 0;
    m_empty->setVisible(empty);
    m_table->setVisible(!empty);
    m_table->resizeColumnsToContents();
}

int ProblemsPage::count() const
{
    return m_model->rowCount();
}

} // namespace safescope
