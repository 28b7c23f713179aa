#include "ui/metadata/saveconflictdialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace safescope {

namespace {

QString shown(const std::optional<std::string>& value)
{
    if (!value)
        return SaveConflictDialog::tr("(absent)");
    QString text = QString::fromStdString(*value);
    text.replace(u'\n', u' ');
    return text.size() > 300 ? text.left(300) + u'\u2026' : text;
}

} // namespace

SaveConflictDialog::SaveConflictDialog(const SaveConflict& conflict, const QString& target, QWidget* parent)
    : QDialog(parent), m_table(new QTableWidget(this)),
      m_preferMine(new QCheckBox(tr("&Use my values for the keys changed on both sides"), this)),
      m_reapply(new QPushButton(tr("&Reload and Reapply My Changes"), this)),
      m_overwrite(new QPushButton(tr("&Overwrite"), this)), m_saveAs(new QPushButton(tr("Save &As\u2026"), this))
{
    setObjectName(QStringLiteral("saveConflictDialog"));
    setWindowTitle(tr("File Changed on Disk"));
    QStringList files;
    for (const QString& file : conflict.changedFiles)
        files.append(QDir::toNativeSeparators(file));
    QString text = tr("\u201c%1\u201d changed on disk since it was opened, so saving now would overwrite changes "
                      "made by another program.\n\n%2")
                       .arg(target, files.join(u'\n'));
    if (!conflict.changedOnDisk.empty()) {
        QStringList keys;
        for (const std::string& key : conflict.changedOnDisk)
            keys.append(QString::fromStdString(key));
        text += u"\n\n" + tr("Keys changed on disk: %1. Reapplying keeps them unless you changed them too.")
                              .arg(keys.join(QStringLiteral(", ")));
    }
    if (!conflict.canReapply)
        text +=
            u"\n\n" +
            tr("The file cannot be read now, so your changes cannot be reapplied to it: %1").arg(conflict.readError);
    auto* intro = new QLabel(text, this);
    intro->setWordWrap(true);
    intro->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_table->setObjectName(QStringLiteral("conflictTable"));
    m_table->setColumnCount(4);
    m_table->setHorizontalHeaderLabels({tr("Key"), tr("When Opened"), tr("Yours"), tr("On Disk Now")});
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    for (const MetadataConflict& item : conflict.conflicts) {
        const int row = m_table->rowCount();
        m_table->insertRow(row);
        m_table->setItem(row, 0, new QTableWidgetItem(QString::fromStdString(item.key)));
        m_table->setItem(row, 1, new QTableWidgetItem(shown(item.base)));
        m_table->setItem(row, 2, new QTableWidgetItem(shown(item.mine)));
        m_table->setItem(row, 3, new QTableWidgetItem(shown(item.theirs)));
    }
    m_table->resizeColumnsToContents();
    const bool conflicts = !conflict.conflicts.empty();
    auto* conflictLabel =
        new QLabel(tr("%n key(s) changed both here and on disk. Unless you tick the box below, they keep the value "
                      "on disk.",
                      nullptr, static_cast<int>(conflict.conflicts.size())),
                   this);
    conflictLabel->setWordWrap(true);
    conflictLabel->setVisible(conflicts);
    m_table->setVisible(conflicts);
    m_preferMine->setObjectName(QStringLiteral("preferMine"));
    m_preferMine->setVisible(conflicts);

    m_reapply->setObjectName(QStringLiteral("reapplyButton"));
    m_reapply->setEnabled(conflict.canReapply);
    m_reapply->setToolTip(tr("Keeps what changed on disk and applies your added, changed and removed keys on top"));
    m_overwrite->setObjectName(QStringLiteral("overwriteButton"));
    m_overwrite->setVisible(conflict.canOverwrite);
    m_overwrite->setToolTip(tr("Replaces the metadata on disk with yours; changes made on disk are lost"));
    m_saveAs->setObjectName(QStringLiteral("saveAsButton"));
    auto* buttons = new QDialogButtonBox(this);
    buttons->addButton(m_reapply, QDialogButtonBox::AcceptRole);
    buttons->addButton(m_overwrite, QDialogButtonBox::DestructiveRole);
    buttons->addButton(m_saveAs, QDialogButtonBox::ActionRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    m_reapply->setDefault(conflict.canReapply);
    connect(m_reapply, &QPushButton::clicked, this,
            [this] { choose(m_preferMine->isChecked() ? Choice::ReapplyMine : Choice::Reapply); });
    connect(m_overwrite, &QPushButton::clicked, this, [this] { choose(Choice::Overwrite); });
    connect(m_saveAs, &QPushButton::clicked, this, [this] { choose(Choice::SaveAs); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(conflictLabel);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_preferMine);
    layout->addWidget(buttons);
    resize(760, conflicts ? 420 : 240);
}

SaveConflictDialog::~SaveConflictDialog() = default;

void SaveConflictDialog::choose(Choice choice)
{
    m_choice = choice;
    if (choice == Choice::Cancel)
        reject();
    else
        accept();
}

} // namespace safescope
