#pragma once

#include <QWidget>

class QListWidget;
class QPushButton;

namespace safescope {

/// Shown while no model is open: recent files and the ways to open something.
class StartPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StartPage)

public:
    explicit StartPage(QWidget* parent = nullptr);
    ~StartPage() override;

    void setRecentFiles(const QStringList& paths);
    /// An empty path disables "Open demo model".
    void setDemoPath(const QString& path);

signals:
    void openRequested();
    void openFolderRequested();
    void openUrlRequested();
    void pathRequested(const QString& path);

private:
    QListWidget* m_recent;
    QPushButton* m_demo;
    QString m_demoPath;
};

} // namespace safescope
