#pragma once

#include <QWidget>

class QLabel;

namespace safescope {

/// The busy page shown while a model opens off the GUI thread.
class LoadingPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoadingPage)

public:
    explicit LoadingPage(QWidget* parent = nullptr);
    ~LoadingPage() override;

    void setPath(const QString& path);

private:
    QLabel* m_label;
};

} // namespace safescope
