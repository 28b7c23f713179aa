#pragma once

#include <QWidget>

#include <cstdint>

class QLabel;
class QPushButton;
class QTimer;

namespace safescope {

/// The busy page shown while a model opens off the GUI thread; for a remote location, what crossed the network so
/// far and a Cancel button.
class LoadingPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoadingPage)

public:
    explicit LoadingPage(QWidget* parent = nullptr);
    ~LoadingPage() override;

    /// `remote`: the page shows the bytes and requests of the open as they happen, and a Cancel button.
    void setPath(const QString& path, bool remote = false);
    QString progressText() const;

signals:
    void cancelRequested();

private:
    void updateProgress();

    QLabel* m_label;
    QLabel* m_progress;
    QPushButton* m_cancel;
    QTimer* m_poll;
    uint64_t m_bytesAtStart = 0;
    uint64_t m_requestsAtStart = 0;
};

} // namespace safescope
