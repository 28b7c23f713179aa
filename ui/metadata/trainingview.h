#pragma once

#include "core/publish/kohyametadata.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class QTableWidget;

namespace safescope {

class TagFrequencyModel;

/// What kohya sd-scripts recorded about the training, grouped: a summary line (network, dim, alpha, base model),
/// the tag frequencies as a sortable table filtered as you type, the dataset folders, the resolution buckets and the
/// hyper-parameters.
class TrainingView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrainingView)

public:
    explicit TrainingView(QWidget* parent = nullptr);
    ~TrainingView() override;

    void setMetadata(const std::vector<MetadataEntry>& metadata);

    QString summaryText() const;
    /// Shows the tags containing `text` (any column, case-insensitive).
    void setTagFilter(const QString& text);
    QSortFilterProxyModel* tagProxy() const { return m_proxy; }
    QTableWidget* datasetTable() const { return m_datasets; }
    QTableWidget* bucketTable() const { return m_buckets; }
    QTableWidget* parameterTable() const { return m_parameters; }

private:
    QLabel* m_summary;
    QLineEdit* m_filter;
    TagFrequencyModel* m_tags;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_tagTable;
    QTableWidget* m_datasets;
    QTableWidget* m_buckets;
    QTableWidget* m_parameters;
};

} // namespace safescope
