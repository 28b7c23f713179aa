#include "ui/window/loadingpage.h"

#include <QDir>
#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>

namespace safescope {

LoadingPage::LoadingPage(QWidget* parent) : QWidget(parent), m_label(new QLabel(this))
{
    auto* bar = new QProgressBar(this);
    bar->setRange(0, 0); // header parsing reports no progress: an indeterminate bar says "busy, not frozen"
    bar->setTextVisible(false);
    bar->setMaximumWidth(360);
    m_label->setAlignment(Qt::AlignCenter);
    m_label->setWordWrap(true);

    auto* layout = new QVBoxLayout(this);
    layout->addStretch();
    layout->addWidget(m_label);
    layout->addWidget(bar, 0, Qt::AlignHCenter);
    layout->addStretch();
}

LoadingPage::~LoadingPage() = default;

void LoadingPage::setPath(const QString& path)
{
    m_label->setText(tr("Opening %1\u2026").arg(QDir::toNativeSeparators(path)));
}

} // namespace safescope
