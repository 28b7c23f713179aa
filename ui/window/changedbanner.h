#pragma once

#include <QFrame>

class QLabel;

namespace safescope {

/// The strip above a document that says its file changed on disk, with a Reload button.
class ChangedBanner final : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChangedBanner)

public:
    explicit ChangedBanner(QWidget* parent = nullptr);
    ~ChangedBanner() override;

    void showFor(const QString& path);
    QString text() const;

signals:
    void reloadRequested();

private:
    QLabel* m_label;
};

} // namespace safescope
