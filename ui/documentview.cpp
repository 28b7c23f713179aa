#include "ui/documentview.h"

#include "ui/changedbanner.h"
#include "ui/errorpage.h"
#include "ui/loadingpage.h"
#include "ui/modelview.h"
#include "ui/models/format.h"

#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace safescope {

DocumentView::DocumentView(const QString& path, QWidget* parent)
    : QWidget(parent), m_path(QFileInfo(path).absoluteFilePath()), m_loader(new ModelLoader(this)),
      m_watcher(new QFileSystemWatcher(this)), m_banner(new ChangedBanner(this)), m_stack(new QStackedWidget(this)),
      m_loadingPage(new LoadingPage), m_errorPage(new ErrorPage), m_modelView(new ModelView)
{
    m_stack->addWidget(m_loadingPage);
    m_stack->addWidget(m_errorPage);
    m_stack->addWidget(m_modelView);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_banner);
    layout->addWidget(m_stack, 1);

    connect(m_loader, &ModelLoader::loaded, this, &DocumentView::onLoaded);
    connect(m_loader, &ModelLoader::failed, this, &DocumentView::onFailed);
    connect(m_banner, &ChangedBanner::reloadRequested, this, &DocumentView::reload);
    connect(m_errorPage, &ErrorPage::reloadRequested, this, &DocumentView::reload);
    connect(m_errorPage, &ErrorPage::openRequested, this, &DocumentView::openRequested);
    connect(m_modelView, &ModelView::selectionChanged, this, &DocumentView::selectionChanged);
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, [this](const QString& changed) {
        m_banner->showFor(changed);
        // Editors that save by rename drop the watch; keep following the path.
        if (QFileInfo::exists(changed) && !m_watcher->files().contains(changed))
            m_watcher->addPath(changed);
    });
    reload();
}

DocumentView::~DocumentView() = default;

QString DocumentView::title() const
{
    if (m_state == State::Ready && m_modelView->loaded())
        return m_modelView->loaded()->model->displayName();
    return QFileInfo(m_path).fileName();
}

QString DocumentView::summary() const
{
    if (m_state != State::Ready || !m_modelView->loaded())
        return {};
    const Model& model = *m_modelView->loaded()->model;
    return tr("%1 tensors \u00b7 %2 parameters \u00b7 %3")
        .arg(format::count(model.tensorCount()), format::compactCount(model.totalParameters()),
             format::bytes(model.totalFileBytes()));
}

void DocumentView::reload()
{
    m_banner->hide();
    m_loadingPage->setPath(m_path);
    // A reload keeps the old contents on screen until the new ones are ready; only a first open shows the busy page.
    if (m_state != State::Ready)
        m_stack->setCurrentWidget(m_loadingPage);
    setState(State::Loading);
    m_loader->load(m_path);
}

void DocumentView::onLoaded(const std::shared_ptr<const LoadedModel>& loaded)
{
    QStringList files;
    for (const auto& shard : loaded->model->shards())
        files.append(shard.path);
    if (!loaded->model->indexPath().isEmpty())
        files.append(loaded->model->indexPath());
    watch(files);
    m_modelView->setModel(loaded);
    m_stack->setCurrentWidget(m_modelView);
    setState(State::Ready);
}

void DocumentView::onFailed(const Error& error)
{
    // Watch the broken file too: fixing it (e.g. `git lfs pull`) then offers a reload.
    watch({error.path.isEmpty() ? m_path : error.path});
    m_errorPage->setError(error);
    m_stack->setCurrentWidget(m_errorPage);
    setState(State::Failed);
}

void DocumentView::setState(State state)
{
    m_state = state;
    emit stateChanged(state);
}

void DocumentView::watch(const QStringList& paths)
{
    if (!m_watcher->files().isEmpty())
        m_watcher->removePaths(m_watcher->files());
    QStringList existing;
    for (const QString& path : paths) {
        if (QFileInfo(path).isFile())
            existing.append(path);
    }
    if (!existing.isEmpty())
        m_watcher->addPaths(existing);
}

} // namespace safescope
