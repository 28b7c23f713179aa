#pragma once

#include <QMainWindow>

class QLabel;
class QMenu;
class QStackedWidget;
class QTabWidget;
class QUndoGroup;

namespace safescope {

class DiffView;
class DocumentView;
class RecentFiles;
class StartPage;

/// The viewer window: the start page or a tab per opened model, menus, drag and drop and the status bar.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens each path in its own tab (or switches to the tab that already shows it). A path may be a remote
    /// location too: an http(s):// URL or a hf:// name.
    void openPaths(const QStringList& paths);
    DocumentView* openPath(const QString& path);
    /// Opens a diff tab comparing two models (files, index files or folders).
    DiffView* comparePaths(const QString& pathA, const QString& pathB);
    void setDemoPath(const QString& path);
    /// Applied to the next document that finishes loading (command line --page / --select / --filter).
    void setStartupView(const QString& page, const QString& tensor, const QString& filter);

    QTabWidget* tabs() const { return m_tabs; }
    DocumentView* currentDocument() const;
    StartPage* startPage() const { return m_startPage; }

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void openDialog();
    void openFolderDialog();
    void openUrlDialog();
    void compareWithUrlDialog();
    void compareDialog();
    void compareWithDialog();
    void closeTab(int index);
    void updateRecentMenu();
    void updateStatus();
    void updateFlatAction();
    void updateCentral();
    void onDocumentState(DocumentView* document);
    void about();
    void onModifiedChanged(DocumentView* document);
    void exportDialog();

    RecentFiles* m_recent;
    QStackedWidget* m_central;
    StartPage* m_startPage;
    QTabWidget* m_tabs;
    QMenu* m_recentMenu = nullptr;
    QAction* m_demoAction = nullptr;
    QAction* m_flatAction = nullptr;
    QLabel* m_fileLabel;
    QLabel* m_countLabel;
    QLabel* m_selectionLabel;
    QString m_demoPath;
    QString m_startupPage;
    QString m_startupTensor;
    QString m_startupFilter;
    // Edit > Undo/Redo follow the current tab's metadata edits.
    QUndoGroup* m_undoGroup;
};

} // namespace safescope
