#include "ui/window/recoverybanner.h"

#include "core/text/format.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>

namespace safescope {

namespace {

QString tempCount(qsizetype count)
{
    return count == 1 ? RecoveryBanner::tr("1 temporary file") : RecoveryBanner::tr("%1 temporary files").arg(count);
}

} // namespace

RecoveryBanner::RecoveryBanner(QWidget* parent)
    : QFrame(parent), m_label(new QLabel(this)), m_restore(new QPushButton(tr("&Restore Original"), this)),
      m_discard(new QPushButton(tr("&Discard Record"), this)), m_dismiss(new QPushButton(tr("Dis&miss"), this))
{
    // Same palette roles as ChangedBanner: readable in light and dark themes.
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Highlight);
    setForegroundRole(QPalette::HighlightedText);
    m_label->setForegroundRole(QPalette::HighlightedText);
    m_label->setWordWrap(true);
    setFrameShape(QFrame::NoFrame);

    auto* icon = new QLabel(this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(20, 20));
    connect(m_restore, &QPushButton::clicked, this, &RecoveryBanner::restoreRequested);
    connect(m_discard, &QPushButton::clicked, this, &RecoveryBanner::discardRequested);
    connect(m_dismiss, &QPushButton::clicked, this, &QWidget::hide);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->addWidget(icon);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_restore);
    layout->addWidget(m_discard);
    layout->addWidget(m_dismiss);
    m_dismiss->hide();
    hide();
}

RecoveryBanner::~RecoveryBanner() = default;

void RecoveryBanner::showFor(const RecoveryInfo& info)
{
    const QString name = QFileInfo(info.filePath).fileName();
    QString text;
    switch (info.state) {
    case RecoveryState::OriginalIntact:
    case RecoveryState::Unreadable:
        text = tr("A metadata save of \u201c%1\u201d was interrupted before it changed the file. "
                  "Discard the leftover record.")
                   .arg(name);
        break;
    case RecoveryState::NewHeaderIntact:
        text = tr("A metadata save of \u201c%1\u201d was interrupted after the new metadata was written. "
                  "Discard keeps the new metadata; Restore brings back the old.")
                   .arg(name);
        break;
    case RecoveryState::HeaderTorn:
        text = tr("A metadata save of \u201c%1\u201d was interrupted while writing the header: the file is damaged. "
                  "Restore brings back the original header.")
                   .arg(name);
        break;
    case RecoveryState::FileReplaced:
        text = tr("A recovery record of \u201c%1\u201d belongs to an older version of the file; it cannot be restored. "
                  "Discard it.")
                   .arg(name);
        break;
    case RecoveryState::None:
        text = tr("An interrupted rewrite of \u201c%1\u201d left %2 (%3) beside it; the file was not changed. "
                  "Discard removes them.")
                   .arg(name, tempCount(info.tempFiles.size()), format::bytes(info.tempBytes()));
        break;
    }
    if (info.state != RecoveryState::None && !info.tempFiles.isEmpty())
        text += QLatin1Char(' ') + tr("It also left %1 (%2), which are removed either way.")
                                       .arg(tempCount(info.tempFiles.size()), format::bytes(info.tempBytes()));
    // Where the disk space went, file by file.
    QStringList files;
    for (qsizetype i = 0; i < info.tempFiles.size(); ++i)
        files << tr("%1 (%2)").arg(info.tempFiles[i], format::bytes(info.tempFileSizes.at(static_cast<size_t>(i))));
    if (info.state != RecoveryState::None)
        files.prepend(tr("%1 (%2)").arg(info.recordPath, format::bytes(info.recordSize)));
    m_label->setToolTip(files.join(QLatin1Char('\n')));
    m_label->setText(text);
    m_restore->setVisible(info.state == RecoveryState::NewHeaderIntact || info.state == RecoveryState::HeaderTorn ||
                          info.state == RecoveryState::OriginalIntact);
    m_discard->setVisible(info.state != RecoveryState::HeaderTorn);
    m_dismiss->hide();
    show();
}

void RecoveryBanner::showNotice(const QString& text)
{
    m_label->setToolTip({});
    m_label->setText(text);
    m_restore->hide();
    m_discard->hide();
    m_dismiss->show();
    show();
}

QString RecoveryBanner::text() const
{
    return m_label->text();
}

} // namespace safescope
