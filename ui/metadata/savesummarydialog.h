#pragma once

#include "core/format/header.h"

#include <QDialog>

#include <functional>
#include <vector>

class QCheckBox;
class QLabel;
class QTableWidget;

namespace safescope {

/// Shown before a metadata save: every added, removed and changed key with its value before and after, side by
/// side, and the choice to reserve header space so later edits can be saved in place.
class SaveSummaryDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SaveSummaryDialog)

public:
    static constexpr uint64_t kReserveBytes = 4096;

    SaveSummaryDialog(const std::vector<MetadataEntry>& before, const std::vector<MetadataEntry>& after,
                      const QString& target, QWidget* parent = nullptr);
    ~SaveSummaryDialog() override;

    uint64_t reserveBytes() const;
    /// Says under the table what the save will do to the file (in place, or rewritten and its new size), asked
    /// again whenever the reserve choice changes.
    void setOutcome(std::function<QString(uint64_t reserveBytes)> describe);
    QString outcomeText() const;
    QTableWidget* table() const { return m_table; }

    /// Adds which hashes the save changes and keeps (hasheffects.h), for a save of the single file whose header is
    /// `header` (kept by reference: it must outlive the dialog); `saveAs` writes a new file, so never in place.
    void showHashEffects(const Header& header, bool saveAs);
    QLabel* hashEffectsLabel() const { return m_hashEffects; }

private:
    void updateHashEffects();

    QTableWidget* m_table;
    QCheckBox* m_reserve;
    QLabel* m_outcome;
    std::function<QString(uint64_t)> m_describe;
    QLabel* m_hashEffects;
    std::vector<MetadataEntry> m_after;
    const Header* m_header = nullptr;
    bool m_saveAs = false;
};

} // namespace safescope
