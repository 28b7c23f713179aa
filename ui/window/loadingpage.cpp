#include "ui/window/loadingpage.h"

#include "core/remote/httpclient.h"
#include "core/text/format.h"

#include <QDir>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace safescope {

LoadingPage::LoadingPage(QWidget* parent)
    : QWidget(parent), m_label(new QLabel(this)), m_progress(new QLabel(this)),
      m_cancel(new QPushButton(tr("Cancel"), this)), m_poll(new QTimer(this))
{
    m_progress->setObjectName(QStringLiteral("loadingProgress"));
    m_progress->setAlignment(Qt::AlignCenter);
    m_progress->setForegroundRole(QPalette::PlaceholderText);
    m_cancel->setObjectName(QStringLiteral("cancelLoading"));
    m_cancel->hide();
    m_progress->hide();
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_cancel->setEnabled(false);
        m_poll->stop();
        m_progress->setText(tr("Cancelling\u2026"));
        emit cancelRequested();
    });
    // The client counts what it received on its own thread; a few updates a second are plenty for a person.
    m_poll->setInterval(200);
    connect(m_poll, &QTimer::timeout, this, &LoadingPage::updateProgress);
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
    layout->addWidget(m_progress);
    layout->addWidget(m_cancel, 0, Qt::AlignHCenter);
    layout->addStretch();
}

LoadingPage::~LoadingPage() = default;

void LoadingPage::setPath(const QString& path, bool remote)
{
    m_label->setText(tr("Opening %1\u2026").arg(remote ? path : QDir::toNativeSeparators(path)));
    m_cancel->setVisible(remote);
    m_cancel->setEnabled(true);
    m_progress->setVisible(remote);
    m_progress->clear();
    m_poll->stop();
    if (!remote)
        return;
    // The counters are the process's: what other tabs fetch meanwhile is counted too, which is honest enough for
    // a busy page (a per-open count would need the opening code to report it).
    m_bytesAtStart = HttpClient::shared().bytesReceived();
    m_requestsAtStart = HttpClient::shared().requestsSent();
    m_progress->setText(tr("Reading the headers\u2026"));
    m_poll->start();
}

QString LoadingPage::progressText() const
{
    return m_progress->text();
}

void LoadingPage::updateProgress()
{
    const HttpClient& client = HttpClient::shared();
    const uint64_t requests = client.requestsSent() - m_requestsAtStart;
    m_progress->setText(tr("Fetched %1 in %2")
                            .arg(format::bytes(client.bytesReceived() - m_bytesAtStart),
                                 format::counted(requests, u"request", u"requests")));
}

} // namespace safescope
