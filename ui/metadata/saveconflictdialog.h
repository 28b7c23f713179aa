#pragma once

#include "ui/models/saveconflict.h"

#include <QDialog>

class QCheckBox;
class QPushButton;
class QTableWidget;

namespace safescope {

/// Shown when a save finds its files changed on disk since they were read: says which, lists the keys the disk
/// changed and those both sides changed differently, and lets the user choose. Presents a Document's decision
/// (SaveConflict); it decides nothing itself.
class SaveConflictDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SaveConflictDialog)

public:
    enum class Choice
    {
        Cancel,
        Reapply,     ///< merge: the disk's changes stay, the user's edits apply on top; conflicts keep the disk's
        ReapplyMine, ///< as Reapply, with "use my values" confirmed for the conflicting keys
        Overwrite,   ///< the user's metadata replaces the disk's
        SaveAs
    };

    SaveConflictDialog(const SaveConflict& conflict, const QString& target, QWidget* parent = nullptr);
    ~SaveConflictDialog() override;

    Choice choice() const { return m_choice; }
    /// Answers as the button of that choice would (tests; the dialog closes).
    void choose(Choice choice);

    QTableWidget* conflictTable() const { return m_table; }
    QCheckBox* preferMine() const { return m_preferMine; }
    QPushButton* reapplyButton() const { return m_reapply; }
    QPushButton* overwriteButton() const { return m_overwrite; }
    QPushButton* saveAsButton() const { return m_saveAs; }

private:
    Choice m_choice = Choice::Cancel;
    QTableWidget* m_table;
    QCheckBox* m_preferMine;
    QPushButton* m_reapply;
    QPushButton* m_overwrite;
    QPushButton* m_saveAs;
};

} // namespace safescope
