#include "ui/metadata/trainingview.h"

#include "ui/models/roles.h"
#include "ui/models/tagfrequencymodel.h"

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace safescope {

namespace {

QTableWidget* makeTable(const QStringList& headers, QWidget* parent)
{
    auto* table = new QTableWidget(0, static_cast<int>(headers.size()), parent);
    table->setHorizontalHeaderLabels(headers);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    // File order until the user clicks a column: no sort indicator yet.
    table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    table->setSortingEnabled(true);
    return table;
}

QTableWidgetItem* numberItem(int64_t value)
{
    auto* item = new QTableWidgetItem;
    // Data as a number so the column sorts by value, not as text.
    item->setData(Qt::DisplayRole, QVariant::fromValue<qlonglong>(value));
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QTableWidgetItem* textItem(const std::string& text)
{
    return new QTableWidgetItem(QString::fromStdString(text));
}

QTableWidgetItem* optionalNumberItem(const std::optional<int64_t>& value)
{
    return value ? numberItem(*value) : new QTableWidgetItem;
}

} // namespace

TrainingView::TrainingView(QWidget* parent)
    : QWidget(parent), m_summary(new QLabel(this)), m_filter(new QLineEdit(this)), m_tags(new TagFrequencyModel(this)),
      m_proxy(new QSortFilterProxyModel(this)), m_tagTable(new QTableView(this)),
      m_datasets(makeTable({tr("Folder"), tr("Repeats"), tr("Images"), tr("Kind")}, this)),
      m_buckets(makeTable({tr("Width"), tr("Height"), tr("Images")}, this)),
      m_parameters(makeTable({tr("Key"), tr("Value")}, this))
{
    m_summary->setObjectName(QStringLiteral("trainingSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);
    m_proxy->setSourceModel(m_tags);
    m_proxy->setSortRole(SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_tagTable->setObjectName(QStringLiteral("tagFrequencyTable"));
    m_tagTable->setModel(m_proxy);
    m_tagTable->setSortingEnabled(true);
    m_tagTable->sortByColumn(TagFrequencyModel::CountColumn, Qt::DescendingOrder);
    m_tagTable->verticalHeader()->hide();
    m_tagTable->horizontalHeader()->setSectionResizeMode(TagFrequencyModel::TagColumn, QHeaderView::Stretch);
    m_filter->setPlaceholderText(tr("Filter tags"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, &TrainingView::setTagFilter);

    auto* tagsPage = new QWidget(this);
    auto* tagsLayout = new QVBoxLayout(tagsPage);
    tagsLayout->setContentsMargins(0, 0, 0, 0);
    tagsLayout->addWidget(m_filter);
    tagsLayout->addWidget(m_tagTable, 1);

    auto* datasetPage = new QWidget(this);
    auto* datasetLayout = new QVBoxLayout(datasetPage);
    datasetLayout->setContentsMargins(0, 0, 0, 0);
    datasetLayout->addWidget(new QLabel(tr("Dataset folders"), datasetPage));
    datasetLayout->addWidget(m_datasets, 1);
    datasetLayout->addWidget(new QLabel(tr("Resolution buckets"), datasetPage));
    datasetLayout->addWidget(m_buckets, 1);

    auto* tabs = new QTabWidget(this);
    tabs->addTab(tagsPage, tr("Tags"));
    tabs->addTab(datasetPage, tr("Dataset"));
    tabs->addTab(m_parameters, tr("Hyper-parameters"));

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(tabs, 1);
}

TrainingView::~TrainingView() = default;

void TrainingView::setMetadata(const std::vector<MetadataEntry>& metadata)
{
    const KohyaMetadata kohya = parseKohyaMetadata(metadata);
    QString summary = kohya.present ? QString::fromStdString(kohya.summary())
                                    : tr("No kohya sd-scripts training metadata (ss_* keys) in this file.");
    if (kohya.present && kohya.tagFrequency.empty())
        summary += (summary.isEmpty() ? QString() : QStringLiteral(" \u2014 ")) + tr("no tag frequencies");
    for (const std::string& problem : kohya.problems)
        summary += QStringLiteral("\n") + tr("Unreadable: %1").arg(QString::fromStdString(problem));
    m_summary->setText(summary);
    m_tags->setTagFrequency(kohya.tagFrequency);

    m_datasets->setSortingEnabled(false);
    m_datasets->setRowCount(static_cast<int>(kohya.datasetFolders.size()));
    for (int row = 0; row < m_datasets->rowCount(); ++row) {
        const KohyaMetadata::DatasetFolder& folder = kohya.datasetFolders[static_cast<size_t>(row)];
        m_datasets->setItem(row, 0, textItem(folder.name));
        m_datasets->setItem(row, 1, optionalNumberItem(folder.repeats));
        m_datasets->setItem(row, 2, optionalNumberItem(folder.imageCount));
        m_datasets->setItem(row, 3,
                            new QTableWidgetItem(folder.regularization ? tr("regularization") : tr("training")));
    }
    m_datasets->setSortingEnabled(true);

    m_buckets->setSortingEnabled(false);
    m_buckets->setRowCount(static_cast<int>(kohya.buckets.size()));
    for (int row = 0; row < m_buckets->rowCount(); ++row) {
        const KohyaMetadata::Bucket& bucket = kohya.buckets[static_cast<size_t>(row)];
        m_buckets->setItem(row, 0, numberItem(bucket.width));
        m_buckets->setItem(row, 1, numberItem(bucket.height));
        m_buckets->setItem(row, 2, numberItem(bucket.count));
    }
    m_buckets->setSortingEnabled(true);

    m_parameters->setSortingEnabled(false);
    m_parameters->setRowCount(static_cast<int>(kohya.hyperParameters.size()));
    for (int row = 0; row < m_parameters->rowCount(); ++row) {
        const MetadataEntry& entry = kohya.hyperParameters[static_cast<size_t>(row)];
        m_parameters->setItem(row, 0, textItem(entry.key));
        m_parameters->setItem(row, 1, textItem(entry.value));
    }
    m_parameters->resizeColumnToContents(0);
}

QString TrainingView::summaryText() const
{
    return m_summary->text();
}

void TrainingView::setTagFilter(const QString& text)
{
    if (m_filter->text() != text)
        m_filter->setText(text); // comes back here through textChanged
    m_proxy->setFilterFixedString(text);
}

} // namespace safescope
