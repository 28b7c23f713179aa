#pragma once

#include "core/edit/recoveryrecord.h"

#include <QFrame>

class QLabel;
class QPushButton;

namespace safescope {

/// The strip above a document that says an earlier metadata save did not finish (a recovery record and/or
/// temporary files were left beside the file, with their sizes), with Restore and Discard.
class RecoveryBanner final : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecoveryBanner)

public:
    explicit RecoveryBanner(QWidget* parent = nullptr);
    ~RecoveryBanner() override;

    void showFor(const RecoveryInfo& info);
    /// Says what a recovery did (no decision left to make): the text and a Dismiss button.
    void showNotice(const QString& text);
    QString text() const;
    QPushButton* restoreButton() const { return m_restore; }
    QPushButton* discardButton() const { return m_discard; }
    QPushButton* dismissButton() const { return m_dismiss; }

signals:
    void restoreRequested();
    void discardRequested();

private:
    QLabel* m_label;
    QPushButton* m_restore;
    QPushButton* m_discard;
    QPushButton* m_dismiss;
};

} // namespace safescope
