#include "ui/window/remotecachedialog.h"

#include "core/remote/blockcache.h"
#include "core/text/format.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QThreadPool>
#include <QVBoxLayout>

namespace safescope {

namespace {
const QString kKey = QStringLiteral("remote/cacheLimitBytes");
constexpr uint64_t kMiB = uint64_t(1) << 20;
} // namespace

void RemoteCacheDialog::applySavedLimit()
{
    const QVariant saved = QSettings().value(kKey);
    if (!saved.isValid() || BlockCache::limitFromEnvironment())
        return;
    BlockCache::shared().setLimit(saved.toULongLong());
}

void RemoteCacheDialog::saveLimit(uint64_t bytes)
{
    QSettings().setValue(kKey, QVariant::fromValue<qulonglong>(bytes));
    applySavedLimit();
    // A lower limit shrinks the folder now, off the GUI thread (eviction walks every block file).
    if (bytes > 0)
        QThreadPool::globalInstance()->start([] { BlockCache::shared().evict(); });
}

RemoteCacheDialog::RemoteCacheDialog(QWidget* parent)
    : QDialog(parent), m_usage(new QLabel(this)), m_limit(new QSpinBox(this)),
      m_clear(new QPushButton(tr("C&lear Cache"), this))
{
    setWindowTitle(tr("Remote Cache"));
    BlockCache& cache = BlockCache::shared();
    const bool fromEnvironment = BlockCache::limitFromEnvironment();
    m_usage->setObjectName(QStringLiteral("cacheUsage"));
    m_usage->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_limit->setObjectName(QStringLiteral("cacheLimit"));
    m_limit->setRange(0, 1024 * 1024); // MiB: up to 1 TiB; 0 turns the cache off
    m_limit->setSuffix(tr(" MiB"));
    m_limit->setSpecialValueText(tr("Off"));
    m_limit->setValue(static_cast<int>(cache.limit() / kMiB));
    m_limit->setEnabled(!fromEnvironment);
    auto* folder = new QLabel(cache.folder(), this);
    folder->setTextInteractionFlags(Qt::TextSelectableByMouse);
    folder->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Folder:"), folder);
    form->addRow(tr("In use:"), m_usage);
    form->addRow(tr("&Limit:"), m_limit);
    auto* why =
        new QLabel(fromEnvironment ? tr("SAFESCOPE_REMOTE_CACHE_BYTES is set: it decides the limit for this process.")
                                   : tr("Blocks of remote files already fetched are kept here, so looking at a tensor "
                                        "again costs no download. The least recently used go first."),
                   this);
    why->setWordWrap(true);
    why->setForegroundRole(QPalette::PlaceholderText);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->addButton(m_clear, QDialogButtonBox::ResetRole);
    connect(buttons, &QDialogButtonBox::accepted, this, [this, fromEnvironment] {
        if (!fromEnvironment)
            saveLimit(static_cast<uint64_t>(m_limit->value()) * kMiB);
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_clear, &QPushButton::clicked, this, [this] {
        BlockCache::shared().clear();
        updateUsage();
    });

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(why);
    layout->addWidget(buttons);
    updateUsage();
}

RemoteCacheDialog::~RemoteCacheDialog() = default;

void RemoteCacheDialog::updateUsage()
{
    const BlockCache& cache = BlockCache::shared();
    m_usage->setText(tr("%1 of %2").arg(format::bytes(cache.usedBytes()), format::bytes(cache.limit())));
}

} // namespace safescope
