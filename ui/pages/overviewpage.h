#pragma once

#include "ui/window/modelloader.h"

#include <QWidget>

#include <memory>

class QFormLayout;
class QLabel;
class QTreeView;
class QTreeWidget;

namespace safescope {

class DTypeChart;
class HashesPanel;
class SummaryRowsModel;
struct ModelFacts;

/// The model at a glance: files, header, writer layout, totals per dtype, the largest tensors and modules.
class OverviewPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewPage)

public:
    explicit OverviewPage(QWidget* parent = nullptr);
    ~OverviewPage() override;

    void setModel(const std::shared_ptr<const LoadedModel>& loaded);
    QString fact(const QString& label) const;
    /// The Problems fact: what the Problems page counts now (structure, metadata and, once scanned, values).
    void setProblemCount(int count);
    QTreeView* largestTable() const { return m_largest; }
    QTreeView* modulesTable() const { return m_modules; }
    HashesPanel* hashesPanel() const { return m_hashes; }

private:
    QLabel* addFact(const QString& label, const QString& value);
    /// config.json facts, the layout summary and the memory a run needs (weights, KV cache).
    void addCardFacts(const LoadedModel& loaded, const ModelFacts& facts);
    void fillFiles(const Model& model);
    static void fitRows(QTreeView* table);
    static QTreeWidget* makeTable(const QStringList& headers);
    static QTreeView* makeView(SummaryRowsModel* model);

    QLabel* m_title;
    QFormLayout* m_facts;
    QLabel* m_problems = nullptr; ///< the Problems fact's value, once there is one
    DTypeChart* m_chart;
    QLabel* m_modulesTitle;
    QTreeWidget* m_files;
    QLabel* m_filesTitle;
    SummaryRowsModel* m_largestRows;
    SummaryRowsModel* m_moduleRows;
    QTreeView* m_largest;
    QTreeView* m_modules;
    HashesPanel* m_hashes;
};

} // namespace safescope
