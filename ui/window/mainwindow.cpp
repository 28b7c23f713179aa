#include "ui/window/mainwindow.h"

#include "core/remote/location.h"
#include "ui/diff/diffview.h"
#include "ui/export/exportdialog.h"
#include "ui/window/documentview.h"
#include "ui/window/droppedlocations.h"
#include "ui/window/modelview.h"
#include "ui/window/openurldialog.h"
#include "ui/window/recentfiles.h"
#include "ui/window/remotecachedialog.h"
#include "ui/window/startpage.h"
#include "ui/window/tensorbrowser.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QUndoGroup>
#include <QUndoStack>

// Q_INIT_RESOURCE cannot be used inside a namespace.
static void initResources()
{
    Q_INIT_RESOURCE(safescope);
}

namespace safescope {

namespace {
/// A local path with the platform's separators; a URL or hf:// name as it is.
QString nativeLocation(const QString& path)
{
    return isRemoteLocation(path) ? path : QDir::toNativeSeparators(path);
}
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_recent(new RecentFiles(this)), m_central(new QStackedWidget(this)),
      m_startPage((initResources(), new StartPage)), m_tabs(new QTabWidget), m_fileLabel(new QLabel(this)),
      m_countLabel(new QLabel(this)), m_selectionLabel(new QLabel(this)), m_undoGroup(new QUndoGroup(this))
{
    setWindowTitle(tr("SafeScope"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/safescope.svg")));
    setAcceptDrops(true);

    m_tabs->setObjectName(QStringLiteral("documentTabs"));
    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    m_tabs->setDocumentMode(true);
    m_central->addWidget(m_startPage);
    m_central->addWidget(m_tabs);
    setCentralWidget(m_central);

    m_selectionLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusBar()->addWidget(m_fileLabel);
    statusBar()->addWidget(m_selectionLabel, 1);
    statusBar()->addPermanentWidget(m_countLabel);

    createActions();
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, &MainWindow::closeTab);
    connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::updateStatus);
    connect(m_tabs, &QTabWidget::currentChanged, this,
            [this] { m_undoGroup->setActiveStack(currentDocument() ? currentDocument()->undoStack() : nullptr); });
    connect(m_startPage, &StartPage::openRequested, this, &MainWindow::openDialog);
    connect(m_startPage, &StartPage::openFolderRequested, this, &MainWindow::openFolderDialog);
    connect(m_startPage, &StartPage::openUrlRequested, this, &MainWindow::openUrlDialog);
    connect(m_startPage, &StartPage::pathRequested, this, &MainWindow::openPath);
    connect(m_recent, &RecentFiles::changed, this, &MainWindow::updateRecentMenu);
    updateRecentMenu();
    updateCentral();
    RemoteCacheDialog::applySavedLimit();

    const QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("mainWindow/geometry")).toByteArray()))
        resize(1400, 860);
    restoreState(settings.value(QStringLiteral("mainWindow/state")).toByteArray());
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(QIcon::fromTheme(QStringLiteral("document-open")), tr("&Open\u2026"), this,
                                    &MainWindow::openDialog);
    open->setShortcut(QKeySequence::Open);
    QAction* folder = file->addAction(QIcon::fromTheme(QStringLiteral("folder-open")), tr("Open &Folder\u2026"), this,
                                      &MainWindow::openFolderDialog);
    folder->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O));
    QAction* url = file->addAction(QIcon::fromTheme(QStringLiteral("network-server")), tr("Open &URL\u2026"), this,
                                   &MainWindow::openUrlDialog);
    url->setObjectName(QStringLiteral("openUrlAction"));
    url->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addAction(tr("Compare &Two\u2026"), this, &MainWindow::compareDialog);
    file->addAction(tr("Compare &With\u2026"), this, &MainWindow::compareWithDialog);
    file->addAction(tr("Compare With U&RL\u2026"), this, &MainWindow::compareWithUrlDialog);
    m_demoAction = file->addAction(tr("Open &Demo Model"), this, [this] { openPath(m_demoPath); });
    m_demoAction->setEnabled(false);
    file->addSeparator();
    QAction* reload = file->addAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Re&load"), this, [this] {
        if (DocumentView* document = currentDocument())
            document->reload();
    });
    reload->setShortcut(QKeySequence::Refresh);
    QAction* save =
        file->addAction(QIcon::fromTheme(QStringLiteral("document-save")), tr("&Save Metadata"), this, [this] {
            if (DocumentView* document = currentDocument())
                document->save();
        });
    save->setShortcut(QKeySequence::Save);
    QAction* saveAs =
        file->addAction(QIcon::fromTheme(QStringLiteral("document-save-as")), tr("Save &As\u2026"), this, [this] {
            if (DocumentView* document = currentDocument())
                document->saveAs();
        });
    saveAs->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    file->addAction(tr("&Export\u2026"), this, &MainWindow::exportDialog);
    QAction* close = file->addAction(tr("&Close Tab"), this, [this] { closeTab(m_tabs->currentIndex()); });
    close->setShortcut(QKeySequence::Close);
    file->addSeparator();
    QAction* quit =
        file->addAction(QIcon::fromTheme(QStringLiteral("application-exit")), tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_undoGroup->createUndoAction(this, tr("&Undo"));
    undo->setIcon(QIcon::fromTheme(QStringLiteral("edit-undo")));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = m_undoGroup->createRedoAction(this, tr("&Redo"));
    redo->setIcon(QIcon::fromTheme(QStringLiteral("edit-redo")));
    redo->setShortcuts({QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)});
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    edit->addAction(tr("Remote &Cache\u2026"), this, [this] {
        RemoteCacheDialog dialog(this);
        dialog.exec();
    });

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* find = view->addAction(tr("&Filter Tensors"), this, [this] {
        if (DocumentView* document = currentDocument())
            document->modelView()->browser()->focusFilter();
    });
    find->setShortcut(QKeySequence::Find);
    QAction* flat = view->addAction(tr("F&lat List"));
    m_flatAction = flat;
    flat->setObjectName(QStringLiteral("flatListAction"));
    flat->setCheckable(true);
    flat->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(flat, &QAction::toggled, this, [this](bool on) {
        if (DocumentView* document = currentDocument())
            document->modelView()->browser()->setFlat(on);
    });
    view->addSeparator();
    const QStringList pages{tr("&Tensor"), tr("&Overview"), tr("&Metadata"), tr("&Problems")};
    for (int i = 0; i < pages.size(); ++i) {
        QAction* page = view->addAction(pages[i], this, [this, i] {
            if (DocumentView* document = currentDocument())
                document->modelView()->pages()->setCurrentIndex(i);
        });
        page->setShortcut(QKeySequence(Qt::ALT | static_cast<Qt::Key>(Qt::Key_1 + i)));
    }

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* about = help->addAction(tr("&About SafeScope"), this, &MainWindow::about);
    about->setMenuRole(QAction::AboutRole);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::openPaths(const QStringList& paths)
{
    for (const QString& path : paths)
        openPath(path);
}

DocumentView* MainWindow::openPath(const QString& path)
{
    if (path.isEmpty())
        return nullptr;
    const QString absolute = absoluteLocation(path);
    for (int i = 0; i < m_tabs->count(); ++i) {
        auto* existing = qobject_cast<DocumentView*>(m_tabs->widget(i));
        if (existing && existing->path() == absolute) {
            m_tabs->setCurrentIndex(i);
            return existing;
        }
    }
    auto* document = new DocumentView(absolute);
    const int index = m_tabs->addTab(document, document->title());
    m_tabs->setTabToolTip(index, nativeLocation(absolute));
    connect(document, &DocumentView::stateChanged, this, [this, document] { onDocumentState(document); });
    connect(document, &DocumentView::previewShown, this, &MainWindow::updateFlatAction);
    // The menu's check follows the browser's Flat button (and the mode restored from the last session).
    connect(document->modelView()->browser(), &TensorBrowser::flatChanged, this, &MainWindow::updateFlatAction);
    connect(document, &DocumentView::selectionChanged, this, &MainWindow::updateStatus);
    connect(document, &DocumentView::openRequested, this, &MainWindow::openDialog);
    connect(document, &DocumentView::modifiedChanged, this, [this, document] { onModifiedChanged(document); });
    connect(document, &DocumentView::saveFinished, this, [this](bool ok, const QString& message) {
        if (ok)
            statusBar()->showMessage(message, 8000);
    });
    m_undoGroup->addStack(document->undoStack());
    m_undoGroup->setActiveStack(document->undoStack());
    m_tabs->setCurrentIndex(index);
    m_recent->add(absolute);
    updateCentral();
    updateStatus();
    return document;
}

void MainWindow::onDocumentState(DocumentView* document)
{
    const int index = m_tabs->indexOf(document);
    if (index >= 0)
        m_tabs->setTabText(index, document->title());
    if (document->state() == DocumentView::State::Ready &&
        !(m_startupPage.isEmpty() && m_startupTensor.isEmpty() && m_startupFilter.isEmpty())) {
        ModelView* view = document->modelView();
        if (!m_startupFilter.isEmpty())
            view->browser()->setFilterText(m_startupFilter);
        // --select names a tensor, or a metadata key when the metadata page is asked for.
        if (!m_startupTensor.isEmpty() && !view->browser()->selectTensor(m_startupTensor))
            view->selectMetadataKey(m_startupTensor);
        if (!m_startupPage.isEmpty())
            view->showPage(m_startupPage);
        m_startupPage.clear();
        m_startupTensor.clear();
        m_startupFilter.clear();
    }
    if (document == currentDocument())
        updateStatus();
}

void MainWindow::setDemoPath(const QString& path)
{
    m_demoPath = path;
    m_demoAction->setEnabled(!path.isEmpty());
    m_startPage->setDemoPath(path);
}

void MainWindow::setStartupView(const QString& page, const QString& tensor, const QString& filter)
{
    m_startupPage = page;
    m_startupTensor = tensor;
    m_startupFilter = filter;
}

DocumentView* MainWindow::currentDocument() const
{
    return qobject_cast<DocumentView*>(m_tabs->currentWidget());
}

/// A checkpoint is a file or a folder: a file dialog first, and a folder dialog when it is cancelled.
static QString pickModel(QWidget* parent, const QString& title)
{
    QString path = QFileDialog::getOpenFileName(
        parent, title, QString(),
        QObject::tr("Safetensors checkpoints (*.safetensors *.index.json *.safetensors.index*.json);;All files (*)"));
    if (path.isEmpty())
        path = QFileDialog::getExistingDirectory(parent, QObject::tr("%1 (folder)").arg(title));
    return path;
}

void MainWindow::openUrlDialog()
{
    OpenUrlDialog dialog(this);
    if (dialog.exec() == QDialog::Accepted)
        openPath(dialog.location());
}

void MainWindow::compareWithUrlDialog()
{
    DocumentView* document = currentDocument();
    const QString a = document ? document->path() : pickModel(this, tr("Compare: Model A"));
    if (a.isEmpty())
        return;
    OpenUrlDialog dialog(this);
    dialog.setWindowTitle(tr("Compare %1 With URL").arg(locationName(a)));
    if (dialog.exec() == QDialog::Accepted)
        comparePaths(a, dialog.location());
}

void MainWindow::openDialog()
{
    const QStringList paths = QFileDialog::getOpenFileNames(
        this, tr("Open Checkpoint"), QString(),
        tr("Safetensors checkpoints (*.safetensors *.index.json *.safetensors.index*.json);;All files (*)"));
    openPaths(paths);
}

void MainWindow::compareDialog()
{
    const QString a = pickModel(this, tr("Compare: Model A"));
    if (a.isEmpty())
        return;
    const QString b = pickModel(this, tr("Compare: Model B"));
    if (!b.isEmpty())
        comparePaths(a, b);
}

void MainWindow::compareWithDialog()
{
    DocumentView* document = currentDocument();
    if (!document) {
        compareDialog();
        return;
    }
    const QString b = pickModel(this, tr("Compare %1 With").arg(document->title()));
    if (!b.isEmpty())
        comparePaths(document->path(), b);
}

DiffView* MainWindow::comparePaths(const QString& pathA, const QString& pathB)
{
    auto* view = new DiffView(absoluteLocation(pathA), absoluteLocation(pathB));
    const int index = m_tabs->addTab(view, view->title());
    m_tabs->setTabToolTip(index, nativeLocation(view->pathA()) + QLatin1Char('\n') + nativeLocation(view->pathB()));
    connect(view, &DiffView::statusChanged, this, [this, view] {
        if (m_tabs->currentWidget() == view)
            updateStatus();
    });
    m_tabs->setCurrentIndex(index);
    updateCentral();
    updateStatus();
    return view;
}

void MainWindow::openFolderDialog()
{
    openPath(QFileDialog::getExistingDirectory(this, tr("Open Model Folder")));
}

void MainWindow::closeTab(int index)
{
    QWidget* document = m_tabs->widget(index);
    if (!document)
        return;
    // Only model tabs hold edits; other tabs (comparisons) close at once.
    if (auto* model = qobject_cast<DocumentView*>(document); model && model->isModified()) {
        m_tabs->setCurrentIndex(index);
        if (!model->confirmClose())
            return;
    }
    m_tabs->removeTab(index);
    document->deleteLater();
    updateCentral();
    updateStatus();
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList paths = m_recent->paths();
    for (const QString& path : paths) {
        // A URL or hf:// name is shown whole: its last part alone ("model.safetensors") says nothing.
        QAction* action = m_recentMenu->addAction(locationName(path), this, [this, path] { openPath(path); });
        action->setToolTip(nativeLocation(path));
        action->setStatusTip(nativeLocation(path));
    }
    if (!paths.isEmpty())
        m_recentMenu->addSeparator();
    QAction* clear = m_recentMenu->addAction(tr("&Clear List"), m_recent, &RecentFiles::clear);
    clear->setEnabled(!paths.isEmpty());
    m_startPage->setRecentFiles(paths);
}

void MainWindow::updateCentral()
{
    m_central->setCurrentWidget(m_tabs->count() > 0 ? static_cast<QWidget*>(m_tabs) : m_startPage);
}

void MainWindow::updateFlatAction()
{
    const DocumentView* document = currentDocument();
    // A tree's preview (shown while a large model's whole tree is built) has no flat list.
    m_flatAction->setEnabled(document != nullptr && !document->modelView()->browser()->showsPreview());
    m_flatAction->setChecked(document && document->modelView()->browser()->isFlat());
}

void MainWindow::updateStatus()
{
    updateFlatAction();
    DocumentView* document = currentDocument();
    if (auto* diff = qobject_cast<DiffView*>(m_tabs->currentWidget())) {
        setWindowTitle(tr("%1 \u2014 SafeScope").arg(diff->title()));
        m_fileLabel->setText(diff->title());
        m_countLabel->clear();
        m_selectionLabel->setText(diff->statusText());
        return;
    }
    if (!document) {
        setWindowTitle(tr("SafeScope"));
        m_fileLabel->clear();
        m_countLabel->clear();
        m_selectionLabel->clear();
        return;
    }
    setWindowTitle(tr("%1 \u2014 SafeScope").arg(document->title()));
    m_fileLabel->setText(nativeLocation(document->path()));
    m_countLabel->setText(document->summary());
    m_selectionLabel->setText(document->modelView()->selectionText());
}

void MainWindow::exportDialog()
{
    DocumentView* document = currentDocument();
    if (!document || document->state() != DocumentView::State::Ready || !document->modelView()->loaded())
        return;
    auto* dialog = new ExportDialog(document->modelView()->loaded()->tree,
                                    document->modelView()->browser()->filterEdit()->text(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void MainWindow::onModifiedChanged(DocumentView* document)
{
    const int index = m_tabs->indexOf(document);
    if (index >= 0)
        m_tabs->setTabText(index, document->title());
    if (document == currentDocument())
        updateStatus();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    for (int i = 0; i < m_tabs->count(); ++i) {
        auto* document = qobject_cast<DocumentView*>(m_tabs->widget(i));
        if (document && document->isModified()) {
            m_tabs->setCurrentIndex(i);
            if (!document->confirmClose()) {
                event->ignore();
                return;
            }
        }
    }
    QSettings settings;
    settings.setValue(QStringLiteral("mainWindow/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("mainWindow/state"), saveState());
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (!droppedLocations(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QStringList paths = droppedLocations(event->mimeData());
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    // Two files dropped together are a question about how they differ.
    if (paths.size() == 2) {
        comparePaths(paths[0], paths[1]);
        return;
    }
    openPaths(paths);
}

void MainWindow::about()
{
    QMessageBox::about(this, tr("About SafeScope"),
                       tr("<h3>SafeScope %1</h3><p>A viewer for .safetensors checkpoints.</p>"
                          "<p>Licensed under the GNU General Public License, version 3 or later.</p>")
                           .arg(QApplication::applicationVersion()));
}

} // namespace safescope
