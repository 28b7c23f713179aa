#include "ui/window/changedbanner.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>

namespace safescope {

ChangedBanner::ChangedBanner(QWidget* parent) : QFrame(parent), m_label(new QLabel(this))
{
    // Palette roles, not fixed colours: the highlight pair stays readable in light and dark themes.
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Highlight);
    setForegroundRole(QPalette::HighlightedText);
    m_label->setForegroundRole(QPalette::HighlightedText);
    setFrameShape(QFrame::NoFrame);

    auto* icon = new QLabel(this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxInformation).pixmap(20, 20));
    auto* reload = new QPushButton(tr("&Reload"), this);
    auto* close = new QToolButton(this);
    close->setAutoRaise(true);
    close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    close->setToolTip(tr("Dismiss"));
    connect(reload, &QPushButton::clicked, this, &ChangedBanner::reloadRequested);
    connect(close, &QToolButton::clicked, this, &ChangedBanner::hide);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->addWidget(icon);
    layout->addWidget(m_label, 1);
    layout->addWidget(reload);
    layout->addWidget(close);
    hide();
}

ChangedBanner::~ChangedBanner() = default;

void ChangedBanner::showFor(const QString& path)
{
    m_label->setText(
        tr("\u201c%1\u201d changed on disk. Reload to see the new contents.").arg(QFileInfo(path).fileName()));
    show();
}

QString ChangedBanner::text() const
{
    return m_label->text();
}

} // namespace safescope
