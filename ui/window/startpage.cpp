#include "ui/window/startpage.h"

#include "core/remote/location.h"

#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace safescope {

StartPage::StartPage(QWidget* parent)
    : QWidget(parent), m_recent(new QListWidget(this)), m_demo(new QPushButton(tr("Open &Demo Model"), this))
{
    auto* icon = new QLabel(this);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/safescope.svg")).pixmap(96, 96));
    icon->setAlignment(Qt::AlignCenter);

    auto* title = new QLabel(tr("SafeScope"), this);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 2.0);
    titleFont.setBold(true);
    title->setFont(titleFont);
    title->setAlignment(Qt::AlignCenter);

    auto* subtitle = new QLabel(tr("Inspect .safetensors checkpoints: tensors, metadata and problems, without "
                                   "loading a single weight. Drop a file, folder or URL here to open it."),
                                this);
    subtitle->setWordWrap(true);
    subtitle->setAlignment(Qt::AlignCenter);
    subtitle->setForegroundRole(QPalette::PlaceholderText);

    auto* open = new QPushButton(tr("&Open\u2026"), this);
    open->setDefault(true);
    auto* openFolder = new QPushButton(tr("Open &Folder\u2026"), this);
    auto* openUrl = new QPushButton(tr("Open &URL\u2026"), this);
    openUrl->setObjectName(QStringLiteral("openUrlButton"));
    openUrl->setToolTip(tr("A checkpoint on the web or the Hugging Face Hub (hf://OWNER/REPO): only its headers are "
                           "downloaded"));
    connect(openUrl, &QPushButton::clicked, this, &StartPage::openUrlRequested);
    connect(open, &QPushButton::clicked, this, &StartPage::openRequested);
    connect(openFolder, &QPushButton::clicked, this, &StartPage::openFolderRequested);
    connect(m_demo, &QPushButton::clicked, this, [this] { emit pathRequested(m_demoPath); });
    m_demo->setEnabled(false);
    m_demo->setToolTip(tr("The demo checkpoint was not found (build the demo_checkpoint target or install it)."));

    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(open);
    buttons->addWidget(openFolder);
    buttons->addWidget(openUrl);
    buttons->addWidget(m_demo);
    buttons->addStretch();

    auto* recentTitle = new QLabel(tr("Recent"), this);
    QFont bold = recentTitle->font();
    bold.setBold(true);
    recentTitle->setFont(bold);
    m_recent->setObjectName(QStringLiteral("recentList"));
    m_recent->setMinimumHeight(160);
    connect(m_recent, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { emit pathRequested(item->data(Qt::UserRole).toString()); });

    auto* column = new QVBoxLayout;
    column->addStretch(2);
    column->addWidget(icon);
    column->addWidget(title);
    column->addWidget(subtitle);
    column->addSpacing(16);
    column->addLayout(buttons);
    column->addSpacing(24);
    column->addWidget(recentTitle);
    column->addWidget(m_recent, 1);
    column->addStretch(3);

    // A centred column of readable width, whatever the window size.
    auto* outer = new QHBoxLayout(this);
    outer->addStretch(1);
    outer->addLayout(column, 3);
    outer->addStretch(1);
    setAcceptDrops(false); // the main window handles drops
}

StartPage::~StartPage() = default;

void StartPage::setRecentFiles(const QStringList& paths)
{
    m_recent->clear();
    for (const QString& path : paths) {
        // A remote location is shown as the user typed it (URL or hf:// name): it is not a file here.
        const bool remote = isRemoteLocation(path);
        const QFileInfo info(remote ? QString() : path);
        auto* item = new QListWidgetItem(remote ? path
                                                : info.fileName() + QStringLiteral("  \u2014  ") +
                                                      QDir::toNativeSeparators(info.absolutePath()),
                                         m_recent);
        item->setData(Qt::UserRole, path);
        item->setToolTip(remote ? path : QDir::toNativeSeparators(path));
    }
    if (paths.isEmpty()) {
        auto* item = new QListWidgetItem(tr("No recent files yet."), m_recent);
        item->setFlags(Qt::NoItemFlags);
    }
}

void StartPage::setDemoPath(const QString& path)
{
    m_demoPath = path;
    m_demo->setEnabled(!path.isEmpty());
    m_demo->setToolTip(path.isEmpty() ? m_demo->toolTip() : QDir::toNativeSeparators(path));
}

} // namespace safescope
