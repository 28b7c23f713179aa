#include "ui/metadata/savesummarydialog.h"

#include "core/publish/hasheffects.h"
#include "core/edit/headertext.h"
#include "core/edit/metadatarules.h"
#include "core/edit/saveplan.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace safescope {

namespace {

QString valueOf(const std::vector<MetadataEntry>& entries, const std::string& key)
{
    for (const MetadataEntry& entry : entries) {
        if (entry.key == key)
            return QString::fromStdString(entry.value);
    }
    return {};
}

QString oneLine(QString text)
{
    text.replace(u'\n', u' ');
    return text.size() > 300 ? text.left(300) + u'\u2026' : text;
}

} // namespace

SaveSummaryDialog::SaveSummaryDialog(const std::vector<MetadataEntry>& before, const std::vector<MetadataEntry>& after,
                                     const QString& target, QWidget* parent)
    : QDialog(parent), m_table(new QTableWidget(this)),
      m_reserve(new QCheckBox(tr("&Reserve space for future edits (4 KiB), so the next save is in place"), this)),
      m_outcome(new QLabel(this)), m_hashEffects(new QLabel(this)), m_after(after)
{
    m_hashEffects->setObjectName(QStringLiteral("hashEffects"));
    m_hashEffects->setWordWrap(true);
    m_hashEffects->hide();
    setWindowTitle(tr("Save Metadata"));
    const MetadataChanges changes = compareMetadata(before, after);
    m_table->setObjectName(QStringLiteral("saveSummaryTable"));
    m_table->setColumnCount(4);
    m_table->setHorizontalHeaderLabels({tr("Change"), tr("Key"), tr("Before"), tr("After")});
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    const auto addRows = [&](const std::vector<std::string>& keys, const QString& change) {
        for (const std::string& key : keys) {
            const int row = m_table->rowCount();
            m_table->insertRow(row);
            m_table->setItem(row, 0, new QTableWidgetItem(change));
            m_table->setItem(row, 1, new QTableWidgetItem(QString::fromStdString(key)));
            m_table->setItem(row, 2, new QTableWidgetItem(oneLine(valueOf(before, key))));
            m_table->setItem(row, 3, new QTableWidgetItem(oneLine(valueOf(after, key))));
        }
    };
    addRows(changes.added, tr("added"));
    addRows(changes.removed, tr("removed"));
    addRows(changes.changed, tr("changed"));
    m_table->resizeColumnsToContents();

    auto* intro = new QLabel(tr("%n key(s) added, %1 removed, %2 changed in \u201c%3\u201d.", nullptr,
                                static_cast<int>(changes.added.size()))
                                 .arg(changes.removed.size())
                                 .arg(changes.changed.size())
                                 .arg(target),
                             this);
    intro->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_hashEffects);
    layout->addWidget(m_reserve);
    m_outcome->setObjectName(QStringLiteral("saveOutcome"));
    m_outcome->setWordWrap(true);
    m_outcome->hide();
    layout->addWidget(m_outcome);
    layout->addWidget(buttons);
    connect(m_reserve, &QCheckBox::toggled, this, [this] {
        if (m_describe)
            m_outcome->setText(m_describe(reserveBytes()));
    });
    resize(760, 420);
}

SaveSummaryDialog::~SaveSummaryDialog() = default;

uint64_t SaveSummaryDialog::reserveBytes() const
{
    return m_reserve->isChecked() ? kReserveBytes : 0;
}

void SaveSummaryDialog::setOutcome(std::function<QString(uint64_t)> describe)
{
    m_describe = std::move(describe);
    m_outcome->setVisible(static_cast<bool>(m_describe));
    m_outcome->setText(m_describe ? m_describe(reserveBytes()) : QString());
}

QString SaveSummaryDialog::outcomeText() const
{
    return m_outcome->text();
}

void SaveSummaryDialog::showHashEffects(const Header& header, bool saveAs)
{
    m_header = &header;
    m_saveAs = saveAs;
    connect(m_reserve, &QCheckBox::toggled, this, &SaveSummaryDialog::updateHashEffects, Qt::UniqueConnection);
    updateHashEffects();
    m_hashEffects->show();
}

void SaveSummaryDialog::updateHashEffects()
{
    if (!m_header)
        return;
    // The save's own plan (in place or rewrite, and the new header length) decides what the hashes do.
    const uint64_t text = headerTextKeepingLayout(*m_header, m_after).size();
    const SavePlan plan = planHeaderSave(*m_header, text, !m_saveAs, reserveBytes());
    const HashEffects effects = hashEffectsOfEdit(m_header->headerLength, plan.newHeaderLength, m_header->dataSize(),
                                                  plan.method == SaveMethod::InPlace);
    m_hashEffects->setText(describeHashEffects(effects) + QLatin1Char(' ') +
                           tr("Tools that look the model up by the file's SHA-256 (the Hub, Civitai's AutoV2) will "
                              "not find the saved file under the old value."));
}

} // namespace safescope
