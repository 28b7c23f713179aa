#include "ui/diff/diffmetadatatable.h"

#include "ui/models/difftablemodel.h"

#include <QHeaderView>

namespace safescope {

DiffMetadataTable::DiffMetadataTable(QWidget* parent) : QTableWidget(0, 4, parent)
{
    setObjectName(QStringLiteral("diffMetadataTable"));
    setHorizontalHeaderLabels({tr("Key"), tr("Change"), tr("A"), tr("B")});
    setEditTriggers(NoEditTriggers);
    setWordWrap(true);
    verticalHeader()->hide();
    horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    horizontalHeader()->setStretchLastSection(true);
    setColumnWidth(0, 200);
    setColumnWidth(1, 80);
    setColumnWidth(2, 360);
}

DiffMetadataTable::~DiffMetadataTable() = default;

void DiffMetadataTable::setDiff(const MetadataDiff& diff)
{
    setRowCount(0);
    auto addRow = [this](const std::string& key, const QString& change, DiffStatus hueOf, const std::string& a,
                         const std::string& b) {
        const int row = rowCount();
        insertRow(row);
        TensorDiff cue; // reuses the table's status tint, so "removed" looks the same here as for tensors
        cue.status = hueOf;
        const QColor background = DiffTableModel::statusBackground(cue, palette());
        const QStringList cells{QString::fromStdString(key), change, QString::fromStdString(a),
                                QString::fromStdString(b)};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            item->setToolTip(cells[c].left(2000));
            if (background.isValid())
                item->setBackground(background);
            setItem(row, c, item);
        }
    };
    for (const auto& e : diff.removed)
        addRow(e.key, tr("removed"), DiffStatus::OnlyInA, e.value, {});
    for (const auto& e : diff.added)
        addRow(e.key, tr("added"), DiffStatus::OnlyInB, {}, e.value);
    for (const auto& c : diff.changed)
        addRow(c.key, tr("changed"), DiffStatus::ValuesDiffer, c.valueA, c.valueB);
}

} // namespace safescope
