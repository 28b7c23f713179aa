#pragma once

#include <QApplication>

namespace safescope {

/// The viewer's QApplication: turns macOS Finder "open with" requests (QFileOpenEvent) into a signal.
class Application final : public QApplication
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Application)

public:
    Application(int& argc, char** argv);
    ~Application() override;

signals:
    void fileOpenRequested(const QString& path);

protected:
    bool event(QEvent* event) override;
};

} // namespace safescope
