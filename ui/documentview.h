#pragma once

#include "core/error.h"
#include "ui/modelloader.h"

#include <QWidget>

class QFileSystemWatcher;
class QStackedWidget;

namespace safescope {

class ChangedBanner;
class ErrorPage;
class LoadingPage;
class ModelLoader;
class ModelView;

/// One tab: loads a path off the GUI thread and shows the busy page, the error page or the model; watches the
/// files on disk and offers a reload when they change.
class DocumentView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DocumentView)

public:
    enum class State { Loading, Failed, Ready };

    explicit DocumentView(const QString& path, QWidget* parent = nullptr);
    ~DocumentView() override;

    const QString& path() const { return m_path; }
    QString title() const;
    State state() const { return m_state; }
    void reload();

    ModelView* modelView() const { return m_modelView; }
    ErrorPage* errorPage() const { return m_errorPage; }
    ChangedBanner* banner() const { return m_banner; }
    /// Status bar summary ("12 tensors · 1.2 M parameters"); empty unless ready.
    QString summary() const;

signals:
    void stateChanged(safescope::DocumentView::State state);
    void selectionChanged(const QString& text);
    void openRequested();

private:
    void onLoaded(const std::shared_ptr<const LoadedModel>& loaded);
    void onFailed(const Error& error);
    void setState(State state);
    void watch(const QStringList& paths);

    QString m_path;
    State m_state = State::Loading;
    ModelLoader* m_loader;
    QFileSystemWatcher* m_watcher;
    ChangedBanner* m_banner;
    QStackedWidget* m_stack;
    LoadingPage* m_loadingPage;
    ErrorPage* m_errorPage;
    ModelView* m_modelView;
};

} // namespace safescope
