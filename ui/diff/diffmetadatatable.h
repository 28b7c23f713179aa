#pragma once

#include "core/diff/metadatadiff.h"

#include <QTableWidget>

namespace safescope {

/// The `__metadata__` changes of a diff side by side: key, change, A's value, B's value (one row per key).
class DiffMetadataTable final : public QTableWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DiffMetadataTable)

public:
    explicit DiffMetadataTable(QWidget* parent = nullptr);
    ~DiffMetadataTable() override;

    void setDiff(const MetadataDiff& diff);
};

} // namespace safescope
